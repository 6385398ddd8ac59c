"""The compression engine behind the proxy: cache, worker thread, time budget, logging.

* **Content-hash cache.** Results are cached by :func:`~kompress.serving.proxy.store.content_hash`
  of the tool output and its derived query (:mod:`kompress.serving.proxy.query`: the same
  output read for another question compresses differently) in a bounded LRU (entries and
  characters), so the same output always goes out as the same bytes on every turn that
  resends it (its query comes from the conversation before the call, which does not change),
  and provider prompt caches keep hitting. Concurrent requests carrying the same new output
  and query share one computation.
* **Query.** Each output is compressed with its derived query as the ``query`` option
  (``ProxyConfig.derive_query``; off: none). A model folder without a query companion
  ignores it (the compressor logs that once).
* **Two worker lanes.** The model is CPU-bound: it runs in worker threads, never on the
  event loop, which stays free to relay streams and answer ``/healthz``. Two threads, one per
  lane (two cores' worth): the *fast* lane takes outputs whose requests wait for them; the
  *background* lane takes outputs nobody waits for (see the budget), so one huge output never
  holds up the small ones behind it. When its own queue is empty the fast lane also takes
  small background work. The model is loaded once, at start-up or on first need.
* **Priority.** On Linux the compression threads (and the inference pool the model makes
  when it loads in the proxy) run at a lower CPU priority (``nice`` +5) than the event loop,
  so relaying and ``/healthz`` stay quick while the cores compress. A model loaded before the
  engine exists (``kompress proxy`` loads it in the main thread, to fail at start-up) made its
  inference pool at the loop's priority: the engine lowers those threads when it is built.
* **Budget, fail-open.** A request's deadline is its arrival plus ``budget_ms`` (queueing,
  parsing and compression all count). Each new output gets an estimated cost (its length
  times the seconds per character measured so far); one that cannot finish by the deadline
  (its cost alone over the budget, or behind the fast lane's queue) is not waited for: the
  request goes on at once with that output unchanged, and the output is compressed in the
  background lane (bounded; when full, it is left for a later turn) to fill the cache for the
  next turn. Admission is checked again while the request waits (every ``RECHECK_S``): an
  admitted output still queued that can no longer be done by the deadline (the running
  compressions overran their estimates) is not waited for any longer, and moves to the
  background lane. An admitted output not ready at the deadline goes out unchanged too; its
  computation finishes in the background. Outputs that are ready go out compressed, the
  others byte-identical to the original. An output whose compression raised is remembered
  as "leave unchanged", so later turns stay consistent. ``kompress_proxy_fallbacks_total``
  counts such requests by reason.
* **Note.** A compressed output gets one line appended, and only when something was
  removed::

      [kompress: compressed {tokens_in}->{tokens_out} tokens; original: {hash}]

  ``{hash}`` is the original's content hash (16 hex digits): ``GET
  /v1/kompress/originals/{hash}`` or ``kompress original HASH --db URL`` return the
  original (secrets redacted). The elision markers inside the text are core's
  (``[... N lines omitted ...]``).
* **Logging.** With a store, each compression that removed something is stored as a pair
  (the compressed text without the note, and the query) by a writer thread, so a slow
  database never holds up compression: it redacts the pair and appends it to the store's
  write-ahead journal at once (from there a ``kill -9`` loses nothing), the database insert
  following in the store's own thread. Pairs of huge originals (over ``LARGE_PAIR_CHARS``)
  have a writer of their own, so their redaction never holds the others back: a pair reaches
  the journal once it and the pairs ahead of it in its writer are redacted (~1.5 ms per KB;
  a 20 KB output ~30 ms) and at most ``SYNC_WAIT_S`` (the store's wait for its database).
  Until the row is written the originals endpoint answers from the cache, which holds the
  original.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import sys
import threading
import time
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from kompress.serving.proxy.config import ProxyConfig
from kompress.serving.proxy.metrics import Metrics
from kompress.serving.proxy.redact import redact
from kompress.serving.proxy.rewrite import Path, ToolText
from kompress.serving.proxy.store import PairStore, content_hash

if TYPE_CHECKING:
    from kompress.compressor import Compressor

log = logging.getLogger("kompress.serving.proxy")

NOTE_FORMAT = "[kompress: compressed {tokens_in}->{tokens_out} tokens; original: {hash}]"

#: Seconds per character of tool output assumed until a compression has been measured (a
#: ~5,000-token output, ~20k characters, takes ~0.3 s with the shipped model on 2 cores).
PRIOR_SECONDS_PER_CHAR = 2e-5
#: What the start-up warm-up compresses: a few lines of made-up grep output.
WARMUP_TEXT = "".join(f"src/service/handlers/module_{i}.py:{17 + i * 11}:    def handle_{i}(self, payload):\n"
                      for i in range(8))
#: Fixed seconds per compression (detection, set-up, rendering), on top of the per-character cost.
FIXED_SECONDS = 0.005
#: Time kept before a request's deadline for splicing the body and handing it to the upstream.
SEND_MARGIN_S = 0.02
#: The background lane's bounds: queued outputs, and characters in them. Beyond them an output
#: nobody waits for is not compressed now (a later turn that resends it tries again).
BACKGROUND_MAX_JOBS = 64
BACKGROUND_MAX_CHARS = 64 * 1024 * 1024
#: At most one "not compressed within the budget" log line per this many seconds (the metrics
#: count every request).
DEFERRAL_LOG_S = 1.0
#: How often a request waiting for its outputs checks that each queued one can still be done by
#: its deadline (see CompressionEngine._wait).
RECHECK_S = 0.1
#: Pairs whose original is longer than this are redacted and journaled by a writer of their own.
LARGE_PAIR_CHARS = 256 * 1024
#: An idle fast lane takes background work whose estimated cost is at most this share of the
#: budget, so a request arriving meanwhile waits at most that long for the lane.
HELP_SHARE = 0.25


def note(tokens_in: int, tokens_out: int, hash: str) -> str:  # noqa: A002
    """The one-line note appended to a compressed tool output."""
    return NOTE_FORMAT.format(tokens_in=tokens_in, tokens_out=tokens_out, hash=hash)


def cache_key(hash: str, query: str | None) -> str:
    """The cache key of an output with content hash ``hash`` compressed for ``query``."""
    if not query:
        return hash
    return f"{hash}?{hashlib.sha256(query.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"


def with_note(compressed: str, line: str) -> str:
    """``compressed`` with ``line`` as its last line (keeping a final newline if it had one)."""
    if compressed.endswith("\n"):
        return compressed + line + "\n"
    return (compressed + "\n" + line) if compressed else line


@dataclass(frozen=True)
class Outcome:
    """What one tool output becomes. ``text`` is None when it goes out unchanged."""

    hash: str
    text: str | None
    tokens_in: int = 0
    tokens_out: int = 0

    @property
    def changed(self) -> bool:
        return self.text is not None


class _LRU:
    """Outcomes (and the originals of changed ones) by :func:`cache_key`, bounded two ways;
    the originals also by content hash alone (the note's hash)."""

    def __init__(self, max_entries: int, max_chars: int) -> None:
        self.max_entries = max(1, max_entries)
        self.max_chars = max_chars
        self._d: OrderedDict[str, tuple[Outcome, str | None]] = OrderedDict()
        self._chars = 0
        self._original_key: dict[str, str] = {}  # content hash -> a key whose entry holds the original

    def get(self, key: str) -> tuple[Outcome, str | None] | None:
        item = self._d.get(key)
        if item is not None:
            self._d.move_to_end(key)
        return item

    def put(self, key: str, outcome: Outcome, original: str | None) -> None:
        if key in self._d:
            self._drop(key, self._d.pop(key))
        item = (outcome, original)
        self._d[key] = item
        self._chars += self._size(item)
        if original is not None:
            self._original_key[outcome.hash] = key
        while len(self._d) > self.max_entries or (self._chars > self.max_chars and len(self._d) > 1):
            self._drop(*self._d.popitem(last=False))

    def _drop(self, key: str, item: tuple[Outcome, str | None]) -> None:
        self._chars -= self._size(item)
        if self._original_key.get(item[0].hash) == key:
            del self._original_key[item[0].hash]

    def original(self, hash: str) -> str | None:
        """The original whose content hash is ``hash``, when a cached entry holds it."""
        key = self._original_key.get(hash)
        item = self._d.get(key) if key is not None else None
        return item[1] if item is not None else None

    def __len__(self) -> int:
        return len(self._d)

    @staticmethod
    def _size(item: tuple[Outcome, str | None]) -> int:
        return len(item[0].text or "") + len(item[1] or "")


#: How much lower than the event loop the compression threads run (Linux ``nice`` steps, per
#: thread): on 2 busy cores the loop, which relays every byte and answers ``/healthz``, comes first.
WORKER_NICENESS = 5


def _lower_priority() -> None:
    """Lower the calling thread's CPU priority by :data:`WORKER_NICENESS` (Linux only: there
    the nice value is per thread, and threads created afterwards, e.g. the inference
    runtime's pool, inherit it)."""
    if not sys.platform.startswith("linux"):
        return  # elsewhere PRIO_PROCESS with a thread id would not name this thread
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + WORKER_NICENESS))
    except OSError:  # not permitted in some sandboxes: run at normal priority
        pass


