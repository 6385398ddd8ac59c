"""Copy a trained model folder into the package as the default model (no ONNX files:
they are rebuilt on first use into the cache), with the chosen threshold.

    .venv/bin/python scripts/ship_model.py runs/v1/model --threshold 0.4
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

DEST = Path(__file__).resolve().parent.parent / "src" / "kompress" / "default_model"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", type=Path)
    ap.add_argument("--threshold", type=float, required=True)
    args = ap.parse_args()
    if not (args.model / "config.json").is_file():
        raise SystemExit(f"{args.model}: not a Kompress model folder")
    if DEST.exists():
        shutil.rmtree(DEST)
    shutil.copytree(args.model, DEST, ignore=shutil.ignore_patterns("*.onnx", "*.onnx.tmp", "checkpoints"))
    cfg = json.loads((DEST / "config.json").read_text())
    cfg["threshold"] = args.threshold
    (DEST / "config.json").write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    print(f"shipped {args.model} -> {DEST} (threshold {args.threshold})")


if __name__ == "__main__":
    main()
