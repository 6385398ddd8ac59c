"""Copy a trained model folder into the package as the default model, with the chosen
decision settings and its int8 ONNX graph less the tensors it shares with the backbone
(``onnx/model.int8.onnx``, ~6 MB; see :mod:`kompress.scoring.onnx_cache`), so a plain
install (no torch) compresses on an empty cache. Needs torch and onnx (the ``train`` and
``export`` extras) to build that graph.

    .venv/bin/python scripts/ship_model.py --onnx-only   # rebuild the graph of the shipped model

    .venv/bin/python scripts/ship_model.py runs/v2/train/model --threshold 0.5 \\
        --eval-fp32 runs/v2/eval/eval.json --eval-int8 runs/v2/eval-int8/eval.json

With both eval reports, ``Compressor.load()``'s ``auto`` backend uses int8 only when its
answer survival and exact_keep_pct are within 0.5 points of fp32 on the same test split.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

DEST = Path(__file__).resolve().parent.parent / "src" / "kompress" / "default_model"
INT8_TOLERANCE = 0.005  # the rule: within 0.5 points of fp32
_CHECKED = ("answer_survival", "exact_keep_pct")


def int8_check(fp32_report: Path, int8_report: Path) -> dict:
    """Compare the guarded model's overall figures of two eval reports of the same data."""
    a, b = (json.loads(p.read_text()) for p in (fp32_report, int8_report))
    if a["data"] != b["data"] or a["items"] != b["items"]:
        raise SystemExit(f"{fp32_report} and {int8_report} evaluate different data")
    fa, fb = a["systems"]["model"]["overall"], b["systems"]["model"]["overall"]
    deltas = {k: round(fb[k] - fa[k], 4) for k in _CHECKED}
    return {"fp32": {k: fa[k] for k in _CHECKED}, "int8": {k: fb[k] for k in _CHECKED}, "delta": deltas,
            "backends": [a.get("backend"), b.get("backend")],
            "ok": all(d >= -INT8_TOLERANCE for d in deltas.values())}  # int8 may be better


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", type=Path, nargs="?")
    ap.add_argument("--onnx-only", action="store_true", help="only (re)build the shipped model's ONNX graph")
    ap.add_argument("--threshold", type=float, help="global threshold (default: keep the model's; calibrated "
                    "per-domain thresholds in its config win for their domains)")
    ap.add_argument("--line-score", help="line granularity's score: mean, max or topK (default: keep the model's)")
    ap.add_argument("--eval-fp32", type=Path, help="eval.json of the fp32 model (ONNX or torch)")
    ap.add_argument("--eval-int8", type=Path, help="eval.json of the int8 ONNX model on the same data")
    args = ap.parse_args()
    if args.onnx_only:
        ship_graph()
        return
    if args.model is None:
        ap.error("give a model folder (or --onnx-only)")
    if not (args.model / "config.json").is_file():
        raise SystemExit(f"{args.model}: not a Kompress model folder")
    check = int8_check(args.eval_fp32, args.eval_int8) if args.eval_fp32 and args.eval_int8 else None
    if DEST.exists():
        shutil.rmtree(DEST)
    shutil.copytree(args.model, DEST, ignore=shutil.ignore_patterns("*.onnx", "*.onnx.tmp", "checkpoints", "onnx"))
    cfg = json.loads((DEST / "config.json").read_text())
    if args.threshold is not None:
        cfg["threshold"] = args.threshold
    if args.line_score:
        cfg["line_score"] = args.line_score
    if check is not None:
        cfg.setdefault("extra", {})["int8_check"] = check
        cfg["extra"]["int8_ok"] = check["ok"]
    (DEST / "config.json").write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    print(f"shipped {args.model} -> {DEST} (threshold {cfg['threshold']}, per domain {cfg.get('domain_thresholds') or 'none'}"
          + (f", int8 {'validated' if check['ok'] else 'rejected'}: {check['delta']}" if check else "") + ")")
    ship_graph()


def ship_graph() -> None:
    """Build ``DEST/onnx/model.int8.onnx`` and check it scores exactly as the whole graph."""
    from kompress.modeling.release import ship_onnx

    r = ship_onnx(DEST)
    print(f"shipped {r['path']} ({r['mb']} MB; whole graph {r['whole_mb']} MB; from the backbone: "
          f"{', '.join(r['shared'])}; identical scores on {r['identical_words']} words)")


if __name__ == "__main__":
    main()
