"""``kompress mcp``: an MCP server with one tool, ``original``, that gives an agent back what
a compression dropped: the original tool output, or a line range of it, by the hash its
note shows.

It reads the two places originals are kept:

* the Claude Code hook's store (``$KOMPRESS_HOOK_DIR``, else ``<kompress cache>/claude-code``;
  one ``<session>/<label>-<hash>.txt`` per original, owner-only);
* the proxy's pair store (``--db URL`` or ``$KOMPRESS_PROXY_LOG_DB``), through
  :class:`kompress.serving.proxy.store.PairStore` (needs the ``proxy`` extra; originals
  come back as stored there, with secrets redacted).

Both key originals by the same content hash (the first 16 hex digits of the SHA-256 of the
UTF-8 text, :func:`kompress.serving.proxy.store.content_hash`). Any MCP client can run it
over stdio: ``kompress mcp`` (``kompress install claude-code`` registers it with Claude Code
as the server ``kompress``, so the tool is ``mcp__kompress__original``).

Built on the ``mcp`` package (the protocol's reference SDK): protocol framing, schema
generation and transports are its job, not ours.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

from kompress.serving.originals import CLAUDE_TOOL, HASH_CHARS, SERVER_NAME, TOOL_NAME, store_root  # noqa: F401
#: Without a line range, longer originals come back cut here, with a note saying how many
#: lines there are: a whole 5 MB log would defeat the compression that dropped it.
DEFAULT_MAX_CHARS = 40_000

_HASH = re.compile(rf"[0-9a-f]{{{HASH_CHARS}}}")


class OriginalNotFound(LookupError):
    """No store holds an original with that hash (or the request is malformed)."""


@dataclass
class Stores:
    """Where originals are looked up: the hook's folder, and the proxy's database if any."""

    hook_dir: Path | None = None
    db: str | None = None

    @classmethod
    def default(cls, hook_dir: str | os.PathLike | None = None, db: str | None = None) -> "Stores":

        return cls(Path(hook_dir) if hook_dir else store_root(), db or os.environ.get("KOMPRESS_PROXY_LOG_DB") or None)

    def find(self, digest: str) -> str:
        """The original with hash ``digest``; :class:`OriginalNotFound` names where it looked."""
        digest = digest.strip().lower()
        if not _HASH.fullmatch(digest):
            raise OriginalNotFound(f"{digest!r} is not a content hash ({HASH_CHARS} hex digits, as in the note)")
        if self.hook_dir is not None and self.hook_dir.is_dir():
            # <root>/<session>/<label>-<hash>.txt; the same output in two sessions is the same text.
            for path in sorted(self.hook_dir.glob(f"*/*-{digest}.txt")):
                return path.read_text(encoding="utf-8", errors="surrogatepass")
        if self.db:
            text = self._from_pair_store(digest)
            if text is not None:
                return text
        where = [str(self.hook_dir)] if self.hook_dir else []
        where += ["the proxy's pair store"] if self.db else []
        raise OriginalNotFound(f"no original with hash {digest} in {' or '.join(where) or 'any store'}")

    def _from_pair_store(self, digest: str) -> str | None:
        try:
            from kompress.serving.proxy.store import PairStore
        except ImportError as e:  # SQLAlchemy is the proxy extra's
            raise OriginalNotFound(f"reading the proxy's pair store needs the proxy extra ({e.name} missing): "
                                   "pip install 'kompress-agent[proxy]'") from e
        store = PairStore(self.db)
        try:
            return store.get_original(digest)
        finally:
            store.close()


def line_range(text: str, start_line: int | None = None, end_line: int | None = None,
               max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Lines ``start_line``..``end_line`` of ``text`` (1-based, inclusive, as the agent counts).

    Without a range, a text over ``max_chars`` comes back cut at a line boundary with a last
    line saying how to ask for the rest.
    """
    lines = text.splitlines(keepends=True)
    n = len(lines)
    if start_line is None and end_line is None:
        if len(text) <= max_chars:
            return text
        out, size = [], 0
        for line in lines:
            if size + len(line) > max_chars and out:
                break
            out.append(line)
            size += len(line)
        shown = len(out)
        return "".join(out) + (f"\n[kompress] showed lines 1-{shown} of {n}; ask again with start_line and "
                               "end_line for the rest")
    first = 1 if start_line is None else start_line
    last = n if end_line is None else min(end_line, n)
    if first < 1 or last < first or first > n:
        raise OriginalNotFound(f"no lines {first}-{end_line if end_line is not None else n}: the original has {n} lines")
    return "".join(lines[first - 1 : last])


@functools.cache
def _compressor():  # type: ignore[no-untyped-def]
    """The shipped compressor, loaded on the first query (ONNX, ~1 s) and then kept."""
    from kompress.compressor import Compressor

    return Compressor.load()


def build_server(stores: Stores | None = None):  # type: ignore[no-untyped-def]
    """The MCP server (an ``mcp`` ``MCPServer``) with the ``original`` tool on ``stores``."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    stores = stores or Stores.default()

    server = MCPServer(
        SERVER_NAME,
        instructions="Kompress compresses long tool outputs; each compressed output starts with a note "
        "giving the original's hash. Call `original` with that hash (and a line range) to read what was dropped.",
    )

    @server.tool(name=TOOL_NAME, description=(
        "Return the full original of a tool output Kompress compressed, or lines start_line..end_line of it "
        "(1-based, inclusive), by the 16-hex-digit hash shown in the compression note "
        "('[kompress] ... hash H' or '[kompress: ...; original: H]'). With `query` (what you are looking "
        "for, e.g. 'where is parse_header defined'), only the lines of the original (or of the range) that "
        "answer it come back, whole, with markers for the rest."))
    def original(hash: str, start_line: int | None = None, end_line: int | None = None,  # noqa: A002
                 query: str | None = None) -> str:
        try:
            text = stores.find(hash)
            if query and query.strip():
                part = text if start_line is None and end_line is None else line_range(text, start_line, end_line)
                return _compressor().compress(part, query=query).text
            return line_range(text, start_line, end_line)
        except OriginalNotFound as e:
            raise ToolError(str(e)) from None

    return server


def serve_stdio(stores: Stores | None = None) -> None:
    """Run the server on stdin/stdout until the client closes it."""
    build_server(stores).run("stdio")


if __name__ == "__main__":
    serve_stdio()
