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

Each output is compressed for a *query* (the ``query`` option: a model with a query
companion keeps the lines that answer it; others ignore it), composed as the proxy does
(:func:`kompress.serving.proxy.query.compose_query`): the assistant's latest text before the
call and the latest plain user message, read from the tail of the session transcript
(``transcript_path``, the last :data:`TRANSCRIPT_TAIL_BYTES`), and the call itself (Bash:
its ``description`` and ``command``; other tools: their input). Off by default (``--derive-query`` turns it on): see the README, "Queries".
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kompress.decision.options import CompressOptions, add_arguments
from kompress.serving.originals import CLAUDE_TOOL, content_hash, store_root  # noqa: F401  (used by the hook's store)
# Standard library only: deriving the query costs the hook no import time.
from kompress.serving.proxy.query import call_context, compose_query

# Which calls read files (shared with the proxy) and the installer: their names are re-exported
# here, the module users run and import.
from kompress.tool_calls import *  # noqa: F401,F403,E402
from kompress.tool_calls import is_eligible, reads_files  # noqa: F401,E402
from kompress.integrations.claude_code_install import (  # noqa: F401,E402
    DEFAULT_MATCHER, DEFAULT_TIMEOUT_S, HOOK_MODULE, HOOK_OPTIONS,
)

DEFAULT_MIN_CHARS = 2000
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
#: Only this much of the end of a session transcript is read for the query: a long session
#: stays as fast as a short one.
TRANSCRIPT_TAIL_BYTES = 256 * 1024

# --------------------------------------------------------------------------- the hook
#: ``compress(text, query)``: the compressor's result as a dict (``query`` None: none).
CompressFn = Callable[[str, "str | None"], dict]


@dataclass
class HookConfig:
    """What the hook does with a long output."""

    min_chars: int = DEFAULT_MIN_CHARS
    store_dir: Path | None = None  # where originals go; default: the cache (see store_root)
    min_saving: float = MIN_SAVING
    query: bool = False  # compress for a query derived from the call and the transcript (opt in)


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


def _transcript_messages(path: Any) -> list[dict]:
    """The user and assistant messages (``{role, content}``) in the last
    :data:`TRANSCRIPT_TAIL_BYTES` of a Claude Code transcript (JSONL), oldest first; ``[]``
    when it cannot be read. Entries of the other chain (subagent sidechains when the main
    chain asks, and back) are told apart by ``isSidechain``, kept as ``_sidechain``."""
    if not isinstance(path, str) or not path:
        return []
    try:
        with open(Path(path).expanduser(), "rb") as f:
            size = f.seek(0, os.SEEK_END)
            start = max(0, size - TRANSCRIPT_TAIL_BYTES)
            f.seek(start)
            data = f.read(TRANSCRIPT_TAIL_BYTES)
    except (OSError, ValueError):
        return []
    lines = data.split(b"\n")
    if start > 0:
        lines = lines[1:]  # cut by the seek
    out = []
    for line in lines:
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if not isinstance(entry, dict) or entry.get("type") not in ("user", "assistant") or entry.get("isMeta"):
            continue
        message = entry.get("message")
        if isinstance(message, dict) and message.get("role") in ("user", "assistant"):
            out.append({"role": message["role"], "content": message.get("content"),
                        "_sidechain": bool(entry.get("isSidechain"))})
    return out


