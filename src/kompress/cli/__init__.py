"""The ``kompress`` command line. Subcommands live in :mod:`kompress.cli.commands`, one
module each exposing ``register(subparsers)``; this file only discovers and runs them."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from kompress.version import __version__
from kompress.cli.errors import CliError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kompress",
        description="Compress LLM-agent tool outputs, keeping the words the agent needs "
        "(errors, signals, numbers, paths, identifiers, +/- lines) and announcing what was cut.",
    )
    parser.add_argument("--version", action="version", version=f"kompress {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    from kompress.cli import commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CliError as e:
        print(f"kompress {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