def _lower_native_threads() -> int:
    """Put this process's threads that Python did not start at the workers' priority
    (:data:`WORKER_NICENESS` below the main thread's) when they are above it; returns how many
    were lowered (Linux only, else 0). Idempotent: a second engine in the process changes nothing.

    A model loaded before the engine exists (``kompress proxy`` loads it in the main thread, to
    fail at start-up) has made its inference runtime's thread pool there, at the event loop's
    priority: ONNX Runtime's intra-op threads then compete on equal terms with the loop, the
    client and the upstream (and spin between runs). Those are the only threads Python does not
    know about at this point; the ones made later (by the lanes) inherit the lanes' priority."""
    if not sys.platform.startswith("linux"):
        return 0
    known = {t.native_id for t in threading.enumerate()}
    lowered = 0
    try:
        tids = [int(t) for t in os.listdir("/proc/self/task")]
        target = min(19, os.getpriority(os.PRIO_PROCESS, os.getpid()) + WORKER_NICENESS)
    except OSError:
        return 0
    for tid in tids:
        if tid in known or tid == os.getpid():
            continue
        try:
            if os.getpriority(os.PRIO_PROCESS, tid) < target:
                os.setpriority(os.PRIO_PROCESS, tid, target)
                lowered += 1
        except OSError:  # gone meanwhile, or not permitted: leave it
            pass
    return lowered


