"""Issue #21, the proxy under load: what keeps the event loop short and the pairs safe.

* the upstream requests are spread over several small httpx pools (httpcore's bookkeeping grows
  with the square of a pool's connections);
* full garbage collections run when the proxy is idle, not in the middle of a burst;
* small bodies are parsed on the loop, large ones in a worker thread;
* a model loaded before the engine (``kompress proxy`` loads it in the main thread) has its
  inference threads lowered to the workers' priority;
* small whole upstream answers are relayed without a streaming task group, broken ones still broken;
* one log line per second, not per request, for outputs deferred past the budget;
* a request stops waiting for queued outputs that can no longer make its deadline;
* a pair reaches the journal without waiting behind a huge one, and redacting it scans its
  original once.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kompress.serving.proxy import app as app_module
from kompress.serving.proxy import redact as redact_module
from kompress.serving.proxy.app import INLINE_BODY_BYTES, OldGarbageCollector, UpstreamClients
from kompress.serving.proxy.redact import redact_derived

from . import test_proxy as tp
from .test_proxy import bash_call_body
from .test_proxy_parts import grep_context_lines

ROOT = Path(__file__).resolve().parent.parent
compressor, start_proxy = tp.compressor, tp.start_proxy


def test_upstream_pools_are_taken_in_turn_and_closed_together():
    async def run() -> None:
        clients = UpstreamClients(30.0, pools=3)
        taken = [clients.next() for _ in range(7)]
        assert len({id(c) for c in taken}) == 3  # three pools ...
        assert taken[:3] == taken[3:6] and taken[6] is taken[0]  # ... taken in turn
        await clients.aclose()
        assert all(c.is_closed for c in taken)

    asyncio.run(run())


def test_full_collections_wait_for_an_idle_moment_and_the_collector_is_restored(monkeypatch):
    monkeypatch.setattr(app_module, "GC_IDLE_S", 0.05)
    thresholds = gc.get_threshold()

    async def run() -> None:
        busy = [True]
        policy = OldGarbageCollector(lambda: busy[0], poll_s=0.01)
        policy.start()
        try:
            assert gc.get_freeze_count() > 0  # what existed at start-up is out of the collector's sight
            assert gc.get_threshold()[2] > 10**6  # no automatic full collection
            for _ in range(thresholds[2] + 1):
                gc.collect(1)  # each one makes a full collection more due
            await asyncio.sleep(0.3)
            assert policy.collections == 0  # due, but a request is on its way: not now
            busy[0] = False
            await asyncio.sleep(0.3)
            assert policy.collections == 1  # idle: collected, once
            assert gc.get_count()[2] < thresholds[2]
            # A second app in the same process shares the collector's settings: the first one
            # stopping leaves them for it; the last one restores them.
            other = OldGarbageCollector(lambda: True, poll_s=0.01)
            other.start()
            await policy.stop()
            assert gc.get_threshold()[2] > 10**6 and gc.get_freeze_count() > 0
            await other.stop()
        finally:
            await policy.stop()  # a second stop does nothing

    asyncio.run(run())
    assert gc.get_threshold() == thresholds and gc.get_freeze_count() == 0


def test_small_bodies_are_parsed_on_the_loop_and_large_ones_in_a_thread(start_proxy, upstream, monkeypatch):
    """The same rewrite either way; only bodies over INLINE_BODY_BYTES go to the thread pool."""
    calls: list[str] = []
    real = app_module.run_in_threadpool

    async def counting(fn, *args, **kwargs):
        calls.append(fn.__name__)
        return await real(fn, *args, **kwargs)

    monkeypatch.setattr(app_module, "run_in_threadpool", counting)
    server = start_proxy()
    line = "2024-05-01 12:00:00 INFO worker {i}: processed batch {i} in {ms} ms\n"
    small = "".join(line.format(i=i, ms=i % 97) for i in range(300))
    large = "".join(line.format(i=i, ms=i % 89) for i in range(int(1.3 * INLINE_BODY_BYTES) // len(line)))
    for text in (small, large):
        r = tp.httpx.post(server.url + "/v1/chat/completions", json=bash_call_body("c1", text), timeout=120)
        assert r.status_code == 200
    assert len(json.dumps(bash_call_body("c1", small))) <= INLINE_BODY_BYTES
    assert calls == ["_parse_tool_texts", "_splice"]  # the large body's parse and splice only
    assert all(len(r["body"]) < len(json.dumps(bash_call_body("c1", t))) for r, t in
               zip(upstream.received[-2:], (small, large)))  # both went out compressed


def test_a_model_loaded_before_the_engine_gets_its_inference_threads_lowered():
    """As ``kompress proxy`` does: the shipped model (ONNX Runtime, whose intra-op pool is made
    when the session is) loaded in the main thread, then the engine. Its pool threads must end
    up at the workers' priority, below the event loop's (they ran at the loop's, and spun)."""
    pytest.importorskip("onnxruntime")
    script = textwrap.dedent("""
        import os, threading
        from kompress.compressor import Compressor
        from kompress.serving.proxy.config import ProxyConfig
        from kompress.serving.proxy.engine import WORKER_NICENESS, CompressionEngine

        def native():
            known = {t.native_id for t in threading.enumerate()}
            return {int(t): os.getpriority(os.PRIO_PROCESS, int(t)) for t in os.listdir("/proc/self/task")
                    if int(t) not in known}

        comp = Compressor.load(backend="onnx")
        before = native()
        CompressionEngine(ProxyConfig(), compressor=comp)
        after = native()
        main = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        print(len(before), all(after[t] >= min(19, main + WORKER_NICENESS) for t in before if t in after), main)
    """)
    if not sys.platform.startswith("linux"):
        pytest.skip("thread priorities are per thread on Linux only")
    if not (ROOT / "src/kompress/default_model/onnx").is_dir():
        pytest.skip("no shipped ONNX model")
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr
    native, lowered, main_nice = out.stdout.split()
    assert int(native) >= 1  # the runtime made threads of its own ...
    assert lowered == "True"  # ... and every one of them was lowered
    assert main_nice == str(os.getpriority(os.PRIO_PROCESS, 0))  # the loop's own thread was not


def test_redact_derived_scans_the_original_once(monkeypatch):
    scanned: list[str] = []
    real = redact_module.find_secrets

    def counting(text: str):
        scanned.append(text)
        return real(text)

    monkeypatch.setattr(redact_module, "find_secrets", counting)
    secret = "Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1"
    original = f"export API_TOKEN={secret}\nok\n"
    original_r, compressed_r, query_r = redact_derived(original, f"API_TOKEN {secret}", None)
    assert scanned.count(original) == 1
    assert secret not in original_r and secret not in compressed_r and query_r is None


def test_a_huge_pair_does_not_hold_the_small_ones_back_from_the_journal(minilm_compressor, monkeypatch):
    """Redacting a huge original takes long (~1.5 ms per KB: half a minute for 20 MB); a small
    pair made meanwhile must not wait for it to reach the store (and so the journal, where a
    ``kill -9`` no longer loses it). A stand-in store whose ``add`` of a "huge" pair takes 1.5 s."""
    from kompress.decision.options import CompressOptions
    from kompress.serving.proxy import engine as engine_module
    from kompress.serving.proxy.config import ProxyConfig
    from kompress.serving.proxy.engine import CompressionEngine
    from kompress.serving.proxy.store import content_hash

    monkeypatch.setattr(engine_module, "LARGE_PAIR_CHARS", 2000)

    class SlowStore:
        def __init__(self) -> None:
            self.added: dict[str, float] = {}

        def add(self, *, original: str, **pair) -> str:
            if len(original) > 2000:
                time.sleep(1.5)  # a huge original's redaction
            self.added["huge" if len(original) > 2000 else "small"] = time.monotonic()
            return content_hash(original)

        def pending(self) -> int:
            return 0

        def close(self) -> None:
            pass

    store = SlowStore()
    engine = CompressionEngine(ProxyConfig(options=CompressOptions(rate=0.5, min_tokens=10), note=False),
                               compressor=minilm_compressor, store=store)  # type: ignore[arg-type]
    huge, small = grep_context_lines(80), grep_context_lines(30)
    assert len(huge) > 2000 >= len(small)
    for text in (huge, small):
        outcome, _ = engine._work(content_hash(text), text, "bash", "openai-chat", "req")
        assert outcome.changed  # both make pairs
    deadline = time.monotonic() + 60
    while len(store.added) < 2:
        assert time.monotonic() < deadline, store.added
        time.sleep(0.01)
    assert store.added["small"] < store.added["huge"]
    asyncio.run(engine.aclose())


async def _cut_small_body(scope, receive, send) -> None:
    """A small JSON answer of declared length whose body stops halfway (``/cut``: the connection
    closes; ``/stall``: nothing more comes), or arrives whole (``/whole``)."""
    body = b'{"id": "chatcmpl-1", "choices": [{"message": {"content": "' + b"x" * 200 + b'"}}]}'
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"x-upstream", b"yes")]})
    if scope["path"].endswith("/whole"):
        await send({"type": "http.response.body", "body": body})
        return
    await send({"type": "http.response.body", "body": body[:40], "more_body": True})
    if scope["path"].endswith("/stall"):
        await asyncio.sleep(30)
    # Returning without the final message: uvicorn closes the connection mid-body.


