"""Issue #21 timing targets, as ratios measured in the same run (no absolute thresholds).

* must-keep search is linear: a 400 KB word costs at most ~4x (limit 6x) a 100 KB word of
  the same shape (the old pattern: 12 s -> 273 s, 23x);
* any 100 KB input compresses in at most 2x the time of a 100 KB log.

Run: .venv/bin/python benchmarks/bench_hardening.py
"""

from __future__ import annotations

import sys
import time

from kompress.decision.mustkeep import is_must_keep


def _time(fn, *args) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def bench_mustkeep() -> bool:
    ok = True
    for unit in ("abcdefghijklmnopqrstuvwxyz", "aé", "a.", "Ab", "_", "a" * 999 + "."):
        small, big = unit * (100_000 // len(unit)), unit * (400_000 // len(unit))
        t_small, t_big = _time(is_must_keep, small), _time(is_must_keep, big)
        ratio = t_big / max(t_small, 1e-6)
        good = t_big < max(0.02, 6 * t_small)
        ok &= good
        print(f"must-keep {unit[:12]!r:16s} 100KB {t_small*1000:7.2f} ms  400KB {t_big*1000:7.2f} ms  x{ratio:4.1f} "
              f"{'ok' if good else 'FAIL'}")
    return ok


def bench_compress() -> bool:
    from kompress.compressor import Compressor

    comp = Compressor.load()
    log = "".join(f"2024-06-18 05:29:{i % 60:02d} INFO [svc.http] GET /api/v1/items/{i} 200 {i % 97}ms\n"
                  for i in range(1400))[:100_000]
    comp.compress(log[:5000])  # warm-up
    base = _time(comp.compress, log)
    ok = True
    for name, text in [("letters", "abcdefghijklmnopqrstuvwxyz" * 3850), ("one-line-spaces", "word " * 20000),
                       ("nested-json", "[" * 50_000 + "1" + "]" * 50_000), ("dots", "a." * 50_000)]:
        t = _time(comp.compress, text)
        good = t <= 2 * base
        ok &= good
        print(f"compress 100KB {name:16s} {t:6.2f} s vs log {base:6.2f} s  x{t / base:4.2f} {'ok' if good else 'FAIL'}")
    return ok


if __name__ == "__main__":
    results = [bench_mustkeep()]
    if "--no-model" not in sys.argv:
        results.append(bench_compress())
    sys.exit(0 if all(results) else 1)
