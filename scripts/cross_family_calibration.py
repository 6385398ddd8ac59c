"""Thresholds chosen on families the model never saw (issue #19), and whether they transfer.

    python scripts/cross_family_calibration.py --folds runs/lofo runs/lofo2 [--out FILE.json]

Each fold folder is one run of ``scripts/leave_families_out.py`` (its model in ``l3/model``,
``val_out.jsonl`` / ``test_out.jsonl``: the held-out families' items). In-family calibration
(``kompress calibrate`` on the val split) picks per-domain thresholds where the model has seen
the programs; out of family its scores are less sure, and a threshold that keeps 0.95 of the
answers in family can keep 0.68 of a new program's (valgrind). Here the thresholds are chosen
the same way (:func:`kompress.evaluation.calibrate.choose_thresholds`) on the *held-out*
families' val items, scored by the fold model that never saw them.

Cross-fitted check: the thresholds from one fold's held-out val are applied to the other fold's
model on its held-out test items (other families again: neither the model nor the thresholds
saw them), beside that model's in-family thresholds and the baselines at the same budget. The
pooled thresholds (all folds' held-out val) are what a shipped model would take for the domains
the folds cover.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from kompress.compressor import Compressor
from kompress.evaluation.calibrate import DomainCurve, choose_thresholds, domain_curves, score_items
from kompress.evaluation.evaluate import evaluate
from kompress.evaluation.items import load_examples


def _curves(fold: Path) -> tuple[Compressor, dict[str, DomainCurve]]:
    comp = Compressor.load(fold / "l3" / "model")
    scored = score_items(comp, load_examples(fold / "val_out.jsonl"), progress=True)
    return comp, domain_curves(comp, (), scored=scored)


def _pool(curves: list[dict[str, DomainCurve]]) -> dict[str, DomainCurve]:
    out: dict[str, DomainCurve] = {}
    for cs in curves:
        for d, c in cs.items():
            if d not in out:
                out[d] = dataclasses.replace(c, answered=c.answered.copy(), teacher_kept=c.teacher_kept.copy(),
                                             kept=c.kept.copy())
                continue
            p = out[d]
            p.answered += c.answered
            p.teacher_kept += c.teacher_kept
            p.kept += c.kept
            p.questions += c.questions
            p.items += c.items
            p.teacher_words += c.teacher_words
            p.words += c.words
    return out


def _thresholds(curves: dict[str, DomainCurve]) -> dict[str, float]:
    return {d: c.threshold for d, c in choose_thresholds(curves).items() if c.threshold is not None}


def _row(report: dict, system: str, domain: str | None = None) -> str:
    v = report["systems"][system]["overall" if domain is None else "per_domain"]
    v = v if domain is None else v.get(domain)
    if not v or v.get("answer_survival") is None:
        return "n/a"
    return f"{v['answer_survival']:.3f} @ {v['word_keep_rate']:.3f}"


def _evaluate(comp: Compressor, items: list, thresholds: dict[str, float] | None) -> dict:
    saved = comp.policy
    if thresholds is not None:
        comp.policy = dataclasses.replace(saved, domain_thresholds={**saved.domain_thresholds, **thresholds})
    try:
        return evaluate(comp, items, sweep=None, html_items=0).report
    finally:
        comp.policy = saved


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--folds", nargs="+", type=Path, required=True, help="leave_families_out.py output folders")
    p.add_argument("--out", type=Path, help="write the thresholds and results here (JSON)")
    args = p.parse_args(argv)
    for f in args.folds:
        for need in ("l3/model", "val_out.jsonl", "test_out.jsonl"):
            if not (f / need).exists():
                p.error(f"{f / need}: missing; run scripts/leave_families_out.py --out {f} first")
    comps, curves = zip(*(_curves(f) for f in args.folds))
    own = [_thresholds(c) for c in curves]
    pooled = _thresholds(_pool(list(curves)))
    result: dict = {"folds": [str(f) for f in args.folds], "per_fold_out_of_family_thresholds": own,
                    "pooled": pooled, "cross": []}
    print("out-of-family thresholds per fold:", *own, sep="\n  ")
    print("pooled:", pooled)
    lines = ["| model (fold) | thresholds | overall | " + " | ".join(["last lines", "random lines", "rule teacher"]) + " |",
             "|---|---|---|---|---|---|"]
    for i, (fold, comp) in enumerate(zip(args.folds, comps)):
        others = [own[j] for j in range(len(own)) if j != i]
        other = _thresholds(_pool([curves[j] for j in range(len(curves)) if j != i])) if others else None
        items = load_examples(fold / "test_out.jsonl")
        for name, thr in (("in-family (its own)", None), ("other folds' held-out val", other)):
            rep = _evaluate(comp, items, thr)
            per = {d: _row(rep, "model", d) for d in sorted(rep["systems"]["model"]["per_domain"])}
            result["cross"].append({"fold": str(fold), "thresholds": name, "applied": thr,
                                    "overall": _row(rep, "model"), "per_domain": per,
                                    "last_lines": _row(rep, "last_lines"), "random_lines": _row(rep, "random_lines"),
                                    "rules": _row(rep, "rules")})
            lines.append(f"| {fold.name} | {name} | {_row(rep, 'model')} | {_row(rep, 'last_lines')} | "
                         f"{_row(rep, 'random_lines')} | {_row(rep, 'rules')} |")
            print(f"{fold.name} {name}: " + ", ".join(f"{d} {v}" for d, v in per.items()), flush=True)
    print("\n".join(lines))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
