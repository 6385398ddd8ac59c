"""Real-log benchmark (issue #23): does a compressor keep every distinct event of a log?

Logs in benchmarks/logs/data/ were produced on this machine by real programs (see
benchmarks/logs/README.md). Each log is cut into consecutive 200-line windows (at most
``--max-windows`` per log, spread evenly, the tail always included); each window is compressed on
its own and scored (benchmarks/logs/metric.py) against event types assigned independently of the
compressor (benchmarks/logs/events.py). Baselines get the same word budget per window as the
system: random line drop (mean of seeds), last-N lines; the first-line-per-type ideal is reported
at its own word keep.

    .venv/bin/python benchmarks/bench_logs.py [--rate R|default[,R...]] [--out FILE.json]
        [--loghub DIR]   # evaluation only: DIR/<System>/<System>_2k.log(_structured.csv), not committed

Any ``text -> text`` callable can be measured with :func:`run`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from typing import Callable

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "logs"))

from events import assign_types, is_alert, mask  # noqa: E402
from metric import Counts, first_per_type, last_n, random_drop, score_window  # noqa: E402

DATA = os.path.join(HERE, "logs", "data")
METRICS = ["words_out", "word_keep", "types_kept", "once_kept", "alert_kept", "line_fidelity", "types_shown", "marker_words"]


class Source:
    def __init__(self, name: str, lines: list[str], types: list[str], heads: list[bool], alert: dict[str, bool]):
        self.name, self.lines, self.types, self.heads, self.alert = name, lines, types, heads, alert


def load_sources(data_dir: str = DATA, only: list[str] | None = None) -> list[Source]:
    out = []
    for fn in sorted(os.listdir(data_dir)):
        if not fn.endswith(".log"):
            continue
        name = fn[:-4]
        if only and name not in only:
            continue
        with open(os.path.join(data_dir, fn), encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        t = assign_types(lines, name)
        out.append(Source(name, lines, t.types, t.heads, t.alert))
    return out


def load_loghub(root: str) -> list[Source]:
    """LogHub 2k samples, typed by their own ground-truth EventId (and Level where present)."""
    out = []
    for system in sorted(os.listdir(root)):
        d = os.path.join(root, system)
        log = os.path.join(d, f"{system}_2k.log")
        struct = log + "_structured.csv"
        if not (os.path.isfile(log) and os.path.isfile(struct)):
            continue
        with open(log, encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        with open(struct, encoding="utf-8", errors="replace", newline="") as f:
            rows = list(csv.DictReader(f))
        if len(rows) != len(lines):
            print(f"skip loghub {system}: {len(rows)} rows vs {len(lines)} lines", file=sys.stderr)
            continue
        types, alert = [], {}
        for r in rows:
            t = r["EventId"]
            types.append(t)
            alert[t] = alert.get(t, False) or is_alert(r.get("Level"), mask(r.get("EventTemplate", "")))
        out.append(Source("loghub/" + system, lines, types, [True] * len(lines), alert))
    return out


def windows(n: int, size: int, max_windows: int) -> list[tuple[int, int]]:
    starts = list(range(0, n, size))
    ws = [(s, min(n, s + size)) for s in starts]
    if len(ws) > 1 and ws[-1][1] - ws[-1][0] < size // 2:  # merge a short tail into a full tail window
        ws[-1] = (max(0, n - size), n)
    if max_windows and len(ws) > max_windows:
        pick = sorted({round(i * (len(ws) - 1) / (max_windows - 1)) for i in range(max_windows)}) if max_windows > 1 else [len(ws) - 1]
        ws = [ws[i] for i in pick]
    return ws


SYSTEMS = ["system", "rule_teacher", "random", "last_n", "first_per_type"]


def run(compress: Callable[[str], str], sources: list[Source], window: int = 200, max_windows: int = 4,
        seeds: int = 3, verbose: bool = True, teacher: Callable[[str], str] | None = None) -> dict:
    """Score ``compress`` and the baselines (and ``teacher``, the domain-rule teacher at its own
    budget, when given) on every window; returns {system: {source: summary}}."""
    systems = [s for s in SYSTEMS if s != "rule_teacher" or teacher is not None]
    res: dict[str, dict[str, Counts]] = {s: {} for s in systems}
    t_sys = 0.0
    domains: dict[str, dict[str, int]] = {}
    for src in sources:
        acc = {s: Counts() for s in systems}
        dom = domains.setdefault(src.name, {})
        for a, b in windows(len(src.lines), window, max_windows):
            L, T, H = src.lines[a:b], src.types[a:b], src.heads[a:b]
            text = "\n".join(L)
            t0 = time.time()
            out = compress(text)
            t_sys += time.time() - t0
            d = getattr(compress, "last_domain", None)  # optional: what the system detected
            if d is not None:
                dom[d] = dom.get(d, 0) + 1
            c = score_window(L, T, H, src.alert, out)
            acc["system"].add(c)
            budget = c.kept_words + c.partial_words + c.other_words
            for s in range(seeds):
                acc["random"].add(score_window(L, T, H, src.alert, random_drop(L, budget, s)))
            acc["last_n"].add(score_window(L, T, H, src.alert, last_n(L, budget)))
            acc["first_per_type"].add(score_window(L, T, H, src.alert, first_per_type(L, T, H)))
            if teacher is not None:
                acc["rule_teacher"].add(score_window(L, T, H, src.alert, teacher(text)))
        for s in systems:
            res[s][src.name] = acc[s]
        if verbose:
            print(f"  {src.name}: {acc['system'].windows} windows, system word keep "
                  f"{acc['system'].summary()['word_keep']:.2f}, domains {dom}", file=sys.stderr)
    out = {s: {k: v.summary() for k, v in res[s].items()} for s in systems}
    for s in systems:
        per = list(out[s].values())
        out[s]["MEAN"] = {m: sum(p[m] for p in per) / len(per) for m in METRICS} if per else {}
    out["_seconds_system"] = round(t_sys, 1)
    out["_domains"] = domains
    return out


def table(res: dict, title: str) -> str:
    names = [k for k in res["system"] if k != "MEAN"]
    cols = ["words out", "word keep", "types kept", "once kept", "alert kept", "line fidelity", "types shown*"]
    keys = ["words_out", "word_keep", "types_kept", "once_kept", "alert_kept", "line_fidelity", "types_shown"]
    lab = {"system": "compressor", "rule_teacher": "rule teacher (own budget)", "random": "random drop",
           "last_n": "last-N", "first_per_type": "first/type ideal"}
    rows = [f"### {title}", "", "| source | system | " + " | ".join(cols) + " |", "|---|---|" + "---:|" * len(cols)]
    for n in names + ["MEAN"]:
        for s in [s for s in SYSTEMS if s in res]:
            r = res[s][n]
            extra = f" ({r['lines']} lines; types/once/alert over windows: {r['types']}/{r['once']}/{r['alert']})" if s == "system" and n != "MEAN" else ""
            rows.append(f"| {n if s == 'system' else ''}{extra} | {lab[s]} | " + " | ".join(f"{r[k]:.2f}" for k in keys) + " |")
    rows.append("")
    rows.append("words out: non-marker output words / input words (the budget the baselines get); word keep: words of "
                "output lines that are whole input lines / input words. *types shown: also counts lines present with "
                "words dropped inside them (not whole lines). MEAN: unweighted mean over sources.")
    return "\n".join(rows)


def rule_teacher() -> Callable[[str], str] | None:
    """The domain-rule teacher as a text -> text callable (None, with a message, when unavailable)."""
    from kompress.evaluation.baselines import load_rule_compressor

    rule, why = load_rule_compressor()
    if rule is None:
        print(why, file=sys.stderr)
        return None
    return lambda text: rule.compress(text).text


class KompressFn:
    """The shipped compressor as a text -> text callable; remembers the detected domain."""

    def __init__(self, rate: float | None):
        from kompress import Compressor

        self.c, self.rate, self.last_domain = Compressor.load(), rate, None

    def __call__(self, text: str) -> str:
        r = self.c.compress(text) if self.rate is None else self.c.compress(text, rate=self.rate)
        self.last_domain = r.domain
        return r.text


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rate", default="default", help="'default' or a float, or a comma list (e.g. default,0.3)")
    p.add_argument("--out", help="write JSON results here")
    p.add_argument("--data", default=DATA)
    p.add_argument("--sources", help="comma list of source names (default: all)")
    p.add_argument("--window", type=int, default=200)
    p.add_argument("--max-windows", type=int, default=4, help="per log, spread evenly, tail included (0: all)")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--loghub", help="LogHub checkout (evaluation only; never copied into the repo)")
    p.add_argument("--no-real", action="store_true", help="with --loghub: skip the collected logs")
    a = p.parse_args(argv)
    sources = [] if a.no_real else load_sources(a.data, a.sources.split(",") if a.sources else None)
    if a.loghub:
        sources += load_loghub(a.loghub)
    results = {}
    teacher = rule_teacher()
    for r in a.rate.split(","):
        rate = None if r.strip() == "default" else float(r)
        label = f"rate={r.strip()}"
        print(f"{label}:", file=sys.stderr)
        res = run(KompressFn(rate), sources, a.window, a.max_windows, a.seeds, teacher=teacher)
        results[label] = res
        print(table(res, f"{label} (compressor took {res['_seconds_system']}s)"))
        print()
    if a.out:
        with open(a.out, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
