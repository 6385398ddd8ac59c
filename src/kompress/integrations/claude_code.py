"""Claude Code: a ``PostToolUse`` hook that compresses Bash and MCP tool outputs.

``kompress install claude-code`` adds this to the user's settings (``~/.claude/settings.json``,
or ``$CLAUDE_CONFIG_DIR/settings.json``), merged beside any other hooks::

    {"hooks": {"PostToolUse": [{"matcher": "Bash|mcp__.*",
        "hooks": [{"type": "command", "timeout": 60,
                   "command": "/path/to/python -m kompress.integrations.claude_code"}]}]}}

Claude Code runs the command after each matching tool call with the event as JSON on
stdin (``session_id``, ``transcript_path``, ``cwd``, ``hook_event_name``, ``tool_name``,
``tool_input``, ``tool_response``, ...). The hook answers with
``hookSpecificOutput.updatedToolOutput``: the tool's own response object with each long
text field compressed (Claude Code accepts a replacement only in the tool's native
shape; MCP tools also get ``updatedMCPToolOutput``, the older MCP-only name: Claude Code
honours ``updatedToolOutput`` for every tool, Bash included, from 2.1.121 on; earlier
versions replace MCP tool outputs only, so there Bash outputs reach the model unchanged).
Each compressed field starts with one line telling the agent that it was compressed, the
original's hash for the MCP tool ``original`` (``kompress mcp``, registered by ``kompress
install claude-code`` as ``mcp__kompress__original``) and where the full original is saved.

Bash outputs over 30,000 characters are not inline: Claude Code saves the whole output to
a file (``tool_response.persistedOutputPath``), hands the hook only its start, and shows the
model a 2,000-character preview plus the path. The hook compresses the whole file instead;
when the result fits inline it replaces the output and drops the ``persistedOutput*`` fields
(the model then sees all of it, compressed); when it does not, or the file cannot be read,
Claude Code's own preview and file stand. The hook

* leaves alone outputs under a size floor (``--min-chars``, default 2000 characters);
* never touches tools that read files the agent may edit: Read, Grep, Glob (not matched),
  Bash commands that print files (``cat``, ``head``, ``sed -n``, ``grep -r``, ``rg``,
  ``git diff/show/blame``...) and MCP tools named like file readers;
* compresses in-process with the ONNX model (never torch: ~0.5 s a call with the shipped
  int8 graph), or through a running ``kompress serve`` when ``--server`` /
  ``$KOMPRESS_SERVER`` names one (in-process when none answers there);
* passes the original through (prints nothing, exits 0) on any error, or when
  compression would save under 10%.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import re
import shlex
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kompress.decision.options import CompressOptions, add_arguments
from kompress.serving.originals import CLAUDE_TOOL, content_hash, store_root  # noqa: F401  (used by the hook's store)

HOOK_MODULE = "kompress.integrations.claude_code"
DEFAULT_MATCHER = "Bash|mcp__.*"
DEFAULT_MIN_CHARS = 2000
DEFAULT_TIMEOUT_S = 60
MIN_SAVING = 0.10  # compress only when at least this share of tokens goes
NOTE_PREFIX = "[kompress]"
#: Claude Code keeps a Bash output inline up to this many characters, and saves longer
#: ones to ``persistedOutputPath`` (showing the model a 2,000-character preview).
INLINE_LIMIT = 30_000
#: A persisted output larger than this is left to Claude Code (reading it would cost more
#: than the hook's time budget).
MAX_PERSISTED_BYTES = 20 * 2**20
#: The hook's in-process backends: ONNX only (torch costs seconds and ~0.5 GB per call).
HOOK_BACKENDS = ("auto", "onnx", "onnx-int8")

# --------------------------------------------------------------------------- which outputs
# Tools whose output is file content the agent may go on to edit: never compressed.
FILE_TOOLS = frozenset({"Read", "Grep", "Glob", "LS", "Edit", "MultiEdit", "Write", "NotebookEdit", "NotebookRead"})
# MCP tools (mcp__<server>__<tool>) whose tool part names a file reader.
_MCP_FILE_TOOL = re.compile(r"(^|_)(read|cat|diff|blame|patch|file|files|contents?)(_|$)", re.I)

_CAT_LIKE = {"cat", "tac", "nl", "head", "tail", "less", "more", "bat", "batcat", "view", "xxd", "od", "hexdump"}
_SCRIPT_FIRST = {"sed", "awk", "gawk", "mawk", "jq", "yq"}  # first operand is a script/filter, the rest files
_GREP_LIKE = {"grep", "egrep", "fgrep", "zgrep"}
_SEARCHERS = {"rg", "ag", "ack", "git-grep"}  # search the working tree when not fed by a pipe
_DIFFS = {"diff", "colordiff", "cmp", "vimdiff", "icdiff", "delta"}
_GIT_READS = {"diff", "show", "blame", "annotate", "grep", "cat-file", "format-patch", "difftool", "range-diff"}
_GIT_PATCH_FLAGS = {"-p", "-u", "--patch", "--unified"}
_WRAPPERS = {"sudo", "env", "time", "nice", "nohup", "command", "builtin", "exec", "stdbuf", "timeout", "xargs",
             "doas", "unbuffer", "ionice", "chronic"}
# Options of these programs that take a separate value (so the value is no operand).
_VALUE_OPTS = {
    "head": {"-n", "-c", "--lines", "--bytes"},
    "tail": {"-n", "-c", "--lines", "--bytes", "-s", "--sleep-interval", "--pid"},
    "grep": {"-e", "-f", "-m", "-A", "-B", "-C", "--max-count", "--context", "--after-context",
             "--before-context", "--regexp", "--file", "--include", "--exclude", "--exclude-dir", "--label",
             "--color", "--colour", "-d", "-D", "--devices", "--directories", "--binary-files"},
    "sed": {"-e", "-f", "-l", "--expression", "--file", "--line-length"},
    "awk": {"-f", "-v", "-F", "--file", "--assign", "--field-separator"},
    "jq": {"-f", "--arg", "--argjson", "--slurpfile", "--rawfile", "--indent", "--from-file"},
    "rg": {"-e", "-f", "-g", "-t", "-T", "-m", "-A", "-B", "-C", "--glob", "--type", "--type-not",
           "--max-count", "--regexp", "--file", "--context", "--after-context", "--before-context"},
}
_SEPARATORS = {"|", "|&", "||", "&&", ";", "&", "(", ")", "\n", ";;"}
_REDIRECTS = {"<", ">", ">>", "<<", "<<<", ">&", "<&", "&>", "&>>", ">|", "<>"}


def _operands(prog: str, args: list[str]) -> list[str]:
    """Non-option arguments of ``prog`` (values of options that take one left out)."""
    value_opts = _VALUE_OPTS.get(prog, set())
    if prog in ("egrep", "fgrep", "zgrep"):
        value_opts = _VALUE_OPTS["grep"]
    if prog in ("gawk", "mawk"):
        value_opts = _VALUE_OPTS["awk"]
    out, skip, after_dashdash = [], False, False
    for a in args:
        if skip:
            skip = False
            continue
        if after_dashdash or a == "-" or not a.startswith("-"):
            out.append(a)
        elif a == "--":
            after_dashdash = True
        elif a in value_opts:
            skip = True
    return out


def _segment_reads_files(words: list[str], fed_by_pipe: bool, redirected_in: bool) -> bool:
    """Does one simple command print the content of files (the agent may edit them)?"""
    via_xargs = False
    i = 0
    # Skip leading VAR=value assignments and wrappers (sudo, env, timeout 10, xargs -0 ...).
    while i < len(words):
        w = words[i]
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", w):
            i += 1
            continue
        name = os.path.basename(w)
        if name in _WRAPPERS:
            via_xargs |= name == "xargs"
            i += 1
            while i < len(words) and (words[i].startswith("-") or (name == "timeout" and re.match(r"^\d", words[i]))):
                i += 1
            continue
        break
    if i >= len(words):
        return False
    prog = os.path.basename(words[i])
    args = words[i + 1 :]
    if prog == "git":
        j = 0
        while j < len(args) and args[j].startswith("-"):  # git -C dir, -c k=v, --no-pager
            j += 2 if args[j] in ("-C", "-c") else 1
        sub = args[j] if j < len(args) else ""
        rest = args[j + 1 :]
        if sub in _GIT_READS:
            return True
        patch = any(a in _GIT_PATCH_FLAGS or a.startswith("--patch") for a in rest)
        if sub in ("log", "whatchanged", "reflog") and patch:
            return True
        if sub == "stash" and rest[:1] == ["show"] and any(a in _GIT_PATCH_FLAGS for a in rest):
            return True
        return False
    ops = _operands(prog, args)
    if prog in _CAT_LIKE:
        return bool(ops) or redirected_in or via_xargs
    if prog in _DIFFS:
        return True
    if prog in _SCRIPT_FIRST:
        has_script_opt = any(a in ("-e", "-f", "--expression", "--file", "--from-file") for a in args)
        files = ops if has_script_opt else ops[1:]
        return bool(files) or redirected_in or via_xargs
    if prog in _GREP_LIKE:
        has_pattern_opt = any(a in ("-e", "-f", "--regexp", "--file") for a in args)
        files = ops if has_pattern_opt else ops[1:]
        recursive = any(a in ("-r", "-R", "--recursive", "--dereference-recursive") or
                        (re.match(r"^-[A-Za-z]+$", a) and ("r" in a or "R" in a)) for a in args)
        return bool(files) or recursive or redirected_in or via_xargs
    if prog in _SEARCHERS:
        return not fed_by_pipe or len(ops) > 1 or via_xargs
    return False


def _tokens(command: str) -> list[str]:
    # Command substitutions and process substitutions become separate commands, so
    # `echo "$(cat x.py)"` is seen as `cat x.py`.
    flat = re.sub(r"\$\(|<\(|>\(|`", " ; ", command)
    lex = shlex.shlex(flat, posix=True, punctuation_chars="();<>|&\n")
    lex.whitespace = " \t\r"  # newlines separate commands
    lex.whitespace_split = True
    lex.commenters = ""
    return list(lex)


def reads_files(command: str) -> bool:
    """Whether a shell command prints files the agent may edit (``cat f``, ``git diff``...).

    Conservative: a command the parser cannot read counts as reading files.
    """
    # Command substitutions, even inside double quotes: `echo "$(cat x.py)"`.
    inner = re.findall(r"\$\(([^()]*)\)", command) + re.findall(r"`([^`]*)`", command)
    if any(reads_files(c) for c in inner if c.strip() and c != command):
        return True
    try:
        tokens = _tokens(command)
    except ValueError:  # unbalanced quotes: fall back to a word scan
        words = set(re.findall(r"[\w.-]+", command))
        return bool(words & (_CAT_LIKE | _SCRIPT_FIRST | _GREP_LIKE | _SEARCHERS | _DIFFS)) or bool(
            re.search(r"\bgit\b.*\b(" + "|".join(map(re.escape, _GIT_READS)) + r")\b", command))
    words: list[str] = []
    fed_by_pipe = False
    redirected_in = False
    pending_redirect = False
    for k, tok in enumerate(tokens + [";"]):
        if pending_redirect:
            pending_redirect = False
            continue
        if tok in _SEPARATORS or set(tok) <= set("|&;()\n"):
            if words and _segment_reads_files(words, fed_by_pipe, redirected_in):
                return True
            # `a | b` and `a |& b` feed b; `a || b` and `a && b` do not.
            fed_by_pipe = tok.rstrip("&").endswith("|") and not tok.endswith("||")
            words, redirected_in = [], False
            continue
        if tok in _REDIRECTS or (set(tok) <= set("<>&|") and tok):
            redirected_in |= tok.startswith("<") and tok not in ("<<", "<<<")
            pending_redirect = True
            if words and words[-1].isdigit() and k > 0 and tokens[k - 1] == words[-1]:
                words.pop()  # the fd number of `2>` is no operand
            continue
        words.append(tok)
    return False


def is_eligible(tool_name: str, tool_input: Any) -> bool:
    """Whether this tool call's output may be compressed (Bash and MCP tools that do not read files)."""
    if tool_name in FILE_TOOLS:
        return False
    if tool_name == "Bash":
        command = tool_input.get("command", "") if isinstance(tool_input, dict) else ""
        return isinstance(command, str) and not reads_files(command)
    if tool_name.startswith("mcp__"):
        tool_part = tool_name.split("__", 2)[-1]
        return not _MCP_FILE_TOOL.search(tool_part)
    return False


