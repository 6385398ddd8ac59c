"""Proxy latency benchmark: what ``kompress proxy`` adds to a request, against a direct call
to the same local upstream, measured in the same run.

    .venv/bin/python benchmarks/bench_proxy.py [--model DIR | --untrained] [--n 200] [--n-miss 10]
                                               [--out benchmarks/proxy_results.json]

Three processes: this client (one persistent ``httpx.Client``), a local upstream (Starlette
under uvicorn, a subprocess, answering ``POST /v1/chat/completions`` at once with a fixed
small completion) and ``kompress proxy`` (the real CLI, a subprocess) pointed at it. So the
client, the upstream and the proxy never share a GIL. Scenarios, each request timed from
send to the last response byte, direct and proxied requests interleaved so that load
drifts (a shared machine) hit both alike:

* **pass-through**: a small chat request without tool output (the proxy parses the JSON,
  finds nothing to compress, relays).
* **5k tool output**: a ``role: "tool"`` message of ~5,000 model tokens made of the real
  outputs in ``samples/*.txt``. ``cold``: the first one (a model compression, the first of
  the process). ``cache hit``: the same output again (``--n`` times). ``cache miss``: a
  different output each time (a number varied in the text; ``--n-miss`` times). Direct
  baselines carry the same bodies.
* **memory**: the proxy's peak RSS (``VmHWM`` in ``/proc/PID/status``) after it has
  compressed a ~100,000-token tool output once.

* **load** (``--load-concurrency``, default 200): a second proxy at the product's budget
  (``--load-budget-ms``, default 5000) gets that many requests at once, each with a new ~5k-token
  output (every one a cache miss: the worst case). The upstream records when each request
  reaches it; the delay to upstream (arrival minus the client's send time, one monotonic clock)
  is reported at p50/p99/max beside the same burst sent directly to the upstream, and beside
  the same burst through the same proxy from a tool it is told to leave alone
  (``--exclude-tools``: parsed and relayed, never compressed). ``/healthz``
  is polled every 50 ms meanwhile (from a thread of its own). Before the burst the proxy
  compresses three new outputs one by one, as a proxy in service has (its cost estimate is then
  this machine's). Then one ~20 MB output followed by six new ~5k outputs, one
  after another: their delays, and whether each went out compressed. Target (issue #21): p99
  delay within the budget + 100 ms; ``/healthz`` under 100 ms. ``--only-load`` runs just
  this and updates the ``load`` key of ``--out``, keeping the rest.

Added latency = proxy percentile minus direct percentile (p50 and p95 of each
distribution). The proxy runs with ``--budget-ms`` raised (default 600000) so that every
compression finishes and is measured instead of failing open at the product's 5 s budget;
the proxy's own counters (``/metrics``) are checked so that each scenario did what it says
(compressed, cache hits, no fail-open). An untrained model (``--untrained``, or a folder
whose config says ``"trained": false``) runs with ``--rate 0.5`` so that compression
really happens; a trained one with ``--threshold 0.5`` by default, so that the figure does not
hang on which domain the mixed samples are detected as (a calibrated threshold near 0 keeps
nearly everything, and the proxy rightly leaves an output unchanged when its note would eat
the saving). The encoder's work, hence the added latency, does not depend on the threshold.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CHAT_BYTES = (b'{"id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000, "model": "gpt-test", '
              b'"choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}], '
              b'"usage": {"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11}}')
HEADERS = {"content-type": "application/json", "authorization": "Bearer sk-bench-0123456789"}
CHAT_PATH = "/v1/chat/completions"


# ---------------------------------------------------------------------- the upstream (subprocess)
def serve_upstream(fd: int) -> None:
    """Run the stand-in OpenAI API on the listening socket ``fd`` (inherited from the parent)."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def healthz(request: Request) -> Response:
        return Response(b'{"status": "ok"}', media_type="application/json")

    arrivals: dict[str, dict] = {}

    async def chat_recorded(request: Request) -> Response:
        # Arrival first: the moment the request reached us (headers read), on the shared monotonic clock.
        t = time.monotonic()
        body = await request.body()
        bench_id = request.headers.get("x-bench-id")
        if bench_id is not None:
            arrivals[bench_id] = {"t": t, "sha256": hashlib.sha256(body).hexdigest(),
                                  "compressed": b"[kompress: compressed" in body}
        return Response(CHAT_BYTES, media_type="application/json")

    async def take_arrivals(request: Request) -> Response:
        out = json.dumps(arrivals).encode()
        arrivals.clear()
        return Response(out, media_type="application/json")

    app = Starlette(routes=[Route(CHAT_PATH, chat_recorded, methods=["POST"]), Route("/healthz", healthz, methods=["GET"]),
                           Route("/arrivals", take_arrivals, methods=["GET"])])
    sock = socket.socket(fileno=fd)
    # Keep-alive well past the proxy client's own 5 s expiry: otherwise both sides close an idle
    # connection at the same moment, and a request sent on it just then fails (a race, not a result).
    config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False, server_header=False,
                            date_header=False, timeout_graceful_shutdown=5, timeout_keep_alive=120)
    uvicorn.Server(config).run(sockets=[sock])


