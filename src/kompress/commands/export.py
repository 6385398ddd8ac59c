"""``kompress export``: ONNX fp32 (+ optional int8) of a model folder, parity-checked (stage 4)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import CliError

#: fp32 must match torch closely; int8 changes scores by design, so only report it.
MAX_FP32_DIFF = 1e-3
MIN_FP32_AGREEMENT = 0.999


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="export a model folder to ONNX with a parity check (stage 4)",
        description="Export the whole dual-head model (LoRA merged) to MODEL/model.onnx with dynamic batch "
        "and length, then compare ONNX Runtime with torch on the shipped samples: max abs diff of word "
        f"scores must be <= {MAX_FP32_DIFF} and kept-word agreement >= {MIN_FP32_AGREEMENT}.",
    )
    p.add_argument("--model", required=True, metavar="DIR", help="Kompress model folder")
    p.add_argument("--int8", action="store_true", help="also write model.int8.onnx (dynamic quantisation)")
    p.add_argument("--texts", nargs="*", help="files for the parity check (default: samples/*.txt)")
    p.add_argument("--push-to-hub", metavar="REPO", help="upload the folder (with ONNX) to this hub repo")
    p.add_argument("--hf-token", help="hub token (default: $HF_TOKEN)")
    p.set_defaults(func=run)


def default_parity_texts() -> list[str]:
    here = Path(__file__).resolve().parents[3] / "samples"
    texts = [p.read_text() for p in sorted(here.glob("*.txt"))] if here.is_dir() else []
    # Also a long input, so padded multi-window batches are compared too.
    return texts + ["\n".join(texts) * 3] if texts else ["ERROR: disk /dev/sda1 is full (99%)\n" * 50]


def export_folder(model_dir: Path, int8: bool = False, texts: list[str] | None = None) -> dict:
    """Export + parity check; returns the figures (also written to export.json)."""
    from ..export import check_parity, export_onnx, quantize_int8
    from ..model import KompressModel

    fp32 = export_onnx(KompressModel.from_pretrained(model_dir), model_dir / "model.onnx")
    texts = texts or default_parity_texts()
    report = {"fp32": {"path": fp32.name, "mb": round(fp32.stat().st_size / 2**20, 1), **check_parity(model_dir, fp32, texts)}}
    if report["fp32"]["max_abs_diff"] > MAX_FP32_DIFF or report["fp32"]["word_agreement"] < MIN_FP32_AGREEMENT:
        fp32.unlink()
        raise CliError(f"ONNX parity check failed: {report['fp32']} (limits: diff <= {MAX_FP32_DIFF}, "
                       f"agreement >= {MIN_FP32_AGREEMENT}); model.onnx removed")
    if int8:
        q = quantize_int8(fp32, model_dir / "model.int8.onnx")
        report["int8"] = {"path": q.name, "mb": round(q.stat().st_size / 2**20, 1), **check_parity(model_dir, q, texts)}
    (model_dir / "export.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def run(args: argparse.Namespace) -> int:
    from ..hub import HubError, check_hub, push_folder

    model_dir = Path(args.model)
    if not (model_dir / "config.json").is_file():
        raise CliError(f"{model_dir}: not a Kompress model folder (no config.json)")
    token = None
    if args.push_to_hub:
        try:
            token = check_hub(args.hf_token)  # before any work: fail fast offline
        except HubError as e:
            raise CliError(str(e)) from e
    texts = [Path(t).read_text(errors="replace") for t in args.texts] if args.texts else None
    report = export_folder(model_dir, args.int8, texts)
    for kind, r in report.items():
        print(f"{kind}: {model_dir / r['path']} ({r['mb']} MB)  max|torch-onnx| = {r['max_abs_diff']:.2e}  "
              f"kept-word agreement = {r['word_agreement']:.4f} over {r['words']} words")
    if args.push_to_hub:
        print(f"uploaded to {push_folder(model_dir, args.push_to_hub, token)}")
    return 0
