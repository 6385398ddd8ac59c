"""``kompress pipeline``: build data -> fine-tune -> eval -> ONNX export (+ upload)."""

from __future__ import annotations

import argparse

from kompress.cli.errors import CliError
from kompress.cli.commands._common import unit_float
from kompress.cli.commands.train import add_train_options, config_from_args

STAGES = ("data", "train", "eval", "export")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "pipeline",
        help="the four stages in one run folder (data, train, eval, export)",
        description="=== 1/4 Build data === 2/4 Fine-tune === 3/4 Eval === 4/4 ONNX export (+ upload) ===. "
        "Artifacts go to one run folder; a stage whose output is complete is skipped, so rerunning the "
        "same command resumes (training resumes from its last epoch checkpoint).",
    )
    p.add_argument("--run-dir", default="runs/default", help="run folder (default runs/default)")
    p.add_argument("--scale", type=float, default=1.0, help="corpus size factor for stage 1 (1.0 = ~3000 items)")
    p.add_argument("--families", type=lambda v: [x for x in v.split(",") if x], help="only these corpus families")
    p.add_argument("--data", dest="data_dir", metavar="DIR", help="use existing labelled data (train/val/test.jsonl)")
    p.add_argument("--data-from-log", metavar="URL", help="also train on the proxy's logged pairs (dogfood loop)")
    p.add_argument("--eval-limit", type=int, help="evaluate on the first N test items only")
    p.add_argument("--sim-model", default="default", help="sentence model for sem_sim ('none' to skip)")
    p.add_argument("--min-answer", type=unit_float("--min-answer", low_open=True), default=0.98, metavar="A",
                   help="after training, pick a threshold per domain on the val split: the fewest words kept with "
                   "answer survival >= A overall and >= 0.95 per domain (default 0.98; see `kompress calibrate`)")
    p.add_argument("--no-calibrate", dest="min_answer", action="store_const", const=None,
                   help="keep one global threshold for every domain")
    p.add_argument("--max-word-keep", type=unit_float("--max-word-keep", low_open=True), default=0.60, metavar="W",
                   help="then pick the novelty rate on the val split: the lowest whose word keep stays <= W, so "
                   "dropped lines carrying values not kept yet come back (default 0.60)")
    p.add_argument("--no-novelty", dest="max_word_keep", action="store_const", const=None,
                   help="leave novelty off")
    p.add_argument("--int8", action="store_true", help="also export and check an int8 ONNX model")
    p.add_argument("--push-to-hub", metavar="REPO", help="upload the final model folder to this hub repo")
    p.add_argument("--hf-token", help="hub token (default: $HF_TOKEN)")
    p.add_argument("--skip", type=lambda v: tuple(x for x in v.split(",") if x), default=(),
                   help=f"comma-separated stages to skip: {','.join(STAGES)}")
    p.add_argument("--force", action="store_true", help="rerun stages even when their output exists")
    add_train_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kompress.modeling.hub import HubError
    from kompress.training.pipeline import PipelineConfig, run_pipeline

    bad = [s for s in args.skip if s not in STAGES]
    if bad:
        raise CliError(f"--skip: unknown stage(s) {', '.join(bad)}; choose from {', '.join(STAGES)}")
    cfg = PipelineConfig(
        run_dir=args.run_dir, seed=args.seed or 0, scale=args.scale, families=args.families, data_dir=args.data_dir,
        data_from_log=args.data_from_log, train=config_from_args(args), eval_limit=args.eval_limit,
        sim_model=args.sim_model, min_answer=args.min_answer, max_word_keep=args.max_word_keep, int8=args.int8,
        push_to_hub=args.push_to_hub, hf_token=args.hf_token, skip=args.skip, force=args.force,
    )
    try:
        run_pipeline(cfg)
    except (HubError, FileNotFoundError, ValueError) as e:
        raise CliError(str(e)) from e
    return 0
