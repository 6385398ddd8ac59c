"""``kompress data``: build, import and inspect labelled training data.

    kompress data build [--out data/] [--seed 0] [--scale 1.0] [--families a,b]
    kompress data from-pairs FILE.jsonl [--out data/pairs.jsonl] [--split-seed 0]
    kompress data from-log URL [--out data/log.jsonl] [--split-seed 0]
    kompress data from-cases DIR [DIR ...] [--out data/cases.jsonl] [--split-seed 0]
    kompress data show FILE.jsonl [--n 3] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

from kompress.cli.errors import CliError
from kompress.cli.commands._common import non_negative_int, positive_float



def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "data",
        help="build, import and inspect labelled training data",
        description="Labelled data: one JSON example per line with per-word keep labels (see kompress.data.dataset).",
    )
    p.set_defaults(func=lambda args: p.print_help() or 2)
    dsub = p.add_subparsers(dest="data_command", metavar="SUBCOMMAND")

    b = dsub.add_parser("build", help="generate the corpus of real tool outputs and label it with the domain rules",
                        description="Run the corpus generators, label every item with the domain-rule teacher, "
                        "add questions to the test split; writes train/val/test.jsonl and summary.{json,md}.")
    b.add_argument("--out", default="data", help="output folder (default: data/)")
    b.add_argument("--seed", type=non_negative_int, default=0)
    b.add_argument("--scale", type=positive_float, default=1.0, help="corpus size multiplier (default 1.0)")
    b.add_argument("--families", help="comma-separated corpus families (default: all)")
    b.set_defaults(func=run_build)

    fp = dsub.add_parser("from-pairs", help="silver-label a Q&A pair file (the seed's dogfood or export shape)",
                         description="Label verbose answers by the words their compressed version keeps "
                         "(the seed's silver rule); pairs under 80 chars or 1.3x compression are skipped.")
    fp.add_argument("file", help="pairs JSONL: deepseek_response/free_response or text/reference lines")
    fp.add_argument("--out", default="data/pairs.jsonl")
    fp.add_argument("--split-seed", type=non_negative_int, default=0, help="seed of the 80/10/10 split by id hash")
    fp.set_defaults(func=run_from_pairs)

    fl = dsub.add_parser("from-log", help="label the proxy's logged (original, compressed) pairs with the logged decision",
                         description="Read every pair of a proxy log (SQLAlchemy URL or SQLite file) and label each "
                         "original word as the proxy decided: every compressed line is mapped to its input line in "
                         "order (a whole kept line, the kept words of a prose line, or a marker's run of dropped "
                         "lines) and the labels are checked by re-rendering them. Pairs that do not replay exactly "
                         "(an older format) are skipped and counted.")
    fl.add_argument("url", help="pair store: sqlite:///pairs.db, postgresql+psycopg://..., or a SQLite file path")
    fl.add_argument("--out", default="data/log.jsonl")
    fl.add_argument("--split-seed", type=non_negative_int, default=0, help="seed of the 80/10/10 split by id hash")
    fl.set_defaults(func=run_from_log)

    fc = dsub.add_parser("from-cases", help="label captured third-party outputs by their questions' evidence lines",
                         description="Read <DIR>/<family>/<case>.txt + .json (real tool outputs with the questions "
                         "derived from the tool's own report, as in benchmarks/unseen/) and label them by the union of the "
                         "domain-rule teacher and their evidence: a line is kept when the rules keep it, when it holds an "
                         "answer or when the guard keeps it (errors, findings, the outcome). "
                         "Split by family: 80% train, 20% val (never test); val examples keep their questions for "
                         "calibration.")
    fc.add_argument("dirs", nargs="+", metavar="DIR", help="folders of <family>/<case>.txt and <case>.json")
    fc.add_argument("--out", default="data/cases.jsonl")
    fc.add_argument("--split-seed", type=non_negative_int, default=0, help="seed of the train/val split by family hash")
    fc.set_defaults(func=run_from_cases)

    sh = dsub.add_parser("show", help="print labelled examples with dropped words struck through",
                         description="Print N randomly chosen examples of a labelled JSONL file in the same "
                         "view as `compress --show`: kept words as they are, dropped words dim and struck.")
    sh.add_argument("file")
    sh.add_argument("--n", type=non_negative_int, default=3, help="how many examples (default 3)")
    sh.add_argument("--seed", type=non_negative_int, default=0, help="which examples are chosen")
    sh.set_defaults(func=run_show)


def _check_file(path: str) -> None:
    if not os.path.exists(path):
        raise CliError(f"{path}: no such file")
    if os.path.isdir(path):
        raise CliError(f"{path}: is a directory; give a JSONL file")


def run_build(args: argparse.Namespace) -> int:
    from kompress.data.dataset import build_dataset

    families = [f.strip() for f in args.families.split(",") if f.strip()] if args.families else None
    try:
        build_dataset(args.out, seed=args.seed, scale=args.scale, families=families)
    except ImportError as e:
        raise CliError(f"cannot build: {e}") from e
    except ValueError as e:  # e.g. unknown families
        raise CliError(str(e)) from e
    return 0


#: How the readers' skip counters are named in the printed summary.
_SKIPPED = {
    "skipped_short": "verbose answer under 80 chars",
    "skipped_ratio": "compressed less than 1.3x",
    "skipped_unchanged": "compressed text equals the original",
    "skipped_empty": "empty original",
    "skipped_unaligned": "compressed text does not replay exactly (older format or edited)",
}


def _write(out: str, examples, stats: dict, title: str) -> None:
    from kompress.data.dataset import summarize, summary_markdown, write_examples

    n = write_examples(out, examples)
    skipped = {_SKIPPED[k]: v for k, v in stats.items() if k in _SKIPPED and v}
    print(summary_markdown(summarize(examples, skipped=skipped), title), end="")
    print(f"wrote {n} examples to {out}", file=sys.stderr)


def run_from_pairs(args: argparse.Namespace) -> int:
    from kompress.data.dataset import DataError, examples_from_pairs

    _check_file(args.file)
    try:
        examples, stats = examples_from_pairs(args.file, split_seed=args.split_seed)
    except (DataError, UnicodeDecodeError) as e:
        raise CliError(str(e)) from e
    _write(args.out, examples, stats, f"Silver labels from {Path(args.file).name}")
    return 0


def _sqlite_file(url: str) -> str | None:
    """The file behind a SQLite URL or plain path; None for other databases and :memory:."""
    if "://" not in url:
        return url
    if not url.startswith("sqlite"):
        return None
    from sqlalchemy.engine import make_url

    try:
        db = make_url(url).database
    except Exception:  # an unparseable URL: PairStore reports it
        return None
    return db if db and db != ":memory:" else None


def run_from_log(args: argparse.Namespace) -> int:
    from kompress.data.dataset import examples_from_log

    try:
        from kompress.serving.proxy.store import PairStore
    except ImportError as e:
        raise CliError(f"the proxy's pair store is unavailable ({e}); install kompress-agent[proxy]") from e
    db = _sqlite_file(args.url)
    if db is not None:
        _check_file(db)  # opening a missing SQLite file would silently create an empty log
    try:
        store = PairStore(args.url)
    except Exception as e:  # SQLAlchemy: bad URL, missing driver, unreachable server
        raise CliError(f"cannot open pair store: {type(e).__name__}: {str(e).splitlines()[0]}") from e
    try:
        examples, stats = examples_from_log(store.iter_pairs(), split_seed=args.split_seed)
    finally:
        store.close()
    _write(args.out, examples, stats, "Logged decisions from the proxy log")
    if "logged_keep_rate" in stats:
        words = sum(len(ex.labels) for ex in examples)
        kept = sum(sum(ex.labels) for ex in examples)
        print(f"logged keep-rate {stats['logged_keep_rate']:.3f} of the tokens; labels keep "
              f"{kept / words if words else 1.0:.3f} of the words (the same decisions, counted in words)")
    return 0


def run_from_cases(args: argparse.Namespace) -> int:
    from kompress.data.cases import examples_from_cases

    for d in args.dirs:
        if not os.path.isdir(d):
            raise CliError(f"{d}: no such folder; give folders of <family>/<case>.txt and <case>.json")
    try:
        examples = examples_from_cases(args.dirs, split_seed=args.split_seed)
    except (ValueError, UnicodeDecodeError) as e:
        raise CliError(str(e)) from e
    if not examples:
        raise CliError(f"no case with an answered question under {', '.join(args.dirs)}")
    _write(args.out, examples, {}, "Evidence labels from captured cases")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from rich.console import Console

    from kompress.data.dataset import DataError, read_examples
    from kompress.rendering.show import to_rich

    _check_file(args.file)
    # Reservoir sampling: one pass, bounded memory, the same choice for the same seed.
    rng = random.Random(args.seed)
    chosen: list[tuple[int, object]] = []
    total = 0
    try:
        for i, ex in enumerate(read_examples(args.file)):
            total += 1
            if len(chosen) < args.n:
                chosen.append((i, ex))
            else:
                j = rng.randrange(i + 1)
                if j < args.n:
                    chosen[j] = (i, ex)
    except (DataError, UnicodeDecodeError) as e:
        raise CliError(str(e)) from e
    console = Console(highlight=False, soft_wrap=True)
    for i, ex in sorted(chosen, key=lambda c: c[0]):
        n, k = len(ex.labels), sum(ex.labels)
        console.rule(f"#{i + 1} {ex.id}", style="bold")
        console.print(f"domain={ex.domain} teacher={ex.teacher} split={ex.split} source={ex.source} "
                      f"kept {k}/{n} words ({k / n if n else 1.0:.1%}) questions={len(ex.questions)}",
                      style="bold", markup=False)
        console.print(to_rich(ex.text, ex.keep))
    print(f"{len(chosen)} of {total} examples shown", file=sys.stderr)
    return 0
