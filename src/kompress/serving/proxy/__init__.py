"""``kompress proxy``: compress tool outputs in flight between an agent and its LLM API.

The agent changes only its base URL (``OPENAI_BASE_URL=http://127.0.0.1:8787/v1``,
``ANTHROPIC_BASE_URL=http://127.0.0.1:8787``); the proxy relays everything to the real
API and replaces, inside request bodies, the text of tool outputs of at least
``min_tokens`` model tokens with their compression plus one note line::

    [kompress: compressed {tokens_in}->{tokens_out} tokens; original: {hash}]

The parts: :mod:`.app` (ASGI app, relaying, routing), :mod:`.rewrite` (where tool outputs
sit in OpenAI chat / responses and Anthropic messages bodies; byte-exact splicing),
:mod:`.query` (what the agent is after, per tool output, from the conversation), :mod:`.engine` (cache, worker thread, budget, fail-open, pair logging), :mod:`.store`
(the pair store), :mod:`.redact` (secrets), :mod:`.metrics` (Prometheus), :mod:`.config`
(settings and their environment variables).
"""

from __future__ import annotations

import importlib

# Lazy: ``kompress.serving.proxy.store`` (used by ``kompress data from-log``) must not pull in the
# web stack (starlette, httpx, prometheus_client) just to read pairs.
_EXPORTS = {
    "create_app": ".app",
    "ProxyConfig": ".config",
    "PairStore": ".store",
    "content_hash": ".store",
    "NOTE_FORMAT": ".engine",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
