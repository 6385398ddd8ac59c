"""Kompress: compress LLM-agent tool outputs, keeping the words the agent needs."""

__version__ = "0.1.0"

from .compressor import CompressResult, Compressor, NoTrainedModel  # noqa: E402
from .render import MARKER_RE, marker  # noqa: E402

__all__ = ["Compressor", "CompressResult", "NoTrainedModel", "marker", "MARKER_RE", "__version__"]
