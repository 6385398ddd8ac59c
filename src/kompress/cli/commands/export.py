"""``kompress export``: ONNX fp32 (+ optional int8) of a model folder, parity-checked (stage 4)."""

from __future__ import annotations

import argparse
from pathlib import Path

from kompress.cli.errors import CliError
from kompress.modeling.release import MAX_FP32_DIFF, MIN_FP32_AGREEMENT, ParityError, export_folder

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


def run(args: argparse.Namespace) -> int:
    from kompress.modeling.hub import HubError, check_hub, push_folder

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
    try:
        report = export_folder(model_dir, args.int8, texts)
    except ParityError as e:
        raise CliError(str(e)) from e
    for kind, r in report.items():
        print(f"{kind}: {model_dir / r['path']} ({r['mb']} MB)  max|torch-onnx| = {r['max_abs_diff']:.2e}  "
              f"kept-word agreement = {r['word_agreement']:.4f} over {r['words']} words")
    if args.push_to_hub:
        print(f"uploaded to {push_folder(model_dir, args.push_to_hub, token)}")
    return 0
