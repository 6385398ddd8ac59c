"""``kompress serve``: an HTTP service that keeps the model loaded, and its client.

Endpoints::

    POST /compress  {"text", "domain"?, "rate"?, "threshold"?, "granularity"?, "guard"?, "min_tokens"?,
                     "coverage"?, "novelty"?}
                    -> {"text", "keep_rate", "domain", "tokens_in", "tokens_out"}
    GET  /healthz   -> {"status": "ok", "model", "backend", "batching", ...}
    GET  /metrics   -> Prometheus text: requests, tokens in/out/saved, encoder passes

Request bodies over ``max_bytes`` (default 4 MiB) get ``413`` with a JSON error, bad
options ``422``, malformed JSON ``400``; every error body is ``{"error": "one line"}``.

**Batching.** Requests run in worker threads; each calls the compressor as usual, but the
compressor's scoring backend is a :class:`MicroBatcher`: a queue and one worker thread
that collects the token-window batches of concurrent requests for a few milliseconds and
runs batches that share a padded length in one encoder pass. Outputs stay byte-identical
to a plain :meth:`Compressor.compress` call, by construction:

* only batches of the *same padded length* share a pass (padding changes the encoder's
  arithmetic: the attention kernel's key blocking, and the span head's convolution
  reads the hidden states of pad positions), so every row keeps exactly the padding the
  non-batched path gives it;
* with the torch backend only the encoder pass is shared; the two heads then run per
  request on that request's own rows (oneDNN picks its convolution algorithm by batch
  size, so a merged span-head pass differs in the last bits);
* windows under 16 tokens never share a pass (tiny matrix products take other BLAS
  code paths);
* at start-up :func:`check_row_invariance` compares merged and separate passes on this
  machine's kernels; if they differ in any bit, merging stays off and every request
  runs its own passes (``/healthz`` says so).

A request counts as in flight from its arrival, so a pass about to start waits (at most
``max_wait_ms``) for the windows of requests still being read or tokenized; a lone
request never waits. On CPU a shared pass saves most for short windows (fixed per-pass
costs); at 512-token windows it costs about the same as separate passes.

:func:`remote_compress` is the client (standard library only, so the Claude Code hook and
``kompress compress --server`` need no web stack).
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from kompress.version import __version__
from kompress.decision.options import CompressOptions, OptionError

log = logging.getLogger("kompress.serving.server")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8719
DEFAULT_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
DEFAULT_MAX_BYTES = 4 * 1024 * 1024
DEFAULT_MAX_BATCH = 32  # rows (windows) per shared encoder pass
DEFAULT_MAX_WAIT_MS = 5.0  # how long the batcher waits for other in-flight requests
# Shorter rows never share a pass: for products of under ~12 rows MKL takes other code
# paths, so a lone tiny window and the same window inside a bigger pass differ in the last bits.
DEFAULT_MIN_MERGE_LEN = 16
DEFAULT_CONCURRENCY = 16  # compress calls running at once; more wait in line


# ============================================================================ batching
@dataclass
class _Job:
    """One ``backend.scores`` call from one request thread."""

    ids: np.ndarray
    mask: np.ndarray
    types: np.ndarray
    done: threading.Event = field(default_factory=threading.Event)
    result: np.ndarray | None = None
    error: BaseException | None = None

    @property
    def length(self) -> int:
        return int(self.ids.shape[1])

    @property
    def rows(self) -> int:
        return int(self.ids.shape[0])


class _TorchSplit:
    """Torch backend, split in two: one encoder pass for many jobs, the heads per job."""

    def __init__(self, backend) -> None:
        self.torch = backend.torch
        self.model = backend.model
        self.uses_token_types = backend.uses_token_types

    def run(self, jobs: list[_Job]) -> list[np.ndarray]:
        torch = self.torch
        ids = np.concatenate([j.ids for j in jobs])
        mask = np.concatenate([j.mask for j in jobs])
        types = torch.from_numpy(np.concatenate([j.types for j in jobs])) if self.uses_token_types else None
        out, row = [], 0
        with torch.inference_mode():
            hidden = self.model.encode(torch.from_numpy(ids), torch.from_numpy(mask), types)
            for j in jobs:
                # A fresh tensor, as a lone pass would hand the heads (same alignment).
                h = hidden[row : row + j.rows].clone()
                m = torch.from_numpy(j.mask)
                out.append(self.model.heads(h, m)["final"].float().numpy())
                row += j.rows
        return out


class MicroBatcher:
    """A scoring backend that lets concurrent requests share encoder passes.

    Request threads call :meth:`scores` exactly as the compressor calls any backend; the
    call blocks while one worker thread runs the model. The worker takes the first
    waiting job, then waits up to ``max_wait_ms`` while other requests announced with
    :meth:`request` are still to submit theirs, and runs jobs of one padded length
    together (up to ``max_batch`` rows). A lone request never waits.
    """

    def __init__(
        self,
        backend,
        max_batch: int = DEFAULT_MAX_BATCH,
        max_wait_ms: float = DEFAULT_MAX_WAIT_MS,
        min_merge_len: int = DEFAULT_MIN_MERGE_LEN,
        merge: bool = True,
        on_pass: Callable[[int, int], None] | None = None,
    ) -> None:
        self.backend = backend
        self.uses_token_types = getattr(backend, "uses_token_types", True)
        self.max_batch = max(1, max_batch)
        self.max_wait = max(0.0, max_wait_ms) / 1000.0
        self.min_merge_len = min_merge_len
        self.merge = merge
        self.on_pass = on_pass
        self._split = _TorchSplit(backend) if _is_torch_backend(backend) else None
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._inflight = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.passes = 0
        self.merged_passes = 0
        self.rows = 0

    # ------------------------------------------------------------ lifecycle
    def start(self) -> "MicroBatcher":
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="kompress-batcher", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop the worker; calls still waiting (none, after a graceful server stop) get an error."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                return
            if job is not None:
                job.error = RuntimeError("the compress server is shutting down")
                job.done.set()

    @contextlib.contextmanager
    def request(self) -> Iterator[None]:
        """Announce a compress call: the worker waits for announced callers' windows."""
        with self._lock:
            self._inflight += 1
        try:
            yield
        finally:
            with self._lock:
                self._inflight -= 1

    # ------------------------------------------------------------ backend API
    def scores(self, input_ids: np.ndarray, attention_mask: np.ndarray, token_type_ids: np.ndarray) -> np.ndarray:
        """Score one batch of windows, possibly inside a pass shared with other requests."""
        if self._thread is None:
            raise RuntimeError("MicroBatcher is not running; call start() first")
        job = _Job(input_ids, attention_mask, token_type_ids)
        self._queue.put(job)
        job.done.wait()
        if job.error is not None:
            raise job.error
        assert job.result is not None
        return job.result

    # ------------------------------------------------------------ worker
    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            jobs = [first]
            stop = False
            try:
                stop = self._collect(jobs)
                for group in self._plan(jobs):
                    self._run(group)
            except BaseException as e:  # noqa: BLE001 - never leave a request waiting forever
                for j in jobs:
                    if not j.done.is_set():
                        j.error = e
                        j.done.set()
            if stop:
                return

    def _collect(self, jobs: list[_Job]) -> bool:
        """Add jobs that arrive while other announced requests may still submit theirs."""
        deadline = time.monotonic() + self.max_wait
        rows = jobs[0].rows
        while rows < self.max_batch:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                with self._lock:
                    others_pending = self._inflight > len(jobs)
                left = deadline - time.monotonic()
                if not self.merge or not others_pending or left <= 0:
                    return False
                try:
                    job = self._queue.get(timeout=min(left, 0.001))
                except queue.Empty:
                    continue
            if job is None:
                return True
            jobs.append(job)
            rows += job.rows
        return False

    def _plan(self, jobs: list[_Job]) -> list[list[_Job]]:
        """Group jobs into passes: same padded length, at most ``max_batch`` rows each."""
        if not self.merge:
            return [[j] for j in jobs]
        passes: list[list[_Job]] = []
        open_pass: dict[int, list[_Job]] = {}
        for j in jobs:  # arrival order, so earlier requests go first
            if j.length < self.min_merge_len:
                passes.append([j])
                continue
            cur = open_pass.get(j.length)
            if cur is not None and sum(x.rows for x in cur) + j.rows <= self.max_batch:
                cur.append(j)
            else:
                cur = [j]
                open_pass[j.length] = cur
                passes.append(cur)
        return passes

    def _run(self, group: list[_Job]) -> None:
        try:
            results = run_jobs(self.backend, self._split, group)
            for j, r in zip(group, results):
                j.result = r
        except BaseException as e:  # noqa: BLE001 - handed to every waiting request
            for j in group:
                j.error = e
        finally:
            n_rows = sum(j.rows for j in group)
            self.passes += 1
            self.rows += n_rows
            self.merged_passes += len(group) > 1
            if self.on_pass is not None:
                self.on_pass(len(group), n_rows)
            for j in group:
                j.done.set()


