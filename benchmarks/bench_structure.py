"""Structure frame speed: repetitive logs skip the encoder for repeated records.

    .venv/bin/python benchmarks/bench_structure.py        # -> benchmarks/structure_results.json

For each input (a repetitive service log of ~10k tokens, a 100k-token one, a non-repetitive
log, a JSON array, a listing) it times ``compress`` with the structure frame (the default) and
without it (``structure=False``: every line scored, the previous behaviour) in the same
process, after warm-up, and reports tokens/s and the ratio. The issue's target: repetitive
logs >= 2x the tokens/s without the frame; everything else >= 10k tokens/s on 2 cores.
"""

from __future__ import annotations

import json
import platform
import random
import statistics
import time
from pathlib import Path

from kompress import Compressor

OUT = Path(__file__).with_name("structure_results.json")


def repetitive_log(n_lines: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    out = []
    for i in range(n_lines):
        t = f"2024-06-18 05:{i // 3600 % 60:02d}:{i % 60:02d}"
        k = rng.random()
        if k < 0.85:
            out.append(f"{t} INFO  [worker] processed batch size={rng.randint(1, 99)} lag_ms={rng.randint(0, 40)}")
        elif k < 0.95:
            out.append(f"{t} INFO  [http] GET /api/v1/items/{rng.randint(1, 99999)} 200 {rng.randint(2, 90)}ms")
        elif k < 0.99:
            out.append(f"{t} WARNING [db] pool nearly exhausted: {rng.randint(7, 10)}/10 connections in use")
        else:
            out.append(f"{t} ERROR [db] connection refused host=10.0.0.{rng.randint(1, 9)} port=5432")
    return "\n".join(out) + "\n"


def varied_log(n_lines: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma".split()
    out = []
    for i in range(n_lines):
        msg = " ".join(rng.choice(words) for _ in range(rng.randint(3, 9)))
        out.append(f"2024-06-18 06:{i // 60 % 60:02d}:{i % 60:02d} INFO  [{rng.choice(words)}] {msg} n={i}")
    return "\n".join(out) + "\n"


def json_array(n: int) -> str:
    items = [{"name": f"package-{i}", "version": f"{i % 7}.{i % 13}.{i % 3}", "license": "MIT", "deps": [f"dep{i % 5}"]}
             for i in range(n)]
    return json.dumps({"items": items}, indent=2) + "\n"


def listing(n: int) -> str:
    exts = [".py", ".py", ".py", ".pyc", ".json", ".md"]
    return "\n".join(f"./src/pkg{i % 4}/module_{i:04d}{exts[i % len(exts)]}" for i in range(n)) + "\n"


def timed(comp: Compressor, text: str, **opts) -> tuple[float, int]:
    comp.compress(text, **opts)  # warm-up
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        r = comp.compress(text, **opts)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), r.tokens_in


def main() -> None:
    comp = Compressor.load()
    inputs = {
        "repetitive log ~10k tokens": (repetitive_log(420), "log"),
        "repetitive log ~100k tokens": (repetitive_log(4200), "log"),
        "varied log ~10k tokens": (varied_log(400), "log"),
        "JSON array ~10k tokens": (json_array(120), "json"),
        "listing ~10k tokens": (listing(900), "tree"),
    }
    rows = []
    for name, (text, domain) in inputs.items():
        t_on, n = timed(comp, text, domain=domain)
        t_off, _ = timed(comp, text, domain=domain, structure=False)
        keep = comp.compress(text, domain=domain).keep_rate
        rows.append({"input": name, "tokens": n, "tok_s_structure": round(n / t_on), "tok_s_no_structure": round(n / t_off),
                     "ratio": round(t_off / t_on, 2), "keep_rate": round(keep, 3)})
    meta = {"python": platform.python_version(), "machine": platform.machine(), "backend": comp.backend_name}
    OUT.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    print("| input | tokens | tok/s (frame) | tok/s (no frame) | ratio | keep_rate |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['input']} | {r['tokens']} | {r['tok_s_structure']} | {r['tok_s_no_structure']} | {r['ratio']} | {r['keep_rate']} |")


if __name__ == "__main__":
    main()
