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
* **Worker thread.** The model is CPU-bound: it runs in one dedicated thread (torch already
  spreads one forward pass over all cores), never on the event loop, which stays free to
  relay streams. The model is loaded there once, at start-up or on first need.
* **Budget, fail-open.** A request waits at most ``budget_ms`` for its tool outputs. On a
  timeout or any error the caller forwards the original request unchanged; the computation
  goes on in the background and fills the cache for the next turn. An output whose
  compression raised is remembered as "leave unchanged", so later turns stay consistent.
* **Note.** A compressed output gets one line appended, and only when something was
  removed::

      [kompress: compressed {tokens_in}->{tokens_out} tokens; original: {hash}]

  ``{hash}`` is the original's content hash (16 hex digits): ``GET
  /v1/kompress/originals/{hash}`` or ``kompress original HASH --db URL`` return the
  original (secrets redacted). The elision markers inside the text are core's
  (``[... N lines omitted ...]``).
* **Logging.** With a store, each compression that removed something is stored as a pair
  (the compressed text without the note, and the query) by a second, single writer thread, so a slow
  database never holds up compression. Until the row is written the originals endpoint
  answers from the cache, which holds the original.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kompress.serving.proxy.config import ProxyConfig
from kompress.serving.proxy.metrics import Metrics
from kompress.serving.proxy.redact import redact
from kompress.serving.proxy.rewrite import Path, ToolText
from kompress.serving.proxy.store import PairStore, content_hash

if TYPE_CHECKING:
    from kompress.compressor import Compressor

log = logging.getLogger("kompress.serving.proxy")

NOTE_FORMAT = "[kompress: compressed {tokens_in}->{tokens_out} tokens; original: {hash}]"

