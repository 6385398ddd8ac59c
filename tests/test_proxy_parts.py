"""The proxy's parts on their own: redaction, finding/splicing tool outputs, the pair store
(SQLite and PostgreSQL), configuration, and the ``kompress original`` command."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid

import pytest

from kompress.decision.options import CompressOptions

from kompress.cli import main
from kompress.serving.proxy.config import ProxyConfig
from kompress.serving.proxy.redact import redact, redact_pair
from kompress.serving.proxy.rewrite import api_for_path, find_tool_texts, splice
from kompress.serving.proxy.store import PairStore, content_hash, normalize_url

PG_URL = os.environ.get("KOMPRESS_TEST_PG_URL", "postgresql+psycopg://kompress:kompress@127.0.0.1:5432/kompress")

# Fake but well-formed secrets of every kind the store must never keep.
SECRETS = {
    "openai": "sk-proj-Q1w2E3r4T5y6U7i8O9p0AaSsDdFf",
    "anthropic": "sk-ant-api03-ZzXxCcVvBbNnMm1234567890",
    "aws": "AKIAIOSFODNN7EXAMPLE",
    "github": "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
    "github_pat": "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "bearer": "abc123def456ghi789jkl",
    "header": "hunter2-very-secret-value",
}


def secret_text(tag: str = "") -> str:
    """A tool output (env dump + curl trace) carrying every kind of secret."""
    return (
        f"$ env | sort   {tag}\n"
        f"OPENAI_API_KEY={SECRETS['openai']}\n"
        f"ANTHROPIC_API_KEY={SECRETS['anthropic']}\n"
        f"AWS_ACCESS_KEY_ID={SECRETS['aws']}\n"
        f"GITHUB_TOKEN={SECRETS['github']}\n"
        f"GH_PAT={SECRETS['github_pat']}\n"
        f"SESSION={SECRETS['jwt']}\n"
        "$ curl -v https://api.example.com/items\n"
        f"> Authorization: Bearer {SECRETS['bearer']}\n"
        f"> x-api-key: {SECRETS['header']}\n"
        "< HTTP/1.1 200 OK\n"
    )


def assert_no_secret(blob: str | bytes) -> None:
    for kind, value in SECRETS.items():
        needle = value.encode() if isinstance(blob, bytes) else value
        assert needle not in blob, f"{kind} secret leaked"


# ---------------------------------------------------------------------- redaction
def test_redact_removes_every_secret_kind_and_keeps_the_rest():
    out = redact(secret_text())
    assert_no_secret(out)
    # Structure and non-secret words survive; header names stay, values go.
    assert "OPENAI_API_KEY=[REDACTED:openai-key]" in out
    assert "ANTHROPIC_API_KEY=[REDACTED:anthropic-key]" in out
    assert "AWS_ACCESS_KEY_ID=[REDACTED:aws-key-id]" in out
    assert "GITHUB_TOKEN=[REDACTED:github-token]" in out
    assert "SESSION=[REDACTED:jwt]" in out
    assert "> Authorization: [REDACTED:header]" in out
    assert "> x-api-key: [REDACTED:header]" in out
    assert "< HTTP/1.1 200 OK" in out and "$ curl -v https://api.example.com/items" in out
    assert redact(out) == out  # idempotent


def test_redact_bearer_inline_and_private_key_and_leaves_lookalikes():
    text = 'curl -H "X: 1" --oauth2-bearer x; token: Bearer abcdefABCDEF0123456789.xyz done'
    assert "abcdefABCDEF0123456789" not in redact(text)
    pem = "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\nafter"
    assert redact(pem) == "key:\n[REDACTED:private-key]\nafter"
    benign = "import sklearn  # sk-learn task-force AKIA ghp_short eyJ only bearer-less mask-rcnn"
    assert redact(benign) == benign


def test_redact_pair_scrubs_secrets_that_lost_their_context():
    original = secret_text()
    # Word-level compression kept the tokens but dropped the words that identified them.
    compressed = f"env {SECRETS['bearer']} {SECRETS['header']} ok"
    assert redact(compressed) == compressed  # on its own, nothing looks like a secret
    red_original, red_compressed = redact_pair(original, compressed)
    assert red_original == redact(original)
    assert red_compressed == "env [REDACTED] [REDACTED] ok"


# ---------------------------------------------------------------------- finding tool outputs
def test_api_for_path():
    assert api_for_path("/v1/chat/completions", "openai") == "openai-chat"
    assert api_for_path("/v1/responses", "openai") == "openai-responses"
    assert api_for_path("/v1/messages", "anthropic") == "anthropic-messages"
    assert api_for_path("/v1/messages/count_tokens", "anthropic") == "anthropic-messages"
    assert api_for_path("/v1/models", "openai") is None
    assert api_for_path("/v1/messages/batches", "anthropic") is None


def test_routing_and_url_joining():
    from kompress.serving.proxy.app import _is_anthropic, _join

    assert _is_anthropic("/v1/messages", {}) and _is_anthropic("/v1/models", {"anthropic-version": "2023-06-01"})
    assert not _is_anthropic("/v1/models", {}) and not _is_anthropic("/v1/chat/completions", {})
    assert _join("https://api.openai.com", "/v1/chat/completions", "") == "https://api.openai.com/v1/chat/completions"
    assert _join("https://h/v1/", "/v1/models", "a=1") == "https://h/v1/models?a=1"  # no second /v1
    assert _join("https://h/openai", "/v1/models", "") == "https://h/openai/v1/models"


def test_find_openai_chat_tool_messages_with_names():
    body = {
        "messages": [
            {"role": "system", "content": "sys"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "bash", "arguments": "{}"}},
                {"id": "c2", "type": "function", "function": {"name": "read_file", "arguments": "{}"}},
            ]},
            {"role": "tool", "tool_call_id": "c1", "content": "out one"},
            {"role": "tool", "tool_call_id": "c2", "content": [
                {"type": "text", "text": "part a"}, {"type": "image_url", "image_url": {"url": "data:"}},
                {"type": "text", "text": "part b"}]},
            {"role": "tool", "tool_call_id": "unknown", "content": "orphan"},
            {"role": "function", "name": "legacy", "content": "old style"},
            {"role": "tool", "content": 42},  # wrong type: skipped, no error
            "not a message",
        ]
    }
    found = [(t.path, t.text, t.tool_name) for t in find_tool_texts("openai-chat", body)]
    assert found == [
        (("messages", 2, "content"), "out one", "bash"),
        (("messages", 3, "content", 0, "text"), "part a", "read_file"),
        (("messages", 3, "content", 2, "text"), "part b", "read_file"),
        (("messages", 4, "content"), "orphan", None),
        (("messages", 5, "content"), "old style", "legacy"),
    ]


def test_find_openai_responses_function_call_outputs():
    body = {"input": [
        {"role": "user", "content": "hi"},
        {"type": "function_call", "call_id": "k1", "name": "grep", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "k1", "output": "grep result"},
        {"type": "function_call_output", "call_id": "k9", "output": [
            {"type": "input_text", "text": "listed"}, {"type": "input_image", "image_url": "x"}]},
    ]}
    found = [(t.path, t.text, t.tool_name) for t in find_tool_texts("openai-responses", body)]
    assert found == [(("input", 2, "output"), "grep result", "grep"),
                     (("input", 3, "output", 0, "text"), "listed", None)]
    assert find_tool_texts("openai-responses", {"input": "just a string"}) == []


def test_find_anthropic_tool_results():
    body = {"messages": [
        {"role": "user", "content": "do it"},
        {"role": "assistant", "content": [{"type": "text", "text": "ok"},
                                          {"type": "tool_use", "id": "tu1", "name": "bash", "input": {}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "tu1", "content": "plain"},
            {"type": "tool_result", "tool_use_id": "tu1", "content": [
                {"type": "text", "text": "block"}, {"type": "image", "source": {}}]},
            {"type": "text", "text": "user words are never touched"},
        ]},
    ]}
    found = [(t.path, t.text, t.tool_name) for t in find_tool_texts("anthropic-messages", body)]
    assert found == [(("messages", 2, "content", 0, "content"), "plain", "bash"),
                     (("messages", 2, "content", 1, "content", 0, "text"), "block", "bash")]


def test_splice_changes_only_the_target_literals():
    raw = ('{ "a" : "caf\\u00e9 \\"q\\"",\n  "messages": [ {"role":"tool", "content": "x\\ny\\t\\u2603"},'
           ' {"content": "keep \\/ me"} ], "n": 1.50e+1, "u": "\\ud83d\\ude00" }')
    tree = json.loads(raw)
    start = raw.index('"x\\ny')
    end = raw.index('"}', start) + 1
    out = splice(raw, {("messages", 0, "content"): "NEW \"text\" ✓\n"})
    assert out[:start] == raw[:start] and out[-(len(raw) - end):] == raw[end:]
    expected = dict(tree)
    expected["messages"] = [{"role": "tool", "content": "NEW \"text\" ✓\n"}, {"content": "keep / me"}]
    assert json.loads(out) == expected
    # Lone surrogates stay escaped, so the body still encodes as UTF-8.
    out2 = splice(raw, {("a",): "bad \ud800 half"})
    assert json.loads(out2.encode("utf-8"))["a"] == "bad \ud800 half"
    with pytest.raises(ValueError):
        splice(raw, {("n",): "not a string"})


# ---------------------------------------------------------------------- store
@pytest.fixture(scope="module")
def pg_url():
    """A throw-away PostgreSQL database (dropped afterwards). Outside CI, skipped when no
    server answers; in CI (.ci/services.sh starts one) it must run."""
    sqlalchemy = pytest.importorskip("sqlalchemy")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except sqlalchemy.exc.OperationalError as e:
        admin.dispose()
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no PostgreSQL at {make_url(PG_URL).render_as_string()} (run .ci/services.sh): "
                    f"{str(e).splitlines()[0]}")
    name = f"kompress_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "pairs.db")  # a plain path means SQLite
    return request.getfixturevalue("pg_url")


def _add(store: PairStore, original: str, **kw) -> str:
    args = dict(compressed="c", domain="log", model_id="m@1", keep_rate=0.5, latency_ms=3.0,
                request_id="r1", api="openai-chat", tool_name="bash")
    args.update(kw)
    return store.add(original=original, **args)


def test_store_round_trip_dedup_and_redaction(store_url):
    with PairStore(store_url) as store:
        tag = uuid.uuid4().hex  # the Postgres database is shared by the module's tests
        original = secret_text(tag)
        h = _add(store, original, compressed=f"{original.splitlines()[1]}\n[... 9 lines omitted ...]\n")
        assert h == content_hash(original) and len(h) == 16
        assert _add(store, original, request_id="r2") == h  # same original, same model: stored once
        _add(store, original, model_id="m@2")  # another model: a new pair
        rows = [r for r in store.iter_pairs() if r["hash"] == h]
        assert [r["model_id"] for r in rows] == ["m@1", "m@2"]
        row = rows[0]
        assert set(row) >= {"hash", "original", "compressed", "domain", "model_id", "keep_rate", "latency_ms",
                            "created_at", "request_id", "api", "tool_name"}
        assert (row["domain"], row["keep_rate"], row["latency_ms"], row["request_id"], row["api"], row["tool_name"]) == (
            "log", 0.5, 3.0, "r1", "openai-chat", "bash")
        assert row["created_at"].endswith("+00:00")
        assert row["original"] == redact(original) and tag in row["original"]
        assert row["compressed"] == "OPENAI_API_KEY=[REDACTED:openai-key]\n[... 9 lines omitted ...]\n"
        for r in rows:
            assert_no_secret(json.dumps(r))
        assert store.get_original(h) == redact(original)
        assert store.get_original("0" * 16) is None


def test_store_concurrent_writers_lose_nothing(store_url):
    with PairStore(store_url) as store:
        before = store.count()
        tag = uuid.uuid4().hex

        def writer(w: int) -> None:
            for i in range(25):
                _add(store, f"{tag} writer {w} item {i}\n" * 3)

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert store.count() - before == 200
        assert len({r["hash"] for r in store.iter_pairs(batch=37) if tag in r["original"]}) == 200


def test_store_keeps_the_query_redacted(store_url):
    with PairStore(store_url) as store:
        tag = uuid.uuid4().hex
        original = secret_text(tag)
        # The agent echoed a key from the output without its name, and quoted a bearer token.
        query = (f"I'll retry with {SECRETS['bearer']} set\nBash command=curl -H 'Authorization: Bearer "
                 f"{SECRETS['github']}' {tag}\nwhy does the API answer 401?")
        h = _add(store, original, query=query)
        h2 = _add(store, f"{tag} no query\n")
        rows = {r["hash"]: r for r in store.iter_pairs() if tag in r["original"]}
        assert rows[h2]["query"] is None
        stored = rows[h]["query"]
        assert stored.startswith("I'll retry with [REDACTED] set") and stored.endswith("why does the API answer 401?")
        assert tag in stored and SECRETS["github"] not in stored
        assert_no_secret(json.dumps(rows[h]))


OLD_SCHEMA = """CREATE TABLE kompress_pairs (
    id INTEGER NOT NULL PRIMARY KEY, hash VARCHAR(64) NOT NULL, original TEXT NOT NULL, compressed TEXT NOT NULL,
    domain VARCHAR(32) NOT NULL, model_id VARCHAR(255) NOT NULL, keep_rate FLOAT NOT NULL, latency_ms FLOAT NOT NULL,
    tokens_in INTEGER, tokens_out INTEGER, created_at DATETIME NOT NULL, request_id VARCHAR(64) NOT NULL,
    api VARCHAR(32) NOT NULL, tool_name VARCHAR(255), mode VARCHAR(16),
    CONSTRAINT uq_kompress_pairs_hash_model UNIQUE (hash, model_id))"""


def test_store_made_before_the_query_column_gets_it(tmp_path):
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:  # a log written by a kompress without queries
        conn.execute(OLD_SCHEMA)
        conn.execute("INSERT INTO kompress_pairs (hash, original, compressed, domain, model_id, keep_rate, latency_ms, "
                     "created_at, request_id, api) VALUES ('0123456789abcdef', 'old', 'o', 'log', 'm@1', 0.5, 1.0, "
                     "'2025-01-02 03:04:05', 'r0', 'openai-chat')")
    for _ in range(2):  # the second open finds the column already there
        with PairStore(str(db)) as store:
            h = _add(store, "new\n", query="what changed?")
            assert [(r["original"], r["query"]) for r in store.iter_pairs()] == [("old", None), ("new\n", "what changed?")]
            assert store.get_original(h) == "new\n"
    with sqlite3.connect(db) as conn:
        assert "query" in [row[1] for row in conn.execute("PRAGMA table_info(kompress_pairs)")]


def test_sqlite_store_is_wal_and_urls_normalise(tmp_path):
    path = tmp_path / "sub" / "log.db"
    PairStore(str(path)).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert normalize_url(str(path)) == f"sqlite:///{path}"
    assert normalize_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalize_url("sqlite:///:memory:") == "sqlite:///:memory:"
    with PairStore("sqlite:///:memory:") as mem:
        h = _add(mem, "in memory\n")
        assert mem.get_original(h) == "in memory\n"


# ---------------------------------------------------------------------- config
def test_config_from_env_then_flags():
    env = {"KOMPRESS_PROXY_MIN_TOKENS": "300", "KOMPRESS_PROXY_MODE": "shadow", "KOMPRESS_PROXY_EXCLUDE_TOOLS": "a, b",
           "KOMPRESS_PROXY_NOTE": "0", "KOMPRESS_PROXY_RATE": "0.4", "KOMPRESS_MODEL": "/m"}
    cfg = ProxyConfig.from_env(env, mode="compress", port=None)
    assert (cfg.options.min_tokens, cfg.mode, cfg.exclude_tools, cfg.note, cfg.options.rate, cfg.model, cfg.port) == (
        300, "compress", frozenset({"a", "b"}), False, 0.4, "/m", 8787)
    assert ProxyConfig.from_env(env, options={"rate": 0.2, "novelty": None}).options.rate == 0.2  # flags win
    assert ProxyConfig.from_env({}).options.min_tokens == 500  # the floor
    with pytest.raises(ValueError, match="mode"):
        ProxyConfig.from_env({"KOMPRESS_PROXY_MODE": "loud"})
    with pytest.raises(ValueError, match="give one of"):
        ProxyConfig.from_env({"KOMPRESS_PROXY_RATE": "0.5", "KOMPRESS_PROXY_THRESHOLD": "0.5"})
    with pytest.raises(ValueError, match=r"KOMPRESS_PROXY_THRESHOLD: threshold must be in \[0, 1\]"):
        ProxyConfig.from_env({"KOMPRESS_PROXY_THRESHOLD": "1.5"})
    assert ProxyConfig.from_env({"KOMPRESS_PROXY_COVERAGE": "0.97"}).options.coverage == 0.97
    assert ProxyConfig.from_env({"KOMPRESS_PROXY_NOVELTY": "0.5"}).options.novelty == 0.5
    with pytest.raises(ValueError, match="novelty"):
        ProxyConfig.from_env({"KOMPRESS_PROXY_NOVELTY": "-1"})
    with pytest.raises(ValueError, match="finite"):
        ProxyConfig.from_env({"KOMPRESS_PROXY_RATE": "nan"})
    assert ProxyConfig.from_env({}).derive_query is False  # opt-in (README, "Queries")
    assert ProxyConfig.from_env({"KOMPRESS_PROXY_DERIVE_QUERY": "1"}).derive_query is True
    assert ProxyConfig.from_env({"KOMPRESS_PROXY_DERIVE_QUERY": "0"}, derive_query=True).derive_query is True


def test_engine_compresses_with_the_configured_novelty(minilm_compressor):
    from pathlib import Path

    from kompress.serving.proxy.engine import CompressionEngine

    text = (Path(__file__).resolve().parent.parent / "samples" / "service_log.txt").read_text()
    outs = []
    for novelty in (0.0, 0.3):
        engine = CompressionEngine(ProxyConfig(options=CompressOptions(threshold=0.99, novelty=novelty, structure=False), note=False),
                                   compressor=minilm_compressor)
        outcome, _ = engine._work(content_hash(text), text, None, "openai", "req-1")
        assert outcome.text == minilm_compressor.compress(text, threshold=0.99, novelty=novelty, structure=False).text
        outs.append(outcome.text)
    assert outs[0] != outs[1]  # the option reaches the compressor


def grep_context_lines(n: int = 40) -> str:
    """``grep -A1``-style lines, a match (``path:N:``, which stays: a search's answer) and a
    context line (``path-N-``, which may go) by turns."""
    return "".join(f"src/app/handlers/mod_{i % 7}.py{':-'[i % 2]}{10 + i}{':-'[i % 2]}    def handle_{i}(self, request):\n"
                   for i in range(n))


def test_engine_cache_key_holds_the_query(minilm_compressor, tmp_path):
    """Same output, two queries: two compressions; the same query again: no new one. With
    derivation off, the query plays no part in the key."""
    import asyncio
    from dataclasses import replace

    from kompress.serving.proxy.engine import CompressionEngine
    from kompress.serving.proxy.rewrite import ToolText

    text = grep_context_lines()
    first = ToolText(("messages", 0, "content"), text, "bash", "c0", "which handler takes the request?")
    texts = [first, replace(first, path=("messages", 1, "content"), call_id="c1", query="where is handle_7 defined?"),
             replace(first, path=("messages", 2, "content"), call_id="c2")]  # the first query again
    opts = CompressOptions(rate=0.5, min_tokens=10)

    async def run(engine: CompressionEngine, *batches: list[ToolText]) -> list[dict]:
        try:
            return [await engine.process("openai-chat", batch, "req-q") for batch in batches]
        finally:
            await engine.aclose()

    with PairStore(str(tmp_path / "q.db")) as store:
        engine = CompressionEngine(ProxyConfig(options=opts, derive_query=True), compressor=minilm_compressor, store=store)
        out, again = asyncio.run(run(engine, texts, texts[:1]))
        # Two compress calls, one per query (the repeat shared its twin's), then a cache hit.
        assert _sample(engine.metrics, "kompress_proxy_compression_seconds_count") == 2
        assert _sample(engine.metrics, "kompress_proxy_cache_hits_total") == 1 and len(engine._cache) == 2
        assert len(out) == 3 and out[texts[0].path] == out[texts[2].path] == again[texts[0].path] != text
        # The note's hash is the content hash whatever the query: the original is found by it.
        assert content_hash(text) in out[texts[1].path] and engine.original(content_hash(text)) == text
        (pair,) = store.iter_pairs()  # one output, one model: stored once, with the query it came with
        assert pair["query"] in (texts[0].query, texts[1].query)

    engine = CompressionEngine(ProxyConfig(options=opts, derive_query=False), compressor=minilm_compressor)
    asyncio.run(run(engine, texts))
    assert _sample(engine.metrics, "kompress_proxy_compression_seconds_count") == 1 and len(engine._cache) == 1


def _sample(metrics, name: str) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(metrics.render().decode()):
        for s in family.samples:
            if s.name == name:
                return s.value
    return 0.0


# ---------------------------------------------------------------------- CLI
def test_cli_original_prints_the_stored_original(tmp_path, capsys):
    db = tmp_path / "log.db"
    with PairStore(str(db)) as store:
        h = _add(store, "line one\nline two\n")
    assert main(["original", h, "--db", str(db)]) == 0
    assert capsys.readouterr().out == "line one\nline two\n"
    assert main(["original", h.upper(), "--db", f"sqlite:///{db}"]) == 0
    assert capsys.readouterr().out == "line one\nline two\n"


@pytest.mark.parametrize("argv, message", [
    (["original", "abc", "--db", "x.db"], "not a content hash"),
    (["original", "0123456789abcdef", "--db", "missing.db"], "no such database file"),
    (["original", "0123456789abcdef"], "give the pair store"),
])
def test_cli_original_errors(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KOMPRESS_PROXY_LOG_DB", raising=False)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_cli_original_unknown_hash(tmp_path, capsys):
    db = tmp_path / "log.db"
    PairStore(str(db)).close()
    assert main(["original", "0123456789abcdef", "--db", str(db)]) == 2
    assert "no original with hash 0123456789abcdef" in capsys.readouterr().err


def test_cli_proxy_bad_model_is_a_one_line_error(tmp_path, capsys):
    assert main(["proxy", "--model", str(tmp_path / "nope"), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "not a Kompress model folder" in err and err.startswith("kompress proxy: error:")
