"""Tables nobody here wrote: does kompress keep what a table says at a small budget?

    .venv/bin/python benchmarks/bench_tables.py [--out benchmarks/tables_results.json]

Sources (``benchmarks/tables/data``, captured on this machine): ``dpkg -l``, ``pip list -v``,
three ``psql`` queries of a fresh PostgreSQL 15 cluster (``pg_settings``, ``pg_type``,
``pg_tables``), and distro-info's ``debian.csv`` and ``ubuntu.csv``. Questions, from each table's
own cells, not from kompress's table frame:

* **header**: the line naming the columns survives whole;
* **rare values**: for every column of at most 20 distinct values (and at most half as many as
  rows: its values repeat), every value held by under 10% of the rows (an ``rc`` package, an ``i386`` one, a ``postmaster`` setting): some row
  holding it survives whole;
* **line fidelity**: output lines that are input lines (markers aside).

Every baseline keeps whole lines up to kompress's budget (words of kept lines): the first lines,
the last lines, random lines (seeded), and the domain-rule teacher at its own budget.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "tables" / "data"
OUT = HERE / "tables_results.json"
#: The header line of each source (its index in the file).
HEADERS = {"dpkg_l.txt": 3, "pip_list_v.txt": 0, "psql_pg_settings.txt": 0, "psql_pg_type.txt": 0,
           "psql_pg_tables.txt": 0, "debian.csv": 0, "ubuntu.csv": 0}
MARKER = re.compile(r"^\[\.\.\. \d+ (?:more )?lines?(?: omitted| like)\b.* \.\.\.\]$")
FEW_VALUES = 20
RARE_SHARE = 0.10


def questions(lines: list[str], header: int) -> list[tuple[int, str, list[int]]]:
    """(column, rare value, the rows holding it) of the table in ``lines``."""
    from kompress.structure.tables import cells_of, find_table

    table = find_table(lines)
    if table is None:
        return []
    rows = [(i, c) for i, c in zip(table.rows, table.cells) if i != header]
    out = []
    for j in range(table.width):
        counts = Counter(c[j] for _, c in rows)
        if len(counts) > min(FEW_VALUES, len(rows) // 2) or len(counts) < 2:
            continue  # a column of few values repeats them (a release date per row is no category)
        for value, k in sorted(counts.items()):
            if k < RARE_SHARE * len(rows):
                out.append((j, value, [i for i, c in rows if c[j] == value]))
    assert all(cells_of(lines[i], table.delim) for _, _, r in out for i in r)
    return out


def words(line: str) -> int:
    return len(line.split())


def kept_lines(output: str, lines: list[str]) -> tuple[set[int], float, float]:
    """Indices of input lines present whole in ``output`` (in order), word keep, fidelity."""
    out = [x for x in output.split("\n") if x.strip() and not MARKER.match(x)]
    kept, j = set(), 0
    for x in out:
        while j < len(lines) and lines[j] != x:
            j += 1
        if j < len(lines):
            kept.add(j)
            j += 1
    total = sum(words(x) for x in lines) or 1
    fidelity = sum(x in set(lines) for x in out) / len(out) if out else 1.0
    return kept, sum(words(lines[i]) for i in kept) / total, fidelity


def fill(order: list[int], lines: list[str], budget: int) -> set[int]:
    kept, used = set(), 0
    for i in order:
        if not lines[i].strip():
            continue
        if used and used + words(lines[i]) > budget:
            continue
        kept.add(i)
        used += words(lines[i])
    return kept


def score(kept: set[int], header: int, qs: list[tuple[int, str, list[int]]]) -> dict[str, float]:
    return {"header": float(header in kept),
            "rare": sum(any(i in kept for i in rows) for _, _, rows in qs) / len(qs) if qs else 1.0}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    from kompress import Compressor
    from kompress.evaluation.baselines import load_rule_compressor

    comp = Compressor.load()
    rule, why = load_rule_compressor()
    if rule is None:
        print(why, file=sys.stderr)
    res: dict[str, dict] = {}
    for path in sorted(DATA.iterdir()):
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")
        header = HEADERS[path.name]
        qs = questions(lines, header)
        r = comp.compress(text)
        kept, wk, fid = kept_lines(r.text, lines)
        budget = sum(words(lines[i]) for i in kept)
        n = len(lines)
        systems = {"kompress": (kept, wk, fid)}
        rng = random.Random(path.name)
        order = list(range(n))
        rng.shuffle(order)
        for name, o in (("first lines", list(range(n))), ("last lines", list(range(n))[::-1]), ("random lines", order)):
            k = fill(o, lines, budget)
            systems[name] = (k, sum(words(lines[i]) for i in k) / (sum(map(words, lines)) or 1), 1.0)
        if rule is not None:
            systems["rule teacher (own budget)"] = kept_lines(rule.compress(text).text, lines)
        res[path.name] = {"lines": n, "questions": len(qs), "domain": r.domain,
                          **{s: {**score(k, header, qs), "word_keep": round(w, 3), "fidelity": round(f, 3)}
                             for s, (k, w, f) in systems.items()}}
    names = [s for s in next(iter(res.values())) if isinstance(next(iter(res.values()))[s], dict)]
    mean = {s: {m: round(sum(v[s][m] for v in res.values()) / len(res), 3)
                for m in ("header", "rare", "word_keep", "fidelity")} for s in names}
    print("| source | lines | rare-value questions | domain | kompress header / rare / word keep |"
          " first lines rare | last lines rare | random lines rare | rule teacher rare / word keep |")
    print("|---|---|---|---|---|---|---|---|---|")
    for src, v in res.items():
        t = v.get("rule teacher (own budget)", {})
        print(f"| {src} | {v['lines']} | {v['questions']} | {v['domain']} | {v['kompress']['header']:.0f} / "
              f"{v['kompress']['rare']:.2f} / {v['kompress']['word_keep']:.3f} | {v['first lines']['rare']:.2f} | "
              f"{v['last lines']['rare']:.2f} | {v['random lines']['rare']:.2f} | "
              f"{t.get('rare', float('nan')):.2f} / {t.get('word_keep', float('nan')):.3f} |")
    print("\n| system | header kept | rare values kept | word keep | line fidelity |\n|---|---|---|---|---|")
    for s, m in mean.items():
        print(f"| {s} | {m['header']:.2f} | {m['rare']:.3f} | {m['word_keep']:.3f} | {m['fidelity']:.3f} |")
    Path(args.out).write_text(json.dumps({"sources": res, "mean": mean}, indent=1) + "\n")
    print(f"\n-> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
