"""Kompress: compress LLM-agent tool outputs, keeping the words the agent needs."""

from kompress.version import __version__

from kompress.compressor import CompressResult, Compressor, NoTrainedModel  # noqa: E402
from kompress.rendering.render import MARKER_RE, marker  # noqa: E402

__all__ = ["Compressor", "CompressResult", "NoTrainedModel", "marker", "MARKER_RE", "__version__"]