# --------------------------------------------------------------------------- the hook
CompressFn = Callable[[str], dict]


@dataclass
class HookConfig:
    """What the hook does with a long output."""

    min_chars: int = DEFAULT_MIN_CHARS
    store_dir: Path | None = None  # where originals go; default: the cache (see store_root)
    min_saving: float = MIN_SAVING


def _save_original(text: str, directory: Path, label: str) -> Path:
    """Write ``text`` once (named by its hash) with owner-only permissions; return the path."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    digest = content_hash(text)
    path = directory / f"{label}-{digest}.txt"
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogatepass", newline="") as f:
            f.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    return path


def note_line(field: str, result: dict, path: Path, digest: str | None = None) -> str:
    """The one line that tells the agent what happened, how to get dropped lines back (the
    MCP tool, by hash) and where the original is (the path comes last)."""
    digest = digest or path.stem.rsplit("-", 1)[-1]
    return (f"{NOTE_PREFIX} {field} compressed {result['tokens_in']} -> {result['tokens_out']} tokens "
            f"(kept lines and words are verbatim); dropped lines: {CLAUDE_TOOL}(hash=\"{digest}\", start_line, "
            f"end_line); full original: {path}")


def _text_slots(obj: Any, path: tuple = ()) -> list[tuple[tuple, str]]:
    """Paths to the text fields of a tool response worth compressing, in order."""
    if isinstance(obj, str):
        return [(path, obj)]
    if isinstance(obj, list):
        out = []
        for i, item in enumerate(obj):
            if isinstance(item, dict) and item.get("type") not in (None, "text"):
                continue  # images, resources: not text
            out += _text_slots(item, path + (i,))
        return out
    if isinstance(obj, dict):
        out = []
        for key in ("stdout", "stderr", "text", "content", "output", "result"):
            if key in obj:
                out += _text_slots(obj[key], path + (key,))
        return out
    return []


def _set(obj: Any, path: tuple, value: str) -> Any:
    if not path:
        return value
    obj[path[0]] = _set(obj[path[0]], path[1:], value)
    return obj


def _label(tool_name: str, path: tuple) -> str:
    keys = [str(p) for p in path if isinstance(p, str)]
    name = "bash" if tool_name == "Bash" else re.sub(r"[^A-Za-z0-9_.-]+", "_", tool_name)[:80]
    return "-".join([name, *keys]) if keys else name


def _persisted_output(tool_name: str, response: Any) -> str | None | bool:
    """The whole output Claude Code saved to ``persistedOutputPath`` (Bash outputs over
    ``INLINE_LIMIT``); ``None`` when nothing was saved; ``False`` when it cannot be read whole."""
    if tool_name != "Bash" or not isinstance(response, dict) or not response.get("persistedOutputPath"):
        return None
    path = Path(str(response["persistedOutputPath"])).expanduser()
    try:
        if path.stat().st_size > MAX_PERSISTED_BYTES:
            return False
        return path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return False


def handle(event: dict, compress: CompressFn, config: HookConfig | None = None) -> dict | None:
    """The hook's answer to one ``PostToolUse`` event, or ``None`` to leave the output as it is."""
    config = config or HookConfig()
    if event.get("hook_event_name", "PostToolUse") != "PostToolUse":
        return None
    tool_name = event.get("tool_name") or ""
    if not isinstance(tool_name, str) or not is_eligible(tool_name, event.get("tool_input") or {}):
        return None
    response = event.get("tool_response")
    if isinstance(response, dict) and response.get("isImage"):
        return None
    persisted = _persisted_output(tool_name, response)
    if persisted is False:
        return None  # Claude Code saved the output and we cannot read all of it: leave its preview
    slots = [(p, t) for p, t in _text_slots(response) if len(t) >= config.min_chars]
    if persisted is not None:
        # The event carries only the start of stdout: compress the whole saved output.
        slots = [(p, persisted if p == ("stdout",) else t) for p, t in slots]
        if not any(p == ("stdout",) for p, _ in slots):
            slots.append((("stdout",), persisted))
    if not slots:
        return None
    # Session ids are UUIDs; anything else is flattened (no dots: no `..` out of the store).
    session = re.sub(r"[^A-Za-z0-9_-]+", "_", str(event.get("session_id") or "no-session"))[:100]
    directory = (config.store_dir or store_root()) / session
    updated = copy.deepcopy(response)
    changed = False
    for path, text in slots:
        r = compress(text)
        if r["tokens_in"] == 0 or r["tokens_out"] > (1.0 - config.min_saving) * r["tokens_in"]:
            continue
        field = str(path[-1]) if tool_name == "Bash" and path else "output"
        value = note_line(field, r, _save_original(text, directory, _label(tool_name, path))) + "\n" + r["text"]
        if persisted is not None and path == ("stdout",) and len(value) > INLINE_LIMIT:
            return None  # still too long to go inline: Claude Code's preview and file stand
        updated = _set(updated, path, value)
        changed = True
    if not changed:
        return None
    if persisted is not None and isinstance(updated, dict):
        for key in [k for k in updated if k.startswith("persistedOutput")]:
            del updated[key]  # the whole output is now inline, compressed
    out: dict[str, Any] = {"hookEventName": "PostToolUse", "updatedToolOutput": updated}
    if tool_name.startswith("mcp__"):
        out["updatedMCPToolOutput"] = updated  # Claude Code before 2.1.121 knew only this name
    return {"hookSpecificOutput": out}


