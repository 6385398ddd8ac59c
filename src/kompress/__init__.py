"""Kompress: compress LLM-agent tool outputs, keeping the words the agent needs."""

from __future__ import annotations

import importlib
from typing import Any

from kompress.version import __version__

# The public names load on first use (PEP 562): `python -m kompress.<tool>` imports this
# package first, and the Claude Code hook runs after every Bash call, most of which it passes
# through unchanged; those calls must not pay for numpy, ONNX Runtime and the decision stack.
_LAZY = {
    "Compressor": "kompress.compressor",
    "CompressResult": "kompress.compressor",
    "NoTrainedModel": "kompress.compressor",
    "MARKER_RE": "kompress.rendering.render",
    "marker": "kompress.rendering.render",
}

__all__ = ["Compressor", "CompressResult", "NoTrainedModel", "marker", "MARKER_RE", "__version__"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'kompress' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
