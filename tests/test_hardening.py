"""Issue #21, hostile and careless inputs against ``kompress proxy``: secrets never written
down, bad bodies always fail open, broken upstream streams reach the client broken, bad
options are one-line errors with exit status 2.

The proxy, its SQLite pair store and the compressor are the real ones (as in
tests/test_proxy.py, whose local upstream and server thread this module reuses).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import random
import string
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from kompress.cli import main
from kompress.serving.proxy.redact import RedactingFilter, redact

from .test_proxy import ServerThread, Upstream, start_proxy, compressor  # noqa: F401 - fixtures

CASES = json.loads((Path(__file__).parent / "fixtures" / "hardening" / "secrets.json").read_text())["cases"]
ALPHABETS = {"alnum": string.ascii_letters + string.digits, "alpha": string.ascii_letters, "hex": "0123456789abcdef",
             "upper": string.ascii_uppercase + string.digits, "b64": string.ascii_letters + string.digits + "+/"}


def fake_secret(case: dict) -> tuple[str, str]:
    """``(line, secret)`` for one case: a fake value of the case's shape, seeded by its kind."""
    import base64

    rng = random.Random(case["kind"])

    def pick(alphabet: str, n: int) -> str:
        return "".join(rng.choice(ALPHABETS[alphabet]) for _ in range(n))

    def digits(n: int) -> str:
        return "".join(rng.choice(string.digits) for _ in range(n))

    a = case["alphabet"]
    if a == "sendgrid":
        value = pick("alnum", 22) + "." + pick("alnum", 43)
    elif a == "slackhook":
        value = "T" + pick("upper", 8) + "/B" + pick("upper", 8) + "/" + pick("alnum", 24)
    elif a == "slackbot":
        value = digits(12) + "-" + digits(13) + "-" + pick("alnum", 24)
    elif a == "jwt":
        def enc(d: dict) -> str:
            return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

        value = enc({"alg": "HS256", "typ": "JWT"}) + "." + enc({"sub": pick("alnum", 10)}) + "." + pick("alnum", 43)
    elif a == "mailchimp":
        value = pick("hex", 32) + "-us12"
    elif a == "telegram":
        value = digits(10) + ":AA" + pick("alnum", 33)
    else:
        value = pick(a, case["length"])
    secret = case["prefix"] + value
    return case["template"].replace("{secret}", secret), secret


def leaked(secret: str, text: str) -> bool:
    """The secret, or either half of it (8+ characters), appears in ``text``."""
    half = len(secret) // 2
    parts = [secret] + [p for p in (secret[:half], secret[half:]) if len(p) >= 8 and len(secret) > 12]
    return any(p in text for p in parts)


def test_the_corpus_has_30_formats_or_more() -> None:
    assert len({c["kind"] for c in CASES}) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c["kind"] for c in CASES])
def test_redact_removes_every_format(case: dict) -> None:
    line, secret = fake_secret(case)
    out = redact("deploy log\n" + line + "\nall done\n")
    assert not leaked(secret, out), out
    assert out.startswith("deploy log\n") and out.endswith("\nall done\n")


def test_redaction_leaves_ordinary_output_alone() -> None:
    text = "".join(f"2024-06-18 05:29:{i % 60:02d} INFO GET /api/v1/items/{i} 200 {i % 97}ms\n" for i in range(50))
    assert redact(text) == text


def test_log_filter_redacts_query_keys(caplog: pytest.LogCaptureFixture) -> None:
    secret = "AIza" + "Q" * 35
    logger = logging.getLogger("kompress.test.hardening")
    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter())
    record = logger.makeRecord(logger.name, logging.INFO, __file__, 1, '%s - "%s %s HTTP/1.1" %d',
                               ("127.0.0.1:5", "GET", f"/v1/models?key={secret}&x=1", 200), None)
    handler.filter(record)
    assert secret not in record.getMessage() and "/v1/models?key=" in record.getMessage()


# ---------------------------------------------------------------------- secrets, end to end
def secret_tool_output() -> tuple[str, list[str]]:
    lines, secrets = [], []
    for i, case in enumerate(CASES):
        line, secret = fake_secret(case)
        lines.append(f"[{i:03d}] step {i} of the deploy script ran for {i * 7 % 50} ms\n{line}\n")
        secrets.append(secret)
    return "".join(lines) * 3, secrets