@pytest.fixture(scope="module")
def small_body_upstream():
    from starlette.applications import Starlette
    from starlette.routing import Route

    class App:
        async def __call__(self, scope, receive, send) -> None:
            await _cut_small_body(scope, receive, send)

    with tp.ServerThread(Starlette(routes=[Route("/v1/{rest:path}", App(), methods=["POST"])])) as server:
        yield server


@pytest.mark.parametrize("end", ["cut", "stall"])
def test_a_small_answer_cut_short_reaches_the_client_cut_short(start_proxy, small_body_upstream, end):
    """Small answers are read whole before they are sent on; one the upstream breaks off must
    still reach the client broken off (never as a complete 200), as a streamed one does."""
    server = start_proxy(upstream_openai=small_body_upstream.url, upstream_timeout=1.0)
    with pytest.raises(tp.httpx.HTTPError):
        with tp.httpx.Client(timeout=20) as client:
            with client.stream("POST", server.url + f"/v1/models/{end}", json={"model": "m"}) as r:
                assert r.status_code == 200
                b"".join(r.iter_raw())


def test_a_small_whole_answer_is_relayed_as_is(start_proxy, small_body_upstream):
    server = start_proxy(upstream_openai=small_body_upstream.url)
    direct = tp.httpx.post(small_body_upstream.url + "/v1/models/whole", json={"model": "m"})
    r = tp.httpx.post(server.url + "/v1/models/whole", json={"model": "m"})
    assert r.status_code == 200 and r.content == direct.content
    assert r.headers["content-length"] == direct.headers["content-length"] and r.headers["x-upstream"] == "yes"