#: The compression options the hook takes as flags (defined in :mod:`kompress.decision.options`).
HOOK_OPTIONS = ("threshold", "rate", "granularity", "coverage", "novelty")


def make_compress(server: str | None, model: str | None = None, backend: str = "auto",
                  options: CompressOptions | None = None, timeout: float = 50.0) -> CompressFn:
    """Compress in-process with ONNX; through the server at ``server`` first when one is given
    (in-process when none answers there). Never torch: the hook must stay fast."""
    if backend not in HOOK_BACKENDS:
        raise ValueError(f"the hook runs ONNX only: backend must be one of {', '.join(HOOK_BACKENDS)}")
    state: dict[str, Any] = {"remote": bool(server)}

    def compress(text: str) -> dict:
        from kompress import integrations

        if state["remote"]:
            from kompress.serving.server import ServerUnavailable, remote_compress

            try:
                return remote_compress(server, text, options, timeout=timeout)
            except ServerUnavailable:
                state["remote"] = False  # nothing listens: load the model here instead
        comp = integrations.get_compressor(model, backend, allow_torch=False)
        return comp.compress(text, options).to_dict()

    return compress


def main(argv: list[str] | None = None) -> int:
    """Entry point Claude Code runs: event JSON on stdin, hook JSON (or nothing) on stdout.

    Always exits 0: any problem leaves the tool output as it was.
    """
    p = argparse.ArgumentParser(prog=f"python -m {HOOK_MODULE}", description="Claude Code PostToolUse hook.")
    p.add_argument("--server", default=os.environ.get("KOMPRESS_SERVER", ""),
                   help="a kompress serve URL to try first (default $KOMPRESS_SERVER; '' or 'none': in-process only)")
    p.add_argument("--model", default=None, help="model folder for in-process compression")
    p.add_argument("--backend", default="auto", choices=list(HOOK_BACKENDS))
    add_arguments(p, HOOK_OPTIONS)
    p.add_argument("--min-chars", type=int, default=DEFAULT_MIN_CHARS)
    p.add_argument("--store", default=None, help="folder for the full originals")
    try:
        args = p.parse_args(argv)
        event = json.loads(sys.stdin.buffer.read().decode("utf-8", "surrogatepass"))
        server = None if args.server.lower() in ("", "none", "off") else args.server
        config = HookConfig(min_chars=args.min_chars, store_dir=Path(args.store) if args.store else None)
        out = None
        if isinstance(event, dict):
            out = handle(event, make_compress(server, args.model, args.backend, CompressOptions.from_args(args)), config)
        if out is not None:
            # UTF-8 bytes whatever the locale says; Claude Code reads JSON.
            sys.stdout.buffer.write(json.dumps(out, ensure_ascii=False).encode("utf-8", "surrogatepass"))
            sys.stdout.flush()
    except SystemExit:
        return 0
    except BaseException as e:  # noqa: BLE001 - the original output must get through whatever happens
        _log_error(e)
        return 0
    return 0


