"""Leave-families-out evaluation: train without some source families, evaluate on them.

    python scripts/leave_families_out.py --data runs/v7/data --out runs/lofo          # ~30 min on 2 cores
    python scripts/leave_families_out.py --data runs/v7/data --out runs/lofo --split-only

A *family* is the program that produced an item (``source`` ``corpus:git-grep/...`` ->
``git-grep``). The held-out families (``--hold``; default: one per domain that has two or more,
this project's first fold) are removed from train and val; the model is trained as the shipped
one (``kompress train --encoder-layers 3``, 600k labelled tokens, seed 0), takes the shipped
decision policy (granularity, tail, line score), is calibrated on the in-family val split only,
and is evaluated on the held-out families' test items (out-of-family) and on the others
(in-family), beside the shipped model (which saw every family) and the baselines ``kompress
eval`` reports at the same word budget (last lines, random lines, random words, the rule
teacher). Prints one table per domain.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

#: This project's first fold: one family per domain with two or more (the domain keeps the others).
DEFAULT_HOLD = ("pip-list", "find", "git-grep", "valgrind-crash", "javac", "node-traceback", "unittest")
SHIPPED = Path(__file__).resolve().parents[1] / "src" / "kompress" / "default_model"
POLICY_KEYS = ("granularity", "tail_lines", "line_score", "novelty", "coverage_floor", "domain_prefixes")


def family(source: str) -> str:
    """``corpus:git-grep/kompress`` -> ``git-grep``."""
    return source.split(":", 1)[-1].split("/", 1)[0]


def split_files(data: Path, out: Path, hold: set[str]) -> dict[str, dict[str, int]]:
    """Write ``{split}_in.jsonl`` and ``{split}_out.jsonl`` for train, val and test; returns counts."""
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, dict[str, int]] = {}
    for split in ("train", "val", "test"):
        n = {"in": 0, "out": 0}
        with open(data / f"{split}.jsonl", encoding="utf-8") as f, \
                open(out / f"{split}_in.jsonl", "w", encoding="utf-8") as fi, \
                open(out / f"{split}_out.jsonl", "w", encoding="utf-8") as fo:
            for line in f:
                side = "out" if family(json.loads(line)["source"]) in hold else "in"
                (fo if side == "out" else fi).write(line)
                n[side] += 1
        counts[split] = n
    return counts


def _run(*args: str) -> None:
    print("+", " ".join(args), flush=True)
    subprocess.run(args, check=True)


def table(out: Path) -> str:
    """Per-domain answer survival @ word keep of every run, with the baselines."""
    rows = ["| test items | model | domain | kompress | last lines | random lines | rule teacher |", "|---|---|---|---|---|---|---|"]
    for side in ("out", "in"):
        for who in ("lofo", "ship"):
            path = out / f"eval_{who}_{side}" / "eval.json"
            if not path.exists():
                continue
            sy = json.loads(path.read_text())["systems"]
            doms = ["overall", *sorted(sy["model"]["per_domain"])]
            for d in doms:
                get = (lambda s: sy[s]["overall"]) if d == "overall" else (lambda s: sy[s]["per_domain"][d])  # noqa: E731
                cell = lambda s: f"{get(s)['answer_survival']:.3f} @ {get(s)['word_keep_rate']:.3f}"  # noqa: E731
                rows.append(f"| {'held-out families' if side == 'out' else 'in-family'} | "
                            f"{'trained without them' if who == 'lofo' else 'shipped'} | {d} | {cell('model')} | "
                            f"{cell('last_lines')} | {cell('random_lines')} | {cell('rules')} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, required=True, help="folder with train/val/test.jsonl (kompress data build)")
    p.add_argument("--out", type=Path, required=True, help="run folder")
    p.add_argument("--hold", default=",".join(DEFAULT_HOLD), help="comma list of families to hold out")
    p.add_argument("--split-only", action="store_true", help="write the split files and stop")
    args = p.parse_args(argv)
    hold = {h.strip() for h in args.hold.split(",") if h.strip()}
    counts = split_files(args.data, args.out, hold)
    print(json.dumps({"hold": sorted(hold), "items": counts}))
    if args.split_only:
        return 0
    bin_dir = Path(sys.executable).parent
    k = str(bin_dir / "kompress")
    model = args.out / "l3" / "model"
    _run(k, "train", "--data", str(args.out / "train_in.jsonl"), str(args.out / "val_in.jsonl"), "--out",
         str(args.out / "l3"), "--encoder-layers", "3", "--max-train-tokens", "600000", "--seed", "0", "--quiet")
    ship = json.loads((SHIPPED / "config.json").read_text())
    cfg = json.loads((model / "config.json").read_text())
    cfg.update({key: ship[key] for key in POLICY_KEYS if key in ship})
    (model / "config.json").write_text(json.dumps(cfg, indent=2))
    _run(k, "calibrate", "--model", str(model), "--data", str(args.out / "val_in.jsonl"), "--write")
    for side in ("out", "in"):
        data = str(args.out / f"test_{side}.jsonl")
        _run(k, "eval", "--model", str(model), "--data", data, "--sim-model", "none", "--no-sweep", "--out",
             str(args.out / f"eval_lofo_{side}"))
        _run(k, "eval", "--data", data, "--sim-model", "none", "--no-sweep", "--out", str(args.out / f"eval_ship_{side}"))
    print(table(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
