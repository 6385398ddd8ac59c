"""Issue #21 item 7: no logged pair is lost when the proxy stops. The real ``kompress proxy``
process (shipped model, SQLite log) against the local stand-in upstream of ``test_proxy``:
SIGTERM with a stalled stream open stops it in bounded time with every pair in the database;
with the database locked by another process the pairs wait in the write-ahead journal and
the next start writes them; after ``kill -9`` likewise."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import StreamingResponse
from starlette.routing import Route

from kompress.serving.proxy import PairStore
from kompress.serving.proxy.store import Journal
from kompress.serving.proxy.redact import redact

from .test_proxy import ServerThread, bash_call_body

ROOT = Path(__file__).resolve().parent.parent
N = 4
SHUTDOWN_S = 2
KEY = "sk-proj-Z9x8C7v6B5n4M3a2S1d0F9g8"  # in one tool output: must reach no file


LOG_LINES = (ROOT / "samples/service_log.txt").read_text().splitlines(keepends=True)[:80]


def tool_output(i: int) -> str:
    """80 lines of a real service log made unique per request (its hash is the pair's key; a log of
    at most 50 lines would pass whole, uncompressed, and log no pair)."""
    head = f"$ tail -n 80 /var/log/quill/service.log   # request {i}\n"
    if i % N == 0:
        head += f"OPENAI_API_KEY={KEY}\n"
    return head + "".join(LOG_LINES)


@pytest.fixture(scope="module")
def stalling():
    """An upstream whose every answer is a stream that sends one event and then nothing."""
    started = threading.Event()

    async def stall(request):
        async def events():
            yield b"event: message_start\ndata: {}\n\n"
            started.set()
            await asyncio.sleep(3600)

        return StreamingResponse(events(), media_type="text/event-stream")

    with ServerThread(Starlette(routes=[Route("/{path:path}", stall, methods=["POST"])])) as server:
        server.started_stream = started
        yield server


class ProxyProcess:
    """``kompress proxy`` in a subprocess on a free port (Anthropic requests go to ``anthropic``)."""

    def __init__(self, upstream_url: str, db: Path, anthropic: str | None = None) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kompress.cli", "proxy", "--port", str(self.port), "--log-db", str(db),
             "--upstream-openai", upstream_url, "--upstream-anthropic", anthropic or upstream_url, "--min-tokens", "100", "--budget-ms", "120000",
             "--shutdown-timeout", str(SHUTDOWN_S), "--log-level", "warning"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while True:
            assert self.proc.poll() is None, self.proc.communicate()[1]
            try:
                if httpx.get(self.url + "/healthz").json()["model"] == "loaded":
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "kompress proxy did not come up"
            time.sleep(0.1)

    def health(self) -> dict:
        return httpx.get(self.url + "/healthz").json()

    def send(self, i: int) -> None:
        r = httpx.post(self.url + "/v1/chat/completions", json=bash_call_body(f"c{i}", tool_output(i)), timeout=120)
        assert r.status_code == 200

    def stop(self, sig: int, timeout: float = 120) -> tuple[float, str]:
        """Send ``sig``; returns the seconds until the process ended, and its stderr."""
        t0 = time.monotonic()
        self.proc.send_signal(sig)
        _, err = self.proc.communicate(timeout=timeout)
        return time.monotonic() - t0, err


def journal_of(db: Path) -> Path:
    return Path(str(db) + ".journal.jsonl")


def stored(db: Path) -> set[str]:
    with PairStore(str(db)) as store:
        return {p["original"] for p in store.iter_pairs()}


def expected(requests: range = range(N)) -> set[str]:
    return {redact(tool_output(i)) for i in requests}


def lock_database(db: Path) -> sqlite3.Connection:
    """Another process's write transaction: the proxy's inserts wait on it."""
    conn = sqlite3.connect(str(db), timeout=1, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    return conn


def test_sigterm_with_a_stalled_stream_writes_every_pair(upstream, stalling, tmp_path):
    db = tmp_path / "pairs.db"
    proxy = ProxyProcess(upstream.url, db, anthropic=stalling.url)
    for i in range(N):
        proxy.send(i)
    assert journal_of(db).exists() and stat.S_IMODE(journal_of(db).stat().st_mode) == 0o600

    def stalled() -> None:
        try:
            with httpx.stream("POST", proxy.url + "/v1/messages", timeout=120,
                              json={"model": "claude-test", "stream": True, "messages": []}) as r:
                for _ in r.iter_raw():
                    pass
        except httpx.HTTPError:
            pass  # cut at shutdown: expected

    threading.Thread(target=stalled, daemon=True).start()
    assert stalling.started_stream.wait(30)
    seconds, err = proxy.stop(signal.SIGTERM)
    assert proxy.proc.returncode in (0, -signal.SIGTERM), err  # uvicorn re-raises the signal it caught
    assert seconds < 60, err  # bounded: the upstream would hold the stream for an hour
    assert stored(db) == expected()
    assert journal_of(db).read_bytes() == b""  # every journaled pair reached the database


def test_pairs_left_by_sigterm_or_kill_9_are_written_at_the_next_start(upstream, tmp_path):
    """The database locked by another process: the pairs can only be in the journal."""
    db = tmp_path / "pairs.db"
    first, second = range(N), range(N, 2 * N)
    # SIGTERM: bounded; what could not reach the database stays in the journal.
    proxy = ProxyProcess(upstream.url, db)
    lock = lock_database(db)
    try:
        for i in first:
            proxy.send(i)
        _, err = proxy.stop(signal.SIGTERM)
        assert proxy.proc.returncode in (0, -signal.SIGTERM), err  # uvicorn re-raises the signal it caught
        assert f"{N} pair(s) not yet in the store stay in the journal" in err
    finally:
        lock.rollback()
        lock.close()
    assert stored(db) == set()  # none reached the database ...
    raw = journal_of(db).read_bytes()
    assert raw.count(b"\n") == N and KEY.encode() not in raw  # ... all are in the journal, redacted
    # The next start writes them.
    proxy = ProxyProcess(upstream.url, db)
    assert stored(db) == expected(first) and journal_of(db).read_bytes() == b""
    # kill -9 a second after the pairs were handed to the store.
    lock = lock_database(db)
    try:
        for i in second:
            proxy.send(i)
        deadline = time.monotonic() + 60
        while (h := proxy.health())["pending_writes"] or h["journal_pending"] < N:
            assert time.monotonic() < deadline, h
            time.sleep(0.05)
        time.sleep(1.1)  # past the journal's fsync interval
        proxy.stop(signal.SIGKILL)
    finally:
        lock.rollback()
        lock.close()
    assert stored(db) == expected(first)
    assert KEY.encode() not in journal_of(db).read_bytes()
    restarted = ProxyProcess(upstream.url, db)
    assert stored(db) == expected(first) | expected(second)
    _, err = restarted.stop(signal.SIGTERM)
    assert restarted.proc.returncode in (0, -signal.SIGTERM), err
    assert os.path.getsize(journal_of(db)) == 0


def test_kill_9_under_a_second_after_a_burst_loses_no_pair(upstream, tmp_path):
    """Issue #21: a pair reaches the write-ahead journal within about a second of being made,
    however many are made together and however slow the database is. With the database locked
    by another process, eight requests at once (each answered once its output is compressed,
    so each pair exists when its answer arrives); ``kill -9`` 0.75 s after the last answer: the
    next start writes all eight. (Before, with the database locked, the first pairs each waited
    half a second for it, the others queued behind them: a second after the last answer some
    were still not in the journal.)"""
    db = tmp_path / "pairs.db"
    burst = range(2 * N, 4 * N)  # two of them carry the key
    proxy = ProxyProcess(upstream.url, db)
    lock = lock_database(db)
    try:
        with ThreadPoolExecutor(len(burst)) as pool:
            list(pool.map(proxy.send, burst))
        time.sleep(0.75)
        proxy.stop(signal.SIGKILL)
    finally:
        lock.rollback()
        lock.close()
    raw = journal_of(db).read_bytes()
    assert KEY.encode() not in raw
    assert stored(db) == set()
    restarted = ProxyProcess(upstream.url, db)
    try:
        assert stored(db) == expected(burst)
    finally:
        _, err = restarted.stop(signal.SIGTERM)
    assert restarted.proc.returncode in (0, -signal.SIGTERM), err


def test_a_second_proxy_on_the_same_log_takes_its_own_journal(tmp_path):
    """In-process: the journal file is locked by its store; a second store on the same path
    takes PATH-2; a numbered journal nobody holds any more (its process was killed) is written
    to the database and removed by the next store that opens."""
    db = tmp_path / "pairs.db"
    path = journal_of(db)
    path.write_text("")
    path.chmod(0o644)  # an older file with wider permissions
    first = PairStore(str(db), journal=path)
    second = PairStore(str(db), journal=path)
    sibling = str(path).replace(".jsonl", "-2.jsonl")
    assert first.journal.path == str(path) and second.journal.path == sibling
    assert stat.S_IMODE(path.stat().st_mode) == stat.S_IMODE(os.stat(sibling).st_mode) == 0o600
    second.close()
    orphan = Journal(sibling)  # what a killed proxy leaves: a redacted row not yet in the database
    orphan.append(dict(hash="feedfacefeedface", original="left behind", compressed="left", domain="log",
                       model_id="m", keep_rate=0.5, latency_ms=1.0, tokens_in=None, tokens_out=None,
                       created_at=datetime.now(timezone.utc), request_id="r1", api="openai-chat", tool_name=None,
                       mode="compress", query=None))
    orphan.close()
    first.close()
    third = PairStore(str(db), journal=path)
    assert third.replayed == 1 and not os.path.exists(sibling)
    assert [p["original"] for p in third.iter_pairs()] == ["left behind"]
    third.close()