# ---------------------------------------------------------------------- processes
class Proc:
    """A subprocess with its output in a log file; stopped (TERM, then KILL) by ``stop``."""

    def __init__(self, name: str, argv: list[str], log: Path, env: dict, pass_fds: tuple = ()) -> None:
        self.name, self.log = name, log
        self._f = open(log, "wb")
        self.p = subprocess.Popen(argv, stdout=self._f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                  pass_fds=pass_fds)

    @property
    def pid(self) -> int:
        return self.p.pid

    def alive(self) -> bool:
        return self.p.poll() is None

    def tail(self, n: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(15)
        self._f.close()


def wait_healthy(proc: Proc, url: str, timeout: float, ready=lambda j: True) -> dict:
    """Poll ``url``/healthz until it answers 200 and ``ready(json)``; fail if ``proc`` dies."""
    import httpx

    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited with {proc.p.returncode}:\n{proc.tail()}")
        try:
            r = httpx.get(url + "/healthz", timeout=5, trust_env=False)
            if r.status_code == 200 and ready(r.json()):
                return r.json()
            last = f"{r.status_code} {r.text[:200]}"
        except httpx.HTTPError as e:
            last = type(e).__name__
        time.sleep(0.1)
    raise RuntimeError(f"{proc.name} not healthy after {timeout:.0f} s (last: {last}):\n{proc.tail()}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env() -> dict:
    """This environment without KOMPRESS_PROXY_* / KOMPRESS_MODEL: the flags alone configure the proxy."""
    return {k: v for k, v in os.environ.items() if not (k.startswith("KOMPRESS_PROXY_") or k == "KOMPRESS_MODEL")}


def start_upstream(tmp: Path) -> tuple[Proc, str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)  # the load scenario opens hundreds of connections at once
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        proc = Proc("upstream", [sys.executable, __file__, "--serve-upstream", str(sock.fileno())], tmp / "upstream.log",
                    clean_env(), pass_fds=(sock.fileno(),))
    finally:
        sock.close()  # the child holds its own copy
    return proc, url


def start_proxy(tmp: Path, model: str, upstream: str, rate: float | None, budget_ms: float,
                threshold: float | None = None, extra: tuple[str, ...] = ()) -> tuple[Proc, str]:
    """``kompress proxy`` (the CLI) on a free port; a few tries in case the port gets taken."""
    for attempt in range(3):
        port = free_port()
        argv = [sys.executable, "-m", "kompress.cli", "proxy", "--model", model, "--upstream-openai", upstream,
                "--upstream-anthropic", upstream, "--host", "127.0.0.1", "--port", str(port), "--mode", "compress",
                "--min-tokens", "500", "--budget-ms", str(budget_ms), "--log-level", "warning"]
        if rate is not None:
            argv += ["--rate", str(rate)]
        if threshold is not None:
            argv += ["--threshold", str(threshold)]
        argv += list(extra)
        proc = Proc("kompress proxy", argv, tmp / f"proxy{attempt}.log", clean_env())
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(proc, url, timeout=300, ready=lambda j: j.get("model") == "loaded")
            return proc, url
        except BaseException as e:  # also SystemExit (TERM) / KeyboardInterrupt: never leave it running
            proc.stop()
            if isinstance(e, RuntimeError) and "address already in use" in proc.tail(50).lower() and attempt < 2:
                continue
            raise
    raise AssertionError("unreachable")


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM of ``pid`` in MiB (Linux ``/proc``; empty elsewhere)."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, val = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = round(int(val.split()[0]) / 1024)
    except OSError:
        pass
    return out


# ---------------------------------------------------------------------- inputs
def make_tool_output(tokens: int, count, variant: int = 0) -> str:
    """The real outputs in samples/ repeated up to ~``tokens`` model tokens (trimmed by lines).
    ``variant`` goes into the numbers of every block, so each variant has its own content hash."""
    parts = [p.read_text() for p in sorted((ROOT / "samples").glob("*.txt"))]
    if not parts:
        raise SystemExit(f"no samples/*.txt under {ROOT}")
    out: list[str] = []
    i = total = 0
    while total < tokens * 1.05 or i % len(parts):  # whole rounds of the samples, a little over
        block = parts[i % len(parts)].replace("0x0000", f"0x{variant % 256:02x}{i % 256:02x}")
        block = block.replace("test_calc.py:", f"test_calc_{variant}.py:")
        out.append(block)
        total += count(block)
        i += 1
    from bench_compress import trim_to_tokens  # same folder: run as a script

    return trim_to_tokens("".join(out).splitlines(keepends=True), tokens, count)


def chat_body(tool_output: str | None, tool: str = "bash") -> bytes:
    messages: list[dict] = [{"role": "system", "content": "You are a coding agent."},
                            {"role": "user", "content": "Why did the run fail?"}]
    if tool_output is not None:
        messages += [{"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": tool, "arguments": '{"cmd": "make test"}'}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": tool_output}]
    return json.dumps({"model": "gpt-test", "messages": messages, "max_tokens": 64}).encode()


# ---------------------------------------------------------------------- measuring
def timed_post(client, url: str, body: bytes) -> float:
    """Seconds from send to the last response byte; the response must be the upstream's."""
    t0 = time.perf_counter()
    r = client.post(url + CHAT_PATH, content=body, headers=HEADERS)
    dt = time.perf_counter() - t0
    if r.status_code != 200 or r.content != CHAT_BYTES:
        raise RuntimeError(f"POST {url}{CHAT_PATH}: {r.status_code} {r.content[:300]!r}")
    return dt


def paired(client, direct: str, proxy: str, bodies: list[bytes]) -> tuple[list[float], list[float]]:
    """Direct and proxied requests with the same bodies, interleaved (order alternating)."""
    d, p = [], []
    for i, body in enumerate(bodies):
        if i % 2 == 0:
            d.append(timed_post(client, direct, body))
            p.append(timed_post(client, proxy, body))
        else:
            p.append(timed_post(client, proxy, body))
            d.append(timed_post(client, direct, body))
    return d, p


def metrics(client, proxy: str) -> dict[str, float]:
    """The proxy's counters, flattened: ``name{label="v"}`` -> value."""
    r = client.get(proxy + "/metrics")
    r.raise_for_status()
    out = {}
    for line in r.text.splitlines():
        if line and not line.startswith("#"):
            key, _, val = line.rpartition(" ")
            out[key] = float(val)
    return out


def delta(after: dict, before: dict, key: str) -> float:
    return after.get(key, 0.0) - before.get(key, 0.0)


COMPRESSED = "kompress_proxy_tool_outputs_compressed_total"
HITS = "kompress_proxy_cache_hits_total"
TOKENS_IN, TOKENS_OUT = "kompress_proxy_tokens_in_total", "kompress_proxy_tokens_out_total"
SECONDS_SUM, SECONDS_COUNT = "kompress_proxy_compression_seconds_sum", "kompress_proxy_compression_seconds_count"


def errors(m: dict) -> float:
    return sum(v for k, v in m.items() if k.startswith("kompress_proxy_errors_total"))


def ms(x: float) -> float:
    return round(1000 * x, 2)


def row(scenario: str, direct: list[float], proxy: list[float], tokens: int | None, **extra) -> dict:
    d50, d95 = np.percentile(direct, [50, 95])
    p50, p95 = np.percentile(proxy, [50, 95])
    return {"scenario": scenario, "n": len(proxy), "n_direct": len(direct), "tool_tokens": tokens,
            "direct_p50_ms": ms(d50), "direct_p95_ms": ms(d95), "proxy_p50_ms": ms(p50), "proxy_p95_ms": ms(p95),
            "added_p50_ms": ms(p50 - d50), "added_p95_ms": ms(p95 - d95), **extra,
            "direct_ms": [ms(x) for x in direct], "proxy_ms": [ms(x) for x in proxy]}


# ---------------------------------------------------------------------- model
def resolve_model(args, tmp: Path) -> tuple[str, bool]:
    """(model folder, trained?)."""
    if args.untrained:
        folder = tmp / "untrained-model"
        code = ("import sys; from kompress.modeling.model import KompressModel, KompressConfig; "
                "KompressModel(KompressConfig()).save_pretrained(sys.argv[1])")
        subprocess.run([sys.executable, "-c", code, str(folder)], check=True, env=clean_env())
        return str(folder), False
    if args.model:
        folder = Path(args.model)
    else:
        from kompress.compressor import DEFAULT_MODEL_DIR

        folder = Path(DEFAULT_MODEL_DIR)
        if not (folder / "config.json").is_file():
            raise SystemExit(f"no shipped model at {folder} (no config.json): pass --model DIR or --untrained")
    if not (folder / "config.json").is_file():
        raise SystemExit(f"--model {folder}: no config.json there")
    trained = bool(json.loads((folder / "config.json").read_text()).get("trained", False))
    return str(folder), trained


def token_counter(model: str):
    from kompress.modeling.model import load_tokenizer

    backbone = json.loads((Path(model) / "config.json").read_text())["backbone"]
    tok = load_tokenizer(backbone)
    return lambda text: len(tok(text, add_special_tokens=False)["input_ids"])


# ---------------------------------------------------------------------- load: delay to upstream
def make_big_output(chars: int, variant: int) -> str:
    """~``chars`` characters of the real samples, every block numbered (no token counting:
    tokenizing 20 MB here would take longer than the scenario)."""
    parts = [p.read_text() for p in sorted((ROOT / "samples").glob("*.txt"))]
    out: list[str] = []
    total = i = 0
    while total < chars:
        block = parts[i % len(parts)].replace("0x0000", f"0x{variant % 256:02x}{i % 65536:04x}")
        block = block.replace("test_calc.py:", f"test_calc_{variant}_{i}.py:")
        out.append(block)
        total += len(block)
        i += 1
    return "".join(out)


def pct(xs: list[float]) -> dict:
    """p50/p99/max in ms."""
    if not xs:
        return {"n": 0}
    p50, p99 = np.percentile(xs, [50, 99])
    return {"n": len(xs), "p50_ms": ms(p50), "p99_ms": ms(p99), "max_ms": ms(max(xs))}


async def burst(client, url: str, bodies: list[tuple[str, bytes]]) -> dict[str, float]:
    """Send all ``(id, body)`` at once; the send time (monotonic) of each id."""
    sent: dict[str, float] = {}

    async def one(bench_id: str, body: bytes) -> None:
        sent[bench_id] = time.monotonic()
        r = await client.post(url + CHAT_PATH, content=body, headers={**HEADERS, "x-bench-id": bench_id})
        if r.status_code != 200 or r.content != CHAT_BYTES:
            raise RuntimeError(f"POST {url}{CHAT_PATH}: {r.status_code} {r.content[:300]!r}")

    await asyncio.gather(*(one(i, b) for i, b in bodies))
    return sent


class HealthPoller:
    """``GET /healthz`` every 50 ms from a thread of its own (its own connection, not the
    burst client's busy event loop), until stopped; the seconds of each answer in ``times``."""

    def __init__(self, url: str) -> None:
        self.url, self.times, self._stop = url, [], threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import httpx

        with httpx.Client(trust_env=False, timeout=60) as client:
            while not self._stop.is_set():
                t0 = time.perf_counter()
                r = client.get(self.url + "/healthz")
                r.raise_for_status()
                self.times.append(time.perf_counter() - t0)
                self._stop.wait(0.05)

    def stop(self) -> list[float]:
        self._stop.set()
        self._thread.join(120)
        return self.times


def delays(sent: dict[str, float], arrivals: dict[str, dict]) -> list[float]:
    missing = set(sent) - set(arrivals)
    if missing:
        raise RuntimeError(f"{len(missing)} requests never reached the upstream")
    return [arrivals[k]["t"] - sent[k] for k in sent]


async def load_scenario(args, up_url: str, px_url: str, bodies: list[bytes], digests: list[str],
                        big_body: bytes, small_bodies: list[bytes], small_digests: list[str],
                        warm_bodies: list[bytes], controls: list[bytes]) -> dict:
    """The concurrent burst (direct, proxied, direct) and the 20 MB-then-small sequence."""
    import httpx

    # Idle connections expire before the proxy's (uvicorn's) 5 s keep-alive closes them: see serve_upstream.
    limits = httpx.Limits(max_connections=4 * len(bodies) + 16, max_keepalive_connections=4 * len(bodies) + 16,
                          keepalive_expiry=2.0)
    timeout = httpx.Timeout(args.timeout, connect=30)
    n = len(bodies)
    async with httpx.AsyncClient(limits=limits, timeout=timeout, trust_env=False) as client:
        async def arrivals() -> dict:
            r = await client.get(up_url + "/arrivals")
            r.raise_for_status()
            return r.json()

        # A proxy in service has compressed before: a few new outputs one by one first, so its
        # cost estimate is this machine's (a cold proxy starts from a fixed prior).
        for i, body in enumerate(warm_bodies):
            await burst(client, px_url, [(f"w{i}", body)])
            while (await client.get(px_url + "/healthz")).json().get("inflight"):
                await asyncio.sleep(0.05)
        await arrivals()
        m0 = await asyncio.to_thread(metrics_sync, px_url)
        # Direct before and after the proxied burst: drifting load hits both alike.
        sent_d = await burst(client, up_url, [(f"d{i}", b) for i, b in enumerate(bodies[: n // 2])])
        direct = delays(sent_d, await arrivals())
        poller = HealthPoller(px_url)
        t0 = time.monotonic()
        sent_p = await burst(client, px_url, [(f"p{i}", b) for i, b in enumerate(bodies)])
        burst_s = time.monotonic() - t0
        health = poller.stop()
        got = await arrivals()
        proxied = delays(sent_p, got)
        compressed = sum(1 for k in sent_p if got[k]["compressed"])
        unchanged = sum(1 for i in range(n) if got[f"p{i}"]["sha256"] == digests[i])
        if compressed + unchanged != n:
            raise RuntimeError(f"{n - compressed - unchanged} bodies were neither compressed nor byte-identical")
        m1 = await asyncio.to_thread(metrics_sync, px_url)
        # Relay control: the same burst through the same proxy, outputs of an excluded tool.
        sent_c = await burst(client, px_url, [(f"c{i}", b) for i, b in enumerate(controls)])
        got = await arrivals()
        control = delays(sent_c, got)
        if any(got[k]["compressed"] for k in sent_c):
            raise RuntimeError("an excluded tool's output was compressed")
        sent_d = await burst(client, up_url, [(f"d{i}", b) for i, b in enumerate(bodies[n // 2:], n // 2)])
        direct += delays(sent_d, await arrivals())
        budget = args.load_budget_ms
        load = {"budget_ms": budget, "concurrency": n, "burst_s": round(burst_s, 2),
                "direct": pct(direct), "proxy": pct(proxied), "proxy_relay_only": pct(control),
                "compressed": compressed, "unchanged_byte_identical": unchanged,
                "healthz_during_burst": pct(health),
                "fallbacks": {k.split('"')[1]: delta(m1, m0, k) for k in m1 if k.startswith("kompress_proxy_fallbacks_total{")},
                "deferred_outputs": delta(m1, m0, 'kompress_proxy_tool_outputs_total{result="deferred"}'),
                "background_skipped": delta(m1, m0, "kompress_proxy_background_skipped_total")}
        load["proxy_p99_minus_budget_ms"] = round(load["proxy"]["p99_ms"] - budget, 2)
        # What the budget logic adds over relaying the same bodies through the same proxy.
        load["added_over_relay_p99_ms"] = round(load["proxy"]["p99_ms"] - load["proxy_relay_only"]["p99_ms"], 2)
        load["added_over_direct_p99_ms"] = round(load["proxy"]["p99_ms"] - load["direct"]["p99_ms"], 2)
        load["target_added_p99_within_budget_plus_100ms"] = bool(
            max(load["added_over_relay_p99_ms"], load["added_over_direct_p99_ms"]) <= budget + 100)
        load["target_p99_within_budget_plus_100ms"] = bool(load["proxy"]["p99_ms"] <= budget + 100)
        load["target_healthz_under_100ms"] = bool(load["healthz_during_burst"].get("max_ms", 0) < 100)
        print(f"load: {n} concurrent, budget {budget:.0f} ms: delay to upstream p50/p99/max "
              f"{load['proxy']['p50_ms']}/{load['proxy']['p99_ms']}/{load['proxy']['max_ms']} ms "
              f"(direct {load['direct']['p50_ms']}/{load['direct']['p99_ms']}/{load['direct']['max_ms']}; relay only "
              f"{load['proxy_relay_only']['p50_ms']}/{load['proxy_relay_only']['p99_ms']}/{load['proxy_relay_only']['max_ms']}); "
              f"{compressed} compressed; /healthz max {load['healthz_during_burst'].get('max_ms')} ms", flush=True)

        # One huge output, then new small ones one after another.
        await asyncio.sleep(1.0)
        poller = HealthPoller(px_url)
        sent_big: dict[str, float] = {}
        big_task = asyncio.create_task(burst(client, px_url, [("big", big_body)]))
        t_big = time.monotonic()
        await asyncio.sleep(0.5)  # the huge one is in: parsed, admitted (or not) and queued
        small = []
        for i, body in enumerate(small_bodies):
            s = await burst(client, px_url, [(f"s{i}", body)])
            got = await arrivals()
            small.append({"delay_ms": ms(got[f"s{i}"]["t"] - s[f"s{i}"]), "compressed": got[f"s{i}"]["compressed"],
                          "unchanged_byte_identical": got[f"s{i}"]["sha256"] == small_digests[i]})
            if "big" in got:
                sent_big["arrival"] = got["big"]["t"]
                sent_big["compressed"] = got["big"]["compressed"]
        sent_big.update(await big_task)
        if "arrival" not in sent_big:
            got = await arrivals()
            sent_big["arrival"], sent_big["compressed"] = got["big"]["t"], got["big"]["compressed"]
        health = poller.stop()
        status = (await client.get(px_url + "/healthz")).json()
        load["big_then_small"] = {
            "big_chars": None, "big_body_bytes": len(big_body),
            "big_delay_ms": ms(sent_big["arrival"] - sent_big["big"]), "big_compressed": sent_big["compressed"],
            "big_still_compressing_after_smalls": bool(status.get("inflight")),
            "seconds_from_big_to_last_small": round(time.monotonic() - t_big, 2),
            "small": small, "healthz": pct(health)}
        print(f"20 MB then small: big delay {load['big_then_small']['big_delay_ms']} ms; small delays "
              f"{[x['delay_ms'] for x in small]} ms, compressed {[x['compressed'] for x in small]}; "
              f"/healthz max {load['big_then_small']['healthz'].get('max_ms')} ms", flush=True)
    return load


def metrics_sync(url: str) -> dict[str, float]:
    import httpx

    with httpx.Client(trust_env=False, timeout=30) as c:
        return metrics(c, url)


CONTROL_TOOL = "bench_control"  # the load proxy leaves this tool's outputs alone


def run_load(args, tmp: Path, model: str, trained: bool, up_url: str) -> dict:
    """Start a proxy at ``--load-budget-ms`` and run :func:`load_scenario` against it."""
    rate = None if trained else 0.5
    threshold = args.threshold if trained else None
    count = token_counter(model)
    base = make_tool_output(args.tokens, count, variant=1000)
    # Each request its own output (a number varied throughout): all cache misses, same size.
    outputs = [base.replace("0x", f"0x{k:03d}") for k in range(args.load_concurrency)]
    assert len(set(outputs)) == len(outputs)
    bodies = [chat_body(t) for t in outputs]
    # The same bodies from an excluded tool: parsed and relayed by the same proxy, never compressed.
    controls = [chat_body(t, tool=CONTROL_TOOL) for t in outputs]
    smalls = [chat_body(base.replace("0x", f"1x{k:03d}")) for k in range(6)]
    big_text = make_big_output(args.big_chars, variant=77)
    big_body = chat_body(big_text)
    proxy = None
    try:
        proxy, px_url = start_proxy(tmp, model, up_url, rate, args.load_budget_ms, threshold,
                                    extra=("--exclude-tools", CONTROL_TOOL))
        print(f"load proxy on {px_url} (budget {args.load_budget_ms:.0f} ms); {len(bodies)} bodies of "
              f"~{count(base)} tokens, big {len(big_body) / 1e6:.1f} MB", flush=True)
        try:
            res = asyncio.run(load_scenario(args, up_url, px_url, bodies, [hashlib.sha256(b).hexdigest() for b in bodies],
                                            big_body, smalls, [hashlib.sha256(b).hexdigest() for b in smalls],
                                            [chat_body(base.replace("0x", f"2x{k:03d}")) for k in range(3)], controls))
        except Exception:
            print(f"proxy {'alive' if proxy.alive() else f'exited with {proxy.p.returncode}'}; its log:\n{proxy.tail(40)}",
                  file=sys.stderr)
            raise
        res["tool_tokens"] = count(base)
        res["big_then_small"]["big_chars"] = len(big_text)
        res["proxy_peak_rss_mib"] = proc_status(proxy.pid).get("VmHWM")
    finally:
        if proxy is not None:
            proxy.stop()
    return res


# ---------------------------------------------------------------------- main
def machine() -> dict:
    cpus = os.cpu_count()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = cpus
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    return {"platform": platform.platform(), "machine": platform.machine(), "processor": platform.processor(),
            "python": platform.python_version(), "cpu_count": cpus, "cpus_usable": usable, "loadavg_start": load}


def run(args) -> dict:
    import httpx

    result: dict = {"machine": machine()}
    with tempfile.TemporaryDirectory(prefix="bench_proxy_") as tmp_s:
        tmp = Path(tmp_s)
        model, trained = resolve_model(args, tmp)
        rate = None if trained else 0.5
        threshold = args.threshold if trained else None
        count = token_counter(model)
        print(f"model {model} ({'trained' if trained else 'untrained: --rate 0.5'}); building inputs", flush=True)
        out5k = make_tool_output(args.tokens, count)
        misses = [make_tool_output(args.tokens, count, variant=k + 1) for k in range(args.n_miss)]
        out100k = make_tool_output(args.big_tokens, count, variant=255)
        tok5k, tok100k = count(out5k), count(out100k)
        small, body5k = chat_body(None), chat_body(out5k)
        miss_bodies = [chat_body(t) for t in misses]
        assert len({*misses, out5k}) == args.n_miss + 1, "miss variants must all differ"

        upstream = proxy = None
        try:
            upstream, up_url = start_upstream(tmp)
            wait_healthy(upstream, up_url, timeout=60)
            if args.only_load:
                return {"load": run_load(args, tmp, model, trained, up_url), "machine": result["machine"]}
            print(f"upstream on {up_url} (pid {upstream.pid}); starting kompress proxy", flush=True)
            t0 = time.perf_counter()
            proxy, px_url = start_proxy(tmp, model, up_url, rate, args.budget_ms, threshold)
            startup_s = time.perf_counter() - t0
            print(f"proxy on {px_url} (pid {proxy.pid}), up in {startup_s:.1f} s", flush=True)
            timeout = httpx.Timeout(args.timeout, connect=10)
            with httpx.Client(timeout=timeout, trust_env=False, http2=False) as client:
                for _ in range(5):  # connections (client->both, proxy->upstream), first-request paths
                    timed_post(client, up_url, small)
                    timed_post(client, px_url, small)
                rss_idle = proc_status(proxy.pid)
                rows = []

                # (a)/(b) pass-through
                d, p = paired(client, up_url, px_url, [small] * args.n)
                rows.append(row("pass-through (no tool output)", d, p, None))
                print(f"pass-through: p50 +{rows[-1]['added_p50_ms']} ms", flush=True)

                # (c) 5k tool output: cold, then hits, then misses
                m0 = metrics(client, px_url)
                cold = timed_post(client, px_url, body5k)
                m1 = metrics(client, px_url)
                if delta(m1, m0, COMPRESSED) != 1:
                    raise RuntimeError(f"the cold 5k request was not compressed (metrics delta {delta(m1, m0, COMPRESSED)}); "
                                       f"proxy log:\n{proxy.tail()}")
                cold_tokens = (int(delta(m1, m0, TOKENS_IN)), int(delta(m1, m0, TOKENS_OUT)))
                d, p = paired(client, up_url, px_url, [body5k] * args.n)
                m2 = metrics(client, px_url)
                hits = int(delta(m2, m1, HITS))
                rows.append(row("5k tool output, cache hit", d, p, tok5k, cache_hits=hits))
                print(f"5k hit: p50 +{rows[-1]['added_p50_ms']} ms", flush=True)
                direct5k = d
                d, p = paired(client, up_url, px_url, miss_bodies)
                m3 = metrics(client, px_url)
                n_comp = int(delta(m3, m2, COMPRESSED))
                comp_mean = delta(m3, m2, SECONDS_SUM) / max(1.0, delta(m3, m2, SECONDS_COUNT))
                rows.append(row("5k tool output, cache miss (new output each)", d, p, tok5k, compressed=n_comp,
                                model_ms_mean=ms(comp_mean)))
                print(f"5k miss: p50 +{rows[-1]['added_p50_ms']} ms", flush=True)
                d50 = float(np.percentile(direct5k, 50))
                cold_row = {"scenario": "5k tool output, cold (first request)", "n": 1, "tool_tokens": tok5k,
                            "proxy_ms": ms(cold), "direct_p50_ms": ms(d50), "added_ms": ms(cold - d50),
                            "proxy_tokens_in": cold_tokens[0], "proxy_tokens_out": cold_tokens[1]}
                rss_5k = proc_status(proxy.pid)

                # (d) memory: one ~100k-token output
                m4 = metrics(client, px_url)
                big = timed_post(client, px_url, chat_body(out100k))
                m5 = metrics(client, px_url)
                if delta(m5, m4, COMPRESSED) != 1:
                    raise RuntimeError("the 100k request was not compressed")
                rss_100k = proc_status(proxy.pid)
                memory = {"tool_tokens": tok100k, "proxy_tokens_in": int(delta(m5, m4, TOKENS_IN)),
                          "proxy_tokens_out": int(delta(m5, m4, TOKENS_OUT)), "request_s": round(big, 2),
                          "rss_idle_mib": rss_idle.get("VmRSS"), "peak_rss_before_100k_mib": rss_5k.get("VmHWM"),
                          "peak_rss_after_100k_mib": rss_100k.get("VmHWM"), "rss_after_100k_mib": rss_100k.get("VmRSS")}
                m_end = metrics(client, px_url)

            if errors(m_end):
                raise RuntimeError(f"the proxy counted errors (fail-open, upstream ...): "
                                   f"{ {k: v for k, v in m_end.items() if k.startswith('kompress_proxy_errors') and v} }")
            if hits != args.n or n_comp != args.n_miss:
                raise RuntimeError(f"expected {args.n} cache hits and {args.n_miss} compressions, got {hits} and {n_comp}")
            proxy.stop()  # one proxy at a time: the load scenario starts its own
            load = run_load(args, tmp, model, trained, up_url) if args.load_concurrency else None
        finally:
            for proc in (proxy, upstream):
                if proc is not None:
                    proc.stop()

    try:
        result["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    result["config"] = {"model": model if not args.untrained else "untrained (seeded heads, MiniLM backbone)",
                        "trained": trained, "rate": rate, "threshold": threshold,
                        "budget_ms": args.budget_ms, "n": args.n,
                        "n_miss": args.n_miss, "proxy_startup_s": round(startup_s, 2),
                        "proxy": "kompress proxy CLI subprocess", "upstream": "Starlette/uvicorn subprocess",
                        "client": f"httpx {httpx.__version__} Client, keep-alive"}
    result["rows"] = rows
    result["cold"] = cold_row
    result["memory"] = memory
    if load is not None:
        result["load"] = load
    return result


def markdown(res: dict) -> str:
    m, c = res["machine"], res["config"]
    lines = [f"Machine: {m['platform']}, {m['cpu_count']} CPUs ({m['cpus_usable']} usable), Python {m['python']}, "
             f"load avg {m.get('loadavg_start')} -> {m.get('loadavg_end')}",
             f"Model: {c['model']}; rate {c['rate']}; threshold {c.get('threshold')}; budget {c['budget_ms']:.0f} ms; N={c['n']}, misses={c['n_miss']}",
             "",
             "| scenario | n | tool tokens | direct p50 ms | direct p95 ms | proxy p50 ms | proxy p95 ms "
             "| added p50 ms | added p95 ms |",
             "|---|---|---|---|---|---|---|---|---|"]
    cold = res["cold"]
    cold_line = (f"| {cold['scenario']} | 1 | {cold['tool_tokens']} | {cold['direct_p50_ms']} | - | {cold['proxy_ms']} "
                 f"| - | {cold['added_ms']} | - |")
    for i, r in enumerate(res["rows"]):
        if i == 1:
            lines.append(cold_line)
        lines.append(f"| {r['scenario']} | {r['n']} | {r['tool_tokens'] or '-'} | {r['direct_p50_ms']} | "
                     f"{r['direct_p95_ms']} | {r['proxy_p50_ms']} | {r['proxy_p95_ms']} | {r['added_p50_ms']} | "
                     f"{r['added_p95_ms']} |")
    mem = res["memory"]
    lines += ["", "| memory | tool tokens | request s | proxy RSS idle MiB | peak RSS before MiB | peak RSS after 100k MiB |",
              "|---|---|---|---|---|---|",
              f"| one ~{round(mem['tool_tokens'], -3) // 1000:.0f}k-token tool output, compressed once | {mem['tool_tokens']} | {mem['request_s']} | "
              f"{mem['rss_idle_mib']} | {mem['peak_rss_before_100k_mib']} | {mem['peak_rss_after_100k_mib']} |"]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--model", metavar="DIR", help="model folder (default: the shipped model, if installed)")
    g.add_argument("--untrained", action="store_true",
                   help="use a seeded untrained model made in a temporary folder (runs with --rate 0.5)")
    ap.add_argument("--threshold", type=lambda v: None if v == "model" else float(v), default=0.5,
                    help="the proxy's --threshold for a trained model (default 0.5; 'model': its own "
                    "calibrated thresholds for the domain the mixed samples are detected as)")
    ap.add_argument("--n", type=int, default=200, help="requests per scenario (pass-through, cache hit)")
    ap.add_argument("--n-miss", type=int, default=10, help="cache-miss requests (a new 5k output each)")
    ap.add_argument("--tokens", type=int, default=5000, help="tool output size, model tokens (default 5000)")
    ap.add_argument("--big-tokens", type=int, default=100_000, help="memory test output size (default 100000)")
    ap.add_argument("--budget-ms", type=float, default=600_000.0,
                    help="the proxy's --budget-ms (default 600000: every compression completes and is timed)")
    ap.add_argument("--load-concurrency", type=int, default=200,
                    help="requests sent at once in the load scenario (0: skip it)")
    ap.add_argument("--load-budget-ms", type=float, default=5000.0,
                    help="the load scenario's proxy --budget-ms (default 5000, the product default)")
    ap.add_argument("--big-chars", type=int, default=20_000_000,
                    help="size of the huge output sent before the small ones (default 20,000,000 characters)")
    ap.add_argument("--only-load", action="store_true",
                    help="run only the load scenario and update the 'load' key of --out")
    ap.add_argument("--timeout", type=float, default=600.0, help="per-request timeout, seconds")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "proxy_results.json"))
    ap.add_argument("--serve-upstream", type=int, metavar="FD", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve_upstream is not None:
        serve_upstream(args.serve_upstream)
        return
    if args.n < 1 or args.n_miss < 1:
        ap.error("--n and --n-miss must be at least 1")
    # A TERM (CI timeout, kill) unwinds through the finally blocks that stop the subprocesses.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.only_load and args.load_concurrency < 1:
        ap.error("--only-load needs --load-concurrency >= 1")
    result = run(args)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    if args.only_load:
        previous = json.loads(Path(args.out).read_text()) if Path(args.out).is_file() else {}
        # The machine as the run started (its load average then), and the load average at its end.
        end = machine()["loadavg_start"]
        previous["load"] = {**result["load"], "machine": {**result["machine"], "loadavg_end": end}}
        Path(args.out).write_text(json.dumps(previous, indent=2) + "\n")
        print(json.dumps(result["load"], indent=2))
        print(f"\nwrote the load key of {args.out}")
        return
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print("\n" + markdown(result))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
