"""``--budget-ms`` bounds what each request waits for, queueing included (issue #21, item 3).

The real proxy app under uvicorn (in a thread), the real compressor (MiniLM backbone, seeded
heads, ``rate`` 0.5) and the recording upstream of :mod:`tests.test_proxy`. No assertion on
how long anything took: the assertions are on behaviour (what reached the upstream, in which
order things finished, what the metrics counted), which holds on a loaded machine too.
"""

from __future__ import annotations

import asyncio
import json
import time

import httpx

from kompress.decision.options import CompressOptions
from kompress.serving.proxy import content_hash
from kompress.serving.proxy.engine import note, with_note

from . import test_proxy as tp
from .test_proxy import CHAT_BYTES, metric, settle

# The same fixtures as test_proxy.py (module-scoped: this module gets its own proxies; the
# recording upstream comes from conftest.py).
compressor, start_proxy = tp.compressor, tp.start_proxy

MIN_TOKENS = 30
OPTIONS = CompressOptions(rate=0.5, min_tokens=MIN_TOKENS)


def grep_lines(tag: str, n: int) -> str:
    """``grep -rn -A1`` output, every line different (no repeated records for the log frame to skip):
    a match line (which stays: a search's answer) and a context line (which may go) by turns."""
    return "".join(f"src/service/{tag}/module_{i % 9}/part_{i}.py{':' if i % 2 == 0 else '-'}{17 + i * 11}"
                   f"{':' if i % 2 == 0 else '-'}    def handle_{tag}_{i}"
                   f"(self, request, payload_{i * 7 % 13}, retries={i % 4}):\n" for i in range(n))


def body_for(text: str, call: str = "c") -> bytes:
    return json.dumps({"model": "gpt-test", "messages": [
        {"role": "assistant", "tool_calls": [{"id": call, "type": "function",
                                              "function": {"name": "bash", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": call, "content": text}]}).encode()


def sent_output(upstream, raw: bytes) -> str:
    """The tool output of the request the upstream received with the same messages as ``raw``."""
    call = json.loads(raw)["messages"][0]["tool_calls"][0]["id"]
    for r in reversed(upstream.received):
        if r["path"] == "/v1/chat/completions":
            msgs = json.loads(r["body"])["messages"]
            if msgs[0].get("tool_calls", [{}])[0].get("id") == call:
                return msgs[1]["content"]
    raise AssertionError(f"no request with call id {call} reached the upstream")


def expected(compressor, text: str) -> str:
    """What ``kompress compress`` with the proxy's options makes of ``text``, plus the proxy's note."""
    r = compressor.compress(text, OPTIONS)
    return with_note(r.text, note(r.tokens_in, r.tokens_out, content_hash(text)))


def post(server, raw: bytes) -> None:
    r = httpx.post(server.url + "/v1/chat/completions", content=raw,
                   headers={"content-type": "application/json"}, timeout=120)
    assert r.status_code == 200 and r.content == CHAT_BYTES


def test_tiny_budget_forwards_every_request_unmodified_and_counts_the_fallbacks(start_proxy, upstream, compressor):
    server = start_proxy(budget_ms=1, min_tokens=MIN_TOKENS)
    texts = [grep_lines(f"tiny{i}", 6) for i in range(4)]
    raws = [body_for(t, call=f"tiny{i}") for i, t in enumerate(texts)]

    async def burst() -> None:
        async with httpx.AsyncClient(timeout=120) as client:
            rs = await asyncio.gather(*[client.post(server.url + "/v1/chat/completions", content=raw,
                                                    headers={"content-type": "application/json"}) for raw in raws])
        assert all(r.status_code == 200 and r.content == CHAT_BYTES for r in rs)

    asyncio.run(burst())
    received = {r["body"] for r in upstream.received}
    assert all(raw in received for raw in raws)  # every body byte-identical: nothing waited for
    assert metric(server, "kompress_proxy_tool_outputs_compressed_total") == 0
    assert metric(server, "kompress_proxy_tool_outputs_total", result="deferred") == len(raws)
    fallbacks = sum(metric(server, "kompress_proxy_fallbacks_total", reason=r)
                    for r in ("over_budget", "backlog", "deadline"))
    assert fallbacks == len(raws)
    assert metric(server, "kompress_proxy_errors_total", kind="timeout") == len(raws)
    # The compressions went on in the background: the next turn sends the compressed bytes,
    # exactly what the compressor makes of the output.
    settle(server)
    post(server, raws[0])
    assert sent_output(upstream, raws[0]) == expected(compressor, texts[0])
    assert metric(server, "kompress_proxy_cache_hits_total") == 1


def test_small_output_is_not_held_up_by_a_huge_one(start_proxy, upstream, compressor):
    """A huge output (estimated over the budget) goes out unchanged at once and is compressed
    in the background lane; a small one arriving after it is compressed beside it, finishing
    before the huge one does, instead of queueing behind it."""
    learn = grep_lines("learn", 24)  # over 2,000 characters: the proxy learns its cost per character
    huge, small = grep_lines("huge", 72), grep_lines("small", 6)
    # The budget is set from this machine's speed (no timing is asserted): the huge output is
    # ~3x the learning one, so ~2x over the budget; the small one ~1/4 of it, well within.
    compressor.compress(grep_lines("warm", 24), OPTIONS)
    t0 = time.perf_counter()
    compressor.compress(learn, OPTIONS)
    budget_ms = 1500 * (time.perf_counter() - t0)
    server = start_proxy(budget_ms=budget_ms, min_tokens=MIN_TOKENS)
    post(server, body_for(learn, call="learn"))
    settle(server)
    raw_huge, raw_small = body_for(huge, call="huge"), body_for(small, call="small")
    post(server, raw_huge)
    assert sent_output(upstream, raw_huge) == huge  # not waited for: unchanged
    assert metric(server, "kompress_proxy_fallbacks_total", reason="over_budget") == 1
    post(server, raw_small)
    out = sent_output(upstream, raw_small)
    assert out in (small, expected(compressor, small))  # compressed in time, or byte-identical
    # The small one's compression finishes while the huge one is still being compressed.
    h_small, h_huge = content_hash(small), content_hash(huge)
    deadline = time.monotonic() + 120
    while httpx.get(f"{server.url}/v1/kompress/originals/{h_small}").status_code != 200:
        assert time.monotonic() < deadline, "the small output was never compressed"
        time.sleep(0.01)
    assert httpx.get(f"{server.url}/v1/kompress/originals/{h_huge}").status_code == 404
    assert httpx.get(server.url + "/healthz").json()["inflight"] >= 1
    # ... and the huge one is compressed in the background, for the next turn.
    settle(server)
    post(server, raw_huge)
    tp.check_compressed(huge, sent_output(upstream, raw_huge))
    assert metric(server, "kompress_proxy_cache_hits_total") == 1
