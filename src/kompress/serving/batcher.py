"""Micro-batching of encoder passes across concurrent requests, and the probe that says
whether merged passes are bit-identical on this machine (so merging never changes an output)."""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

DEFAULT_MAX_BATCH = 32  # rows (windows) per shared encoder pass
DEFAULT_MAX_WAIT_MS = 5.0  # how long the batcher waits for other in-flight requests
# Shorter rows never share a pass: for products of under ~12 rows MKL takes other code
# paths, so a lone tiny window and the same window inside a bigger pass differ in the last bits.
DEFAULT_MIN_MERGE_LEN = 16


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
