"""The ASGI app: relay every request to the right upstream, compressing tool outputs on the way.

Routing: a request goes to the Anthropic upstream when its path starts with
``/v1/messages`` or ``/v1/complete`` or it carries an ``anthropic-version`` header (the
Anthropic SDKs always send one); everything else goes to the OpenAI upstream. The request
path and query are appended to the upstream URL as received; an upstream URL that already
ends in ``/v1`` does not get a second one.

Only ``POST`` bodies of the three tool-carrying flavours (see
:mod:`kompress.serving.proxy.rewrite`) are ever changed, and only inside tool-output strings. All
other bytes, all headers except hop-by-hop ones, every other path (``/v1/models`` ...) and
every response (status, headers, body; streams relayed chunk by chunk as they arrive) pass
through untouched. Own endpoints: ``GET /healthz``, ``GET /metrics``,
``GET /v1/kompress/originals/{hash}``.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, AsyncIterator

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from kompress.serving.http import BodyTooLarge, read_body
from kompress.serving.proxy.config import ProxyConfig
from kompress.serving.proxy.engine import CompressionEngine
from kompress.serving.proxy.metrics import Metrics
from kompress.serving.proxy.rewrite import api_for_path, find_tool_texts, splice
from kompress.serving.proxy.store import HASH_CHARS, PairStore

if TYPE_CHECKING:
    from kompress.compressor import Compressor

log = logging.getLogger("kompress.serving.proxy")

# RFC 9110 section 7.6.1, plus the de-facto ``proxy-connection``; ``host`` and
# ``content-length`` are set anew for the upstream request.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te",
     "trailer", "trailers", "transfer-encoding", "upgrade"}
)
_HASH_RE = re.compile(rf"^[0-9a-f]{{{HASH_CHARS}}}$")
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def create_app(
    config: ProxyConfig | None = None,
    compressor: "Compressor | None" = None,
    store: PairStore | None = None,
) -> Starlette:
    """Build the proxy app.

    ``compressor``: an already loaded :class:`~kompress.Compressor` (otherwise the model in
    ``config.model`` is loaded in the worker thread at start-up). ``store``: a
    :class:`PairStore` (otherwise one is opened on ``config.log_db`` when set, with its
    write-ahead journal at ``config.journal_path()``).
    """
    config = config or ProxyConfig.from_env()
    metrics = Metrics()
    if store is None and config.log_db:
        store = PairStore(config.log_db, journal=config.journal_path(), shutdown_timeout=config.shutdown_timeout)
    engine = CompressionEngine(config, compressor=compressor, store=store, metrics=metrics)
    upstreams = {"openai": config.upstream_openai, "anthropic": config.upstream_anthropic}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.http = httpx.AsyncClient(
            timeout=httpx.Timeout(config.upstream_timeout, connect=min(30.0, config.upstream_timeout)),
            limits=httpx.Limits(max_connections=512, max_keepalive_connections=64),
            follow_redirects=False,  # redirects are the client's business
            trust_env=False,
        )
        if config.mode != "off":
            engine.preload()
        try:
            yield
        finally:
            await app.state.http.aclose()
            await engine.aclose()

    async def healthz(request: Request) -> Response:
        journal = {"journal_pending": engine.store.pending()} if engine.store is not None else {}
        return JSONResponse({"status": "ok", "mode": config.mode, **engine.status(), **journal})

    async def metrics_endpoint(request: Request) -> Response:
        return Response(metrics.render(), media_type=metrics.content_type)

    async def original(request: Request) -> Response:
        h = request.path_params["hash"].lower()
        if not _HASH_RE.match(h):
            return _error(400, f"not a kompress content hash (expected {HASH_CHARS} hex digits)")
        text = await run_in_threadpool(engine.original, h)  # redaction scans the whole text
        if text is None and engine.store is not None:
            text = await run_in_threadpool(engine.store.get_original, h)
        if text is None:
            where = "the log DB or the cache" if engine.store is not None else "the cache (run with --log-db to keep originals)"
            return _error(404, f"no original with hash {h} in {where}")
        return PlainTextResponse(text)

    async def proxy(request: Request) -> Response:
        arrived = time.monotonic()  # --budget-ms counts from here: reading and parsing too
        request_id = uuid.uuid4().hex
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        path = raw_path.decode("latin-1")
        upstream = "anthropic" if _is_anthropic(path, request.headers) else "openai"
        api = api_for_path(path, upstream) if request.method == "POST" else None
        metrics.requests.labels(api=api or "other").inc()
        try:
            body = await read_body(request, config.max_body_bytes)
        except BodyTooLarge:
            metrics.errors.labels(kind="parse").inc()
            return _error(413, f"request body over {config.max_body_bytes} bytes; kompress proxy refuses it "
                               "(raise --max-body-bytes to allow more)")
        if api is not None and config.mode != "off" and body:
            body = await _rewrite(api, body, request_id, arrived)
        query = request.scope.get("query_string", b"").decode("latin-1")
        url = _join(upstreams[upstream], path, query)
        has_body = bool(body) or "content-length" in request.headers
        upstream_request = httpx.Request(
            request.method, url, headers=_forward_headers(request.headers.raw), content=body if has_body else None
        )
        http: httpx.AsyncClient = request.app.state.http
        try:
            resp = await http.send(upstream_request, stream=True)
        except httpx.TimeoutException as e:
            metrics.errors.labels(kind="upstream").inc()
            log.warning("kompress proxy: upstream %s timed out (%s)", upstream, type(e).__name__)
            return _error(504, f"upstream {upstream} timed out ({type(e).__name__})")
        except httpx.HTTPError as e:
            metrics.errors.labels(kind="upstream").inc()
            log.warning("kompress proxy: upstream %s unreachable (%s)", upstream, type(e).__name__)
            return _error(502, f"upstream {upstream} unreachable ({type(e).__name__})")
        response = _RelayResponse(_relay(resp), status_code=resp.status_code, background=BackgroundTask(resp.aclose))
        response.raw_headers = _response_headers(resp.headers.raw)
        return response

    async def _rewrite(api: str, body: bytes, request_id: str, arrived: float | None = None) -> bytes:
        """The body with its tool outputs compressed, or ``body`` itself (fail-open)."""
        try:
            # Off the event loop: parsing a 20 MB body takes long enough to stall every stream.
            texts = await run_in_threadpool(_parse_tool_texts, api, body, config.derive_query)
        except Exception:  # noqa: BLE001 - not JSON, not UTF-8, nested too deep, odd shapes: fail open
            metrics.errors.labels(kind="parse").inc()
            log.info("kompress proxy: request %s: body is not JSON we can read; forwarding as is", request_id)
            return body
        try:
            if not texts:
                return body
            replacements = await engine.process(api, texts, request_id, wait=config.mode == "compress",
                                                arrived=arrived)
            if not replacements:
                return body
            return await run_in_threadpool(_splice, body, replacements)
        except Exception as e:  # noqa: BLE001 - fail-open: a bug of ours must not cost the request
            metrics.errors.labels(kind="parse").inc()
            log.error("kompress proxy: request %s: rewriting failed (%s); forwarding the original",
                      request_id, type(e).__name__, exc_info=log.isEnabledFor(logging.DEBUG))
            return body

    async def _relay(resp: httpx.Response) -> AsyncIterator[bytes]:
        # Raw bytes, as they arrive: no decoding (content-encoding is relayed as is), no buffering.
        try:
            async for chunk in resp.aiter_raw():
                yield chunk
        except httpx.HTTPError as e:
            metrics.errors.labels(kind="upstream").inc()
            log.warning("kompress proxy: upstream stream broke (%s); cutting the client's response too",
                        type(e).__name__)
            raise _UpstreamBroke from None
        finally:
            await resp.aclose()

    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
            Route("/v1/kompress/originals/{hash}", original, methods=["GET"]),
            Route("/{path:path}", proxy, methods=METHODS),
        ],
        lifespan=lifespan,
    )
    app.state.config = config
    app.state.engine = engine
    app.state.metrics = metrics
    return app


class _UpstreamBroke(Exception):
    """The upstream response stopped before its end (cut, reset, or stalled past the timeout)."""


class _RelayResponse(StreamingResponse):
    """A relayed response that, when the upstream's breaks, breaks the client's the same way.

    On :class:`_UpstreamBroke` it returns without the final body message, so the server
    closes the connection mid-body (no terminating chunk, or fewer bytes than the
    Content-Length): the client sees a truncated response, as it would from the upstream
    directly, never a complete 200 with the end of the answer missing."""

    async def stream_response(self, send) -> None:  # type: ignore[override]
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        try:
            async for chunk in self.body_iterator:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except _UpstreamBroke:
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _parse_tool_texts(api: str, body: bytes, derive_query: bool = True):
    """The tool outputs of a request body, with their queries (worker thread)."""
    return find_tool_texts(api, json.loads(body), derive_query)


def _splice(body: bytes, replacements) -> bytes:
    """``body`` with the replacements spliced in (worker thread)."""
    return splice(body.decode("utf-8"), replacements).encode("utf-8")


def _is_anthropic(path: str, headers) -> bool:
    return path.startswith("/v1/messages") or path.startswith("/v1/complete") or "anthropic-version" in headers


def _join(base: str, path: str, query: str) -> str:
    base = base.rstrip("/")
    if base.endswith("/v1") and (path == "/v1" or path.startswith("/v1/")):
        path = path[3:]
    return base + path + (f"?{query}" if query else "")


def _connection_tokens(raw: list[tuple[bytes, bytes]]) -> set[str]:
    """Header names listed in ``Connection:``, hop-by-hop too (RFC 9110 section 7.6.1)."""
    tokens: set[str] = set()
    for k, v in raw:
        if k.lower() == b"connection":
            tokens.update(t.strip().lower() for t in v.decode("latin-1").split(",") if t.strip())
    return tokens


def _forward_headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    # ``expect: 100-continue`` was answered by our server already; the body is read.
    drop = HOP_BY_HOP | {"host", "content-length", "expect"} | _connection_tokens(raw)
    return [(k, v) for k, v in raw if k.decode("latin-1").lower() not in drop]


def _response_headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    drop = HOP_BY_HOP | _connection_tokens(raw)
    return [(k.lower(), v) for k, v in raw if k.decode("latin-1").lower() not in drop]


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"type": "kompress_proxy_error", "message": message}}, status_code=status)