class _CostModel:
    """Expected seconds to compress ``n`` characters: the fixed cost plus ``n`` times an
    exponentially weighted mean of the measured seconds per character (thread-safe). The first
    measurement replaces the prior outright; it runs on this machine, under its load."""

    def __init__(self, prior: float = PRIOR_SECONDS_PER_CHAR, weight: float = 0.3) -> None:
        self.rate = prior
        self.weight = weight
        self._n = 0
        self._lock = threading.Lock()

    def estimate(self, chars: int) -> float:
        """Seconds a compression of ``chars`` characters is expected to take."""
        return FIXED_SECONDS + self.rate * chars

    def observe(self, chars: int, seconds: float) -> None:
        """Record that ``chars`` characters took ``seconds``."""
        if chars < 2000:  # tiny outputs measure the fixed cost and timer noise, not the rate
            return
        rate = max(seconds - FIXED_SECONDS, 0.0) / chars
        with self._lock:
            w = max(self.weight, 1.0 / (self._n + 1))
            self.rate = (1.0 - w) * self.rate + w * rate
            self._n += 1


@dataclass(eq=False)
class _Job:
    """One output to compress, in a lane's queue or a worker's hands. ``future`` (on ``loop``)
    gets the outcome. Compared by identity."""

    key: str
    h: str
    text: str
    tool_name: str | None
    api: str
    request_id: str
    query: str | None
    cost: float  # estimated seconds
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future
    lane: str = "background"
    started: float | None = None  # time.monotonic() when a worker took it

    def eta(self, now: float) -> float:
        """When a started job is expected to finish (an overrunning one: after another quarter
        of the time it has taken so far)."""
        assert self.started is not None
        return max(self.started + self.cost, now + 0.25 * max(self.cost, now - self.started))

    def overrun(self, now: float) -> float:
        """How many times its estimate a started job has run so far (at least 1): the machine
        is slower right now than the estimates say, by at least that much."""
        assert self.started is not None
        return max(1.0, (now - self.started) / max(self.cost, 1e-3))


