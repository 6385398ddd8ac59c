"""``kompress eval``: metrics, baselines, threshold sweep and HTML view on labelled data."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from kompress.structure.domains import GRANULARITIES
from kompress.cli.errors import CliError
from kompress.cli.commands._common import add_backend_argument, non_negative_int, positive_int
from kompress.decision.options import argument_type



def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval",
        help="evaluate a model against baselines on labelled examples",
        description="Evaluate a model on labelled examples (JSONL): keep-rate, exact_keep (guard on and off), "
        "sem_sim, word F1, answer survival, line fidelity, negation survival, grep check; overall and per "
        "domain, beside the identity, must-keep-only, domain-rule and random baselines; plus a threshold "
        "sweep plot and an HTML page of kept/dropped words. Writes eval.json, eval.md, sweep.png, "
        "examples.html into --out.",
    )
    p.add_argument("--model", metavar="DIR", help="model folder (default: the shipped model)")
    p.add_argument("--data", metavar="FILE", required=True, help="labelled examples, e.g. data/test.jsonl")
    p.add_argument("--out", metavar="DIR", default="runs/eval", help="output folder (default: runs/eval)")
    add_backend_argument(p)
    p.add_argument("--threshold", type=argument_type("threshold"), metavar="T", help="operating threshold (default: the model's)")
    p.add_argument("--granularity", choices=GRANULARITIES, default="auto",
                   help="decide per word or per whole line (auto: each domain's default)")
    p.add_argument("--limit", type=positive_int, metavar="N", help="evaluate only the first N examples")
    p.add_argument("--only", metavar="DOMAINS", type=_domain_list,
                   help="evaluate only items of these labelled domains, comma-separated (e.g. json,tree)")
    p.add_argument("--min-lines", type=positive_int, metavar="N",
                   help="evaluate only items of at least N lines (e.g. 200: long JSON arrays and listings)")
    p.add_argument("--sim-model", metavar="NAME_OR_PATH", default="default",
                   help="sentence encoder for sem_sim (default: the embedded all-MiniLM-L6-v2, mean pooled; "
                   "e.g. a local bge-small-en folder; 'none' to skip sem_sim)")
    p.add_argument("--domains", choices=("detect", "gold"), default="detect",
                   help="run on the domain detected from each text, as compress does (default), or on "
                        "the items' labelled domain (perfect detection)")
    p.add_argument("--no-sweep", action="store_true", help="skip the threshold sweep 0.1 ... 0.9 and its plot")
    p.add_argument("--seed", type=int, default=0, help="seed of the random baseline (default 0)")
    p.add_argument("--html-items", type=non_negative_int, default=8, metavar="N", help="test items on examples.html (default 8)")
    p.set_defaults(func=run)


def _domain_list(value: str) -> list[str]:
    from kompress.structure.domains import DOMAINS

    names = [v.strip() for v in value.split(",") if v.strip()]
    bad = [v for v in names if v not in DOMAINS]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"unknown domain {', '.join(bad) or repr(value)}; choose from {', '.join(DOMAINS)}")
    return names


def run(args: argparse.Namespace) -> int:
    from kompress.compressor import NoTrainedModel
    from kompress.data.dataset import DataError
    from kompress.evaluation.embedder import SimModelError
    from kompress.evaluation.evaluate import DEFAULT_SWEEP
    from kompress.evaluation.runner import evaluate_model
    from kompress.modeling.config import BackboneNotFound
    from kompress.evaluation.report import write_report

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CliError(f"{out}: exists and is not a folder")
    if args.model and not Path(args.model).exists():
        raise CliError(f"{args.model}: no such model folder")
    t0 = time.perf_counter()
    try:
        result = evaluate_model(
            args.model, args.data, backend=args.backend, limit=args.limit, sim_model=args.sim_model,
            threshold=args.threshold, granularity=args.granularity, sweep=None if args.no_sweep else DEFAULT_SWEEP,
            seed=args.seed, html_items=args.html_items, progress=True, domains=args.domains,
            only=args.only, min_lines=args.min_lines,
        )
    except (DataError, SimModelError, NoTrainedModel, BackboneNotFound, FileNotFoundError) as e:
        raise CliError(str(e)) from e
    try:
        written = write_report(result, out)
    except OSError as e:
        raise CliError(f"{out}: cannot write the report: {e.strerror or e}") from e
    _print_summary(result.report)
    for path in written.values():
        print(f"wrote {path}")
    phases = ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items() if k != "total")
    print(f"[kompress eval] {result.report['items']} items in {time.perf_counter() - t0:.1f}s "
          f"({result.report['encoder_passes']} encoder passes; {phases})", file=sys.stderr)
    return 0


def _print_summary(report: dict) -> None:
    """The overall table, short, on stdout."""
    from kompress.evaluation.report import fmt

    cols = [("keep_rate", "keep"), ("word_keep_rate", "word"), ("exact_keep_pct", "exact"), ("sem_sim", "sim"),
            ("word_f1", "F1"), ("answer_survival", "answers")]
    width = max(len(v["label"]) for v in report["systems"].values())
    print(f"{'system':<{width}}  " + "  ".join(f"{h:>7}" for _, h in cols))
    for v in report["systems"].values():
        print(f"{v['label']:<{width}}  " + "  ".join(f"{fmt(v['overall'][c]):>7}" for c, _ in cols))
    for note in report.get("notes", []):
        print(f"note: {note}")