def test_no_secret_in_store_originals_or_logs(start_proxy, upstream, tmp_path, caplog) -> None:  # noqa: F811
    caplog.set_level(logging.DEBUG)
    db = tmp_path / "pairs.db"
    server = start_proxy(log_db=str(db), min_tokens=50, structure=False)  # word drops: really compressed
    text, secrets = secret_tool_output()
    body = {"model": "gpt-test", "messages": [
        {"role": "user", "content": "deploy"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "bash", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": text}]}
    r = httpx.post(server.url + "/v1/chat/completions?key=" + secrets[0], json=body, timeout=120)
    assert r.status_code == 200
    sent = json.loads(upstream.last("/v1/chat/completions")["body"])["messages"][2]["content"]
    note = sent.rstrip("\n").rsplit("\n", 1)[-1]
    assert note.startswith("[kompress: compressed"), "the output must really be compressed for this test"
    h = note.rsplit(" ", 1)[-1].rstrip("]")
    served = httpx.get(f"{server.url}/v1/kompress/originals/{h}", timeout=60)
    assert served.status_code == 200 and "step 1 of the deploy" in served.text
    asyncio.run(server.app.state.engine.drain())
    written = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    # The proxy's own records (the test's client logs its own URLs through httpx; the CLI keeps
    # httpx at WARNING, see test_proxy_cli_keeps_urls_out_of_the_log).
    logs = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(("kompress", "uvicorn")))
    for secret in secrets:
        assert not leaked(secret, served.text), secret
        assert secret.encode() not in written, secret
        assert not leaked(secret, logs), secret


# ---------------------------------------------------------------------- bad bodies fail open
def _tool_body(content) -> dict:
    return {"model": "gpt-test", "messages": [
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "bash", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": content}]}


BAD_BODIES: list[tuple[str, bytes, dict]] = [
    ("empty", b"", {}),
    ("not-json", b"hello", {}),
    ("truncated-json", b'{"model": "gpt-test", "messages": [', {}),
    ("invalid-utf8", b'{"model": "\xff\xfe", "messages": []}', {}),
    ("nul-bytes", b'{"model": "gpt\x00test"}', {}),
    ("binary", bytes(range(256)) * 4, {}),
    ("nested-list-5000", b"[" * 5000 + b"1" + b"]" * 5000, {}),
    ("nested-object-5000", b'{"a":' * 5000 + b"1" + b"}" * 5000, {}),
    ("nested-in-messages", json.dumps(_tool_body("x")).encode()[:-1] + b', "extra": ' + b"[" * 4000 + b"]" * 4000 + b"}", {}),
    ("json-array", b"[1, 2, 3]", {}),
    ("json-string", b'"just a string"', {}),
    ("json-number", b"42", {}),
    ("json-null", b"null", {}),
    ("nan-literal", b'{"model": NaN, "messages": []}', {}),
    ("messages-not-list", json.dumps({"model": "m", "messages": "oops"}).encode(), {}),
    ("messages-null", json.dumps({"model": "m", "messages": None}).encode(), {}),
    ("message-not-object", json.dumps({"model": "m", "messages": [1, "two", None]}).encode(), {}),
    ("tool-content-number", json.dumps(_tool_body(12345)).encode(), {}),
    ("tool-content-object", json.dumps(_tool_body({"a": 1})).encode(), {}),
    ("tool-content-list-of-junk", json.dumps(_tool_body([1, None, {"type": "text"}, {"type": "text", "text": 5}])).encode(), {}),
    ("tool-content-null", json.dumps(_tool_body(None)).encode(), {}),
    ("lone-surrogate", json.dumps(_tool_body("x\ud800y " * 400)).encode(), {}),
    ("surrogate-pair-escaped", json.dumps(_tool_body("\U0001F600 ok " * 400)).encode(), {}),
    ("nul-in-tool-output", json.dumps(_tool_body("a\x00b " * 600)).encode(), {}),
    ("long-line-no-spaces", json.dumps(_tool_body("abcdefghijklmnopqrstuvwxyz" * 4000)).encode(), {}),
    ("long-line-spaces", json.dumps(_tool_body("word " * 20000)).encode(), {}),
    ("deep-json-tool-output", json.dumps(_tool_body("[" * 1000 + "1" + "]" * 1000)).encode(), {}),
    ("gzip-body", gzip.compress(json.dumps(_tool_body("x " * 1000)).encode()), {"content-encoding": "gzip"}),
    ("wrong-content-type", json.dumps(_tool_body("y " * 1000)).encode(), {"content-type": "text/plain"}),
    ("duplicate-keys", b'{"model": "a", "model": "b", "messages": []}', {}),
    ("huge-number", b'{"model": "m", "n": 1' + b"0" * 5000 + b', "messages": []}', {}),
    ("bom", b'\xef\xbb\xbf{"model": "m", "messages": []}', {}),
]


@pytest.fixture(scope="module")
def fail_open_proxy(start_proxy):  # noqa: F811
    return start_proxy(min_tokens=50, budget_ms=20_000, max_body_bytes=2_000_000)


@pytest.mark.parametrize("name,body,headers", BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_bad_bodies_are_forwarded_unmodified(fail_open_proxy, upstream, name, body, headers) -> None:  # noqa: F811
    before = len(upstream.received)
    r = httpx.post(fail_open_proxy.url + "/v1/chat/completions", content=body,
                   headers={"content-type": "application/json", **headers}, timeout=120)
    assert r.status_code < 500, (name, r.status_code, r.text[:200])
    assert len(upstream.received) == before + 1, "the request must reach the upstream"
    got = upstream.received[-1]["body"]
    if name not in ("long-line-spaces", "surrogate-pair-escaped", "deep-json-tool-output"):
        assert got == body, name  # nothing the proxy could compress: byte for byte
    health = httpx.get(fail_open_proxy.url + "/healthz", timeout=10)
    assert health.status_code == 200


def test_body_over_the_limit_is_refused_not_buffered(fail_open_proxy, upstream) -> None:
    before = len(upstream.received)
    r = httpx.post(fail_open_proxy.url + "/v1/chat/completions", content=b"x" * 2_000_001, timeout=60)
    assert r.status_code == 413 and "max-body-bytes" in r.json()["error"]["message"]
    assert len(upstream.received) == before


# ---------------------------------------------------------------------- broken upstream streams
class _BrokenStream:
    """An ASGI endpoint that starts an SSE answer, then cuts it (``/cut``) or stops sending
    (``/stall``). A class instance, so Starlette routes to it as a raw ASGI app."""

    async def __call__(self, scope, receive, send) -> None:
        await _broken_stream(scope, send)


async def _broken_stream(scope, send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]})
    await send({"type": "http.response.body", "body": b'data: {"partial": true}\n\n', "more_body": True})
    if scope["path"].endswith("/stall"):
        await asyncio.sleep(30)
    # Returning without the final message: uvicorn closes the connection mid-body.


@pytest.fixture(scope="module")
def broken_upstream():
    app = Starlette(routes=[Route("/v1/{rest:path}", _BrokenStream(), methods=["GET", "POST"])])
    with ServerThread(app) as server:
        yield server


@pytest.mark.parametrize("path,stream", [("/v1/chat/completions/cut", True), ("/v1/chat/completions/stall", True),
                                         ("/v1/models/cut", False), ("/v1/models/stall", False)])
def test_broken_upstream_streams_reach_the_client_broken(start_proxy, broken_upstream, path, stream) -> None:  # noqa: F811
    server = start_proxy(upstream_openai=broken_upstream.url, upstream_timeout=1.0)
    with pytest.raises(httpx.HTTPError):
        with httpx.Client(timeout=20) as client:
            with client.stream("POST", server.url + path, json={"model": "m", "stream": stream}) as r:
                assert r.status_code == 200
                b"".join(r.iter_raw())


# ---------------------------------------------------------------------- bad options
@pytest.mark.parametrize("argv", [
    ["proxy", "--upstream-timeout", "nan"],
    ["proxy", "--upstream-timeout", "-1"],
    ["proxy", "--upstream-timeout", "inf"],
    ["proxy", "--budget-ms", "nan"],
    ["proxy", "--budget-ms", "0"],
    ["proxy", "--port", "70000"],
    ["proxy", "--port", "-1"],
    ["proxy", "--max-body-bytes", "0"],
    ["serve", "--port", "70000"],
    ["serve", "--max-bytes", "nan"],
])
def test_bad_options_are_one_line_errors(argv, capsys) -> None:
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip()


@pytest.mark.parametrize("var,value", [("KOMPRESS_PROXY_UPSTREAM_TIMEOUT", "nan"), ("KOMPRESS_PROXY_BUDGET_MS", "-5"),
                                       ("KOMPRESS_PROXY_PORT", "70000")])
def test_bad_environment_values_are_one_line_errors(var, value, monkeypatch, capsys) -> None:
    monkeypatch.setenv(var, value)
    assert main(["proxy", "--mode", "off"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and var.removeprefix("KOMPRESS_PROXY_").lower() in err


def test_truncated_onnx_model_is_a_one_line_error(minilm_dir, tmp_path, capsys) -> None:
    import shutil

    model = tmp_path / "model"
    shutil.copytree(minilm_dir, model)
    onnx = model / "model.int8.onnx"
    onnx.write_bytes(b"\x08\x07\x12\x04trunc")
    code = main(["serve", "--model", str(model), "--backend", "onnx-int8", "--port", "0"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and "cannot load the model" in err, err