class _Lanes:
    """Two FIFO queues, each served by one worker thread (started on first use).

    ``fast``: outputs that requests wait for, admitted only when they can finish in time.
    ``background``: outputs nobody waits for (over the budget, or late); bounded. Waiting
    requests come first: the background worker starts a job only while the fast lane is idle
    (a job it has started runs on, beside the fast lane's: that is how a huge output never
    blocks the small ones). The idle fast worker also takes background work small enough not
    to hold up a request that arrives meanwhile (``help_limit`` seconds)."""

    def __init__(self, run: Callable[[_Job], None], help_limit: float) -> None:
        self._run = run  # called in a worker thread; must not raise
        self.help_limit = help_limit
        self._cond = threading.Condition()
        self._fast: deque[_Job] = deque()
        self._background: deque[_Job] = deque()
        self._background_chars = 0
        self._running: dict[str, _Job | None] = {"fast": None, "background": None}
        self._threads: list[threading.Thread] = []
        self._closed = False

    def _start(self) -> None:
        if not self._threads:
            for lane in ("fast", "background"):
                t = threading.Thread(target=self._worker, args=(lane,), name=f"kompress-{lane}", daemon=True)
                t.start()
                self._threads.append(t)

    def submit_fast(self, job: _Job) -> None:
        """Queue ``job`` in the fast lane."""
        with self._cond:
            self._start()
            job.lane = "fast"
            self._fast.append(job)
            self._cond.notify_all()

    def submit_background(self, job: _Job) -> bool:
        """Queue ``job`` in the background lane; False (not queued) when the lane is full."""
        with self._cond:
            if (self._closed or len(self._background) >= BACKGROUND_MAX_JOBS
                    or self._background_chars + len(job.text) > BACKGROUND_MAX_CHARS):
                return False
            self._start()
            job.lane = "background"
            self._background.append(job)
            self._background_chars += len(job.text)
            self._cond.notify_all()
            return True

    def promote(self, job: _Job) -> bool:
        """Move a queued background ``job`` to the end of the fast lane (a request now waits for it)."""
        with self._cond:
            if job.started is not None or job.lane != "background" or job not in self._background:
                return False
            self._background.remove(job)
            self._background_chars -= len(job.text)
            job.lane = "fast"
            self._fast.append(job)
            self._cond.notify_all()
            return True

    def _fast_start(self, now: float) -> tuple[float, float]:
        """When the fast worker's running job is expected to end (``now`` when idle), and the
        factor to scale estimates by: how far the running jobs have overrun theirs (1 when none
        has). The caller holds the lock."""
        scale = max([1.0] + [j.overrun(now) for j in self._running.values() if j is not None])
        running = self._running["fast"]
        return (running.eta(now) if running is not None else now), scale

    def fast_ready_at(self, now: float) -> tuple[float, float]:
        """When the fast worker is expected to be free (its running job's end plus everything
        queued in the fast lane), and the factor to scale estimates by: how far the running
        jobs have overrun theirs (1 when none has)."""
        with self._cond:
            t, scale = self._fast_start(now)
            return t + scale * sum(j.cost for j in self._fast), scale

    def fast_finish(self, now: float) -> dict[_Job, float]:
        """When each job queued (not started) in the fast lane is expected to finish: after the
        running fast job and the ones ahead of it, every estimate scaled as in :meth:`fast_ready_at`."""
        with self._cond:
            t, scale = self._fast_start(now)
            out: dict[_Job, float] = {}
            for job in self._fast:
                t += scale * job.cost
                out[job] = t
            return out

    def demote(self, job: _Job) -> bool | None:
        """Move queued fast ``job`` to the end of the background lane. True: moved; False: not
        queued any more, the background lane being full (the job is dropped); None: it was not
        queued in the fast lane (started meanwhile, or elsewhere): nothing done."""
        with self._cond:
            if job.started is not None or job.lane != "fast" or job not in self._fast:
                return None
            self._fast.remove(job)
            if (self._closed or len(self._background) >= BACKGROUND_MAX_JOBS
                    or self._background_chars + len(job.text) > BACKGROUND_MAX_CHARS):
                job.lane = "dropped"
                return False
            job.lane = "background"
            self._background.append(job)
            self._background_chars += len(job.text)
            self._cond.notify_all()
            return True

    def queued(self) -> dict[str, int]:
        """Queued (not started) jobs per lane."""
        with self._cond:
            return {"fast": len(self._fast), "background": len(self._background)}

    def close(self) -> list[_Job]:
        """Stop the workers after their current job; returns the jobs still queued (never run)."""
        with self._cond:
            self._closed = True
            left = [*self._fast, *self._background]
            self._fast.clear()
            self._background.clear()
            self._background_chars = 0
            self._cond.notify_all()
        return left

    def _take(self, lane: str) -> _Job | None:
        if lane == "fast" and self._fast:
            return self._fast.popleft()
        if lane == "background" and (self._fast or self._running["fast"] is not None):
            return None  # the fast lane is busy: leave it the cores
        if self._background and (lane == "background" or self._background[0].cost <= self.help_limit):
            job = self._background.popleft()
            self._background_chars -= len(job.text)
            return job
        return None

    def _worker(self, lane: str) -> None:
        _lower_priority()
        while True:
            with self._cond:
                while True:
                    if self._closed:
                        return
                    job = self._take(lane)
                    if job is not None:
                        break
                    self._cond.wait()
                job.started = time.monotonic()
                self._running[lane] = job
            try:
                self._run(job)
            finally:
                with self._cond:
                    self._running[lane] = None
                    self._cond.notify_all()  # the background worker may be waiting for an idle fast lane


