"""Which tool calls print files the agent may edit, so that their outputs are left alone.

An agent reads a file to edit it: the exact lines are what its next step quotes, so the Claude
Code hook and the proxy do not compress file views by default. A call reads files when it is a
file-reading tool (Claude Code's ``Read``, ``Grep``..., a tool named like a reader:
``read_file``, ``view``, ``str_replace_editor``) or a shell command that prints files (``cat``,
``sed -n``, ``grep -r``, ``git diff`` ...), found by parsing the command line (pipes,
substitutions, redirections)."""

from __future__ import annotations

import json
import os
import re
import shlex
from typing import Any


# Tools whose output is file content the agent may go on to edit: never compressed.
FILE_TOOLS = frozenset({"Read", "Grep", "Glob", "LS", "Edit", "MultiEdit", "Write", "NotebookEdit", "NotebookRead"})
# MCP tools (mcp__<server>__<tool>) whose tool part names a file reader.
_MCP_FILE_TOOL = re.compile(r"(^|_)(read|cat|diff|blame|patch|file|files|contents?)(_|$)", re.I)
# Any API tool whose name names a file reader or editor (``read_file``, ``view_file``,
# ``str_replace_editor``, ``open``, ``grep``); ``search`` is not one (web search results are
# prime material for compression).
_FILE_TOOL_NAME = re.compile(
    r"(^|[_\-.])(read|cat|view|open|diff|blame|patch|file|files|contents?|editor|grep|glob)([_\-.]|$)", re.I)
# Arguments that hold a shell command line in the tool calls of common agents.
_COMMAND_ARGS = ("command", "cmd", "commands", "script", "shell_command")

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
_SHELLS = {"sh", "bash", "zsh", "dash", "ksh"}
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
    if prog in _SHELLS:
        # `bash -lc 'cat x.py'`: the command string decides (`bash run.sh` runs a script: no file read).
        for k, a in enumerate(args):
            if re.match(r"^-\w*c\w*$", a):
                return k + 1 < len(args) and reads_files(args[k + 1])
            if not a.startswith("-"):
                break
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


def call_reads_files(tool_name: str | None, arguments: Any) -> bool:
    """Whether an API tool call (any agent, any tool naming) prints files the agent may edit.

    ``arguments`` is the call's input: a dict, a JSON object string (OpenAI function calls) or a
    plain string (custom tools). A shell command in it decides (``cat x.py`` reads files,
    ``pytest -x`` does not); otherwise the tool's name does (``Read``, ``read_file``, an MCP
    reader, ``str_replace_editor``).
    """
    if isinstance(arguments, str):
        try:
            parsed = json.loads(arguments)
        except ValueError:
            parsed = arguments
        arguments = parsed
    command: Any = None
    if isinstance(arguments, dict):
        command = next((arguments[k] for k in _COMMAND_ARGS if k in arguments), None)
        if isinstance(command, list) and all(isinstance(c, str) for c in command):
            command = " ".join(shlex.quote(c) for c in command)  # argv form: ["bash", "-lc", "cat x"]
    name = tool_name or ""
    if isinstance(command, str) and command.strip():
        # An editor's sub-command (str_replace_editor {"command": "view", "path": ...}) is no shell line.
        if isinstance(arguments, dict) and any(k in arguments for k in ("path", "file_path", "filename")):
            return command.strip() in ("view", "open", "read", "cat", "show") or reads_files(command)
        return reads_files(command)
    if name in FILE_TOOLS:
        return True
    if name.startswith("mcp__"):
        return bool(_MCP_FILE_TOOL.search(name.split("__", 2)[-1]))
    return bool(_FILE_TOOL_NAME.search(name))

