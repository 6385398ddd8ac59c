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

import asyncio
import contextlib
import gc
import itertools
import json
import logging
import re
import threading
import time
import uuid
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, AsyncIterator, Callable

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
from kompress.serving.proxy.redact import warm_up as warm_up_redaction
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
#: Request bodies up to this size are parsed and spliced on the event loop (at most a few ms,
#: however many messages they hold): handing them to a worker thread costs the loop more than
#: the work, and in a burst the thread pool's start-up (a new thread for each of its first 40
#: jobs) held the loop for up to 130 ms at a time. Larger bodies go to a worker thread.
INLINE_BODY_BYTES = 64 * 1024
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
    busy = [0]  # requests between arrival and their hand-over to the upstream (see OldGarbageCollector)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.http = UpstreamClients(config.upstream_timeout)
        # Build the secret scanners now (importing detect-secrets and compiling its patterns takes
        # ~100 ms): the first redacted log line would otherwise pay for it on the event loop.
        warm_up_redaction()
        if config.mode != "off":
            engine.preload()
        gc_policy = OldGarbageCollector(lambda: busy[0] > 0)
        gc_policy.start()
        try:
            yield
        finally:
            await gc_policy.stop()
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
        busy[0] += 1
        try:
            return await _proxy(request, arrived)
        finally:
            busy[0] -= 1

    async def _proxy(request: Request, arrived: float) -> Response:
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
        http: httpx.AsyncClient = request.app.state.http.next()
        try:
            resp = await _send(http, upstream_request)
        except httpx.TimeoutException as e:
            metrics.errors.labels(kind="upstream").inc()
            log.warning("kompress proxy: upstream %s timed out (%s)", upstream, type(e).__name__)
            return _error(504, f"upstream {upstream} timed out ({type(e).__name__})")
        except httpx.HTTPError as e:
            metrics.errors.labels(kind="upstream").inc()
            log.warning("kompress proxy: upstream %s unreachable (%s)", upstream, type(e).__name__)
            return _error(502, f"upstream {upstream} unreachable ({type(e).__name__})")
        if _small_whole_body(resp):
            return await _relay_whole(resp)
        response = _RelayResponse(_relay(resp), status_code=resp.status_code, background=BackgroundTask(resp.aclose))
        response.raw_headers = _response_headers(resp.headers.raw)
        return response

    async def _relay_whole(resp: httpx.Response) -> Response:
        """A small, whole (not event-stream) upstream response, read then sent in one piece.

        A streamed relay costs the event loop a task group per response (Starlette listens for
        the client's disconnect beside it), which a burst of small answers pays hundreds of
        times; a body of known, small length has nothing to stream. The bytes are the same raw
        bytes; if the upstream breaks off meanwhile, the client's response breaks off the same
        way (what had come, then the cut), as a streamed one would."""
        chunks: list[bytes] = []
        try:
            async for chunk in resp.aiter_raw():
                chunks.append(chunk)
        except httpx.HTTPError as e:
            metrics.errors.labels(kind="upstream").inc()
            log.warning("kompress proxy: upstream stream broke (%s); cutting the client's response too",
                        type(e).__name__)
            await resp.aclose()

            async def cut() -> AsyncIterator[bytes]:
                for chunk in chunks:
                    yield chunk
                raise _UpstreamBroke

            broken = _RelayResponse(cut(), status_code=resp.status_code)
            broken.raw_headers = _response_headers(resp.headers.raw)
            return broken
        await resp.aclose()
        response = Response(b"".join(chunks), status_code=resp.status_code)
        response.raw_headers = _response_headers(resp.headers.raw)
        return response

    async def _rewrite(api: str, body: bytes, request_id: str, arrived: float | None = None) -> bytes:
        """The body with its tool outputs compressed, or ``body`` itself (fail-open)."""
        try:
            if len(body) <= INLINE_BODY_BYTES:
                texts = _parse_tool_texts(api, body, config.derive_query)
            else:  # off the event loop: parsing a 20 MB body takes long enough to stall every stream
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
            if len(body) <= INLINE_BODY_BYTES:
                return _splice(body, replacements)
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


#: Errors of a connection that broke before any response came: what a kept-alive connection the
#: upstream closed while it sat idle in the pool gives when it is reused (a race no pool check
#: closes). Such a request is sent once more on a fresh connection.
DROPPED = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