class CompressionEngine:
    """Compresses the tool outputs of requests; one per proxy app. Use from one event loop."""

    def __init__(
        self,
        config: ProxyConfig,
        compressor: "Compressor | None" = None,
        store: PairStore | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.config = config
        self.metrics = metrics or Metrics()
        self.store = store
        self._compressor = compressor
        self._load_lock = threading.Lock()
        self._load_error: BaseException | None = None
        self.model_id: str | None = _model_id(compressor) if compressor is not None else None
        if compressor is not None:
            _lower_native_threads()  # its inference pool was made at the caller's priority
        self._costs = _CostModel()
        self._loop_lag = 0.0  # seconds, a moving average: how late the deadline timers fire
        self._lanes = _Lanes(self._run_job, help_limit=HELP_SHARE * config.budget_ms / 1000.0)
        # Two writers, each in order: pairs of originals over LARGE_PAIR_CHARS go to their own, so
        # that a huge one's redaction (~1.5 ms per KB: half a minute for 20 MB) never holds the
        # small ones back from the journal. The store serialises what reaches the database.
        self._writers = {size: ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"kompress-store-{size}")
                         for size in ("small", "large")}
        self._pending_writes = 0
        self._writes_lock = threading.Lock()
        self._cache = _LRU(config.cache_entries, config.cache_chars)
        self._deferral_logged = float("-inf")  # when the last "not compressed within the budget" line was written
        self._deferrals_unlogged = 0  # requests like it since, not logged one by one
        self._inflight: dict[str, _Job] = {}

    # ------------------------------------------------------------------ lifecycle
    def preload(self) -> None:
        """Start loading the model in a thread (returns at once; the lanes wait for it)."""
        threading.Thread(target=self._try_load, name="kompress-load", daemon=True).start()

    def _try_load(self) -> None:
        # The inference runtime's thread pool is made while loading: it inherits this priority.
        _lower_priority()
        try:
            comp = self.compressor()
            # One tokenizer call settles the fast tokenizer's truncation/padding state, which
            # its first call may change: the two lanes then only ever read it.
            comp.count_tokens("kompress")
            # Warm the inference session up: its first run is several times slower than the
            # next, and would otherwise fall on a request's budget (and on the cost estimate).
            comp.compress(WARMUP_TEXT, self.config.options.replace(min_tokens=0))
        except Exception:  # noqa: BLE001 - reported by status() and on every use
            return
        if self.config.derive_query:
            # Load the query companion now, not inside the first request's time budget.
            try:
                companion = comp.query_companion()
                if companion is not None:
                    companion.count_tokens("kompress")
            except Exception as e:  # noqa: BLE001 - a broken companion fails each query compression, open
                log.error("kompress proxy: the model's query companion failed to load (%s: %s)", type(e).__name__, e)

    def compressor(self) -> "Compressor":
        """The loaded compressor (loads it on first call; thread-safe)."""
        if self._compressor is not None:
            return self._compressor
        with self._load_lock:
            if self._compressor is None:
                if self._load_error is not None:
                    raise RuntimeError(f"model failed to load: {self._load_error}")
                from kompress.compressor import Compressor

                try:
                    comp = Compressor.load(self.config.model, backend=self.config.backend)
                except Exception as e:
                    self._load_error = e
                    log.error("kompress proxy: model failed to load (%s: %s); passing requests through "
                              "unchanged", type(e).__name__, e)
                    raise
                self.model_id = _model_id(comp)
                self._compressor = comp
                log.info("kompress proxy: model %s loaded", self.model_id)
        return self._compressor

    def status(self) -> dict[str, Any]:
        """Health summary: model state, cache size, in-flight compressions."""
        model = "loaded" if self._compressor is not None else ("error" if self._load_error else "loading")
        queued = self._lanes.queued()
        return {"model": model, "model_id": self.model_id, "cache_entries": len(self._cache),
                "inflight": len(self._inflight), "queued_fast": queued["fast"],
                "queued_background": queued["background"], "pending_writes": self._pending_writes}

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait (up to ``timeout`` s) for background compressions (e.g. shadow mode's) and
        for their pairs to be written."""
        deadline = time.monotonic() + timeout
        pending = [job.future for job in self._inflight.values()]
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        while self._pending_writes and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    async def aclose(self) -> None:
        """Finish background work, stop the worker threads, release the store."""
        await self.drain()
        for job in self._lanes.close():  # still queued after the drain's timeout: never run
            self._inflight.pop(job.key, None)
            job.future.cancel()
        for writer in self._writers.values():  # no pair is dropped at shutdown
            await asyncio.to_thread(writer.shutdown, True)
        if self.store is not None:
            self.store.close()

    # ------------------------------------------------------------------ requests
    async def process(self, api: str, texts: list[ToolText], request_id: str, wait: bool = True,
                      arrived: float | None = None) -> dict[Path, str] | None:
        """Compressed replacements ``{path: new text}`` for a request's tool outputs.

        ``arrived``: ``time.monotonic()`` when the request arrived (default: now); its
        deadline is that plus ``budget_ms``. Outputs compressed by the deadline (or found in
        the cache) are replaced; the others go out unchanged, and those that could not finish
        in time are not waited for at all. Returns None when the request must go out
        unchanged (``wait=False``: shadow mode, where compressions run and are logged in the
        background). An empty dict means nothing is replaced.
        """
        now = time.monotonic()
        budget_s = self.config.budget_ms / 1000.0
        deadline = (arrived if arrived is not None else now) + budget_s
        m = self.metrics
        results: dict[Path, Outcome] = {}
        waiting: dict[Path, _Job] = {}
        others: list[asyncio.Future] = []  # computing, not waited for
        reasons: set[str] = set()
        deferred = 0  # outputs sent unchanged because of the budget
        for t in texts:
            if t.tool_name is not None and t.tool_name in self.config.exclude_tools:
                m.tool_outputs.labels(result="excluded").inc()
                continue
            if t.file_read and not self.config.compress_file_reads:
                m.tool_outputs.labels(result="file_read").inc()  # the agent edits from these lines: whole
                continue
            if len(t.text) < self.config.options.min_tokens:
                # Every model token covers at least one character: surely below the floor.
                m.tool_outputs.labels(result="unchanged").inc()
                continue
            # Hashing megabytes takes tens of ms: off the event loop, which relays everyone's bytes.
            h = await asyncio.to_thread(content_hash, t.text) if len(t.text) > 1_000_000 else content_hash(t.text)
            query = t.query if self.config.derive_query else None
            key = cache_key(h, query)
            hit = self._cache.get(key)
            if hit is not None:
                m.cache_hits.inc()
                results[t.path] = hit[0]
                continue
            job = self._inflight.get(key)
            if job is None:
                job = self._admit(key, h, t, query, api, request_id, deadline)
                if job is None:  # over the budget, and no room in the background lane either
                    reasons.add("over_budget" if self._costs.estimate(len(t.text)) > budget_s else "backlog")
                    deferred += 1
                    continue
            elif job.lane == "background" and job.started is None and self._fits(job.cost, deadline):
                self._lanes.promote(job)  # a request waits for it now, and it can be done in time
            if job.lane == "fast" or (job.started is not None and job.eta(time.monotonic()) <= deadline - self._margin()):
                waiting[t.path] = job
            else:
                reasons.add("over_budget" if job.cost > budget_s else "backlog")
                deferred += 1
                others.append(job.future)
        if not wait:
            # Shadow mode: count what would have been sent, as the results come in.
            for outcome in results.values():
                self._count(outcome)
            for fut in [*(job.future for job in waiting.values()), *others]:
                fut.add_done_callback(lambda f: None if f.cancelled() or f.exception() else self._count(f.result()))
            return None
        if waiting:
            given_up = await self._wait(waiting, deadline)
            for path, job in waiting.items():
                fut = job.future
                if not fut.done():
                    # It goes on (or waits in the background lane), and fills the cache for the next turn.
                    reasons.add("backlog" if path in given_up else "deadline")
                    deferred += 1
                elif not fut.cancelled() and fut.exception() is None:
                    results[path] = fut.result()
                # else: it raised (counted and logged when it did) or was dropped: the output goes out unchanged
        if reasons:
            m.errors.labels(kind="timeout").inc()
            for reason in reasons:
                m.fallbacks.labels(reason=reason).inc()
            m.tool_outputs.labels(result="deferred").inc(deferred)
            self._log_deferral(request_id, deferred, reasons)
        replacements: dict[Path, str] = {}
        for path, outcome in results.items():
            self._count(outcome)
            if outcome.changed:
                replacements[path] = outcome.text  # type: ignore[assignment]
        return replacements

    async def _wait(self, waiting: dict[Path, _Job], deadline: float) -> set[Path]:
        """Wait for the ``waiting`` jobs until they are done or the deadline (less the margin)
        has come; returns the paths given up before it.

        Admission is decided on estimates; under a burst the machine turns out slower than they
        said (every job behind an overrunning one is late too). So every :data:`RECHECK_S` the
        jobs still queued in the fast lane are estimated again (:meth:`_Lanes.fast_finish`, the
        running jobs' overrun included): one that would now finish after the deadline is not
        waited for any longer (the request goes on at once instead of at its deadline, with that
        output unchanged) and moves to the background lane, out of the way of the jobs behind
        it, or is dropped when that lane is full (a later turn that resends it tries again)."""
        pending = {job.future: path for path, job in waiting.items()}
        given_up: set[Path] = set()
        while pending:
            limit = deadline - self._margin()
            timeout = limit - time.monotonic()
            if timeout <= 0:
                break
            step = min(timeout, RECHECK_S)
            t0 = time.monotonic()
            done, _ = await asyncio.wait(set(pending), timeout=step)
            for fut in done:
                del pending[fut]
            if not pending:
                break
            now = time.monotonic()
            if step == timeout:  # the deadline's timer fired: how late, on a loop this busy (for the next margins)
                self._loop_lag = 0.8 * self._loop_lag + 0.2 * max(now - t0 - timeout, 0.0)
                break
            finish = self._lanes.fast_finish(now)
            for fut, path in list(pending.items()):
                job = waiting[path]
                if job in finish and finish[job] > limit:
                    del pending[fut]
                    given_up.add(path)
                    self._give_up(job)
        return given_up

    def _give_up(self, job: _Job) -> None:
        """Nobody waits for queued fast ``job`` any more: move it to the background lane, or drop it."""
        moved = self._lanes.demote(job)
        if moved is False:  # the background lane is full: dropped (a later turn tries again)
            self.metrics.background_skipped.inc()
            if self._inflight.get(job.key) is job:
                del self._inflight[job.key]
            job.future.cancel()

    def _log_deferral(self, request_id: str, deferred: int, reasons: set[str]) -> None:
        """Log that a request went on with outputs not compressed: at most one line per
        :data:`DEFERRAL_LOG_S`, counting the requests it stands for (a burst over capacity would
        write one per request, each redacted and written on the event loop: ~1 ms apiece)."""
        now = time.monotonic()
        if now - self._deferral_logged < DEFERRAL_LOG_S:
            self._deferrals_unlogged += 1
            return
        more = self._deferrals_unlogged
        self._deferral_logged, self._deferrals_unlogged = now, 0
        log.warning("kompress proxy: request %s: %d tool output(s) not compressed within the %.0f ms budget (%s); "
                    "forwarding them unchanged (compressed in the background for the next turn)%s",
                    request_id, deferred, self.config.budget_ms, ", ".join(sorted(reasons)),
                    f"; {more} more request(s) like it since the last such line" if more else "")

    def _fits(self, cost: float, deadline: float) -> bool:
        """Whether work of ``cost`` seconds, queued in the fast lane now, is expected to finish
        by ``deadline`` (less the margin for sending)."""
        ready_at, scale = self._lanes.fast_ready_at(time.monotonic())
        return (cost * scale <= self.config.budget_ms / 1000.0
                and ready_at + cost * scale <= deadline - self._margin())

    def _margin(self) -> float:
        """Seconds kept before a deadline for sending: the fixed margin plus twice the event
        loop's recent lag (how late its timers have fired), at most a quarter of the budget."""
        return min(SEND_MARGIN_S + 2.0 * self._loop_lag, 0.25 * self.config.budget_ms / 1000.0)

    def _admit(self, key: str, h: str, t: ToolText, query: str | None, api: str, request_id: str,
               deadline: float) -> _Job | None:
        """A new job for output ``t``, queued in the fast lane when it can finish by
        ``deadline``, else in the background lane; None when the background lane is full."""
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        # Retrieve a late exception so asyncio does not warn about it when nobody waited.
        fut.add_done_callback(lambda f: f.cancelled() or f.exception())
        job = _Job(key, h, t.text, t.tool_name, api, request_id, query, self._costs.estimate(len(t.text)), loop, fut)
        if self._fits(job.cost, deadline):
            self._lanes.submit_fast(job)
        elif not self._lanes.submit_background(job):
            self.metrics.background_skipped.inc()
            return None
        self._inflight[key] = job
        return job

    def _run_job(self, job: _Job) -> None:
        """Worker thread: compress ``job`` and hand the result to its event loop."""
        try:
            result, error = self._work(job.h, job.text, job.tool_name, job.api, job.request_id, query=job.query), None
        except Exception as e:  # noqa: BLE001 - reported by _finish, on the loop
            result, error = None, e
        try:
            job.loop.call_soon_threadsafe(self._finish, job, result, error)
        except RuntimeError:  # the loop is closed (shut down): nobody is waiting any more
            pass

    def _finish(self, job: _Job, result: tuple[Outcome, str | None] | None, error: Exception | None) -> None:
        """Event loop: cache a finished job's outcome and resolve its future."""
        self._inflight.pop(job.key, None)
        if error is not None:
            self.metrics.errors.labels(kind="compress").inc()
            self.metrics.tool_outputs.labels(result="failed").inc()
            # The message may quote input text: redact it, and keep it short.
            log.warning("kompress proxy: request %s: compression failed (%s: %s); forwarding the original",
                        job.request_id, type(error).__name__, redact(str(error))[:200])
            self._cache.put(job.key, Outcome(job.h, None), None)
            if not job.future.done():
                job.future.set_exception(error)
            return
        outcome, original = result  # type: ignore[misc]
        self._cache.put(job.key, outcome, original)
        if not job.future.done():
            job.future.set_result(outcome)

    def _count(self, outcome: Outcome) -> None:
        m = self.metrics
        if outcome.changed:
            m.tool_outputs.labels(result="compressed").inc()
            m.compressed.inc()
            m.tokens_in.inc(outcome.tokens_in)
            m.tokens_out.inc(outcome.tokens_out)
        else:
            m.tool_outputs.labels(result="unchanged").inc()

    def original(self, hash: str) -> str | None:
        """The original behind a note's hash, from the cache (redacted like the store's)."""
        text = self._cache.original(hash)
        return redact(text) if text is not None else None

    def _work(self, h: str, text: str, tool_name: str | None, api: str, request_id: str,
              query: str | None = None) -> tuple[Outcome, str | None]:
        """Worker thread: compress one output (for ``query``, when given), and log the pair when
        something was removed."""
        comp = self.compressor()
        cfg = self.config
        options = cfg.options.replace(query=query) if query else cfg.options
        t0 = time.perf_counter()
        r = comp.compress(text, options)
        seconds = time.perf_counter() - t0
        self.metrics.latency.observe(seconds)
        self._costs.observe(len(text), seconds)
        if not (r.tokens_out < r.tokens_in and r.text != text):
            return Outcome(h, None, r.tokens_in, r.tokens_out), None
        out = with_note(r.text, note(r.tokens_in, r.tokens_out, h)) if cfg.note else r.text
        if len(out) >= len(text):  # the note would eat the saving: not worth changing the bytes
            return Outcome(h, None, r.tokens_in, r.tokens_out), None
        if self.store is not None:
            with self._writes_lock:
                self._pending_writes += 1
            try:
                self._writers["large" if len(text) > LARGE_PAIR_CHARS else "small"].submit(
                    self._store_pair, original=text, compressed=r.text, domain=r.domain,
                    model_id=self.model_id or "unknown", keep_rate=r.keep_rate, latency_ms=seconds * 1000.0,
                    request_id=request_id, api=api, tool_name=tool_name, tokens_in=r.tokens_in,
                    tokens_out=r.tokens_out, mode=cfg.mode, query=query,
                )
            except RuntimeError:  # shutting down: the writer takes no more work
                with self._writes_lock:
                    self._pending_writes -= 1
                self.metrics.errors.labels(kind="store").inc()
                log.error("kompress proxy: a pair computed during shutdown was not stored")
        return Outcome(h, out, r.tokens_in, r.tokens_out), text

    def _store_pair(self, **pair) -> None:
        """Writer thread: store one pair; a failure is counted and logged, never raised."""
        try:
            self.store.add(**pair)  # type: ignore[union-attr]
            self.metrics.pairs_stored.inc()
        except Exception as e:  # noqa: BLE001 - logging pairs must never break the proxy
            self.metrics.errors.labels(kind="store").inc()
            log.error("kompress proxy: storing a pair failed (%s: %s)", type(e).__name__, redact(str(e))[:200])
        finally:
            with self._writes_lock:
                self._pending_writes -= 1


def _model_id(comp: "Compressor") -> str:
    """``<folder name>@<12 hex digits>``: a digest of the folder's weights (heads, adapter,
    encoder) and config, so it names the exact model that made a pair."""
    version = getattr(comp.config, "kompress_version", "?")
    folder = getattr(comp, "model_dir", None)
    if folder is None:
        return f"in-memory (kompress {version})"
    sha = hashlib.sha256()
    files = sorted(p for p in folder.rglob("*") if p.is_file() and (p.suffix == ".safetensors" or p.name == "config.json"))
    for p in files:
        sha.update(str(p.relative_to(folder)).encode())
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                sha.update(chunk)
    return f"{folder.name}@{sha.hexdigest()[:12]}"
