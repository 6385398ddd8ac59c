"""The backbone's tokenizer, loaded straight from ``tokenizer.json`` when the folder has one.

``tokenizers`` alone loads in milliseconds; ``transformers.AutoTokenizer`` costs a second
or more of imports, which an ONNX-backed compressor (or a CLI call) would pay on every
start. Both read the same ``tokenizer.json``, so ids and offsets are identical (tested);
hub ids and folders without ``tokenizer.json`` still go through ``AutoTokenizer``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kompress.modeling.config import BackboneNotFound, _hub_error, resolve_backbone

_SPECIALS = ("cls_token", "sep_token", "pad_token", "bos_token", "eos_token", "unk_token")


class FastTokenizer:
    """The subset of a Hugging Face fast tokenizer that Kompress uses, on ``tokenizers``."""

    is_fast = True

    def __init__(self, folder: str | Path) -> None:
        from tokenizers import Tokenizer

        folder = Path(folder)
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # tokenizer.json may carry the training-time truncation/padding (MiniLM: 128 tokens);
        # we window long inputs ourselves and pad batches ourselves.
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        names: dict[str, Any] = {}
        for fname in ("tokenizer_config.json", "special_tokens_map.json"):
            f = folder / fname
            if f.is_file():
                data = json.loads(f.read_text())
                names.update({k: data[k] for k in _SPECIALS if data.get(k)})
        for key in _SPECIALS:
            tok = names.get(key)
            if isinstance(tok, dict):  # {"content": "[CLS]", ...}
                tok = tok.get("content")
            setattr(self, f"{key}_id", self.tokenizer.token_to_id(tok) if tok else None)

    @property
    def vocab_size(self) -> int:
        return self.tokenizer.get_vocab_size(with_added_tokens=False)

    def __call__(self, text: str, add_special_tokens: bool = True, return_offsets_mapping: bool = False,
                 **_: Any) -> dict[str, list]:
        enc = self.tokenizer.encode(text, add_special_tokens=add_special_tokens)
        out: dict[str, list] = {"input_ids": enc.ids, "attention_mask": enc.attention_mask}
        if return_offsets_mapping:
            out["offset_mapping"] = enc.offsets
        return out


def load_tokenizer(name_or_path: str):  # type: ignore[no-untyped-def]
    """The backbone's fast tokenizer (offset mappings are required)."""
    path = resolve_backbone(name_or_path)
    if (Path(path) / "tokenizer.json").is_file():
        return FastTokenizer(path)
    from transformers import AutoTokenizer

    _quiet_transformers()
    try:
        tok = AutoTokenizer.from_pretrained(path)
    except (OSError, ValueError) as e:
        raise _hub_error(path, e) from e
    if not getattr(tok, "is_fast", False):
        raise BackboneNotFound(f"{path!r} has no fast tokenizer; Kompress needs offset mappings")
    return tok


def _quiet_transformers() -> None:
    # Library progress bars and "sequence longer than max length" warnings would only
    # confuse users: we window long inputs ourselves.
    import warnings

    from transformers.utils import logging as hf_logging

    # peft calls a deprecated transformers property on load; nothing for users to act on.
    warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
