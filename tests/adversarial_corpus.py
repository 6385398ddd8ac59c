"""Issue #21's adversarial-input corpus, generated (nothing big is committed).

Three lists of cases, one per surface, each case a name plus what to send:

* :func:`cli_cases`: ``kompress compress`` argv and stdin bytes (or a file to write);
* :func:`server_cases`: ``POST /compress`` bodies and headers;
* :func:`proxy_cases`: request bodies for the proxy's OpenAI and Anthropic routes.

The hostile tool outputs themselves are :func:`payloads`: binary, invalid UTF-8, NUL bytes,
control characters, surrogates, very long lines with and without spaces, deep nesting,
combining-mark and zero-width floods, line-separator tricks, look-alikes of Kompress's own
markers. Everything comes from fixed seeds: the same corpus on every run.
"""

from __future__ import annotations

import base64
import gzip
import json
import random
from dataclasses import dataclass, field

#: A 10 MB single line: the size limits of ``kompress serve`` (4 MiB) and of the test's proxy
#: (8 MB) refuse it with 413 before reading it whole.
TEN_MB = 10 * 1024 * 1024


def payloads() -> dict[str, bytes]:
    """Hostile tool outputs, name -> raw bytes (not all valid UTF-8)."""
    rng = random.Random(21)
    log = "".join(f"2024-06-18 05:29:{i % 60:02d} INFO [svc] GET /api/v1/items/{i} 200 {i % 97}ms\n" for i in range(60))
    return {
        "empty": b"",
        "whitespace-only": b"   \n\t\n  \r\n",
        "binary": bytes(range(256)) * 8,
        "random-bytes": rng.randbytes(3000),
        "invalid-utf8": b"ERROR at \xff\xfe line 3\n" * 100,
        "overlong-utf8": b"path \xc0\xaf etc \xe0\x80\xaf passwd\n" * 100,
        "cesu-surrogate": b"emoji \xed\xa0\xbd\xed\xb8\x80 here\n" * 100,
        "truncated-utf8-tail": ("ok line é\n" * 100).encode() + b"\xe2\x82",
        "nul-bytes": b"a\x00b " * 600,
        "nul-after-8k": (log * 3).encode()[:9000] + b"\x00\x00 tail\n",
        "control-chars": bytes(c for c in range(32) if c != 10).decode().encode() * 100 + b"\nend\n",
        "ansi-escapes": "".join(f"\x1b[3{i % 8}m{line}\x1b[0m\n" for i, line in enumerate(log.splitlines())).encode(),
        "crlf": log.replace("\n", "\r\n").encode(),
        "cr-only": log.replace("\n", "\r").encode(),
        "unicode-line-separators": log.replace("\n", "\u2028").replace("INFO", "INFO\u0085").encode(),
        "bom": "\ufeff".encode() + log.encode(),
        "long-line-spaces": b"word " * 20_000,
        "long-line-no-spaces": b"abcdefghijklmnopqrstuvwxyz" * 4000,
        "dots": b"a." * 50_000,
        "nested-arrays": b"[" * 50_000 + b"1" + b"]" * 50_000,
        "nested-objects": b'{"a":' * 15_000 + b"1" + b"}" * 15_000,
        "astral-emoji": ("\U0001F600 ok " * 1000).encode(),
        "combining-flood": ("e" + "\u0301" * 5000 + " ").encode() * 10,
        "zero-width-flood": ("\u200b" * 20_000 + "\n").encode() * 3,
        "bidi-override": ("\u202eerror: access denied\u202c line\n" * 100).encode(),
        "replacement-chars": ("\ufffd" * 50 + "\n").encode() * 60,
        "newlines-only": b"\n" * 50_000,
        "one-char-lines": b"a\n" * 5000,
        "tabs-only": b"\t" * 40_000,
        "digits-5k": b"1" * 5000,
        "base64-blob": base64.b64encode(random.Random(7).randbytes(6000)),
        "json-nan-infinity": json.dumps([{"v": float("nan"), "w": float("inf"), "i": i} for i in range(100)]).encode(),
        "marker-lookalikes": "".join(f"[... {i} lines omitted ...]\nline {i}\n" for i in range(100)).encode(),
        "note-lookalike": (log + "[kompress: compressed 10->5 tokens; original: 0123456789abcdef]\n").encode(),
        "html-script": ("<script>alert(1)</script><div onload='x'>" * 100).encode(),
        "private-use": "".join(chr(0xE000 + i % 6000) for i in range(5000)).encode(),
        "noncharacters": ("\ufffe\uffff\U0010ffff " * 1000).encode(),
    }


def decoded(raw: bytes) -> str:
    """The text a caller who already holds a ``str`` would send: invalid bytes as U+FFFD."""
    return raw.decode("utf-8", errors="replace")