def _log_error(e: BaseException) -> None:
    # stderr of an exit-0 hook is shown only in Claude Code's verbose mode: safe, and findable.
    print(f"{NOTE_PREFIX} hook passed the output through: {type(e).__name__}: {e}", file=sys.stderr)


# --------------------------------------------------------------------------- settings
def settings_path(path: str | os.PathLike | None = None) -> Path:
    """The Claude Code user settings file (``$CLAUDE_CONFIG_DIR`` or ``~/.claude``), or ``path``."""
    if path:
        return Path(path).expanduser()
    base = os.environ.get("CLAUDE_CONFIG_DIR") or os.path.expanduser("~/.claude")
    return Path(base) / "settings.json"


def hook_command(python: str | None = None, server: str | None = None, model: str | None = None,
                 options: CompressOptions | None = None, min_chars: int | None = None) -> str:
    """The shell command Claude Code runs for the hook (absolute interpreter: no PATH needed)."""
    parts = [python or sys.executable, "-m", HOOK_MODULE]
    if server is not None:
        parts += ["--server", server]
    if model is not None:
        parts += ["--model", str(Path(model).expanduser().resolve())]
    for name, value in (options.to_dict() if options else {}).items():
        if name not in HOOK_OPTIONS:
            raise ValueError(f"the hook does not take the option {name!r}; it takes {', '.join(HOOK_OPTIONS)}")
        parts += ["--" + name.replace("_", "-"), repr(value) if isinstance(value, float) else str(value)]
    if min_chars is not None:
        parts += ["--min-chars", str(int(min_chars))]
    return " ".join(shlex.quote(x) for x in parts)


