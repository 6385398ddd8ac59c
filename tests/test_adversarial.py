"""Issue #21: the adversarial-input corpus (tests/adversarial_corpus.py) against real processes.

* ``kompress compress`` as a subprocess, input on stdin or in a file: the documented exit
  status, a one-line error (exit 2) or a compressed/unchanged output, never a traceback;
* one ``kompress serve`` process: a 4xx with a one-line JSON error, or 200 with a
  compressed/unchanged text;
* one ``kompress proxy`` process in front of the recording upstream of tests/test_proxy.py:
  every request reaches the upstream (byte for byte, unless a tool output was compressed,
  and then only that output changed), the client gets the upstream's answer, and the proxy
  keeps answering. Bodies over ``--max-body-bytes`` get 413 and never reach the upstream.

Both servers use the shipped model. At the end, neither process has logged a traceback.
"""

from __future__ import annotations

import json
import math
import os
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from . import adversarial_corpus as corpus
from .test_proxy import (
    CHAT_BYTES,
    MESSAGE_BYTES,
    PARSE_ERROR_BYTES,
    RESPONSES_BYTES,
)

SERVE_MAX_BYTES = 4 * 1024 * 1024  # kompress serve's default --max-bytes
PROXY_MAX_BODY = 8_000_000
CLI = corpus.cli_cases()
SERVER = corpus.server_cases(SERVE_MAX_BYTES)
PROXY = corpus.proxy_cases()
NOTE = re.compile(r"\n\[kompress: compressed \d+->\d+ tokens; original: [0-9a-f]{16}\]\n?$")
ENV = {**os.environ, "TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": "1"}


def test_the_corpus_has_100_cases_or_more() -> None:
    assert len(CLI) + len(SERVER) + len(PROXY) >= 100
    for surface in (CLI, SERVER, PROXY):
        names = [c.name for c in surface]
        assert len(names) == len(set(names))
    # The families the issue names, on every surface that takes them.
    assert any("10mb" in c.name for c in SERVER) and any("10mb" in c.name for c in PROXY)
    assert {"binary", "invalid-utf8", "nul-bytes", "nested-arrays", "long-line-spaces",
            "long-line-no-spaces"} <= set(corpus.CLI_PAYLOADS) & set(corpus.SERVER_PAYLOADS) & set(corpus.PROXY_PAYLOADS)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, log.read_text()
        try:
            if httpx.get(url + "/healthz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "did not come up:\n" + log.read_text()
        time.sleep(0.1)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)


def _no_traceback(text: str) -> None:
    assert "Traceback" not in text, text[-3000:]


# ---------------------------------------------------------------------- CLI
def _one_line_error(err: str, piece: str) -> None:
    """``kompress compress``'s error: one ``error:`` line, last (argparse prints its usage first)."""
    lines = err.strip().splitlines()
    assert lines, "no error message"
    errors = [line for line in lines if "error:" in line]
    assert len(errors) == 1 and errors[0] == lines[-1], err
    assert piece.lower() in lines[-1].lower(), err


def _run_cli(case: corpus.CliCase, folder: Path) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "kompress.cli", "compress", *case.argv]
    if case.file is not None:
        path = folder / f"{case.name}.txt"
        path.write_bytes(case.file)
        argv.append(str(path))
    return subprocess.run(argv, input=case.stdin, capture_output=True, timeout=300, env=ENV, check=False)


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    """Every CLI case run once, a few processes at a time (each is mostly interpreter and
    model start-up)."""
    folder = tmp_path_factory.mktemp("cli")
    with ThreadPoolExecutor(3) as pool:
        return dict(zip([c.name for c in CLI], pool.map(lambda c: _run_cli(c, folder), CLI)))


@pytest.mark.parametrize("case", CLI, ids=[c.name for c in CLI])
def test_cli(case: corpus.CliCase, cli_runs) -> None:
    p = cli_runs[case.name]
    err = p.stderr.decode("utf-8", errors="replace")
    _no_traceback(err)
    assert p.returncode == case.code, (p.returncode, err)
    if case.code:
        _one_line_error(err, case.error)
        assert p.stdout == b""
        return
    assert not err.strip(), err
    raw = case.file if case.file is not None else case.stdin
    text = raw.decode("utf-8", errors="replace")
    out = p.stdout.decode("utf-8")
    if "--json" in case.argv:
        out = json.loads(out)["text"]
    _unchanged_or_compressed(text, out, len(out) < len(text.rstrip()))