def test_deferral_lines_are_rate_limited_and_count_what_they_stand_for(minilm_compressor, caplog, monkeypatch):
    """A burst over capacity defers most requests: one log line per second, not one per request
    (each is redacted and written on the event loop), saying how many it stands for."""
    import logging

    from kompress.serving.proxy import engine as engine_module
    from kompress.serving.proxy.config import ProxyConfig
    from kompress.serving.proxy.engine import CompressionEngine

    engine = CompressionEngine(ProxyConfig(), compressor=minilm_compressor)
    caplog.set_level(logging.WARNING, logger="kompress.serving.proxy")
    for i in range(5):
        engine._log_deferral(f"r{i}", 1, {"backlog"})
    lines = [r.getMessage() for r in caplog.records if "not compressed within" in r.getMessage()]
    assert len(lines) == 1 and "r0" in lines[0] and "more request" not in lines[0]
    monkeypatch.setattr(engine_module, "DEFERRAL_LOG_S", 0.0)
    engine._log_deferral("r5", 2, {"deadline", "backlog"})
    lines = [r.getMessage() for r in caplog.records if "not compressed within" in r.getMessage()]
    assert len(lines) == 2 and "r5: 2 tool output(s)" in lines[1] and "4 more request(s) like it" in lines[1]


def test_a_queued_output_that_can_no_longer_make_its_deadline_is_not_waited_for():
    """Admission trusts the cost estimate; when compressions turn out slower (a burst, a slower
    machine), the outputs still queued are estimated again while the request waits, and the
    request stops waiting for those that cannot make its deadline: it goes on when the others
    are done, not at the deadline. A stand-in model that takes 0.9 s per output (the first
    estimate says ~0.06 s); four outputs, a 2.5 s budget: two can make it, two cannot."""
    import threading
    from types import SimpleNamespace

    from kompress.decision.options import CompressOptions
    from kompress.serving.proxy.config import ProxyConfig
    from kompress.serving.proxy.engine import CompressionEngine
    from kompress.serving.proxy.rewrite import ToolText

    release = threading.Event()

    class SlowModel:
        config = SimpleNamespace(kompress_version="test")

        def compress(self, text: str, options):
            release.wait(0.9)
            return SimpleNamespace(text=text[: len(text) // 2], tokens_in=100, tokens_out=50, domain="log",
                                   keep_rate=0.5)

    budget_s = 2.5
    engine = CompressionEngine(ProxyConfig(options=CompressOptions(min_tokens=10), budget_ms=budget_s * 1000),
                               compressor=SlowModel())  # type: ignore[arg-type]
    texts = [ToolText(("messages", i, "content"), grep_context_lines(50) + f"# output {i}\n", "bash", f"c{i}")
             for i in range(4)]
    assert all(len(t.text) >= 2000 for t in texts)  # long enough for the cost model to learn from

    async def run() -> tuple[dict, float]:
        t0 = time.monotonic()
        out = await engine.process("openai-chat", texts, "req")
        elapsed = time.monotonic() - t0
        release.set()
        await engine.aclose()
        return out, elapsed

    out, elapsed = asyncio.run(run())
    assert sorted(p[1] for p in out) == [0, 1]  # the two that could make it went out compressed
    # Gone on when the second was done (~1.8 s), not at the deadline (2.5 s less the margin).
    assert elapsed < budget_s - 0.3, elapsed
    assert _sample(engine.metrics, 'kompress_proxy_fallbacks_total{reason="backlog"}') == 1
    assert _sample(engine.metrics, 'kompress_proxy_fallbacks_total{reason="deadline"}') == 0


def _sample(metrics, key: str) -> float:
    for line in metrics.render().decode().splitlines():
        if line.startswith(key + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