def _is_ours(hook: Any) -> bool:
    return isinstance(hook, dict) and HOOK_MODULE in str(hook.get("command", ""))


def merge_hook(settings: dict, command: str, matcher: str = DEFAULT_MATCHER, timeout: int = DEFAULT_TIMEOUT_S) -> bool:
    """Add (or update) our ``PostToolUse`` hook in ``settings`` in place; True if anything changed.

    Other hooks, matchers and settings are never touched; an existing entry of ours is
    updated where it stands, so installing twice changes nothing.
    """
    hooks = settings.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise ValueError("'hooks' in the settings is not an object")
    groups = hooks.setdefault("PostToolUse", [])
    if not isinstance(groups, list):
        raise ValueError("'hooks.PostToolUse' in the settings is not a list")
    entry = {"type": "command", "command": command, "timeout": timeout}
    found = [(g, h) for g in groups if isinstance(g, dict) and isinstance(g.get("hooks"), list)
             for h in g["hooks"] if _is_ours(h)]
    changed = False
    for g, h in found[1:]:  # duplicates (hand edits): keep the first
        _remove_from_group(groups, g, h)
        changed = True
    if found:
        g, h = found[0]
        if g.get("matcher") == matcher or len(g["hooks"]) == 1:
            changed |= g.get("matcher") != matcher or h != entry
            g["matcher"] = matcher
            h.clear()
            h.update(entry)
            return changed
        _remove_from_group(groups, g, h)  # shares a group with other hooks under another matcher
    groups.append({"matcher": matcher, "hooks": [entry]})
    return True