def _is_torch_backend(backend) -> bool:
    from kompress.scoring.backends import TorchBackend

    return isinstance(backend, TorchBackend)


def run_jobs(backend, split: _TorchSplit | None, jobs: list[_Job]) -> list[np.ndarray]:
    """Scores of each job, from one shared pass over all of them (all of one length)."""
    if len(jobs) == 1:
        j = jobs[0]
        return [backend.scores(j.ids, j.mask, j.types)]
    if split is not None:
        return split.run(jobs)
    scores = backend.scores(*(np.concatenate([getattr(j, k) for j in jobs]) for k in ("ids", "mask", "types")))
    out, row = [], 0
    for j in jobs:
        out.append(scores[row : row + j.rows])
        row += j.rows
    return out


#: Padded lengths and job shapes (rows per job) the start-up probe merges. BLAS libraries
#: (oneDNN on AMX/AVX-512 machines especially) pick kernels by matrix size, so a merge can be
#: exact at one length or row count and not at the next: the probe covers the range.
PROBE_LENGTHS = (DEFAULT_MIN_MERGE_LEN, 24, 40, 64, 96, 128, 256)  # from the shortest length ever merged
PROBE_SHAPES = ((1, 2), (1, 2, 1))


def check_row_invariance(backend, max_length: int, vocab_size: int, lengths: tuple[int, ...] | None = None) -> bool:
    """Do merged passes give every job bit-identical scores on this machine's kernels?

    Jobs (the last row of each padded, as the compressor makes them) are scored alone and
    merged, for the lengths of :data:`PROBE_LENGTHS` up to ``max_length`` and the job shapes
    of :data:`PROBE_SHAPES`; any differing bit means merging must stay off. It costs up to
    ~2 s on 2 CPU cores (MiniLM, when every merge is exact), once per server start.
    """
    split = _TorchSplit(backend) if _is_torch_backend(backend) else None
    rng = np.random.default_rng(0)
    for L in lengths or PROBE_LENGTHS:
        if L > max_length:
            continue
        for shape in PROBE_SHAPES:
            jobs = []
            for rows in shape:
                ids = rng.integers(0, vocab_size, size=(rows, L)).astype(np.int64)
                mask = np.ones_like(ids)
                types = np.zeros_like(ids)
                types[:, L // 4 :] = 1
                ids[-1, L - L // 3 :] = 0
                mask[-1, L - L // 3 :] = 0
                types[-1, L - L // 3 :] = 0
                jobs.append(_Job(ids, mask, types))
            alone = [backend.scores(j.ids, j.mask, j.types) for j in jobs]
            merged = run_jobs(backend, split, jobs)
            if not all(np.array_equal(a, m) for a, m in zip(alone, merged)):
                return False
    return True


# ============================================================================ the app
class _TooLarge(Exception):
    pass


class _Metrics:
    """Prometheus metrics of one server (own registry: several apps per process are fine)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry()
        self.requests = Counter("kompress_requests", "HTTP requests by path and status code",
                                ["path", "code"], registry=self.registry)
        self.tokens_in = Counter("kompress_tokens_in", "Model tokens received for compression", registry=self.registry)
        self.tokens_out = Counter("kompress_tokens_out", "Model tokens kept after compression", registry=self.registry)
        self.tokens_saved = Counter("kompress_tokens_saved", "Model tokens removed (in - out)", registry=self.registry)
        self.latency = Histogram("kompress_compress_seconds", "Time to compress one request", registry=self.registry,
                                 buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
        self.passes = Counter("kompress_encoder_passes", "Encoder passes run", registry=self.registry)
        self.pass_rows = Counter("kompress_encoder_rows", "Token windows scored", registry=self.registry)
        self.merged = Counter("kompress_encoder_shared_passes",
                              "Encoder passes shared by more than one request's batch", registry=self.registry)
        self.jobs_per_pass = Histogram("kompress_batches_per_pass", "Request batches merged into one encoder pass",
                                       registry=self.registry, buckets=(1, 2, 3, 4, 6, 8, 12, 16, 32))

    def on_pass(self, n_jobs: int, n_rows: int) -> None:
        self.passes.inc()
        self.pass_rows.inc(n_rows)
        self.jobs_per_pass.observe(n_jobs)
        if n_jobs > 1:
            self.merged.inc()


def parse_request(body: bytes) -> tuple[str, CompressOptions]:
    """A ``POST /compress`` body -> (text, options); :class:`ValueError` with a one-line reason.

    The options are :meth:`CompressOptions.from_mapping`, so a bad value gets the same message
    as from Python or the CLI.
    """
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # also too deeply nested to parse
        raise _BadJson from None
    if not isinstance(data, dict):
        raise OptionError('the body must be a JSON object: {"text": ...}')
    text = data.get("text")
    if not isinstance(text, str):
        raise OptionError('"text" is required and must be a string')
    return text, CompressOptions.from_mapping(data, ignore=("text",))


class _BadJson(ValueError):
    pass


def create_app(
    compressor,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    batching: bool = True,
    max_batch: int = DEFAULT_MAX_BATCH,
    max_wait_ms: float = DEFAULT_MAX_WAIT_MS,
    min_merge_len: int = DEFAULT_MIN_MERGE_LEN,
    concurrency: int = DEFAULT_CONCURRENCY,
    verify_batching: bool = True,
    backend_name: str | None = None,
):
    """The Starlette app of ``kompress serve`` around a loaded :class:`~kompress.Compressor`.

    ``batching=False`` keeps the micro-batcher's single worker (one model pass at a time)
    but never merges requests. ``verify_batching`` runs :func:`check_row_invariance`
    first and turns merging off where this machine's kernels are not row-invariant.
    """
    import anyio
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    metrics = _Metrics()
    merge = batching
    batching_note = "on" if batching else "off (--no-batching)"
    if batching and verify_batching:
        try:
            same = check_row_invariance(compressor.backend, compressor.max_length,
                                        getattr(compressor.tokenizer, "vocab_size", None) or 100)
        except Exception as e:  # noqa: BLE001 - a failed probe only costs the batching
            log.warning("kompress serve: batching probe failed (%s: %s)", type(e).__name__, e)
            same = False
        if not same:
            merge = False
            batching_note = "off (merged passes are not bit-identical on this machine's kernels)"
            log.warning("kompress serve: request batching off: merged encoder passes are not bit-identical here")
    batcher = MicroBatcher(compressor.backend, max_batch=max_batch, max_wait_ms=max_wait_ms,
                           min_merge_len=min_merge_len, merge=merge, on_pass=metrics.on_pass)
    # A shallow copy shares the tokenizer, windower and config; only the backend differs.
    served = copy.copy(compressor)
    served.backend = batcher
    limiter = anyio.CapacityLimiter(max(1, concurrency))

    def error(status: int, message: str, path: str, **extra: Any) -> JSONResponse:
        metrics.requests.labels(path, str(status)).inc()
        return JSONResponse({"error": message, **extra}, status_code=status)

    async def read_body(request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            raise _TooLarge
        chunks, size = [], 0
        async for chunk in request.stream():  # chunked bodies have no length up front
            size += len(chunk)
            if size > max_bytes:
                raise _TooLarge
            chunks.append(chunk)
        return b"".join(chunks)

    def run(req: tuple[str, CompressOptions]) -> dict:
        return served.compress(*req).to_dict()

    async def compress_endpoint(request: Request) -> Response:
        # Announced from arrival on: while its body is read and tokenized, a pass about
        # to start waits (up to max_wait_ms) for this request's windows too.
        with batcher.request():
            return await handle_compress(request)

    async def handle_compress(request: Request) -> Response:
        path = "/compress"
        try:
            body = await read_body(request)
        except _TooLarge:
            return error(413, f"request body too large: the limit is {max_bytes} bytes "
                              "(kompress serve --max-bytes N)", path, limit_bytes=max_bytes)
        try:
            req = parse_request(body)
        except _BadJson:
            return error(400, "body is not valid JSON: send {\"text\": ...}", path)
        except ValueError as e:
            return error(422, str(e), path)
        t0 = time.perf_counter()
        try:
            out = await anyio.to_thread.run_sync(run, req, limiter=limiter)
        except ValueError as e:  # option combinations the compressor itself rejects
            return error(422, str(e), path)
        except Exception as e:  # noqa: BLE001 - one line to the client, the traceback to the log
            log.exception("compress failed")
            return error(500, f"compression failed: {type(e).__name__}: {e}", path)
        metrics.latency.observe(time.perf_counter() - t0)
        metrics.requests.labels(path, "200").inc()
        metrics.tokens_in.inc(out["tokens_in"])
        metrics.tokens_out.inc(out["tokens_out"])
        metrics.tokens_saved.inc(out["tokens_in"] - out["tokens_out"])
        return JSONResponse(out)

    async def healthz(request: Request) -> Response:
        metrics.requests.labels("/healthz", "200").inc()
        return JSONResponse({
            "status": "ok",
            "version": __version__,
            "model": str(compressor.model_dir) if compressor.model_dir else None,
            "backend": backend_name or compressor.backend_name,
            "batching": batching_note,
            "max_batch": max_batch,
            "max_bytes": max_bytes,
        })

    async def metrics_endpoint(request: Request) -> Response:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        metrics.requests.labels("/metrics", "200").inc()
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        batcher.start()
        try:
            yield
        finally:
            batcher.close()

    app = Starlette(
        routes=[
            Route("/compress", compress_endpoint, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.batcher = batcher
    app.state.metrics = metrics
    return app


@contextlib.contextmanager
def serve_in_thread(app, host: str = DEFAULT_HOST, port: int = 0, timeout: float = 30.0) -> Iterator[str]:
    """Run ``app`` under uvicorn in a background thread; yields its base URL.

    ``port=0`` picks a free port. For embedding (notebooks, tests); ``kompress serve``
    runs uvicorn in the foreground instead.
    """
    import socket

    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    t0 = time.monotonic()
    while not server.started:
        if not thread.is_alive() or time.monotonic() - t0 > timeout:
            raise RuntimeError("kompress server did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=timeout)
        sock.close()


# ============================================================================ the client
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
        if isinstance(reason, TimeoutError):  # something answers, slowly: not "no server"
            raise ServerError(f"{endpoint}: no answer within {timeout:g} s") from None
        raise ServerUnavailable(f"no kompress server at {url} ({reason}); start one with `kompress serve`") from None
    except json.JSONDecodeError:
        raise ServerError(f"{endpoint}: the answer is not JSON; is this a kompress server?") from None
    missing = {"text", "keep_rate", "domain", "tokens_in", "tokens_out"} - set(data if isinstance(data, dict) else ())
    if missing:
        raise ServerError(f"{endpoint}: the answer lacks {', '.join(sorted(missing))}; is this a kompress server?")
    return data