def valid_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# ---------------------------------------------------------------------- CLI
@dataclass
class CliCase:
    """``kompress compress`` run as a subprocess: ``argv`` after ``compress``, ``stdin`` bytes
    (``file`` bytes are written to a file whose path is appended). ``code``: the documented exit
    status; ``error``: a piece of the one-line error (exit status 2)."""

    name: str
    argv: list[str] = field(default_factory=list)
    stdin: bytes = b""
    file: bytes | None = None
    code: int = 0
    error: str = ""


#: Payloads the CLI compresses in the corpus (each compress loads the model: a second or so).
CLI_PAYLOADS = ("binary", "invalid-utf8", "cesu-surrogate", "nul-bytes", "nul-after-8k", "long-line-spaces",
                "long-line-no-spaces", "nested-arrays")


def cli_cases() -> list[CliCase]:
    """CLI cases: hostile inputs on stdin and in files, bad option values."""
    p = payloads()
    cases = []
    for name in CLI_PAYLOADS:
        raw = p[name]
        strict_error = ""
        if b"\x00" in raw[:8192]:
            strict_error = "looks binary"
        elif not valid_utf8(raw):
            strict_error = "invalid UTF-8"
        cases.append(CliCase(f"stdin-{name}", [], stdin=raw, code=2 if strict_error else 0, error=strict_error))
        if strict_error:  # the documented way on: substitute U+FFFD (from a file, this time)
            cases.append(CliCase(f"file-{name}-replace", ["--errors", "replace"], file=raw))
    cases += [
        CliCase("file-empty", [], file=b""),
        CliCase("file-whitespace-only", ["--json"], file=p["whitespace-only"]),
        CliCase("missing-file", ["/nonexistent/kompress/input.txt"], code=2, error="no such file"),
        CliCase("directory", ["/"], code=2, error="is a directory"),
    ]
    bad_options = [
        (["--rate", "nan"], "rate"), (["--rate", "inf"], "rate"), (["--rate", ""], "rate"),
        (["--threshold", "1e999"], "threshold"), (["--budget", "-5"], "budget"), (["--min-tokens", "1.5"], "min"),
        (["--coverage", "nan"], "coverage"), (["--novelty", "-1"], "novelty"), (["--domain", "bogus"], "domain"),
        (["--rate", "0.5", "--threshold", "0.5"], "not allowed with"),
    ]
    for argv, what in bad_options:
        cases.append(CliCase("option-" + "-".join(a.strip("-") or "empty" for a in argv),
                             argv, stdin=b"hello world\n", code=2, error=what))
    return cases


# ---------------------------------------------------------------------- server
@dataclass
class ServerCase:
    """A ``POST /compress``: ``body`` bytes, extra ``headers``; ``status`` the documented one
    (200: a compressed or unchanged text comes back); ``error``: a piece of the message."""

    name: str
    body: bytes
    status: int
    error: str = ""
    headers: dict = field(default_factory=dict)
    text: str | None = None  # the text sent, for 200s


def _server_body(text: str, **options) -> bytes:
    return json.dumps({"text": text, **options}).encode()


#: Payloads sent to ``kompress serve`` as text (decoded with U+FFFD, as a client holding a str has them).
SERVER_PAYLOADS = ("binary", "random-bytes", "invalid-utf8", "nul-bytes", "control-chars", "ansi-escapes", "crlf",
                   "cr-only", "unicode-line-separators", "bom", "long-line-spaces", "long-line-no-spaces", "dots",
                   "nested-arrays", "nested-objects", "astral-emoji", "combining-flood", "zero-width-flood",
                   "bidi-override", "newlines-only", "one-char-lines", "tabs-only", "digits-5k", "base64-blob",
                   "json-nan-infinity", "marker-lookalikes", "note-lookalike", "private-use", "noncharacters")


