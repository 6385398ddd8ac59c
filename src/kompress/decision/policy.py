"""What a model folder says about keeping and dropping: the decision policy.

The options of one call (:class:`~kompress.decision.options.CompressOptions`) override it;
an option left at ``None`` takes the policy's value. The policy is chosen with the model
(``kompress calibrate`` picks per-domain thresholds and the novelty rate on the val split)
and lives in the model folder's ``config.json`` (keys below), or in a ``policy.json`` beside it,
which wins key by key.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

from kompress.decision.frame import FRAME_KINDS
from kompress.structure.domains import DOMAINS, resolve_granularity

POLICY_NAME = "policy.json"
LINE_SCORES = ("mean", "max", "topK")


@dataclass(frozen=True)
class DecisionPolicy:
    """Per-model decision settings (see the module docstring)."""

    # A unit is kept when its score is above its domain's threshold (``threshold`` when the
    # domain has none of its own).
    threshold: float = 0.5
    domain_thresholds: Mapping[str, float] = field(default_factory=dict)
    # Unit of decision per domain under granularity='auto' (a model keeps the one it was trained for).
    granularity: Mapping[str, str] = field(default_factory=lambda: {d.name: d.granularity for d in DOMAINS.values()})
    # How a line's score comes from its words': "mean" (token-weighted), "max", "topK".
    line_score: str = "mean"
    # Line mode with the guard: bring back dropped lines until this share of the must-keep
    # matches survives (None = off).
    coverage_floor: float | None = None
    # Line mode with the guard: bring back every dropped line carrying at least this many
    # not-yet-kept must-keep values per word (None = off).
    novelty: float | None = None
    # Structure frame per domain ("templates", "json", "listing"; a domain not named: none).
    frames: Mapping[str, str] = field(default_factory=lambda: dict(FRAME_KINDS))
    # A line the frame calls a repeat stays only when its score is this much above the median
    # of its group's repeats (and above the threshold): the model singles it out.
    repeat_margin: float = 0.15
    # Line mode: a prose line with no must-keep or polarity word (filler inside a crash report
    # or a build log) stays only when its score is above this too; None = no such bar.
    filler_threshold: float | None = 0.6
    # A query companion's fusion of its line scores with lexical match (kompress.decision.query:
    # weights by feature name and "bias"); None = its mean line score alone.
    query_fusion: Mapping[str, float] | None = None
    # With the guard, the last this many non-blank lines always stay whole: an agent reads a
    # command's end first (its outcome, the last error, the final values printed).
    tail_lines: int = 1

    def frame_for(self, domain: str) -> str | None:
        """The kind of structure frame of ``domain`` (``None``: none)."""
        return self.frames.get(domain)

    def threshold_for(self, domain: str) -> float:
        """The operating threshold of ``domain``."""
        return float(self.domain_thresholds.get(domain, self.threshold))

    def granularity_for(self, requested: str, domain: str) -> str:
        """``word`` or ``line``: ``requested`` unless it is ``auto``, then this model's unit for ``domain``."""
        return resolve_granularity(requested, domain, self.granularity)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["domain_thresholds"] = dict(self.domain_thresholds)
        d["granularity"] = dict(self.granularity)
        d["frames"] = dict(self.frames)
        d["query_fusion"] = dict(self.query_fusion) if self.query_fusion else None
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "DecisionPolicy":
        """The policy keys of ``d`` (a ``config.json`` or ``policy.json``); other keys are ignored."""
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        for k in ("threshold", "domain_thresholds", "granularity", "line_score", "frames", "repeat_margin",
                  "tail_lines"):
            if known.get(k) is None:
                known.pop(k, None)  # null: the default
        if "granularity" in known:
            known["granularity"] = {**cls().granularity, **known["granularity"]}
        return cls(**known)

    @classmethod
    def from_folder(cls, model_dir: str | os.PathLike, config: Mapping[str, Any] | None = None) -> "DecisionPolicy":
        """The policy of a model folder: ``config.json``'s policy keys, overridden by ``policy.json``."""
        d = Path(model_dir)
        base = dict(config) if config is not None else json.loads((d / "config.json").read_text())
        own = d / POLICY_NAME
        if own.is_file():
            base.update(json.loads(own.read_text()))
        return cls.from_dict(base)
