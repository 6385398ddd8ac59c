"""``kompress calibrate``: per-domain thresholds chosen on held-out labelled data."""

from __future__ import annotations

import argparse
from pathlib import Path

from kompress.cli.errors import CliError
from kompress.cli.commands._common import add_backend_argument, positive_int, unit_float


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "calibrate",
        help="choose a threshold per domain on held-out data (e.g. the val split)",
        description="Score labelled examples (use the val split, never the test split) and pick, per domain, "
        "the thresholds that keep the fewest words while the model (guard on) still answers --min-answer of "
        "all eval questions and --domain-floor of each domain's (questions derived from each text as for "
        "the test split). Prints the table; --write stores the "
        "thresholds in the model folder's config.json (`domain_thresholds`), where Compressor.compress uses "
        "them unless a threshold or rate is given. With --max-word-keep it then picks the novelty rate: "
        "the lowest whose word keep stays within that budget, so the words the thresholds leave unspent "
        "go to dropped lines that carry values (ids, sizes, paths) not kept yet (`novelty` in config.json).",
    )
    p.add_argument("--model", metavar="DIR", required=True, help="model folder to calibrate")
    p.add_argument("--data", metavar="FILE", required=True, help="labelled examples, e.g. data/val.jsonl")
    add_backend_argument(p)
    p.add_argument("--min-answer", type=unit_float("--min-answer", low_open=True), default=0.98, metavar="A",
                   help="answer survival over all domains (default 0.98)")
    p.add_argument("--domain-floor", type=unit_float("--domain-floor", low_open=True), default=0.95, metavar="F",
                   help="answer survival every domain must keep (default 0.95)")
    p.add_argument("--max-word-keep", type=unit_float("--max-word-keep", low_open=True), metavar="W",
                   help="word budget for the novelty rate (e.g. 0.60); default: no novelty")
    p.add_argument("--limit", type=positive_int, metavar="N", help="use only the first N examples")
    p.add_argument("--write", action="store_true", help="write the thresholds into DIR/config.json")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kompress.evaluation.calibrate import calibrate_folder
    from kompress.data.schema import DataError
    from kompress.evaluation.items import load_examples

    model = Path(args.model)
    if not (model / "config.json").is_file():
        raise CliError(f"{model}: not a Kompress model folder (no config.json)")
    try:
        items = load_examples(args.data, limit=args.limit)
    except DataError as e:
        raise CliError(str(e)) from e
    print(calibrate_folder(model, items, backend=args.backend, min_answer=args.min_answer,
                           domain_floor=args.domain_floor, max_word_keep=args.max_word_keep, write=args.write,
                           progress=True))
    if args.write:
        print(f"wrote domain_thresholds{' and novelty' if args.max_word_keep else ''} to {model / 'config.json'}")
    return 0