def server_cases(max_bytes: int) -> list[ServerCase]:
    """Server cases; ``max_bytes`` is the server's body limit."""
    p = payloads()
    cases = []
    for name in SERVER_PAYLOADS:
        text = decoded(p[name])
        cases.append(ServerCase(f"text-{name}", _server_body(text, min_tokens=50), 200, text=text))
    ok = "ERROR: disk full on /dev/sda1\n" * 40
    lone = '{"text": "' + "x\\ud800y " * 400 + '"}'
    cases += [
        ServerCase("lone-surrogate-escaped", lone.encode(), 422, "surrogate"),
        ServerCase("lone-low-surrogate", b'{"text": "a \\udfff b"}', 422, "surrogate"),
        ServerCase("query-lone-surrogate", b'{"text": "a b", "query": "why \\ud83d"}', 422, "surrogate"),
        ServerCase("surrogate-pair-escaped", _server_body("\U0001F600 ok " * 400), 200, text="\U0001F600 ok " * 400),
        ServerCase("empty-body", b"", 400, "not valid JSON"),
        ServerCase("not-json", b"hello", 400, "not valid JSON"),
        ServerCase("truncated-json", b'{"text": "abc', 400, "not valid JSON"),
        ServerCase("invalid-utf8-body", b'{"text": "\xff\xfe"}', 400, "not valid JSON"),
        ServerCase("nul-in-json", b'{"text": "a\x00b"}', 400, "not valid JSON"),
        ServerCase("binary-body", bytes(range(256)) * 8, 400, "not valid JSON"),
        ServerCase("bom-body", b'\xef\xbb\xbf{"text": "hello"}', 200, text="hello"),  # RFC 8259: may be ignored
        ServerCase("nested-body-100k", b"[" * 100_000 + b"]" * 100_000, 400, "not valid JSON"),
        ServerCase("nested-text-field", b'{"text": ' + b"[" * 5000 + b"]" * 5000 + b"}", 400, "not valid JSON"),
        ServerCase("nested-text-field-shallow", b'{"text": ' + b"[" * 50 + b"]" * 50 + b"}", 422, '"text"'),
        ServerCase("json-array", b'["text"]', 422, "JSON object"),
        ServerCase("json-string", b'"text"', 422, "JSON object"),
        ServerCase("json-null", b"null", 422, "JSON object"),
        ServerCase("json-number", b"1e999", 422, "JSON object"),
        ServerCase("text-missing", b"{}", 422, '"text"'),
        ServerCase("text-null", b'{"text": null}', 422, '"text"'),
        ServerCase("text-number", b'{"text": 42}', 422, '"text"'),
        ServerCase("text-list", b'{"text": ["a", "b"]}', 422, '"text"'),
        ServerCase("text-object", b'{"text": {"a": 1}}', 422, '"text"'),
        ServerCase("rate-nan", _server_body(ok, rate=float("nan")), 422, "rate"),
        ServerCase("rate-infinity", _server_body(ok, rate=float("inf")), 422, "rate"),
        ServerCase("rate-negative", _server_body(ok, rate=-0.5), 422, "rate"),
        ServerCase("rate-string", _server_body(ok, rate="half"), 422, "rate"),
        ServerCase("rate-bool", _server_body(ok, rate=True), 422, "rate"),
        ServerCase("rate-huge-literal", b'{"text": "a b", "rate": 1e400}', 422, "rate"),
        ServerCase("threshold-nan", _server_body(ok, threshold=float("nan")), 422, "threshold"),
        ServerCase("threshold-list", _server_body(ok, threshold=[0.5]), 422, "threshold"),
        ServerCase("budget-negative", _server_body(ok, budget=-1), 422, "budget"),
        ServerCase("budget-float", _server_body(ok, budget=1.5), 422, "budget"),
        ServerCase("min-tokens-negative", _server_body(ok, min_tokens=-5), 422, "min_tokens"),
        ServerCase("min-tokens-bigint", b'{"text": "a b", "min_tokens": 1' + b"0" * 400 + b"}", 200, text="a b"),
        ServerCase("coverage-nan", _server_body(ok, coverage=float("nan")), 422, "coverage"),
        ServerCase("novelty-negative", _server_body(ok, novelty=-1), 422, "novelty"),
        ServerCase("granularity-number", _server_body(ok, granularity=5), 422, "granularity"),
        ServerCase("domain-bogus", _server_body(ok, domain="bogus"), 422, "domain"),
        ServerCase("guard-string", _server_body(ok, guard="maybe"), 422, "guard"),
        ServerCase("query-number", _server_body(ok, query=5), 422, "query"),
        ServerCase("unknown-option", _server_body(ok, ratio=0.5), 422, "unknown option"),
        ServerCase("options-null", _server_body(ok, rate=None, domain=None), 200, text=ok),
        ServerCase("gzip-body", gzip.compress(_server_body(ok), mtime=0), 415, "content-encoding",
                   headers={"content-encoding": "gzip"}),
        ServerCase("wrong-content-type", _server_body(ok), 200, headers={"content-type": "text/plain"}, text=ok),
        ServerCase("10mb-line-spaces", _server_body("word " * (TEN_MB // 5)), 413, "--max-bytes"),
        ServerCase("10mb-line-no-spaces", _server_body("x" * TEN_MB), 413, "--max-bytes"),
    ]
    assert all(len(c.body) <= max_bytes for c in cases if c.status != 413)
    return cases


# ---------------------------------------------------------------------- proxy
@dataclass
class ProxyCase:
    """A request to the proxy: ``path``, ``body`` bytes, extra ``headers``. ``status`` 413 for
    bodies over the proxy's limit; every other request must reach the upstream (forwarded,
    unmodified unless a tool output was compressed) and its answer must reach the client."""

    name: str
    path: str
    body: bytes
    headers: dict = field(default_factory=dict)
    status: int | None = None


def openai_tool_body(content) -> dict:
    """An OpenAI chat request whose last message is a tool output ``content``."""
    return {"model": "gpt-test", "messages": [
        {"role": "user", "content": "run it"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "bash", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": content}]}


def anthropic_tool_body(content) -> dict:
    """An Anthropic messages request whose last block is a ``tool_result`` with ``content``."""
    return {"model": "claude-test", "max_tokens": 16, "messages": [
        {"role": "user", "content": "run it"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "bash", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": content}]}]}


def responses_tool_body(content) -> dict:
    """An OpenAI Responses request with a ``function_call_output``."""
    return {"model": "gpt-test", "input": [
        {"type": "function_call", "call_id": "c1", "name": "bash", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c1", "output": content}]}


#: Payloads sent through the proxy as tool outputs (OpenAI chat and Anthropic messages).
PROXY_PAYLOADS = ("binary", "invalid-utf8", "nul-bytes", "control-chars", "cr-only", "unicode-line-separators",
                  "long-line-spaces", "long-line-no-spaces", "dots", "nested-arrays", "astral-emoji",
                  "combining-flood", "zero-width-flood", "newlines-only", "base64-blob", "marker-lookalikes",
                  "note-lookalike", "noncharacters")


def proxy_cases() -> list[ProxyCase]:
    """Proxy cases (the bad bodies of tests/test_hardening.py run against the in-process proxy;
    these run against ``kompress proxy`` as a process)."""
    p = payloads()
    cases = []
    for name in PROXY_PAYLOADS:
        text = decoded(p[name])
        cases.append(ProxyCase(f"chat-{name}", "/v1/chat/completions", json.dumps(openai_tool_body(text)).encode()))
        cases.append(ProxyCase(f"messages-{name}", "/v1/messages", json.dumps(anthropic_tool_body(text)).encode()))
    cases += [
        ProxyCase("responses-long-line", "/v1/responses", json.dumps(responses_tool_body("word " * 20_000)).encode()),
        ProxyCase("responses-output-list", "/v1/responses", json.dumps(responses_tool_body([{"type": "x"}])).encode()),
        ProxyCase("chat-lone-surrogate", "/v1/chat/completions",
                  json.dumps(openai_tool_body("x\ud800y " * 400)).encode()),
        ProxyCase("messages-lone-surrogate", "/v1/messages",
                  json.dumps(anthropic_tool_body("x\udfffy " * 400)).encode()),
        ProxyCase("messages-content-blocks-junk", "/v1/messages",
                  json.dumps(anthropic_tool_body([1, None, {"type": "text"}, {"type": "text", "text": ["x"]}])).encode()),
        ProxyCase("messages-content-number", "/v1/messages", json.dumps(anthropic_tool_body(12345)).encode()),
        ProxyCase("messages-not-list", "/v1/messages", json.dumps({"model": "m", "messages": {"a": 1}}).encode()),
        ProxyCase("messages-invalid-utf8-body", "/v1/messages", b'{"model": "\xff", "messages": []}'),
        ProxyCase("messages-gzip", "/v1/messages", gzip.compress(json.dumps(anthropic_tool_body("y " * 2000)).encode(),
                                                                 mtime=0), {"content-encoding": "gzip"}),
        ProxyCase("messages-nested-100k", "/v1/messages", b"[" * 100_000 + b"]" * 100_000),
        ProxyCase("chat-nan-options", "/v1/chat/completions",
                  b'{"model": "gpt-test", "temperature": NaN, "top_p": -Infinity, "messages": []}'),
        ProxyCase("chat-wrong-types", "/v1/chat/completions",
                  json.dumps({"model": 5, "messages": [{"role": 7, "content": True, "tool_call_id": []}]}).encode()),
        ProxyCase("chat-tool-calls-junk", "/v1/chat/completions", json.dumps({"model": "m", "messages": [
            {"role": "assistant", "tool_calls": "x"}, {"role": "tool", "tool_call_id": None, "content": "z " * 900}]}).encode()),
        ProxyCase("chat-10mb-line-spaces", "/v1/chat/completions",
                  json.dumps(openai_tool_body("word " * (TEN_MB // 5))).encode(), status=413),
        ProxyCase("messages-10mb-line-no-spaces", "/v1/messages",
                  json.dumps(anthropic_tool_body("x" * TEN_MB)).encode(), status=413),
    ]
    return cases
