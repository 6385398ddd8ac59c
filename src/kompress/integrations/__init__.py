"""Kompress where agents already live: a Claude Code hook, LangChain and LlamaIndex adapters.

* :mod:`kompress.integrations.claude_code`: a ``PostToolUse`` hook (``kompress install
  claude-code``) that compresses Bash and MCP tool outputs.
* :mod:`kompress.integrations.langchain`: ``KompressDocumentCompressor``, a LangChain
  ``BaseDocumentCompressor`` (extra ``integrations``: ``langchain-core``).
* :mod:`kompress.integrations.llamaindex`: ``KompressNodePostprocessor``, a LlamaIndex
  node postprocessor (extra ``integrations``: ``llama-index-core``).

Each compresses either in-process (a :class:`~kompress.Compressor`, loaded once per
model folder and backend and shared) or through a running ``kompress serve``.
"""

from __future__ import annotations

import threading
from typing import Any

_LOADED: dict[tuple[str | None, str], Any] = {}
_LOAD_LOCK = threading.Lock()


def get_compressor(model: str | None = None, backend: str = "torch"):
    """The :class:`~kompress.Compressor` for ``model`` (``None``: the shipped model), loaded once per process."""
    key = (None if model is None else str(model), backend)
    with _LOAD_LOCK:
        if key not in _LOADED:
            from kompress.compressor import Compressor

            _LOADED[key] = Compressor.load(model, backend=backend)
        return _LOADED[key]


def compress_text(
    text: str,
    *,
    compressor=None,
    server_url: str | None = None,
    model: str | None = None,
    backend: str = "torch",
    **options: Any,
) -> dict:
    """Compress one text; returns ``{"text", "keep_rate", "domain", "tokens_in", "tokens_out"}``.

    Uses ``server_url`` (a running ``kompress serve``) when given, else ``compressor``,
    else the process-wide compressor for ``model``/``backend``. ``options`` are those of
    :meth:`Compressor.compress` (``domain``, ``rate``, ``threshold``, ``granularity``,
    ``guard``, ``min_tokens``); ``None`` values mean the default.
    """
    from kompress.decision.options import CompressOptions

    opts = CompressOptions.build(**{k: v for k, v in options.items() if v is not None})
    if server_url:
        from kompress.serving.server import remote_compress

        return remote_compress(server_url, text, opts)
    comp = compressor if compressor is not None else get_compressor(model, backend)
    return comp.compress(text, opts).to_dict()


def stats_metadata(result: dict) -> dict:
    """Flat metadata keys describing one compression (added to documents and nodes)."""
    return {
        "kompress_domain": result["domain"],
        "kompress_keep_rate": result["keep_rate"],
        "kompress_tokens_in": result["tokens_in"],
        "kompress_tokens_out": result["tokens_out"],
    }


__all__ = ["compress_text", "get_compressor", "stats_metadata"]
