"""``kompress install claude-code`` / ``kompress uninstall claude-code``: add or remove the hook."""

from __future__ import annotations

import argparse

from kompress.cli.errors import CliError
from kompress.cli.commands._common import non_negative_int
from kompress.decision.options import CompressOptions, add_arguments
from kompress.integrations.claude_code import HOOK_OPTIONS

TARGETS = ("claude-code",)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "install",
        help="add the Kompress hook to an agent (claude-code)",
        description="Add a PostToolUse hook to Claude Code's settings that compresses long Bash and MCP "
        "tool outputs in-process with the ONNX model (or via a `kompress serve` given with --server), and "
        "register the MCP server `kompress` (tool mcp__kompress__original) that returns what was dropped. "
        "Other hooks and settings are kept; files are backed up first; installing twice changes nothing.",
    )
    p.add_argument("target", choices=TARGETS)
    p.add_argument("--settings", metavar="FILE",
                   help="settings file (default: $CLAUDE_CONFIG_DIR/settings.json or ~/.claude/settings.json; "
                   "a project's is .claude/settings.json)")
    p.add_argument("--server", metavar="URL", help="a kompress serve URL the hook tries first (default: none, "
                   "in-process ONNX, ~0.5 s a call)")
    p.add_argument("--model", metavar="DIR", help="model folder for in-process compression (default: shipped model)")
    add_arguments(p, HOOK_OPTIONS)  # passed on to the hook's command line
    p.add_argument("--min-chars", type=non_negative_int, help="leave outputs shorter than this alone (default 2000)")
    p.add_argument("--derive-query", dest="derive_query", action="store_true", default=False,
                   help="the hook derives a query (what the agent is after) from the tool call and the session "
                   "transcript (experimental; off by default)")
    p.add_argument("--matcher", help="tools the hook runs for (default 'Bash|mcp__.*')")
    _mcp_arguments(p)
    p.set_defaults(func=run_install)

    u = sub.add_parser(
        "uninstall",
        help="remove the Kompress hook from an agent (claude-code)",
        description="Remove Kompress's PostToolUse hook from Claude Code's settings (other hooks stay; "
        "the file is backed up first).",
    )
    u.add_argument("target", choices=TARGETS)
    u.add_argument("--settings", metavar="FILE", help="settings file (default: as for install)")
    _mcp_arguments(u)
    u.set_defaults(func=run_uninstall)


def _mcp_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mcp-config", metavar="FILE",
                   help="where the MCP server is registered (default: ~/.claude.json, or $CLAUDE_CONFIG_DIR/.claude.json; "
                   "with --settings PROJECT/.claude/settings.json: PROJECT/.mcp.json)")
    p.add_argument("--no-mcp", action="store_true", help="leave the MCP server registration alone")


def run_install(args: argparse.Namespace) -> int:
    from kompress.integrations import claude_code as cc

    command = cc.hook_command(server=args.server, model=args.model, options=CompressOptions.from_args(args),
                              min_chars=args.min_chars, query=args.derive_query)
    try:
        change = cc.install(args.settings, command, matcher=args.matcher or cc.DEFAULT_MATCHER)
        mcp = None if args.no_mcp else cc.register_mcp(args.mcp_config, args.settings)
    except (ValueError, OSError) as e:
        raise CliError(str(e)) from e
    if not change.changed:
        print(f"kompress: the Claude Code hook is already in {change.path}; nothing changed")
    else:
        how = "created" if change.created else "updated"
        backup = f" (backup: {change.backup})" if change.backup else ""
        print(f"kompress: {how} {change.path}{backup}: PostToolUse hook for "
              f"'{args.matcher or cc.DEFAULT_MATCHER}' runs: {command}")
    if mcp is not None and mcp.changed:
        print(f"kompress: registered the MCP server 'kompress' in {mcp.path} (tool mcp__kompress__original: "
              "the original of a compressed output by its hash); restart Claude Code to load it")
    return 0


def run_uninstall(args: argparse.Namespace) -> int:
    from kompress.integrations import claude_code as cc

    try:
        change = cc.uninstall(args.settings)
        mcp = None if args.no_mcp else cc.unregister_mcp(args.mcp_config, args.settings)
    except (ValueError, OSError) as e:
        raise CliError(str(e)) from e
    for what, c in (("hook", change), ("MCP server", mcp)):
        if c is None:
            continue
        if not c.changed:
            print(f"kompress: no Kompress {what} in {c.path}; nothing changed")
        elif not c.path.exists():
            print(f"kompress: removed {c.path} (install created it)")
        else:
            backup = f" (backup: {c.backup})" if c.backup else " (restored as it was before install)"
            print(f"kompress: removed the Kompress {what} from {c.path}{backup}")
    return 0