async def _send(http: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    """Send ``request`` (its body already read into memory, so it can go twice), once more if
    the connection breaks before a response starts. The OpenAI and Anthropic SDKs retry these
    same errors themselves; the proxy does it once, so that a stale pooled connection does not
    reach the client as a 502. Timeouts are not retried: the upstream may be working on it."""
    try:
        return await http.send(request, stream=True)
    except DROPPED as e:
        log.info("kompress proxy: upstream connection dropped before a response (%s); sending once more",
                 type(e).__name__)
        return await http.send(request, stream=True)


#: Connection pools the upstream requests are spread over, and the connections of all of them
#: together (open, and kept alive when idle).
UPSTREAM_POOLS = 8
MAX_CONNECTIONS = 512
MAX_KEEPALIVE = 64


class UpstreamClients:
    """The proxy's HTTP clients to the upstreams: :data:`UPSTREAM_POOLS` ``httpx.AsyncClient``
    pools taken in turn, instead of one with all the connections.

    httpcore's pool (1.0.x) re-examines every connection it holds each time a request starts
    or a response closes, checking each idle one with a ``poll`` system call, and counts idle
    connections by walking the whole list once per idle connection: the bookkeeping grows with
    the square of the connections open. At 200 concurrent requests it was the event loop's
    largest cost, ahead of parsing and relaying; in pools an eighth the size it is an eighth
    (or less) of that. Each pool gets an equal share of the connection limits."""

    def __init__(self, timeout: float, pools: int = UPSTREAM_POOLS) -> None:
        self._clients = [
            httpx.AsyncClient(
                timeout=httpx.Timeout(timeout, connect=min(30.0, timeout)),
                limits=httpx.Limits(max_connections=max(1, MAX_CONNECTIONS // pools),
                                    max_keepalive_connections=max(1, MAX_KEEPALIVE // pools)),
                follow_redirects=False,  # redirects are the client's business
                trust_env=False,
            )
            for _ in range(max(1, pools))
        ]
        self._turn = itertools.count()

    def next(self) -> httpx.AsyncClient:
        """The client for the next upstream request (round robin)."""
        return self._clients[next(self._turn) % len(self._clients)]

    async def aclose(self) -> None:
        """Close every pool."""
        for client in self._clients:
            await client.aclose()


#: Seconds without a request on its way to the upstream after which a due full collection runs,
#: and the longest a due one waits for such a moment.
GC_IDLE_S = 1.0
GC_MAX_DELAY_S = 300.0


class OldGarbageCollector:
    """Runs Python's full (oldest-generation) garbage collections when the proxy is idle,
    instead of wherever an allocation happens to trigger one.

    A full collection walks every tracked object and holds the GIL throughout: measured in
    the proxy during a 200-request burst, 70 to 170 ms in one go, in whichever thread allocated
    (often a compression worker), and the event loop (``/healthz``, every relay, every deadline)
    waited for it. So, while the app runs: what exists at start-up (the model, the modules) is
    moved out of the collector's sight (``gc.freeze``: it is never garbage), automatic full
    collections are off, and this task runs one when they are due (``gc.get_count()[2]``
    reached the oldest generation's threshold) once no request has been on its way to the
    upstream for :data:`GC_IDLE_S`, or after :data:`GC_MAX_DELAY_S` at the latest. Young
    collections stay automatic (a few ms each); most garbage is freed by reference counting
    anyway. The collector's settings are the process's: several apps in one process (tests,
    notebooks) share them, and when the last one stops the previous thresholds are restored
    and the frozen objects released."""

    #: Running instances in this process, and the thresholds from before the first started.
    _lock = threading.Lock()
    _running = 0
    _saved: tuple[int, int, int] | None = None

    def __init__(self, busy: Callable[[], bool], poll_s: float = 0.25) -> None:
        self._busy = busy
        self._poll_s = poll_s
        self._task: asyncio.Task | None = None
        self.collections = 0  # full collections run by this task

    def start(self) -> None:
        """Freeze what exists, turn automatic full collections off, start the task (on the running loop)."""
        cls = OldGarbageCollector
        with cls._lock:
            if cls._running == 0:
                gc.collect()
                gc.freeze()
                cls._saved = gc.get_threshold()
                t0, t1, _ = cls._saved
                gc.set_threshold(t0, t1, 1 << 30)  # the oldest generation: only when a task says so
            cls._running += 1
        self._task = asyncio.get_running_loop().create_task(self._run(), name="kompress-gc")

    async def _run(self) -> None:
        due_threshold = (OldGarbageCollector._saved or gc.get_threshold())[2]
        last_busy = last_full = time.monotonic()
        while True:
            await asyncio.sleep(self._poll_s)
            now = time.monotonic()
            if self._busy():
                last_busy = now
            if gc.get_count()[2] < due_threshold:
                continue
            if now - last_busy >= GC_IDLE_S or now - last_full >= GC_MAX_DELAY_S:
                gc.collect()
                self.collections += 1
                last_full = time.monotonic()

    async def stop(self) -> None:
        """Stop the task and restore the collector as it was."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        else:
            return  # never started, or stopped already
        cls = OldGarbageCollector
        with cls._lock:
            cls._running -= 1
            if cls._running == 0 and cls._saved is not None:
                gc.set_threshold(*cls._saved)
                cls._saved = None
                gc.unfreeze()


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


#: Upstream responses with a Content-Length up to this, and not event streams, are read whole
#: before they are sent on (see ``_relay_whole`` in :func:`create_app`).
WHOLE_RESPONSE_BYTES = 64 * 1024


def _small_whole_body(resp: httpx.Response) -> bool:
    """Whether ``resp`` declares a body of at most :data:`WHOLE_RESPONSE_BYTES` and is not an event stream."""
    length = resp.headers.get("content-length", "")
    return (length.isdigit() and int(length) <= WHOLE_RESPONSE_BYTES
            and "text/event-stream" not in resp.headers.get("content-type", "").lower())


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