def _remove_from_group(groups: list, group: dict, hook: dict) -> None:
    """Remove ``hook`` from ``group``; the group goes too if that left it empty."""
    group["hooks"] = [h for h in group["hooks"] if h is not hook]
    if not group["hooks"]:
        groups[:] = [g for g in groups if g is not group]


def remove_hook(settings: dict) -> bool:
    """Remove our hook entries; groups, events and ``hooks`` left empty by that go too."""
    hooks = settings.get("hooks")
    if not isinstance(hooks, dict):
        return False
    changed = False
    for event in list(hooks):
        groups = hooks[event]
        if not isinstance(groups, list):
            continue
        for g, h in [(g, h) for g in groups if isinstance(g, dict) and isinstance(g.get("hooks"), list)
                     for h in g["hooks"] if _is_ours(h)]:
            _remove_from_group(groups, g, h)
            changed = True
            if not groups:  # we emptied it
                del hooks[event]
                break
    if changed and not hooks:
        del settings["hooks"]
    return changed


@dataclass
class SettingsChange:
    """What install/uninstall did to the settings file."""

    path: Path
    changed: bool
    backup: Path | None = None
    created: bool = False


def _read_settings(path: Path) -> dict:
    if not path.exists():
        return {}
    raw = path.read_text(encoding="utf-8")
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as e:
        raise ValueError(f"{path} is not valid JSON (line {e.lineno}, column {e.colno}); fix it first") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    return data


