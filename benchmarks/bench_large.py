"""Memory stays bounded on huge inputs: compress ~N MB of real tool output and report time,
tokens and peak RSS next to a 100k-token input, in one process each.

    .venv/bin/python benchmarks/bench_large.py [--mb 10] [--backend onnx-int8] [--model DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def peak_rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def worker(chars: int, backend: str, model: str | None) -> dict:
    from kompress import Compressor

    parts = [p.read_text() for p in sorted((ROOT / "samples").glob("*.txt"))]
    pieces, n, i = [], 0, 0
    while n < chars:
        p = parts[i % len(parts)].replace("0x0000", f"0x{i:04x}")
        pieces.append(p)
        n += len(p)
        i += 1
    text = "".join(pieces)[:chars]
    text = text[: text.rfind("\n") + 1]
    c = Compressor.load(model, backend=backend)
    rss_loaded = peak_rss_mb()
    t = time.perf_counter()
    r = c.compress(text)
    dt = time.perf_counter() - t
    return {"mb": round(len(text.encode()) / 2**20, 2), "tokens": r.tokens_in, "seconds": round(dt, 1),
            "tokens_per_s": round(r.tokens_in / dt), "keep_rate": round(r.keep_rate, 3),
            "rss_after_load_mb": round(rss_loaded), "peak_rss_mb": round(peak_rss_mb())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=10.0)
    ap.add_argument("--backend", default="onnx-int8")
    ap.add_argument("--model")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        chars, = json.loads(args.worker)
        print(json.dumps(worker(chars, args.backend, args.model)))
        return
    rows = []
    for chars in (400_000, int(args.mb * 2**20)):
        cmd = [sys.executable, __file__, "--backend", args.backend, "--worker", json.dumps([chars])]
        if args.model:
            cmd += ["--model", args.model]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode:
            raise SystemExit(p.stderr)
        rows.append(json.loads(p.stdout.strip().splitlines()[-1]))
        print(rows[-1], flush=True)
    print(f"\npeak RSS grows {rows[1]['peak_rss_mb'] - rows[0]['peak_rss_mb']} MB for "
          f"{rows[1]['tokens'] / rows[0]['tokens']:.0f}x the tokens ({args.backend})")


if __name__ == "__main__":
    main()
