"""``kompress mcp``: serve the ``original`` MCP tool over stdio (see :mod:`kompress.serving.mcp`)."""

from __future__ import annotations

import argparse
import os


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "mcp",
        help="MCP server (stdio) with the tool 'original': what a compression dropped, by hash",
        description="Serve the MCP tool 'original' over stdio: it returns the original of a compressed tool "
        "output, or a line range of it, by the hash in the compression note, from the Claude Code hook's "
        "store and the proxy's pair store. Any MCP client can run it; `kompress install claude-code` "
        "registers it with Claude Code.",
    )
    p.add_argument("--hook-dir", metavar="DIR",
                   help="the hook's store (default $KOMPRESS_HOOK_DIR or <kompress cache>/claude-code)")
    p.add_argument("--db", metavar="URL", default=os.environ.get("KOMPRESS_PROXY_LOG_DB"),
                   help="the proxy's --log-db, to look there too (default $KOMPRESS_PROXY_LOG_DB)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kompress.serving.mcp import Stores, serve_stdio

    serve_stdio(Stores.default(args.hook_dir, args.db))
    return 0
