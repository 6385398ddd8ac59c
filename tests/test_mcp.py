"""`kompress mcp`: the `original` tool over the real MCP protocol (the `mcp` package's client),
reading the hook's store and the proxy's pair store."""

from __future__ import annotations

import asyncio
import os

import pytest

from kompress.integrations import claude_code as cc
from kompress.serving.mcp import CLAUDE_TOOL, OriginalNotFound, Stores, build_server, line_range

from .conftest import SAMPLES

TEXT = (SAMPLES / "service_log.txt").read_text()


def _call(server_or_params, args: dict):
    from mcp import Client

    async def go():
        async with Client(server_or_params) as client:
            tools = await client.list_tools()
            result = await client.call_tool("original", args)
            return tools, result

    return asyncio.run(go())


def _text(result) -> str:
    return "".join(c.text for c in result.content if getattr(c, "type", "") == "text")


def test_hook_hash_is_the_proxys():
    pytest.importorskip("sqlalchemy")
    from kompress.serving.proxy.store import content_hash

    for t in (TEXT, "héllo\udc80 wörld", ""):
        assert cc.content_hash(t) == content_hash(t)


def test_original_from_hook_store_whole_and_lines(tmp_path):
    saved = cc._save_original(TEXT, tmp_path / "session-1", "bash-stdout")
    digest = cc.content_hash(TEXT)
    assert saved.name.endswith(f"-{digest}.txt")
    server = build_server(Stores(hook_dir=tmp_path))
    tools, result = _call(server, {"hash": digest})
    assert [t.name for t in tools.tools] == ["original"] and not result.is_error
    assert _text(result) == TEXT
    _, result = _call(server, {"hash": digest.upper(), "start_line": 2, "end_line": 3})
    assert _text(result) == "".join(TEXT.splitlines(keepends=True)[1:3])
    _, result = _call(server, {"hash": "0" * 16})
    assert result.is_error and "no original with hash" in _text(result)


def test_original_from_proxy_pair_store(tmp_path):
    pytest.importorskip("sqlalchemy")
    from kompress.serving.proxy.store import PairStore, content_hash

    db = str(tmp_path / "pairs.db")
    store = PairStore(db)
    store.add(original=TEXT, compressed="x", domain="log", model_id="m", keep_rate=0.5, latency_ms=1.0,
              request_id="r1", api="openai")
    store.close()
    stores = Stores(hook_dir=tmp_path / "empty", db=db)
    assert stores.find(content_hash(TEXT)) == TEXT


def test_line_range_limits():
    text = "".join(f"line {i}\n" for i in range(1, 1001))
    cut = line_range(text, max_chars=100)
    assert cut.startswith("line 1\n") and "of 1000" in cut.splitlines()[-1] and len(cut) < 200
    assert line_range(text, 999) == "line 999\nline 1000\n"
    with pytest.raises(OriginalNotFound, match="has 1000 lines"):
        line_range(text, 1001, 1002)
    with pytest.raises(OriginalNotFound, match="not a content hash"):
        Stores(hook_dir=None).find("../etc/passwd")


def test_kompress_mcp_over_stdio(tmp_path):
    """The command the install registers, spoken to over stdio as Claude Code does."""
    from mcp import StdioServerParameters

    cc._save_original(TEXT, tmp_path / "s", "bash-stdout")
    entry = cc.mcp_entry()
    params = StdioServerParameters(command=entry["command"], args=entry["args"],
                                   env={**os.environ, "KOMPRESS_HOOK_DIR": str(tmp_path)})
    _, result = _call(params, {"hash": cc.content_hash(TEXT), "start_line": 1, "end_line": 1})
    assert _text(result) == TEXT.splitlines(keepends=True)[0]


def test_hook_note_names_the_tool(tmp_path):
    r = {"tokens_in": 100, "tokens_out": 40}
    path = cc._save_original(TEXT, tmp_path, "bash-stdout")
    note = cc.note_line("stdout", r, path)
    assert CLAUDE_TOOL in note and cc.content_hash(TEXT) in note and note.endswith(f"full original: {path}")


def test_original_with_a_query_returns_the_lines_that_answer_it(tmp_path):
    cc._save_original(TEXT, tmp_path / "session-1", "bash-stdout")
    digest = cc.content_hash(TEXT)
    server = build_server(Stores(hook_dir=tmp_path))
    _, result = _call(server, {"hash": digest, "query": "which request raised the ValueError"})
    out = _text(result)
    assert not result.is_error and "ValueError: invalid literal for int()" in out
    lines = set(TEXT.splitlines())
    assert all(ln in lines or (ln.startswith("[... ") and ln.endswith(" ...]")) for ln in out.splitlines())
    assert len(out) < len(TEXT) / 2