def hook_query(event: dict) -> str | None:
    """The query of a ``PostToolUse`` event: the assistant's latest text before the call and
    the latest plain user message (from the transcript's tail: text blocks, not tool
    results), and the call (Bash: ``description`` and ``command``; other tools: their whole
    input), composed as the proxy does. A missing or unreadable transcript leaves out its part."""
    tool_name = event.get("tool_name") if isinstance(event.get("tool_name"), str) else None
    tool_input = event.get("tool_input")
    if tool_name == "Bash" and isinstance(tool_input, dict):
        tool_input = {k: tool_input[k] for k in ("description", "command") if k in tool_input}
    call_id = event.get("tool_use_id") if isinstance(event.get("tool_use_id"), str) else None
    messages = _transcript_messages(event.get("transcript_path"))
    # The chain that made the call (a subagent's calls sit in its sidechain); when the call is
    # not in the tail, the chain written last.
    side = next((m["_sidechain"] for m in messages if call_id and isinstance(m["content"], list)
                 and any(isinstance(b, dict) and b.get("type") == "tool_use" and b.get("id") == call_id
                         for b in m["content"])), messages[-1]["_sidechain"] if messages else False)
    messages = [m for m in messages if m["_sidechain"] == side]
    assistant, user = call_context("anthropic-messages", {"messages": messages}, call_id)
    return compose_query(assistant, tool_name, tool_input, user)


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
    query = hook_query(event) if config.query else None
    updated = copy.deepcopy(response)
    changed = False
    for path, text in slots:
        r = compress(text, query)
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




def make_compress(server: str | None, model: str | None = None, backend: str = "auto",
                  options: CompressOptions | None = None, timeout: float = 50.0) -> CompressFn:
    """Compress in-process with ONNX; through the server at ``server`` first when one is given
    (in-process when none answers there). Never torch: the hook must stay fast."""
    if backend not in HOOK_BACKENDS:
        raise ValueError(f"the hook runs ONNX only: backend must be one of {', '.join(HOOK_BACKENDS)}")
    state: dict[str, Any] = {"remote": bool(server)}

    def compress(text: str, query: str | None = None) -> dict:
        from kompress import integrations

        if state["remote"]:
            from kompress.serving.server import (
                ServerError,
                ServerUnavailable,
                remote_compress,
            )

            try:
                try:
                    return remote_compress(server, text, options, timeout=timeout, query=query)
                except ServerError as e:
                    # A server older than the query option refuses the field: ask without it.
                    if not (query and e.status == 422 and "'query'" in str(e)):
                        raise
                    return remote_compress(server, text, options, timeout=timeout)
            except ServerUnavailable:
                state["remote"] = False  # nothing listens: load the model here instead
        comp = integrations.get_compressor(model, backend, allow_torch=False)
        return comp.compress(text, options, query=query).to_dict()

    return compress


def hook_parser() -> argparse.ArgumentParser:
    """The hook's command line (what :func:`hook_command` writes into the settings)."""
    p = argparse.ArgumentParser(prog=f"python -m {HOOK_MODULE}", description="Claude Code PostToolUse hook.")
    p.add_argument("--server", default=os.environ.get("KOMPRESS_SERVER", ""),
                   help="a kompress serve URL to try first (default $KOMPRESS_SERVER; '' or 'none': in-process only)")
    p.add_argument("--model", default=None, help="model folder for in-process compression")
    p.add_argument("--backend", default="auto", choices=list(HOOK_BACKENDS))
    add_arguments(p, HOOK_OPTIONS)
    p.add_argument("--min-chars", type=int, default=DEFAULT_MIN_CHARS)
    p.add_argument("--store", default=None, help="folder for the full originals")
    p.add_argument("--derive-query", dest="derive_query", action="store_true", default=False,
                   help="derive a query from the tool call and the transcript (experimental; off by default)")
    p.add_argument("--no-query", dest="derive_query", action="store_false", help="derive no query (the default)")
    return p


def hook_config(args: argparse.Namespace) -> HookConfig:
    """The :class:`HookConfig` of parsed :func:`hook_parser` arguments."""
    return HookConfig(min_chars=args.min_chars, store_dir=Path(args.store) if args.store else None,
                      query=args.derive_query)


def main(argv: list[str] | None = None) -> int:
    """Entry point Claude Code runs: event JSON on stdin, hook JSON (or nothing) on stdout.

    Always exits 0: any problem leaves the tool output as it was.
    """
    try:
        args = hook_parser().parse_args(argv)
        event = json.loads(sys.stdin.buffer.read().decode("utf-8", "surrogatepass"))
        server = None if args.server.lower() in ("", "none", "off") else args.server
        config = hook_config(args)
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


from kompress.integrations.claude_code_install import *  # noqa: F401,F403,E402


if __name__ == "__main__":
    sys.exit(main())