# One model call at a time per process: the tokenizer and torch are shared, and parallel
# forward passes on the same cores only slow each other down.
_COMPRESS_LOCK = threading.Lock()


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
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kompress-compress")
        # One writer: rows go to the database in order, and SQLite never sees two writers.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kompress-store")
        self._pending_writes = 0
        self._writes_lock = threading.Lock()
        self._cache = _LRU(config.cache_entries, config.cache_chars)
        self._inflight: dict[str, asyncio.Future] = {}

    # ------------------------------------------------------------------ lifecycle
    def preload(self) -> None:
        """Start loading the model in the worker thread (returns at once)."""
        self._executor.submit(self._try_load)

    def _try_load(self) -> None:
        try:
            comp = self.compressor()
        except Exception:  # noqa: BLE001 - reported by status() and on every use
            return
        if self.config.derive_query:
            # Load the query companion now, not inside the first request's time budget.
            try:
                comp.query_companion()
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
        return {"model": model, "model_id": self.model_id, "cache_entries": len(self._cache),
                "inflight": len(self._inflight), "pending_writes": self._pending_writes}

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait (up to ``timeout`` s) for background compressions (e.g. shadow mode's) and
        for their pairs to be written."""
        deadline = time.monotonic() + timeout
        pending = list(self._inflight.values())
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        while self._pending_writes and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    async def aclose(self) -> None:
        """Finish background work, stop the worker threads, release the store."""
        await self.drain()
        self._executor.shutdown(wait=False, cancel_futures=True)
        await asyncio.to_thread(self._writer.shutdown, True)  # no pair is dropped at shutdown
        if self.store is not None:
            self.store.close()

    # ------------------------------------------------------------------ requests
    async def process(self, api: str, texts: list[ToolText], request_id: str, wait: bool = True) -> dict[Path, str] | None:
        """Compressed replacements ``{path: new text}`` for a request's tool outputs.

        Returns None when the request must go out unchanged (timeout, error, or
        ``wait=False``: shadow mode, where compressions run and are logged in the
        background). An empty dict means nothing needed compressing.
        """
        start = time.monotonic()
        m = self.metrics
        results: dict[Path, Outcome] = {}
        pending: dict[Path, asyncio.Future] = {}
        for t in texts:
            if t.tool_name is not None and t.tool_name in self.config.exclude_tools:
                m.tool_outputs.labels(result="excluded").inc()
                continue
            if len(t.text) < self.config.options.min_tokens:
                # Every model token covers at least one character: surely below the floor.
                m.tool_outputs.labels(result="unchanged").inc()
                continue
            h = content_hash(t.text)
            query = t.query if self.config.derive_query else None
            key = cache_key(h, query)
            hit = self._cache.get(key)
            if hit is not None:
                m.cache_hits.inc()
                results[t.path] = hit[0]
                continue
            fut = self._inflight.get(key)
            if fut is None:
                fut = self._spawn(key, h, t, query, api, request_id)
            pending[t.path] = fut
        if not wait:
            # Shadow mode: count what would have been sent, as the results come in.
            for outcome in results.values():
                self._count(outcome)
            for fut in pending.values():
                fut.add_done_callback(lambda f: None if f.cancelled() or f.exception() else self._count(f.result()))
            return None
        if pending:
            gathered = asyncio.gather(*set(pending.values()))
            # Retrieve a late exception so asyncio does not warn about it after a timeout.
            gathered.add_done_callback(lambda f: f.cancelled() or f.exception())
            remaining = self.config.budget_ms / 1000.0 - (time.monotonic() - start)
            try:
                await asyncio.wait_for(asyncio.shield(gathered), timeout=max(remaining, 0.0))
            except asyncio.TimeoutError:
                m.errors.labels(kind="timeout").inc()
                log.warning("kompress proxy: request %s: compression over the %.0f ms budget; forwarding the "
                            "original (the result will be cached for the next turn)", request_id, self.config.budget_ms)
                return None
            except Exception:  # noqa: BLE001 - already counted and logged by the task
                return None
            for path, fut in pending.items():
                results[path] = fut.result()
        replacements: dict[Path, str] = {}
        for path, outcome in results.items():
            self._count(outcome)
            if outcome.changed:
                replacements[path] = outcome.text  # type: ignore[assignment]
        return replacements

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

    def _spawn(self, key: str, h: str, t: ToolText, query: str | None, api: str, request_id: str) -> asyncio.Future:
        loop = asyncio.get_running_loop()

        async def run() -> Outcome:
            try:
                outcome, original = await loop.run_in_executor(
                    self._executor, functools.partial(self._work, h, t.text, t.tool_name, api, request_id, query=query)
                )
            except Exception as e:
                self.metrics.errors.labels(kind="compress").inc()
                self.metrics.tool_outputs.labels(result="failed").inc()
                # The message may quote input text: redact it, and keep it short.
                log.warning("kompress proxy: request %s: compression failed (%s: %s); forwarding the original",
                            request_id, type(e).__name__, redact(str(e))[:200])
                self._cache.put(key, Outcome(h, None), None)
                raise
            finally:
                self._inflight.pop(key, None)
            self._cache.put(key, outcome, original)
            return outcome

        fut = asyncio.ensure_future(run())
        fut.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._inflight[key] = fut
        return fut

    def _work(self, h: str, text: str, tool_name: str | None, api: str, request_id: str,
              query: str | None = None) -> tuple[Outcome, str | None]:
        """Worker thread: compress one output (for ``query``, when given), and log the pair when
        something was removed."""
        comp = self.compressor()
        cfg = self.config
        options = cfg.options.replace(query=query) if query else cfg.options
        with _COMPRESS_LOCK:
            t0 = time.perf_counter()
            r = comp.compress(text, options)
            seconds = time.perf_counter() - t0
        self.metrics.latency.observe(seconds)
        if not (r.tokens_out < r.tokens_in and r.text != text):
            return Outcome(h, None, r.tokens_in, r.tokens_out), None
        out = with_note(r.text, note(r.tokens_in, r.tokens_out, h)) if cfg.note else r.text
        if len(out) >= len(text):  # the note would eat the saving: not worth changing the bytes
            return Outcome(h, None, r.tokens_in, r.tokens_out), None
        if self.store is not None:
            with self._writes_lock:
                self._pending_writes += 1
            try:
                self._writer.submit(
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
