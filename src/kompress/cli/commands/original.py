"""``kompress original HASH --db URL``: print the original of a compressed tool output.

The hash is the one in the proxy's note, ``[kompress: compressed N->M tokens; original: HASH]``.
The original comes back as stored: with secrets redacted.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

from kompress.cli.errors import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "original",
        help="print the original of a tool output the proxy compressed, by the hash in its note",
        description="Look up HASH (from the proxy's '[kompress: ...; original: HASH]' note) in the proxy's "
        "pair store and print the original tool output (secrets redacted).",
    )
    p.add_argument("hash", metavar="HASH", help="content hash shown in the note (16 hex digits)")
    p.add_argument("--db", metavar="URL", default=os.environ.get("KOMPRESS_PROXY_LOG_DB"),
                   help="the proxy's --log-db: SQLAlchemy URL or SQLite file path (default $KOMPRESS_PROXY_LOG_DB)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        from kompress.serving.proxy.store import HASH_CHARS, PairStore, display_url
    except ImportError as e:
        raise CliError(f"reading the pair store needs SQLAlchemy: pip install 'kompress-agent[proxy]' ({e.name} missing)") from e

    h = args.hash.strip().lower()
    if not re.fullmatch(rf"[0-9a-f]{{{HASH_CHARS}}}", h):
        raise CliError(f"{args.hash!r} is not a content hash ({HASH_CHARS} hex digits, as in the proxy's note)")
    if not args.db:
        raise CliError("give the pair store with --db URL (or set KOMPRESS_PROXY_LOG_DB)")
    if "://" not in args.db and not os.path.isfile(args.db):
        raise CliError(f"{args.db}: no such database file")
    try:
        store = PairStore(args.db)
    except Exception as e:  # noqa: BLE001 - any driver error: one line, password masked
        raise CliError(f"cannot open {display_url(args.db)}: {type(e).__name__}: "
                       f"{str(e).splitlines()[0] if str(e) else ''}") from e
    try:
        text = store.get_original(h)
    finally:
        store.close()
    if text is None:
        raise CliError(f"no original with hash {h} in {display_url(args.db)}")
    sys.stdout.write(text)
    return 0