def _unchanged_or_compressed(text: str, out: str, compressed: bool) -> None:
    """``out`` is ``text`` (up to whitespace between words: the renderer's), or shorter."""
    if not text.strip():
        assert out == ""  # whitespace only: nothing to keep
    elif compressed:
        assert 0 < len(out) < len(text)
    else:
        assert out.split() == text.split(), "neither unchanged nor compressed"


def test_cli_10mb_line_through_a_server_is_a_one_line_error(serve: str) -> None:
    """10 MB single line, ``kompress compress --server``: the server's 413 as one line, exit 2."""
    p = subprocess.run([sys.executable, "-m", "kompress.cli", "compress", "--server", serve],
                       input=b"word " * (corpus.TEN_MB // 5), capture_output=True, timeout=300, env=ENV, check=False)
    err = p.stderr.decode()
    _no_traceback(err)
    assert p.returncode == 2, err
    _one_line_error(err, "--max-bytes")


# ---------------------------------------------------------------------- server
@pytest.fixture(scope="module")
def serve(tmp_path_factory) -> str:
    """One ``kompress serve`` process (shipped model, default --max-bytes), its URL."""
    log = tmp_path_factory.mktemp("serve") / "stderr.log"
    with log.open("wb") as f:
        proc = subprocess.Popen([sys.executable, "-m", "kompress.cli", "serve", "--port", "0", "--log-level", "warning",
                                 "--concurrency", "2"], stderr=f, env=ENV)
    try:
        deadline, m = time.monotonic() + 120, None
        while m is None:
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            m = re.search(r"kompress serve: (http://127\.0\.0\.1:\d+)", log.read_text())
            time.sleep(0.05)
        url = m.group(1)
        _wait_healthy(url, proc, log)
        yield url
    finally:
        _stop(proc)
    _no_traceback(log.read_text())


@pytest.mark.parametrize("case", SERVER, ids=[c.name for c in SERVER])
def test_server(case: corpus.ServerCase, serve: str) -> None:
    r = httpx.post(serve + "/compress", content=case.body,
                   headers={"content-type": "application/json", **case.headers}, timeout=300)
    _no_traceback(r.text)
    assert r.status_code == case.status, (r.status_code, r.text[:300])
    body = r.json()
    if case.status == 200:
        assert set(body) == {"text", "keep_rate", "domain", "tokens_in", "tokens_out"}
        assert body["tokens_out"] <= body["tokens_in"]
        _unchanged_or_compressed(case.text, body["text"], body["tokens_out"] < body["tokens_in"])
    else:
        assert set(body) >= {"error"} and isinstance(body["error"], str), body
        assert "\n" not in body["error"] and case.error.lower() in body["error"].lower(), body["error"]
    assert httpx.get(serve + "/healthz", timeout=30).status_code == 200


def test_server_chunked_body_over_the_limit(serve: str) -> None:
    """No content-length to refuse up front: the limit still holds while reading."""
    def chunks():
        for _ in range(SERVE_MAX_BYTES // 65536 + 2):
            yield b"x" * 65536

    r = httpx.post(serve + "/compress", content=chunks(), timeout=120)
    assert r.status_code == 413 and "--max-bytes" in r.json()["error"]


# ---------------------------------------------------------------------- proxy
@pytest.fixture(scope="module")
def proxy(upstream, tmp_path_factory) -> str:
    """One ``kompress proxy`` process (shipped model) in front of the recording upstream."""
    log = tmp_path_factory.mktemp("proxy") / "stderr.log"
    port = _free_port()
    with log.open("wb") as f:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kompress.cli", "proxy", "--port", str(port), "--upstream-openai", upstream.url,
             "--upstream-anthropic", upstream.url, "--min-tokens", "50", "--budget-ms", "20000",
             "--max-body-bytes", str(PROXY_MAX_BODY), "--log-level", "warning"], stderr=f, env=ENV)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield url
    finally:
        _stop(proc)
    _no_traceback(log.read_text())


def _upstream_answer(path: str, body: bytes) -> tuple[int, bytes]:
    """What the recording upstream answers to ``body`` on ``path`` (see tests/test_proxy.py)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return 400, PARSE_ERROR_BYTES
    if not isinstance(data, dict):
        return 400, PARSE_ERROR_BYTES
    return 200, {"/v1/chat/completions": CHAT_BYTES, "/v1/responses": RESPONSES_BYTES, "/v1/messages": MESSAGE_BYTES}[path]


def _only_tool_outputs_changed(sent, got) -> int:
    """``got`` is ``sent`` with some strings replaced by shorter ones that end in the kompress
    note; returns how many."""
    if isinstance(sent, dict):
        assert isinstance(got, dict) and list(sent) == list(got)
        return sum(_only_tool_outputs_changed(sent[k], got[k]) for k in sent)
    if isinstance(sent, list):
        assert isinstance(got, list) and len(sent) == len(got)
        return sum(_only_tool_outputs_changed(a, b) for a, b in zip(sent, got))
    if sent == got or (isinstance(sent, float) and isinstance(got, float) and math.isnan(sent) and math.isnan(got)):
        return 0
    assert isinstance(sent, str) and isinstance(got, str), (sent, got)
    assert NOTE.search(got) and len(got) < len(sent), got[-200:]
    return 1


@pytest.mark.parametrize("case", PROXY, ids=[c.name for c in PROXY])
def test_proxy(case: corpus.ProxyCase, proxy: str, upstream) -> None:
    before = len(upstream.received)
    r = httpx.post(proxy + case.path, content=case.body,
                   headers={"content-type": "application/json", "x-api-key": "k", **case.headers}, timeout=300)
    _no_traceback(r.text)
    if case.status is not None:
        assert r.status_code == case.status, (r.status_code, r.text[:300])
        assert "max-body-bytes" in r.text and len(upstream.received) == before
    else:
        assert len(upstream.received) == before + 1, "the request must reach the upstream"
        got = upstream.received[-1]
        assert got["path"] == case.path
        if got["body"] != case.body:  # compressed: then only tool outputs changed
            assert _only_tool_outputs_changed(json.loads(case.body), json.loads(got["body"])) >= 1
        assert (r.status_code, r.content) == _upstream_answer(case.path, got["body"])
    assert httpx.get(proxy + "/healthz", timeout=30).status_code == 200


# ---------------------------------------------------------------------- encoder work on hostile shapes
class _CountingBackend:
    """The real backend, counting the encoder rows it is given."""

    def __init__(self, backend) -> None:
        self.backend, self.rows = backend, 0

    def scores(self, ids, mask, types):
        self.rows += len(ids)
        return self.backend.scores(ids, mask, types)


@pytest.fixture
def counted(shipped_compressor):
    import copy

    comp = copy.copy(shipped_compressor)  # shares the model; only the backend is wrapped
    comp.backend = _CountingBackend(shipped_compressor.backend)
    return comp


@pytest.mark.parametrize("text", ["word " * 20_000 + "\nok\n", "[" * 50_000 + "1" + "]" * 49_999 + "\nok\n",
                                  "a." * 50_000 + "\nok\n"], ids=["spaces", "nested", "dots"])
def test_periodic_and_giant_words_cost_a_few_encoder_rows(counted, text: str) -> None:
    """Repeated windows run once, a giant word is scored on its first tokens: a few rows,
    not one per 250 tokens (these used to take 9-96x the time of a 100 KB log)."""
    r = counted.compress(text, granularity="word")
    n_tokens = counted.count_tokens(text)
    assert n_tokens >= 20_000 and counted.backend.rows <= 16, counted.backend.rows
    assert r.tokens_in == n_tokens  # every token is still counted


def test_one_huge_line_is_scored_on_its_head_and_kept_whole(counted) -> None:
    line = json.dumps([{"id": i, "name": f"item-{i}", "tags": ["a", "b"], "price": i * 0.5} for i in range(1000)])
    r = counted.compress(line)
    assert r.text.split() == line.split() and r.tokens_in == r.tokens_out == counted.count_tokens(line)
    assert counted.backend.rows <= 16, counted.backend.rows
    short = line[: len(line) // 4]  # ~5,000 tokens
    rows = counted.backend.rows
    counted.compress(short, rate=0.5)  # a rate ranks every word: all of it is scored then
    assert counted.backend.rows - rows >= counted.count_tokens(short) // counted.max_length > 16
