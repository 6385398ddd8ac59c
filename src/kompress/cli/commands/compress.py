"""``kompress compress``: compress one tool output from a file or stdin."""

from __future__ import annotations

import argparse
import json
import sys

from kompress.cli.errors import CliError
from kompress.cli.commands._common import add_backend_argument, read_input
from kompress.decision.options import CompressOptions, add_arguments


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compress",
        help="compress a tool output (file or stdin)",
        description="Compress a tool output and print the result. Kept lines and words are the "
        "original bytes; each run of dropped lines becomes one marker line that begins with '[... N ' "
        "(N: the lines it replaces), e.g. '[... 12 lines omitted ...]' or "
        "'[... 37 more lines like \"INFO [worker] done <NUM>\" ...]'.",
    )
    p.add_argument("file", nargs="?", default="-", help="input file, or - for stdin (default)")
    add_arguments(p)  # the compression options, defined once in kompress.decision.options
    add_backend_argument(p)
    p.add_argument("--model", metavar="DIR", help="model folder (default: the shipped model)")
    p.add_argument("--errors", choices=["strict", "replace"], default="strict",
                   help="invalid UTF-8: stop with an error (strict) or substitute U+FFFD (replace)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print {text, keep_rate, domain, tokens_in, tokens_out}")
    out.add_argument("--show", action="store_true", help="print the original with dropped words struck through (on a terminal) or "
                     "marked [-like this-] (piped or redirected)")
    p.add_argument("--stats", action="store_true", help="print a one-line summary to stderr")
    p.add_argument("--server", metavar="URL",
                   help="compress with a running `kompress serve` (e.g. http://127.0.0.1:8719) instead of "
                   "loading the model here (--model and --backend are then the server's)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    opts = CompressOptions.from_args(args)
    text = read_input(args.file, args.errors)
    if not text:
        if args.json:
            print(json.dumps({"text": "", "keep_rate": 1.0, "domain": opts.domain or "text", "tokens_in": 0, "tokens_out": 0}))
        return 0
    if args.server:
        return _run_remote(args, text, opts)
    from kompress.compressor import Compressor, NoTrainedModel
    from kompress.modeling.config import BackboneNotFound

    try:
        comp = Compressor.load(args.model, backend=args.backend)
    except (NoTrainedModel, BackboneNotFound, FileNotFoundError) as e:
        raise CliError(str(e)) from e
    r = comp.compress(text, opts)
    if args.json:
        print(json.dumps(r.to_dict(), ensure_ascii=False))
    elif args.show:
        from kompress.rendering.show import show

        show(text, r)
    else:
        sys.stdout.write(r.text)
    if args.stats or args.show:
        saved = r.tokens_in - r.tokens_out
        print(f"[kompress] domain={r.domain} granularity={r.granularity} tokens {r.tokens_in} -> {r.tokens_out} "
              f"(keep_rate {r.keep_rate:.3f}, saved {saved})", file=sys.stderr)
    return 0


def _run_remote(args: argparse.Namespace, text: str, opts: CompressOptions) -> int:
    """``--server URL``: the same options and output, compressed by a running ``kompress serve``."""
    from kompress.serving.server import ServerError, remote_compress

    if args.show:
        raise CliError("--show needs the model here; drop --server")
    try:
        d = remote_compress(args.server, text, opts)
    except ServerError as e:
        raise CliError(str(e)) from e
    if args.json:
        print(json.dumps(d, ensure_ascii=False))
    else:
        sys.stdout.write(d["text"])
    if args.stats:
        saved = d["tokens_in"] - d["tokens_out"]
        print(f"[kompress] domain={d['domain']} via {args.server} tokens {d['tokens_in']} -> {d['tokens_out']} "
              f"(keep_rate {d['keep_rate']:.3f}, saved {saved})", file=sys.stderr)
    return 0