def _write_settings(path: Path, data: dict) -> Path | None:
    """Back up the current file (if any), then replace it atomically. Returns the backup path."""
    backup = None
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        stamp = time.strftime("%Y%m%d-%H%M%S")
        backup = path.with_name(f"{path.name}.kompress-backup-{stamp}")
        n = 1
        while backup.exists():
            backup = path.with_name(f"{path.name}.kompress-backup-{stamp}-{n}")
            n += 1
        backup.write_bytes(path.read_bytes())
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
        f.write("\n")
    if path.exists():
        os.chmod(tmp, path.stat().st_mode & 0o777)
    os.replace(tmp, path)
    return backup


# --------------------------------------------------------------------------- MCP registration
MCP_SERVER_NAME = "kompress"


def mcp_config_path(path: str | os.PathLike | None = None, settings: str | os.PathLike | None = None) -> Path:
    """Where Claude Code reads the ``kompress`` MCP server from: ``path``; else beside an explicit
    settings file (a project's ``.claude/settings.json``: the project's ``.mcp.json``; any other:
    ``.claude.json`` in its folder); else the user's ``$CLAUDE_CONFIG_DIR/.claude.json`` or ``~/.claude.json``."""
    if path:
        return Path(path).expanduser()
    if settings:
        s = Path(settings).expanduser().resolve()
        return s.parent.parent / ".mcp.json" if s.parent.name == ".claude" else s.parent / ".claude.json"
    if os.environ.get("CLAUDE_CONFIG_DIR"):
        return Path(os.environ["CLAUDE_CONFIG_DIR"]) / ".claude.json"
    return Path(os.path.expanduser("~/.claude.json"))


def mcp_entry(python: str | None = None) -> dict:
    """The stdio server entry Claude Code runs for ``kompress mcp`` (absolute interpreter)."""
    return {"type": "stdio", "command": python or sys.executable, "args": ["-m", "kompress.cli", "mcp"], "env": {}}


def merge_mcp(config: dict, entry: dict | None = None) -> bool:
    servers = config.setdefault("mcpServers", {})
    if not isinstance(servers, dict):
        raise ValueError("'mcpServers' in the MCP config is not an object")
    entry = entry or mcp_entry()
    if servers.get(MCP_SERVER_NAME) == entry:
        return False
    servers[MCP_SERVER_NAME] = entry
    return True


def remove_mcp(config: dict) -> bool:
    servers = config.get("mcpServers")
    if not isinstance(servers, dict) or MCP_SERVER_NAME not in servers:
        return False
    del servers[MCP_SERVER_NAME]
    if not servers:
        del config["mcpServers"]
    return True


