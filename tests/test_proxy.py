"""``kompress proxy`` end to end: the official OpenAI and Anthropic SDKs talk to the proxy
(uvicorn, in a thread), which talks to a small local upstream (Starlette, uvicorn, in a
thread) that records every request it receives and answers like the real APIs, SSE
streams included. The compressor is the real one (MiniLM backbone, seeded heads) with a
fixed ``rate`` so compression really happens."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import anthropic
import httpx
import openai
import pytest
import uvicorn
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from kompress import MARKER_RE
from kompress.decision.options import CompressOptions
from kompress.serving.proxy.config import OPTION_NAMES
from kompress.cli import main
from kompress.compressor import Compressor
from kompress.serving.proxy import NOTE_FORMAT, PairStore, ProxyConfig, content_hash, create_app
from kompress.serving.proxy.redact import redact

from .test_proxy_parts import SECRETS, assert_no_secret, pg_url, secret_text  # noqa: F401 - pg_url is a fixture

NOTE_RE = re.compile(r"^\[kompress: compressed (\d+)->(\d+) tokens; original: ([0-9a-f]{16})\]$")
OPENAI_KEY = "sk-client-0123456789abcdefghijkl"  # what the agent authenticates with
ANTHROPIC_KEY = "sk-ant-client-0123456789abcdef"


# ---------------------------------------------------------------------- tool outputs
def grep_output(tag: str, n: int = 40) -> str:
    """``grep -rn -A1`` over a code base: line-structured, no critical words, ~20 tokens a line.
    Its matches stay (a search's answer); the context line under each is what may go."""
    return "".join(
        f"src/service/handlers/module_{i % 9}.py:{17 + i * 11}:    def handle_{tag}_{i}(self, request, "
        f"retries={i % 4}):\n"
        f"src/service/handlers/module_{i % 9}.py-{18 + i * 11}-        self.log.debug('handling request number %d', "
        f"request.seq + {i})\n--\n"
        for i in range(n // 2)
    )


def ls_output(tag: str, n: int = 80) -> str:
    return "total 1024\n" + "".join(
        f"-rw-r--r--  1 dev  staff  {4096 + i * 37:6d} Mar  3 10:{i % 60:02d} {tag}_report_{i:03d}.csv\n" for i in range(n)
    )


# ---------------------------------------------------------------------- servers in threads
class ServerThread:
    """An ASGI app under uvicorn in a background thread, on a free loopback port."""

    def __init__(self, app) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, lifespan="on", log_level="warning", server_header=False, date_header=False,
                                timeout_graceful_shutdown=5)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> "ServerThread":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "server did not start"
            time.sleep(0.01)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        self.sock.close()


CHAT_BYTES = (b'{"id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000, "model": "gpt-test",\n'
              b' "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],\n'
              b' "usage": {"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11}}')
RESPONSES_BYTES = json.dumps({
    "id": "resp_1", "object": "response", "created_at": 1700000000, "status": "completed", "model": "gpt-test",
    "output": [{"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
                "content": [{"type": "output_text", "text": "ok", "annotations": []}]}],
    "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
}).encode()
MESSAGE_BYTES = json.dumps({
    "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-test",
    "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn", "stop_sequence": None,
    "usage": {"input_tokens": 10, "output_tokens": 1},
}).encode()
MODELS_BYTES = b'{"object": "list", "data": [{"id": "gpt-test", "object": "model", "created": 1, "owned_by": "t"}]}'
PARSE_ERROR_BYTES = (b'{"error": {"message": "We could not parse the JSON body of your request.", '
                     b'"type": "invalid_request_error", "param": null, "code": null}}')
STREAM_WORDS = ["Hel", "lo", " wor", "ld"]


def _sse(data: dict, event: str | None = None) -> bytes:
    return (f"event: {event}\n" if event else "").encode() + b"data: " + json.dumps(data).encode() + b"\n\n"


def openai_chat_events() -> list[bytes]:
    base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1700000000, "model": "gpt-test"}
    events = [_sse({**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": w} if i == 0 else
                                         {"content": w}, "finish_reason": None}]}) for i, w in enumerate(STREAM_WORDS)]
    events.append(_sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
    return events + [b"data: [DONE]\n\n"]


def anthropic_events() -> list[bytes]:
    msg = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-test", "content": [],
           "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 10, "output_tokens": 1}}
    events = [_sse({"type": "message_start", "message": msg}, "message_start"),
              _sse({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                   "content_block_start")]
    events += [_sse({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": w}},
                    "content_block_delta") for w in STREAM_WORDS]
    events += [_sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
               _sse({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                     "usage": {"output_tokens": 4}}, "message_delta"),
               _sse({"type": "message_stop"}, "message_stop")]
    return events


class Upstream:
    """A local stand-in for the OpenAI and Anthropic APIs that records what it receives.

    Streams send their chunks with small delays; with the request header ``x-test-gate``
    the stream stops after its first chunk until the test's client has seen that chunk
    (``gate``), and records whether that happened: buffering in the proxy would keep the
    client from ever seeing it, and the gate would time out.
    """

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.gate = threading.Event()
        self.gate_opened: list[bool] = []
        self.app = Starlette(routes=[Route("/{path:path}", self.handle, methods=["GET", "POST", "DELETE"])])

    def last(self, path: str | None = None) -> dict:
        return [r for r in self.received if path is None or r["path"] == path][-1]

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        path = request.url.path
        self.received.append({"method": request.method, "path": path,
                              "query": request.scope["query_string"].decode(),
                              "headers": [(k.decode(), v.decode()) for k, v in request.headers.raw], "body": body})
        if path == "/v1/models" and "gzip=1" in self.received[-1]["query"]:
            return Response(gzip.compress(MODELS_BYTES, mtime=0), media_type="application/json",
                            headers={"content-encoding": "gzip"})
        if path == "/v1/models":
            r = Response(MODELS_BYTES, media_type="application/json", headers={"x-upstream": "models"})
            r.raw_headers += [(b"set-cookie", b"a=1"), (b"set-cookie", b"b=2")]
            return r
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):  # like the real APIs: a 400, whatever is wrong with it
            return Response(PARSE_ERROR_BYTES, status_code=400, media_type="application/json")
        if not isinstance(data, dict):
            return Response(PARSE_ERROR_BYTES, status_code=400, media_type="application/json")
        if data.get("model") == "rate-limited":
            return Response(b'{"error": {"message": "slow down", "type": "rate_limit_error"}}', status_code=429,
                            media_type="application/json", headers={"retry-after": "0"})
        gated = "x-test-gate" in request.headers
        if path == "/v1/chat/completions":
            if data.get("stream"):
                return StreamingResponse(self.stream(openai_chat_events(), gated), media_type="text/event-stream")
            return Response(CHAT_BYTES, media_type="application/json", headers={"x-request-id": "req_up_1"})
        if path == "/v1/responses":
            return Response(RESPONSES_BYTES, media_type="application/json")
        if path == "/v1/messages":
            if data.get("stream"):
                return StreamingResponse(self.stream(anthropic_events(), gated), media_type="text/event-stream")
            return Response(MESSAGE_BYTES, media_type="application/json")
        return Response(b'{"error": "not found"}', status_code=404, media_type="application/json")

    async def stream(self, events: list[bytes], gated: bool):
        yield events[0]
        if gated:
            opened = False
            for _ in range(1000):  # up to 10 s
                if self.gate.is_set():
                    opened = True
                    break
                await asyncio.sleep(0.01)
            self.gate_opened.append(opened)
        for e in events[1:]:
            await asyncio.sleep(0.02)
            yield e


# ---------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def compressor(minilm_compressor):
    """The real compressor, one intra-op thread: the servers, clients and model share 2 cores."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield minilm_compressor
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def start_proxy(upstream, compressor):
    """Start a proxy with the given settings (stopped at the end of the module)."""
    started: list[ServerThread] = []

    def start(compressor_=None, store=None, **settings) -> ServerThread:
        options = {"rate": 0.5, "min_tokens": 500, **{k: settings.pop(k) for k in OPTION_NAMES if k in settings}}
        settings = {"upstream_openai": upstream.url, "upstream_anthropic": upstream.url,
                    "budget_ms": 120_000, "options": CompressOptions(**options), **settings}
        app = create_app(ProxyConfig(**settings), compressor=compressor_ or compressor, store=store)
        server = ServerThread(app).__enter__()
        server.app = app
        started.append(server)
        return server

    yield start
    for s in started:
        s.__exit__(None, None, None)


@pytest.fixture(scope="module")
def proxy(start_proxy, tmp_path_factory):
    """The main proxy: compress mode, default --min-tokens (500), a SQLite log, read_file excluded,
    queries derived (opt-in)."""
    db = tmp_path_factory.mktemp("proxy") / "pairs.db"
    server = start_proxy(log_db=str(db), exclude_tools={"read_file"}, derive_query=True)
    server.db = db
    return server


def oai(server: ServerThread) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key=OPENAI_KEY, max_retries=0, timeout=120)


def metric(server: ServerThread, name: str, **labels) -> float:
    text = httpx.get(server.url + "/metrics").text
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return 0.0


def settle(server: ServerThread, timeout: float = 120.0) -> None:
    """Wait until the proxy has no compression running and no pair left to write."""
    deadline = time.monotonic() + timeout
    while True:
        h = httpx.get(server.url + "/healthz").json()
        if not h["inflight"] and not h["pending_writes"]:
            return
        assert time.monotonic() < deadline, h
        time.sleep(0.02)


def check_compressed(original: str, sent: str) -> tuple[str, int, int]:
    """Assert ``sent`` is a faithful line-mode compression of ``original`` plus the note;
    return (hash, tokens_in, tokens_out)."""
    assert sent != original and len(sent) < len(original)
    lines = sent.rstrip("\n").split("\n")
    m = NOTE_RE.match(lines[-1])
    assert m, f"no note line: {lines[-1]!r}"
    assert lines[-1] == NOTE_FORMAT.format(tokens_in=m[1], tokens_out=m[2], hash=m[3])
    tokens_in, tokens_out, h = int(m[1]), int(m[2]), m[3]
    assert h == content_hash(original) and tokens_out < tokens_in
    originals = set(original.split("\n"))
    body = lines[:-1]
    assert any(MARKER_RE.match(line) for line in body), "no elision marker"
    for line in body:  # every kept line is a whole input line, or a marker
        assert line in originals or MARKER_RE.match(line), line
    return h, tokens_in, tokens_out


def bash_call_body(call_id: str, text: str) -> dict:
    """A chat request whose one tool message answers a ``bash`` call ``call_id`` with ``text``."""
    return {"model": "gpt-test", "messages": [
        {"role": "assistant", "tool_calls": [
            {"id": call_id, "type": "function", "function": {"name": "bash", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": call_id, "content": text}]}


def chat_messages(big: str, small: str, excluded: str, parts: str) -> list[dict]:
    return [
        {"role": "system", "content": "You are a coding agent."},
        {"role": "user", "content": [{"type": "text", "text": "Find the handlers."},
                                     {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "bash", "arguments": '{"cmd": "./scripts/find_handlers.sh"}'}},
            {"id": "call_2", "type": "function", "function": {"name": "bash", "arguments": '{"cmd": "wc"}'}},
            {"id": "call_3", "type": "function", "function": {"name": "read_file", "arguments": '{"path": "x"}'}},
            {"id": "call_4", "type": "function", "function": {"name": "ls", "arguments": "{}"}},
        ]},
        {"role": "tool", "tool_call_id": "call_1", "content": big},
        {"role": "tool", "tool_call_id": "call_2", "content": small},
        {"role": "tool", "tool_call_id": "call_3", "content": excluded},
        {"role": "tool", "tool_call_id": "call_4", "content": [{"type": "text", "text": parts}]},
    ]


# ---------------------------------------------------------------------- OpenAI chat
def test_openai_chat_tool_outputs_compressed_rest_identical(proxy, upstream, compressor, start_proxy, capsys):
    big, small, excluded, parts = grep_output("chat"), grep_output("small", 12), grep_output("excl"), ls_output("parts")
    assert compressor.count_tokens(big) >= 600 and compressor.count_tokens(parts) >= 600
    assert 150 < compressor.count_tokens(small) < 500  # under the default floor
    messages = chat_messages(big, small, excluded, parts)
    resp = oai(proxy).chat.completions.create(model="gpt-test", messages=messages, temperature=0,
                                              extra_headers={"x-custom-trace": "t-1"})
    assert resp.choices[0].message.content == "ok"  # the upstream's answer, through the SDK

    got = upstream.last("/v1/chat/completions")
    sent = json.loads(got["body"])
    h, tokens_in, tokens_out = check_compressed(big, sent["messages"][3]["content"])
    h2, _, _ = check_compressed(parts, sent["messages"][6]["content"][0]["text"])
    # Everything but the two compressed outputs is exactly what the agent sent.
    expected = {"model": "gpt-test", "messages": messages, "temperature": 0}
    expected["messages"] = json.loads(json.dumps(messages))
    expected["messages"][3]["content"] = sent["messages"][3]["content"]
    expected["messages"][6]["content"][0]["text"] = sent["messages"][6]["content"][0]["text"]
    assert sent == expected
    assert sent["messages"][4]["content"] == small and sent["messages"][5]["content"] == excluded
    # Headers: credentials and custom headers go through.
    headers = dict(got["headers"])
    assert headers["authorization"] == f"Bearer {OPENAI_KEY}" and headers["x-custom-trace"] == "t-1"

    # The note's hash gives the original back: HTTP endpoint and CLI.
    settle(proxy)
    r = httpx.get(f"{proxy.url}/v1/kompress/originals/{h}")
    assert r.status_code == 200 and r.text == big and r.headers["content-type"].startswith("text/plain")
    assert main(["original", h2, "--db", str(proxy.db)]) == 0
    assert capsys.readouterr().out == parts
    assert httpx.get(f"{proxy.url}/v1/kompress/originals/{'0' * 16}").status_code == 404
    # After a restart (empty cache) the endpoint reads the log DB.
    restarted = start_proxy(log_db=str(proxy.db))
    assert httpx.get(f"{restarted.url}/v1/kompress/originals/{h}").text == big
    assert httpx.get(f"{proxy.url}/v1/kompress/originals/xyz").status_code == 400

    pairs = {p["hash"]: p for p in PairStore(str(proxy.db)).iter_pairs()}
    assert pairs[h]["original"] == big and pairs[h]["tool_name"] == "bash" and pairs[h]["api"] == "openai-chat"
    assert pairs[h]["compressed"] == sent["messages"][3]["content"].rsplit("[kompress:", 1)[0]
    assert pairs[h]["domain"] == "grep" and 0 < pairs[h]["keep_rate"] < 1 and pairs[h]["latency_ms"] > 0
    assert pairs[h2]["tool_name"] == "ls"
    assert content_hash(small) not in pairs and content_hash(excluded) not in pairs


def test_same_output_compresses_to_same_bytes_across_turns(proxy, upstream):
    big = grep_output("turns")
    messages = chat_messages(big, "short", "x", "y")[:4]
    client = oai(proxy)
    client.chat.completions.create(model="gpt-test", messages=messages)
    first = upstream.last("/v1/chat/completions")["body"]
    hits = metric(proxy, "kompress_proxy_cache_hits_total")
    messages2 = messages + [{"role": "assistant", "content": "Found 40 handlers."}, {"role": "user", "content": "next"}]
    client.chat.completions.create(model="gpt-test", messages=messages2)
    second = upstream.last("/v1/chat/completions")["body"]
    c1 = json.loads(first)["messages"][3]["content"]
    assert json.loads(second)["messages"][3]["content"] == c1 != big
    # The unchanged prefix of the conversation goes out as the same bytes: provider prompt
    # caches keep hitting.
    cut = first.index(json.dumps(c1, ensure_ascii=False).encode())
    assert second[:cut] == first[:cut]
    assert metric(proxy, "kompress_proxy_cache_hits_total") == hits + 1


def test_raw_bytes_outside_tool_outputs_are_untouched(proxy, upstream):
    big = grep_output("raw")
    prefix = ('{\n  "model" :"gpt-test",  "messages":[\n   {"role":"user","content":"caf\\u00e9 \\/ \\"q\\"  \\ud83d\\ude00"},\n'
              '   {"role":"tool","tool_call_id":"c9","content":')
    suffix = '},\n   {"role":"user","content":"n\\u00e4chste"}], "temperature": 1.0E0, "top_p":1.00 }\n'
    raw = (prefix + json.dumps(big) + suffix).encode()
    r = httpx.post(proxy.url + "/v1/chat/completions", content=raw,
                   headers={"content-type": "application/json", "authorization": f"Bearer {OPENAI_KEY}",
                            "proxy-authorization": "Basic cHJveHk6cHc=", "connection": "keep-alive, x-hop",
                            "x-hop": "1", "te": "trailers", "x-end-to-end": "2"}, timeout=120)
    assert r.status_code == 200 and r.content == CHAT_BYTES  # the response, byte for byte
    assert r.headers["x-request-id"] == "req_up_1"
    names = {k for k, _ in upstream.last("/v1/chat/completions")["headers"]}
    assert {"authorization", "x-end-to-end"} <= names and not {"proxy-authorization", "x-hop", "te"} & names
    got = upstream.last("/v1/chat/completions")["body"]
    assert got.startswith(prefix.encode()) and got.endswith(suffix.encode())
    check_compressed(big, json.loads(got)["messages"][1]["content"])
    # Nothing to compress: the body goes through as the very same bytes.
    raw2 = raw.replace(json.dumps(big).encode(), b'"tiny output"')
    httpx.post(proxy.url + "/v1/chat/completions", content=raw2, headers={"content-type": "application/json"}, timeout=120)
    assert upstream.last("/v1/chat/completions")["body"] == raw2


def test_openai_chat_streaming_is_relayed_incrementally(proxy, upstream):
    big = grep_output("stream")
    upstream.gate.clear()
    stream = oai(proxy).chat.completions.create(
        model="gpt-test", messages=chat_messages(big, "a", "b", "c")[:4], stream=True,
        extra_headers={"x-test-gate": "1"})
    pieces = []
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
            upstream.gate.set()  # the client holds the first chunk: let the upstream finish
    assert "".join(pieces) == "Hello world"
    assert upstream.gate_opened[-1] is True, "the client saw no chunk before the upstream finished: buffered"
    check_compressed(big, json.loads(upstream.last("/v1/chat/completions")["body"])["messages"][3]["content"])


# ---------------------------------------------------------------------- OpenAI responses
def test_openai_responses_function_call_output(proxy, upstream):
    big, excluded = ls_output("resp"), ls_output("resp-excl")
    items = [
        {"role": "user", "content": "list the reports"},
        {"type": "function_call", "call_id": "fc_1", "name": "ls", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "fc_1", "output": big},
        {"type": "function_call", "call_id": "fc_2", "name": "read_file", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "fc_2", "output": excluded},
    ]
    resp = oai(proxy).responses.create(model="gpt-test", input=items)
    assert resp.output_text == "ok"
    sent = json.loads(upstream.last("/v1/responses")["body"])
    check_compressed(big, sent["input"][2]["output"])
    assert sent["input"][4]["output"] == excluded  # --exclude-tools read_file
    assert [it for i, it in enumerate(sent["input"]) if i != 2] == [it for i, it in enumerate(items) if i != 2]


# ---------------------------------------------------------------------- Anthropic messages
def anthropic_messages(big: str, blocks: str, excluded: str) -> list[dict]:
    return [
        {"role": "user", "content": "Look around."},
        {"role": "assistant", "content": [
            {"type": "text", "text": "Listing."},
            {"type": "tool_use", "id": "toolu_1", "name": "bash", "input": {"cmd": "ls -la"}},
            {"type": "tool_use", "id": "toolu_2", "name": "search_code", "input": {"q": "def"}},
            {"type": "tool_use", "id": "toolu_3", "name": "read_file", "input": {"path": "a"}},
        ]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": big},
            {"type": "tool_result", "tool_use_id": "toolu_2", "content": [
                {"type": "text", "text": blocks},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}]},
            {"type": "tool_result", "tool_use_id": "toolu_3", "content": excluded},
            {"type": "text", "text": "What next?"},
        ]},
    ]


def test_anthropic_messages_tool_results(proxy, upstream):
    big, blocks, excluded = ls_output("anth"), grep_output("anth"), grep_output("anth-excl")
    messages = anthropic_messages(big, blocks, excluded)
    client = anthropic.Anthropic(base_url=proxy.url, api_key=ANTHROPIC_KEY, max_retries=0, timeout=120)
    msg = client.messages.create(model="claude-test", max_tokens=64, system="Be brief.", messages=messages)
    assert msg.content[0].text == "ok"
    got = upstream.last("/v1/messages")
    sent = json.loads(got["body"])
    results = sent["messages"][2]["content"]
    check_compressed(big, results[0]["content"])
    check_compressed(blocks, results[1]["content"][0]["text"])
    assert results[2]["content"] == excluded
    expected = json.loads(json.dumps(messages))
    expected[2]["content"][0]["content"] = results[0]["content"]
    expected[2]["content"][1]["content"][0]["text"] = results[1]["content"][0]["text"]
    assert sent == {"model": "claude-test", "max_tokens": 64, "system": "Be brief.", "messages": expected}
    headers = dict(got["headers"])
    # The SDK's credential header (x-api-key, or a bearer token in newer SDKs) goes through.
    assert ANTHROPIC_KEY in (headers.get("x-api-key"), headers.get("authorization", "").removeprefix("Bearer "))
    assert "anthropic-version" in headers


def test_anthropic_streaming_is_relayed_incrementally(proxy, upstream):
    big = ls_output("anth-stream")
    client = anthropic.Anthropic(base_url=proxy.url, api_key=ANTHROPIC_KEY, max_retries=0, timeout=120)
    upstream.gate.clear()
    texts = []
    with client.messages.stream(model="claude-test", max_tokens=64, messages=anthropic_messages(big, "b", "c"),
                                extra_headers={"x-test-gate": "1"}) as stream:
        for event in stream:
            upstream.gate.set()  # the client holds the first event (message_start): let the upstream finish
            if event.type == "content_block_delta":
                texts.append(event.delta.text)
        final = stream.get_final_message()
    assert "".join(texts) == "Hello world" and final.stop_reason == "end_turn"
    assert upstream.gate_opened[-1] is True, "the client saw no chunk before the upstream finished: buffered"
    sent = json.loads(upstream.last("/v1/messages")["body"])
    check_compressed(big, sent["messages"][2]["content"][0]["content"])


def test_derived_query_is_stored_redacted(proxy, upstream, start_proxy, tmp_path):
    """The query the proxy derives from the conversation goes with the pair, secrets redacted;
    with derivation off the pair has none."""
    big = ls_output("query")
    messages = [
        {"role": "user", "content": "Which report files are over 5 KB?"},
        {"role": "assistant", "content": [
            {"type": "text", "text": f"Listing the reports (key {SECRETS['openai']} is exported)."},
            {"type": "tool_use", "id": "toolu_q", "name": "bash", "input": {"cmd": "ls -la reports/"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_q", "content": big}]},
    ]
    client = anthropic.Anthropic(base_url=proxy.url, api_key=ANTHROPIC_KEY, max_retries=0, timeout=120)
    client.messages.create(model="claude-test", max_tokens=64, messages=messages)
    h, _, _ = check_compressed(big, json.loads(upstream.last("/v1/messages")["body"])["messages"][2]["content"][0]["content"])
    settle(proxy)
    (pair,) = [p for p in PairStore(str(proxy.db)).iter_pairs() if p["hash"] == h]
    assistant, tool, user = pair["query"].split("\n")
    assert assistant.startswith("Listing the reports (key [REDACTED") and assistant.endswith("is exported).")
    assert (tool, user) == ("bash cmd=ls -la reports/", "Which report files are over 5 KB?")
    raw = b"".join(p.read_bytes() for p in proxy.db.parent.glob(proxy.db.name + "*"))
    assert SECRETS["openai"].encode() not in raw

    db = tmp_path / "no-query.db"
    off = start_proxy(log_db=str(db), derive_query=False)
    client = anthropic.Anthropic(base_url=off.url, api_key=ANTHROPIC_KEY, max_retries=0, timeout=120)
    client.messages.create(model="claude-test", max_tokens=64, messages=messages)
    settle(off)
    assert [p["query"] for p in PairStore(str(db)).iter_pairs()] == [None]


# ---------------------------------------------------------------------- pass-through and errors
def test_other_paths_pass_through(proxy, upstream):
    models = oai(proxy).models.list()
    assert [m.id for m in models] == ["gpt-test"]
    r = httpx.get(proxy.url + "/v1/models?limit=2&after=x", headers={"authorization": f"Bearer {OPENAI_KEY}"})
    assert r.status_code == 200 and r.content == MODELS_BYTES
    assert r.headers["x-upstream"] == "models" and r.headers.get_list("set-cookie") == ["a=1", "b=2"]
    got = upstream.last("/v1/models")
    assert got["query"] == "limit=2&after=x" and got["method"] == "GET" and got["body"] == b""
    # Encoded responses are relayed still encoded (raw bytes, same content-encoding).
    with httpx.stream("GET", proxy.url + "/v1/models?gzip=1", headers={"accept-encoding": "gzip"}) as r:
        raw = b"".join(r.iter_raw())
    assert r.headers["content-encoding"] == "gzip" and raw == gzip.compress(MODELS_BYTES, mtime=0)
    assert gzip.decompress(raw) == MODELS_BYTES


def test_upstream_errors_are_relayed(proxy, upstream):
    with pytest.raises(openai.RateLimitError) as e:
        oai(proxy).chat.completions.create(model="rate-limited", messages=[{"role": "user", "content": "hi"}])
    assert e.value.status_code == 429 and e.value.response.headers["retry-after"] == "0"
    # A malformed body is forwarded as is; the upstream's own error comes back unchanged.
    bad = b'{"model": "gpt-test", "messages": [{"role": "tool", "content": "x"'
    r = httpx.post(proxy.url + "/v1/chat/completions", content=bad, headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.content == PARSE_ERROR_BYTES
    assert upstream.last("/v1/chat/completions")["body"] == bad
    assert metric(proxy, "kompress_proxy_errors_total", kind="parse") >= 1


def test_unreachable_upstream_gives_502(start_proxy):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    server = start_proxy(upstream_openai=dead, upstream_anthropic=dead)
    r = httpx.get(server.url + "/v1/models")
    assert r.status_code == 502 and r.json()["error"]["type"] == "kompress_proxy_error"
    assert metric(server, "kompress_proxy_errors_total", kind="upstream") == 1


class _DroppingUpstream:
    """A raw-socket upstream that reads each request, then closes the first ``drops`` connections
    without a byte of response (as a kept-alive connection the server timed out does when the
    request races its close) and answers the rest with a small JSON body."""

    def __init__(self, drops: int) -> None:
        self.drops, self.requests = drops, []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                self.requests.append(data.split(b"\r\n", 1)[0])
                if len(self.requests) <= self.drops:
                    continue  # closed with no response
                body = b'{"object": "list", "data": []}'
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n"
                             b"content-length: %d\r\n\r\n%s" % (len(body), body))


def test_connection_dropped_before_a_response_is_sent_once_more(start_proxy):
    once = _DroppingUpstream(drops=1)
    server = start_proxy(upstream_openai=once.url, upstream_anthropic=once.url)
    r = httpx.get(server.url + "/v1/models", timeout=30)
    assert r.status_code == 200 and r.json() == {"object": "list", "data": []}
    assert once.requests == [b"GET /v1/models HTTP/1.1"] * 2
    # Only once: an upstream that keeps dropping is reported as a 502, after two tries.
    always = _DroppingUpstream(drops=100)
    server = start_proxy(upstream_openai=always.url, upstream_anthropic=always.url)
    r = httpx.get(server.url + "/v1/models", timeout=30)
    assert r.status_code == 502 and "unreachable" in r.json()["error"]["message"]
    assert len(always.requests) == 2
    once.sock.close()
    always.sock.close()


def test_healthz_and_metrics(proxy):
    settle(proxy)
    h = httpx.get(proxy.url + "/healthz").json()
    assert h["status"] == "ok" and h["mode"] == "compress" and h["model"] == "loaded"
    assert h["model_id"].startswith("in-memory") or "@" in h["model_id"]
    r = httpx.get(proxy.url + "/metrics")
    assert r.headers["content-type"].startswith("text/plain")
    assert metric(proxy, "kompress_proxy_requests_total", api="openai-chat") >= 1
    assert metric(proxy, "kompress_proxy_tool_outputs_compressed_total") >= 1
    assert metric(proxy, "kompress_proxy_tool_outputs_total", result="excluded") >= 1
    assert metric(proxy, "kompress_proxy_tokens_in_total") > metric(proxy, "kompress_proxy_tokens_out_total") > 0
    assert metric(proxy, "kompress_proxy_compression_seconds_count") >= 1
    assert metric(proxy, "kompress_proxy_pairs_stored_total") >= 1


# ---------------------------------------------------------------------- fail-open and modes
class ExplodingBackend:
    """A model backend that fails, as a broken model file or an OOM would."""

    def scores(self, *args, **kwargs):
        raise RuntimeError("model exploded")


def test_exception_in_compressor_forwards_the_original(start_proxy, upstream, compressor):
    broken = Compressor(ExplodingBackend(), compressor.tokenizer, compressor.config)
    server = start_proxy(compressor_=broken)
    raw = json.dumps({"model": "gpt-test", "messages": [
        {"role": "tool", "tool_call_id": "c", "content": grep_output("boom")}]}).encode()
    r = httpx.post(server.url + "/v1/chat/completions", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.content == CHAT_BYTES
    assert upstream.last("/v1/chat/completions")["body"] == raw
    assert metric(server, "kompress_proxy_errors_total", kind="compress") == 1


def test_time_budget_fails_open_and_fills_the_cache(start_proxy, upstream):
    server = start_proxy(budget_ms=1)
    raw = json.dumps({"model": "gpt-test", "messages": [
        {"role": "tool", "tool_call_id": "c", "content": grep_output("budget", 45)}]}).encode()
    httpx.post(server.url + "/v1/chat/completions", content=raw, headers={"content-type": "application/json"})
    assert upstream.last("/v1/chat/completions")["body"] == raw
    assert metric(server, "kompress_proxy_errors_total", kind="timeout") == 1
    settle(server)  # the compression goes on in the background
    httpx.post(server.url + "/v1/chat/completions", content=raw, headers={"content-type": "application/json"})
    check_compressed(grep_output("budget", 45), json.loads(upstream.last("/v1/chat/completions")["body"])["messages"][0]["content"])


def test_shadow_mode_logs_but_forwards_the_original(start_proxy, upstream, tmp_path):
    db = tmp_path / "shadow.db"
    server = start_proxy(mode="shadow", log_db=str(db))
    big = ls_output("shadow")
    raw = json.dumps({"model": "gpt-test", "messages": [{"role": "tool", "tool_call_id": "c", "content": big}]}).encode()
    httpx.post(server.url + "/v1/chat/completions", content=raw, headers={"content-type": "application/json"})
    assert upstream.last("/v1/chat/completions")["body"] == raw
    settle(server)  # shadow compressions run (and are logged) in the background
    (pair,) = list(PairStore(str(db)).iter_pairs())
    assert pair["original"] == big and pair["mode"] == "shadow" and len(pair["compressed"]) < len(big)
    assert "[kompress:" not in pair["compressed"]


def test_off_mode_is_a_pure_pass_through(start_proxy, upstream, tmp_path):
    server = start_proxy(mode="off", log_db=str(tmp_path / "off.db"))
    raw = json.dumps({"model": "gpt-test", "messages": [
        {"role": "tool", "tool_call_id": "c", "content": ls_output("off")}]}).encode()
    httpx.post(server.url + "/v1/chat/completions", content=raw, headers={"content-type": "application/json"})
    assert upstream.last("/v1/chat/completions")["body"] == raw
    assert PairStore(str(tmp_path / "off.db")).count() == 0


# ---------------------------------------------------------------------- concurrency and secrets
def _secret_output(i: int) -> tuple[str, list[str]]:
    """A small tool output, unique to request ``i``, carrying secrets; and those secrets."""
    key, token, bearer = f"sk-proj-{i:04d}Q1w2E3r4T5y6U7i8", f"ghp_{i:04d}aBcDeFgHiJkLmNoPqRsT", f"tok{i:04d}abcdefgh"
    steps = ["first", "second", "third", "fourth"]
    text = (f"$ deploy   # request {i}\nOPENAI_API_KEY={key}\nGITHUB_TOKEN={token}\n"
            f"Authorization: Bearer {bearer}\n"
            + "".join(f"the worker finished the {s} batch and stored the result in the cache\n" for s in steps))
    return text, [key, token, bearer]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_200_concurrent_requests_store_200_pairs_and_no_secret(backend, start_proxy, upstream, tmp_path, request):
    url = str(tmp_path / "pairs.db") if backend == "sqlite" else request.getfixturevalue("pg_url")
    store = PairStore(url)
    before = store.count()
    server = start_proxy(log_db=url, min_tokens=30)
    outputs = [_secret_output(i) for i in range(200)]
    client_key = "sk-client-SECRETabcdefghijklmnopqrstu"

    async def run() -> list:
        client = openai.AsyncOpenAI(base_url=server.url + "/v1", api_key=client_key, max_retries=0, timeout=300)
        async with client:
            return await asyncio.gather(*[
                client.chat.completions.create(model="gpt-test", messages=[
                    {"role": "assistant", "tool_calls": [
                        {"id": f"c{i}", "type": "function", "function": {"name": "bash", "arguments": "{}"}}]},
                    {"role": "tool", "tool_call_id": f"c{i}", "content": text}])
                for i, (text, _) in enumerate(outputs)], return_exceptions=True)

    results = asyncio.run(run())
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors[:3]
    assert all(r.choices[0].message.content == "ok" for r in results)
    settle(server)
    assert store.count() - before == 200
    rows = list(store.iter_pairs())[before:]
    assert {r["original"] for r in rows} == {redact(t) for t, _ in outputs}
    assert len({r["request_id"] for r in rows}) == 200 and {r["tool_name"] for r in rows} == {"bash"}
    for kind in ("store", "timeout", "compress", "parse", "upstream"):
        assert metric(server, "kompress_proxy_errors_total", kind=kind) == 0, kind
    assert metric(server, "kompress_proxy_tool_outputs_compressed_total") == 200  # all went out compressed
    # No secret, and not the client's own API key, anywhere in the database.
    secrets = [s for _, ss in outputs for s in ss] + [client_key, *SECRETS.values()]
    dump = json.dumps(rows)
    for s in secrets:
        assert s not in dump
    if backend == "sqlite":
        raw = b"".join(p.read_bytes() for p in Path(url).parent.glob(Path(url).name + "*"))
        for s in secrets:
            assert s.encode() not in raw
    store.close()


def test_secrets_in_compressed_outputs_never_reach_the_db(proxy, upstream):
    """The main proxy's log: a big tool output full of secrets, compressed and stored."""
    text = secret_text("big") + ls_output("secrets")
    oai(proxy).chat.completions.create(model="gpt-test", messages=[
        {"role": "tool", "tool_call_id": "c", "content": text}])
    sent = json.loads(upstream.last("/v1/chat/completions")["body"])["messages"][0]["content"]
    h, _, _ = check_compressed(text, sent)
    settle(proxy)
    assert PairStore(str(proxy.db)).get_original(h) == redact(text)
    # The endpoint serves the redacted original too: no secret over HTTP either.
    assert httpx.get(f"{proxy.url}/v1/kompress/originals/{h}").text == redact(text)
    raw = b"".join(p.read_bytes() for p in proxy.db.parent.glob(proxy.db.name + "*"))
    assert_no_secret(raw)
    assert OPENAI_KEY.encode() not in raw


def test_cli_serves_with_env_config(upstream, tmp_path):
    """``kompress proxy`` as users start it: settings from flags and KOMPRESS_PROXY_* variables."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    db = tmp_path / "cli.db"
    env = {**os.environ, "KOMPRESS_PROXY_UPSTREAM_OPENAI": upstream.url, "KOMPRESS_PROXY_MIN_TOKENS": "700"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kompress.cli", "proxy", "--mode", "off", "--port", str(port), "--log-db", str(db),
         "--log-level", "warning", "--derive-query"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.communicate()[1]
            try:
                health = httpx.get(url + "/healthz").json()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "kompress proxy did not come up"
                time.sleep(0.1)
        assert health["mode"] == "off"
        r = httpx.get(url + "/v1/models")
        assert r.content == MODELS_BYTES and upstream.last("/v1/models")["query"] == ""
        assert db.exists()  # --log-db opened (and created) at start-up
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "mode=off min_tokens=700 queries=on" in err


# ---------------------------------------------------------------------- file reads
def test_file_reads_pass_whole_unless_asked(proxy, upstream, start_proxy):
    """A call that prints files the agent may edit (here `grep -rn`, `cat`) passes whole by
    default, as in the Claude Code hook; --compress-file-reads compresses it."""
    big = grep_output("file-read")

    def send(server: ServerThread, tag: str) -> list[str]:
        messages = [{"role": "user", "content": "find it"},
                    {"role": "assistant", "content": None, "tool_calls": [
                        {"id": "r1", "type": "function", "function": {"name": "bash", "arguments": '{"cmd": "grep -rn def src/"}'}},
                        {"id": "r2", "type": "function", "function": {"name": "shell", "arguments": '{"command": ["bash", "-lc", "cat src/app.py"]}'}},
                        {"id": "r3", "type": "function", "function": {"name": "bash", "arguments": '{"cmd": "./run_checks.sh"}'}}]},
                    {"role": "tool", "tool_call_id": "r1", "content": big + tag},
                    {"role": "tool", "tool_call_id": "r2", "content": big + tag + "2"},
                    {"role": "tool", "tool_call_id": "r3", "content": big + tag + "3"}]
        oai(server).chat.completions.create(model="gpt-test", messages=messages)
        return [m["content"] for m in json.loads(upstream.last("/v1/chat/completions")["body"])["messages"][2:]]

    before = metric(proxy, "kompress_proxy_tool_outputs_total", result="file_read")
    sent = send(proxy, "\n# default")
    assert sent[0] == big + "\n# default" and sent[1] == big + "\n# default2"  # whole, byte for byte
    check_compressed(big + "\n# default3", sent[2])  # not a file read: compressed
    assert metric(proxy, "kompress_proxy_tool_outputs_total", result="file_read") == before + 2
    eager = start_proxy(compress_file_reads=True)
    sent = send(eager, "\n# eager")
    for k, suffix in enumerate(("", "2", "3")):
        check_compressed(big + "\n# eager" + suffix, sent[k])
