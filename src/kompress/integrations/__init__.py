"""Kompress where agents already live: a Claude Code hook, LangChain and LlamaIndex adapters.

* :mod:`kompress.integrations.claude_code`: a ``PostToolUse`` hook (``kompress install
  claude-code``) that compresses Bash and MCP tool outputs.
* :mod:`kompress.integrations.langchain`: ``KompressDocumentCompressor``, a LangChain
  ``BaseDocumentCompressor`` (extra ``integrations``: ``langchain-core``).
* :mod:`kompress.integrations.llamaindex`: ``KompressNodePostprocessor``, a LlamaIndex
  node postprocessor (extra ``integrations``: ``llama-index-core``).

Each compresses either in-process (a :class:`~kompress.Compressor`, loaded once per
model folder and backend and shared; ONNX by default, never torch unless asked) or through
a running ``kompress serve`` (in-process when none answers there). All fail open: when
compression fails, the output goes on unchanged (logged on the ``kompress`` logger).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger("kompress")

_LOADED: dict[tuple[str | None, str], Any] = {}
_LOAD_LOCK = threading.Lock()


def get_compressor(model: str | None = None, backend: str = "auto", allow_torch: bool = True):
    """The :class:`~kompress.Compressor` for ``model`` (``None``: the shipped model), loaded once per process.

    ``allow_torch=False`` (the hook) refuses a configuration that would end up on torch
    (seconds and ~0.5 GB per process) instead of loading it.
    """
    key = (None if model is None else str(model), backend)
    with _LOAD_LOCK:
        if key not in _LOADED:
            from kompress.compressor import Compressor, resolve_backend

            if not allow_torch and backend in ("auto", "torch"):
                from kompress.compressor import DEFAULT_MODEL_DIR
                from kompress.modeling.config import KompressConfig

                folder = Path(model or os.environ.get("KOMPRESS_MODEL") or DEFAULT_MODEL_DIR)
                config = KompressConfig.from_dict(json.loads((folder / "config.json").read_text()))
                if resolve_backend(backend, config) == "torch":
                    raise RuntimeError("ONNX Runtime is not installed and this caller never runs torch")
            _LOADED[key] = Compressor.load(model, backend=backend)
        return _LOADED[key]


def compress_text(
    text: str,
    *,
    compressor=None,
    server_url: str | None = None,
    model: str | None = None,
    backend: str = "auto",
    **options: Any,
) -> dict:
    """Compress one text; returns ``{"text", "keep_rate", "domain", "tokens_in", "tokens_out"}``.

    Uses ``server_url`` (a running ``kompress serve``) when given and answering, else
    ``compressor``, else the process-wide compressor for ``model``/``backend``. ``options`` are those of
    :meth:`Compressor.compress` (``domain``, ``rate``, ``threshold``, ``granularity``,
    ``guard``, ``min_tokens``); ``None`` values mean the default.
    """
    from kompress.decision.options import CompressOptions

    opts = CompressOptions.build(**{k: v for k, v in options.items() if v is not None})
    if server_url:
        from kompress.serving.server import ServerUnavailable, remote_compress

        try:
            return remote_compress(server_url, text, opts)
        except ServerUnavailable:
            pass  # nothing listens there: compress here, as the Claude Code hook does
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


def compress_or_pass(text: str, fail_open: bool = True, **kwargs: Any) -> dict | None:
    """:func:`compress_text`, or ``None`` (pass the text on unchanged) when it fails and
    ``fail_open``: an adapter must never cost the agent its tool output."""
    try:
        return compress_text(text, **kwargs)
    except Exception as e:  # noqa: BLE001 - any failure: the original goes through
        if not fail_open:
            raise
        log.warning("kompress: passed the text through uncompressed: %s: %s", type(e).__name__, e)
        return None


__all__ = ["compress_or_pass", "compress_text", "get_compressor", "stats_metadata"]