# --------------------------------------------------------------------------- install state
def _state_file() -> Path:
    base = os.environ.get("KOMPRESS_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "kompress")
    return Path(base) / "claude-code-installs.json"


def _load_state() -> dict:
    try:
        return json.loads(_state_file().read_text())
    except (OSError, ValueError):
        return {}


def _save_state(state: dict) -> None:
    f = _state_file()
    f.parent.mkdir(parents=True, exist_ok=True)
    tmp = f.with_name(f.name + ".tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, f)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _apply(target: Path, mutate: Callable[[dict], bool]) -> SettingsChange:
    """Change a JSON file with ``mutate`` (backed up first) and remember what was there before:
    whether the file existed, its backups, and the digest of what we wrote."""
    existed = target.exists()
    data = _read_settings(target)
    if not mutate(data):
        return SettingsChange(target, changed=False)
    backup = _write_settings(target, data)
    state = _load_state()
    key = str(target.resolve())
    rec = state.get(key) or {"created": not existed, "backups": []}
    rec["backups"] = rec["backups"] + ([str(backup)] if backup else [])
    rec["written"] = _digest(target)
    state[key] = rec
    _save_state(state)
    return SettingsChange(target, changed=True, backup=backup, created=not existed)


def _revert(target: Path, remove: Callable[[dict], bool]) -> SettingsChange:
    """Undo :func:`_apply`: when the file is still what we wrote, exactly what was there before
    (no file, or the first backup's bytes; our backups go); otherwise our entries only."""
    state = _load_state()
    key = str(target.resolve()) if target.exists() else str(target)
    rec = state.pop(key, None)
    if not target.exists():
        return SettingsChange(target, changed=False)
    try:
        if rec and _digest(target) == rec.get("written"):
            first = Path(rec["backups"][0]) if rec["backups"] else None
            if rec["created"]:
                target.unlink()
            elif first is not None and first.is_file():
                fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
                with os.fdopen(fd, "wb") as f:
                    f.write(first.read_bytes())
                os.chmod(tmp, target.stat().st_mode & 0o777)
                os.replace(tmp, target)
            else:
                rec = None  # the backup is gone: fall back to removing our entries
            if rec is not None:
                for b in rec["backups"]:
                    Path(b).unlink(missing_ok=True)
                return SettingsChange(target, changed=True)
        data = _read_settings(target)
        if not remove(data):
            return SettingsChange(target, changed=False)
        if rec and rec["created"] and not data:
            target.unlink()  # we created it and nothing else was put there
            return SettingsChange(target, changed=True)
        return SettingsChange(target, changed=True, backup=_write_settings(target, data))
    finally:
        _save_state(state)


def install(path: str | os.PathLike | None = None, command: str | None = None,
            matcher: str = DEFAULT_MATCHER, timeout: int = DEFAULT_TIMEOUT_S) -> SettingsChange:
    """Add the hook to the settings file (backed up first); a no-op when already there."""
    return _apply(settings_path(path), lambda data: merge_hook(data, command or hook_command(), matcher, timeout))


def uninstall(path: str | os.PathLike | None = None) -> SettingsChange:
    """Remove the hook: the settings file exactly as before install when untouched since, else
    without our entries (backed up first); a no-op when not there."""
    return _revert(settings_path(path), remove_hook)


def register_mcp(path: str | os.PathLike | None = None, settings: str | os.PathLike | None = None,
                 python: str | None = None) -> SettingsChange:
    """Register ``kompress mcp`` as Claude Code's MCP server ``kompress`` (tool ``mcp__kompress__original``)."""
    entry = mcp_entry(python)
    return _apply(mcp_config_path(path, settings), lambda data: merge_mcp(data, entry))


def unregister_mcp(path: str | os.PathLike | None = None, settings: str | os.PathLike | None = None) -> SettingsChange:
    return _revert(mcp_config_path(path, settings), remove_mcp)


if __name__ == "__main__":
    sys.exit(main())
