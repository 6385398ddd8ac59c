"""Originals kept aside: how they are named (a content hash), where the hook keeps them, and the
MCP tool that gives them back. Light on purpose (no SQLAlchemy, no MCP SDK): the hook, the proxy's
store and the MCP server all import it, so they can never disagree on a hash."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

HASH_CHARS = 16
SERVER_NAME = "kompress"
TOOL_NAME = "original"
#: How Claude Code names the tool once ``kompress install claude-code`` registered the server.
CLAUDE_TOOL = f"mcp__{SERVER_NAME}__{TOOL_NAME}"


def content_hash(text: str) -> str:
    """The content hash of a tool output: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_CHARS]


def store_root() -> Path:
    """Where the hook saves originals: ``$KOMPRESS_HOOK_DIR``, else ``<kompress cache>/claude-code``."""
    if os.environ.get("KOMPRESS_HOOK_DIR"):
        return Path(os.environ["KOMPRESS_HOOK_DIR"])
    base = os.environ.get("KOMPRESS_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "kompress")
    return Path(base) / "claude-code"
