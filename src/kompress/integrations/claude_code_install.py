"""Installing the Claude Code hook and registering the MCP server: settings merged beside the
user's own, and an uninstall that restores the files exactly as they were."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kompress.decision.options import CompressOptions

#: The module Claude Code runs (``python -m ...``), written into the settings.
HOOK_MODULE = "kompress.integrations.claude_code"
DEFAULT_MATCHER = "Bash|mcp__.*"
DEFAULT_TIMEOUT_S = 60
#: The compression options the hook takes as flags (defined in :mod:`kompress.decision.options`).
HOOK_OPTIONS = ("threshold", "rate", "granularity", "coverage", "novelty")

def settings_path(path: str | os.PathLike | None = None) -> Path:
    """The Claude Code user settings file (``$CLAUDE_CONFIG_DIR`` or ``~/.claude``), or ``path``."""
    if path:
        return Path(path).expanduser()
    base = os.environ.get("CLAUDE_CONFIG_DIR") or os.path.expanduser("~/.claude")
    return Path(base) / "settings.json"


def hook_command(python: str | None = None, server: str | None = None, model: str | None = None,
                 options: CompressOptions | None = None, min_chars: int | None = None,
                 query: bool = False) -> str:
    """The shell command Claude Code runs for the hook (absolute interpreter: no PATH needed).

    ``query=True`` adds ``--derive-query``: the hook derives a query from the call and transcript.
    """
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
    if query:
        parts.append("--derive-query")
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

