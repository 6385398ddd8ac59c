"""``kompress serve``: an HTTP service that keeps the model loaded, and its client.

Endpoints::

    POST /compress  {"text", "domain"?, "rate"?, "threshold"?, "granularity"?, "guard"?, "min_tokens"?,
                     "coverage"?, "novelty"?}
                    -> {"text", "keep_rate", "domain", "tokens_in", "tokens_out"}
    GET  /healthz   -> {"status": "ok", "model", "backend", "batching", ...}
    GET  /metrics   -> Prometheus text: requests, tokens in/out/saved, encoder passes

Request bodies over ``max_bytes`` (default 4 MiB) get ``413`` with a JSON error, bad
options or a text with a lone surrogate ``422``, malformed JSON ``400``, a compressed body
(``Content-Encoding`` other than identity) ``415``; every error body is ``{"error": "one line"}``.

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
import re
import time
from typing import Any

from kompress.decision.options import CompressOptions, OptionError
from kompress.serving.batcher import (  # noqa: F401  (re-exported: the server's parts)
    DEFAULT_MAX_BATCH, DEFAULT_MAX_WAIT_MS, DEFAULT_MIN_MERGE_LEN, MicroBatcher, check_row_invariance, run_jobs,
)
from kompress.serving.client import (  # noqa: F401
    DEFAULT_HOST, DEFAULT_PORT, DEFAULT_URL, ServerError, ServerUnavailable, remote_compress,
)
from kompress.serving.http import BodyTooLarge, read_body, serve_in_thread  # noqa: F401
from kompress.version import __version__

log = logging.getLogger("kompress.serving.server")

DEFAULT_MAX_BYTES = 4 * 1024 * 1024
DEFAULT_CONCURRENCY = 16  # compress calls running at once; more wait in line


# ============================================================================ the app
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
    # JSON may escape a lone surrogate ("\\ud800"); no tokenizer or UTF-8 encoder takes one.
    options = CompressOptions.from_mapping(data, ignore=("text",))
    for name, value in (("text", text), ("query", options.query or "")):
        bad = _LONE_SURROGATE.search(value)
        if bad is not None:
            raise OptionError(f'"{name}" holds a lone surrogate (U+{ord(bad.group()):04X}) at character '
                              f"{bad.start()}: send valid Unicode (replace it with U+FFFD)")
    return text, options


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


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

    def run(req: tuple[str, CompressOptions]) -> dict:
        return served.compress(*req).to_dict()

    async def compress_endpoint(request: Request) -> Response:
        # Announced from arrival on: while its body is read and tokenized, a pass about
        # to start waits (up to max_wait_ms) for this request's windows too.
        with batcher.request():
            return await handle_compress(request)

    async def handle_compress(request: Request) -> Response:
        path = "/compress"
        encoding = request.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):  # read as is, a gzip body would only be "not JSON"
            return error(415, f"content-encoding {encoding!r} is not supported: send the JSON body uncompressed",
                         path)
        try:
            body = await read_body(request, max_bytes)
        except BodyTooLarge:
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
