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
        "tool outputs (via `kompress serve` when it runs, in-process otherwise). Other hooks and "
        "settings are kept; the file is backed up first; installing twice changes nothing.",
    )
    p.add_argument("target", choices=TARGETS)
    p.add_argument("--settings", metavar="FILE",
                   help="settings file (default: $CLAUDE_CONFIG_DIR/settings.json or ~/.claude/settings.json; "
                   "a project's is .claude/settings.json)")
    p.add_argument("--server", metavar="URL", help="kompress serve URL the hook uses (default http://127.0.0.1:8719)")
    p.add_argument("--model", metavar="DIR", help="model folder for in-process compression (default: shipped model)")
    add_arguments(p, HOOK_OPTIONS)  # passed on to the hook's command line
    p.add_argument("--min-chars", type=non_negative_int, help="leave outputs shorter than this alone (default 2000)")
    p.add_argument("--matcher", help="tools the hook runs for (default 'Bash|mcp__.*')")
    p.set_defaults(func=run_install)

    u = sub.add_parser(
        "uninstall",
        help="remove the Kompress hook from an agent (claude-code)",
        description="Remove Kompress's PostToolUse hook from Claude Code's settings (other hooks stay; "
        "the file is backed up first).",
    )
    u.add_argument("target", choices=TARGETS)
    u.add_argument("--settings", metavar="FILE", help="settings file (default: as for install)")
    u.set_defaults(func=run_uninstall)


def run_install(args: argparse.Namespace) -> int:
    from kompress.integrations import claude_code as cc

    command = cc.hook_command(server=args.server, model=args.model, options=CompressOptions.from_args(args),
                              min_chars=args.min_chars)
    try:
        change = cc.install(args.settings, command, matcher=args.matcher or cc.DEFAULT_MATCHER)
    except (ValueError, OSError) as e:
        raise CliError(str(e)) from e
    if not change.changed:
        print(f"kompress: the Claude Code hook is already in {change.path}; nothing changed")
    else:
        how = "created" if change.created else "updated"
        backup = f" (backup: {change.backup})" if change.backup else ""
        print(f"kompress: {how} {change.path}{backup}: PostToolUse hook for "
              f"'{args.matcher or cc.DEFAULT_MATCHER}' runs: {command}")
        print("kompress: for fast hooks keep `kompress serve` running; without it the hook loads the model each time")
    return 0


def run_uninstall(args: argparse.Namespace) -> int:
    from kompress.integrations import claude_code as cc

    try:
        change = cc.uninstall(args.settings)
    except (ValueError, OSError) as e:
        raise CliError(str(e)) from e
    if not change.changed:
        print(f"kompress: no Kompress hook in {change.path}; nothing changed")
    else:
        print(f"kompress: removed the Kompress hook from {change.path} (backup: {change.backup})")
    return 0
