"""The client of ``kompress serve``: compress a text with a running server."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from kompress.decision.options import CompressOptions

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8719
DEFAULT_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"


class ServerError(RuntimeError):
    """A compress server answered with an error (``status`` is the HTTP code)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ServerUnavailable(ServerError):
    """No compress server answers at that URL (refused, unreachable or timed out)."""


def remote_compress(url: str, text: str, options: CompressOptions | None = None, *, timeout: float = 120.0,
                    **overrides: Any) -> dict:
    """Compress ``text`` with a running ``kompress serve`` at ``url``.

    ``options`` / ``overrides``: as :meth:`Compressor.compress` (validated here, before any
    request); only values that differ from the defaults are sent. Returns ``{"text", "keep_rate", "domain",
    "tokens_in", "tokens_out"}``. Raises :class:`ServerUnavailable` when nothing
    answers and :class:`ServerError` (with the server's one-line message) otherwise.
    """
    endpoint = url.rstrip("/")
    if not endpoint.endswith("/compress"):
        endpoint += "/compress"
    payload = {"text": text, **CompressOptions.build(options, **overrides).to_dict()}
    req = urllib.request.Request(
        endpoint, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json", "Accept": "application/json"}, method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            data = json.loads(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        try:
            message = json.loads(e.read().decode("utf-8"))["error"]
        except Exception:  # noqa: BLE001 - not one of ours: report the status line
            message = f"{e.code} {e.reason}"
        raise ServerError(f"{endpoint}: {message}", status=e.code) from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        if isinstance(reason, (ConnectionResetError, BrokenPipeError)):
            # A server that refuses a body over its limit answers 413 and closes while the
            # body is still being sent: this side sees the reset, not the answer.
            limit = _max_bytes(url, timeout)
            if limit is not None and len(req.data) > limit:  # type: ignore[arg-type]
                raise ServerError(f"{endpoint}: request body too large: {len(req.data)} bytes, the limit is {limit} "  # type: ignore[arg-type]
                                  "bytes (kompress serve --max-bytes N)", status=413) from None
        if isinstance(reason, TimeoutError):  # something answers, slowly: not "no server"
            raise ServerError(f"{endpoint}: no answer within {timeout:g} s") from None
        raise ServerUnavailable(f"no kompress server at {url} ({reason}); start one with `kompress serve`") from None
    except json.JSONDecodeError:
        raise ServerError(f"{endpoint}: the answer is not JSON; is this a kompress server?") from None
    missing = {"text", "keep_rate", "domain", "tokens_in", "tokens_out"} - set(data if isinstance(data, dict) else ())
    if missing:
        raise ServerError(f"{endpoint}: the answer lacks {', '.join(sorted(missing))}; is this a kompress server?")
    return data


def _max_bytes(url: str, timeout: float) -> int | None:
    """The server's body limit from ``/healthz``, or ``None`` when it does not say."""
    base = url.rstrip("/").removesuffix("/compress")
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=timeout) as resp:
            limit = json.loads(resp.read().decode("utf-8")).get("max_bytes")
    except Exception:  # noqa: BLE001 - only a better message is at stake
        return None
    return limit if isinstance(limit, int) else None
