"""`kompress serve`: real HTTP against a uvicorn server in a thread (and one as a subprocess)."""

from __future__ import annotations

import copy
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from kompress.decision.options import OptionError

from kompress.serving.server import (MicroBatcher, check_row_invariance, ServerUnavailable, create_app, remote_compress,
                             serve_in_thread)

from .conftest import SAMPLES

MAX_BYTES = 64 * 1024
PYTEST_OUT = (SAMPLES / "pytest_failure.txt").read_text()
GDB_OUT = (SAMPLES / "gdb_segfault.txt").read_text()


@pytest.fixture(scope="module")
def server(minilm_compressor):
    # A long max wait: requests released together by a barrier are sure to meet.
    app = create_app(minilm_compressor, max_bytes=MAX_BYTES, max_wait_ms=500)
    with serve_in_thread(app) as url:
        yield url, app


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.status, r.read().decode()


def _post(url: str, body: bytes, headers: dict | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url + "/compress", data=body, method="POST",
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _metric(text: str, name: str, labels: str = "") -> float:
    m = re.search(rf"^{re.escape(name)}{re.escape(labels)} (\S+)$", text, re.M)
    return float(m.group(1)) if m else 0.0


def test_healthz(server, minilm_compressor):
    url, app = server
    status, body = _get(url + "/healthz")
    d = json.loads(body)
    assert status == 200 and d["status"] == "ok" and d["max_bytes"] == MAX_BYTES
    merge = _probe(minilm_compressor)
    assert app.state.batcher.merge == merge
    assert d["batching"] == ("on" if merge else "off (merged passes are not bit-identical on this machine's kernels)")


@pytest.mark.parametrize("text,options", [
    (GDB_OUT, {"rate": 0.3, "granularity": "word"}),
    (GDB_OUT, {"threshold": 0.5, "granularity": "line", "domain": "log"}),
    (GDB_OUT, {"rate": 0.5, "guard": False}),
    ("short", {"min_tokens": 50}),
    ("   \n", {}),
    (GDB_OUT, {"threshold": 0.99, "granularity": "line", "coverage": 0.9}),
    (GDB_OUT, {"threshold": 0.99, "granularity": "line", "novelty": 0.3}),
    (GDB_OUT, {"rate": 0.5, "query": "which frame segfaulted?"}),
])
def test_compress_is_the_library_result(server, minilm_compressor, text, options):
    url, _ = server
    got = remote_compress(url, text, **options)
    assert got == minilm_compressor.compress(text, **options).to_dict()
    assert set(got) == {"text", "keep_rate", "domain", "tokens_in", "tokens_out"}


def test_concurrent_requests_share_passes_and_stay_byte_identical(server, minilm_compressor):
    url, app = server
    # Pairs of equal inputs give batches of equal padded length: those can share a pass.
    jobs = [(PYTEST_OUT, {"rate": 0.5}), (PYTEST_OUT, {"rate": 0.4}), (GDB_OUT, {"rate": 0.5}),
            (GDB_OUT, {"rate": 0.3, "granularity": "line"}),
            ("ERROR disk full on /dev/sda1", {"rate": 0.5}), ("ERROR disk full on /dev/sda1", {"rate": 0.9})]
    counting = copy.copy(minilm_compressor)
    counting.backend = _CountingBackend(minilm_compressor.backend)
    expected = [counting.compress(t, **o).to_dict() for t, o in jobs]  # the plain, non-batched path
    b = app.state.batcher
    merged_before, passes_before = b.merged_passes, b.passes
    barrier = threading.Barrier(len(jobs))

    def call(job):
        barrier.wait()
        return remote_compress(url, job[0], **job[1])

    with ThreadPoolExecutor(len(jobs)) as ex:
        got = list(ex.map(call, jobs))
    assert got == expected
    # The server merges exactly when its start-up probe found merged passes bit-identical on
    # this machine's kernels (oneDNN on AMX machines, for one, is not row-invariant for torch).
    assert b.merge == _probe(minilm_compressor)
    if b.merge:
        assert b.merged_passes > merged_before
        # Shared passes: fewer encoder passes than the same requests run one by one.
        assert b.passes - passes_before < counting.backend.calls
    else:
        assert b.merged_passes == merged_before == 0
        assert b.passes - passes_before == counting.backend.calls


def _probe(comp, lengths=None) -> bool:
    return check_row_invariance(comp.backend, comp.max_length, comp.tokenizer.vocab_size, lengths)


class _CountingBackend:
    """The real backend, counting its passes."""

    def __init__(self, backend) -> None:
        self.backend = backend
        self.uses_token_types = backend.uses_token_types
        self.calls = 0

    def scores(self, *arrays):
        self.calls += 1
        return self.backend.scores(*arrays)


def test_batcher_groups_by_padded_length(minilm_compressor):
    be = minilm_compressor.backend
    batcher = MicroBatcher(be, max_wait_ms=2000, min_merge_len=8).start()
    rng = np.random.default_rng(3)

    def job(L, rows=1):
        ids = rng.integers(1000, 9000, size=(rows, L)).astype(np.int64)
        return ids, np.ones_like(ids), np.zeros_like(ids)

    inputs = [job(40), job(40, rows=2), job(56), job(40)]
    barrier = threading.Barrier(len(inputs))

    def call(x):
        with batcher.request():
            barrier.wait()
            return batcher.scores(*x)

    try:
        with ThreadPoolExecutor(len(inputs)) as ex:
            got = list(ex.map(call, inputs))
    finally:
        batcher.close()
    # Bit-identical where this machine's kernels are row-invariant at these lengths (what the
    # server's start-up probe checks before it lets the batcher merge); equal to float
    # rounding everywhere.
    exact = _probe(minilm_compressor, lengths=(40, 56))
    for x, g in zip(inputs, got):
        if exact:
            assert np.array_equal(g, be.scores(*x))
        else:
            np.testing.assert_allclose(g, be.scores(*x), rtol=0, atol=1e-5)
    # The three L=40 jobs share one pass, the L=56 one runs alone.
    assert batcher.passes == 2 and batcher.merged_passes == 1 and batcher.rows == 5


def test_batcher_hands_errors_to_the_caller(minilm_compressor):
    batcher = MicroBatcher(minilm_compressor.backend).start()
    try:
        ids = np.ones((1, 20), dtype=np.int64)
        with pytest.raises(IndexError):  # a token id past the vocabulary
            batcher.scores(ids * 10**9, np.ones_like(ids), np.zeros_like(ids))
        good = batcher.scores(ids, np.ones_like(ids), np.zeros_like(ids))  # the worker lives on
        assert good.shape == (1, 20)
    finally:
        batcher.close()


def test_body_over_limit_is_413_json(server):
    url, _ = server
    big = json.dumps({"text": "x " * MAX_BYTES}).encode()
    status, body = _post(url, big)
    assert status == 413 and str(MAX_BYTES) in body["error"] and body["limit_bytes"] == MAX_BYTES
    # Chunked upload: no Content-Length up front, the limit still holds.
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    conn.request("POST", "/compress", body=iter([big[i:i + 8192] for i in range(0, len(big), 8192)]),
                 headers={"Content-Type": "application/json"}, encode_chunked=True)
    r = conn.getresponse()
    assert r.status == 413 and "too large" in json.loads(r.read())["error"]
    conn.close()


@pytest.mark.parametrize("body,status,msg", [
    (b"{not json", 400, "not valid JSON"),
    (b'{"rate": 0.5}', 422, "text"),
    (b'{"text": "a b", "rate": 0}', 422, "rate"),
    (b'{"text": "a b", "rate": 0.5, "threshold": 0.5}', 422, "give one of"),
    (b'{"text": "a b", "query": 5}', 422, "query must be a string"),
    (json.dumps({"text": "a b", "query": "x" * 20_001}).encode(), 422, "query must be at most 20000 characters"),
    (b'{"text": "a b", "domain": "poetry"}', 422, "unknown domain"),
    (b'{"text": "a b", "granularity": "char"}', 422, "granularity"),
    (b'{"text": "a b", "colour": "red"}', 422, "colour"),
    (b'{"text": 5}', 422, "text"),
])
def test_bad_requests_get_one_line_errors(server, body, status, msg):
    url, _ = server
    got_status, got = _post(url, body)
    assert got_status == status and msg in got["error"] and "\n" not in got["error"]


def test_metrics_count_requests_and_tokens(server):
    url, _ = server
    _, before = _get(url + "/metrics")
    r = remote_compress(url, GDB_OUT, rate=0.5)
    _post(url, b"{")
    _, after = _get(url + "/metrics")

    def delta(name, labels=""):
        return _metric(after, name, labels) - _metric(before, name, labels)

    assert delta("kompress_requests_total", '{code="200",path="/compress"}') == 1
    assert delta("kompress_requests_total", '{code="400",path="/compress"}') == 1
    assert delta("kompress_tokens_in_total") == r["tokens_in"] > 0
    assert delta("kompress_tokens_out_total") == r["tokens_out"]
    assert delta("kompress_tokens_saved_total") == r["tokens_in"] - r["tokens_out"] > 0
    assert delta("kompress_encoder_passes_total") >= 1


def test_client_errors(server):
    url, _ = server
    with pytest.raises(OptionError, match=r"rate must be in \(0, 1\], got 2.0"):
        remote_compress(url, "a b", rate=2.0)  # checked before sending, with the server's own rule
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    with pytest.raises(ServerUnavailable, match="kompress serve"):
        remote_compress(f"http://127.0.0.1:{port}", "a b", timeout=5)


def test_serve_cli_subprocess(minilm_dir, minilm_compressor, tmp_path):
    """`kompress serve` for real: a child process, a request, a clean stop."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "kompress.cli", "serve", "--model", str(minilm_dir), "--port", "0",
         "--log-level", "warning"],
        stderr=subprocess.PIPE, text=True, env={**os.environ, "TOKENIZERS_PARALLELISM": "false"},
    )
    try:
        seen, m = [], None
        for line in proc.stderr:  # warnings from the model load may come first
            seen.append(line)
            m = re.search(r"^kompress serve: http://127\.0\.0\.1:(\d+)", line)
            if m:
                break
        assert m, "".join(seen)
        url = f"http://127.0.0.1:{m.group(1)}"
        deadline = time.monotonic() + 60
        while True:
            try:
                assert json.loads(_get(url + "/healthz")[1])["status"] == "ok"
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
        assert remote_compress(url, GDB_OUT, rate=0.5) == minilm_compressor.compress(GDB_OUT, rate=0.5).to_dict()
        # The port is taken now: a second server says so in one line.
        p2 = subprocess.run([sys.executable, "-m", "kompress.cli", "serve", "--port", m.group(1)],
                            capture_output=True, text=True, timeout=60)
        assert p2.returncode == 2 and "cannot listen on 127.0.0.1:" in p2.stderr and "Traceback" not in p2.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_compress_cli_server_option(server, minilm_compressor, capsys):
    """`kompress compress --server URL` (live once the --server option is in commands/compress.py)."""
    from kompress.cli import build_parser, main

    if "--server" not in build_parser()._subparsers._group_actions[0].choices["compress"].format_help():
        pytest.skip("kompress compress has no --server option yet")
    url, _ = server
    args = ["compress", str(SAMPLES / "gdb_segfault.txt"), "--server", url, "--rate", "0.5", "--json", "--stats"]
    assert main(args) == 0
    out = capsys.readouterr()
    assert json.loads(out.out) == minilm_compressor.compress(GDB_OUT, rate=0.5).to_dict()
    assert "saved" in out.err


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_modernbert_and_onnx_batching_stay_byte_identical(tiny_modernbert, tmp_path_factory, backend):
    """Another backbone (ModernBERT) and the ONNX Runtime backend: same guarantee."""
    from kompress import Compressor
    from kompress.modeling.model import KompressConfig, KompressModel

    folder = tmp_path_factory.mktemp(f"modernbert-{backend}")
    KompressModel(KompressConfig(backbone=str(tiny_modernbert))).save_pretrained(folder)
    comp = Compressor.load(folder, backend=backend)
    # Long inputs: each request runs several batches in turn, so the requests overlap.
    texts = [PYTEST_OUT * 3, GDB_OUT * 2, PYTEST_OUT * 3, GDB_OUT * 2]
    expected = [comp.compress(t, rate=0.5).to_dict() for t in texts]
    app = create_app(comp, max_wait_ms=500)
    barrier = threading.Barrier(len(texts))
    with serve_in_thread(app) as url:
        def call(text):
            barrier.wait()
            return remote_compress(url, text, rate=0.5)

        with ThreadPoolExecutor(len(texts)) as ex:
            got = list(ex.map(call, texts))
    assert got == expected
    b = app.state.batcher
    assert b.merge == _probe(comp)
    assert (b.merged_passes >= 1) if b.merge else (b.merged_passes == 0)
