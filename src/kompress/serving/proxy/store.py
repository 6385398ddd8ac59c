"""The pair store: every tool output the proxy compressed, with its compression.

One table, ``kompress_pairs``, in any database SQLAlchemy speaks. A plain file path means
SQLite, opened in WAL mode with a busy timeout, and writes from one process go through one
lock (SQLite allows one writer at a time; WAL lets readers go on meanwhile), so no row is
lost under concurrency. PostgreSQL URLs (``postgresql://``, ``postgres://``) use the
psycopg 3 driver when psycopg2 is not installed.

Rows are keyed by the content hash of the original (:func:`content_hash`, the hash the
proxy prints in its note) and the model id: the same output compressed by the same model is
stored once, whatever the number of turns or proxy restarts that see it again.

Each pair may carry the ``query`` it was compressed for (derived from the conversation, see
:mod:`kompress.serving.proxy.query`; NULL when none). A database made before that column
existed gets it added when a :class:`PairStore` opens it.

Secrets never reach the database: ``original``, ``compressed`` and ``query`` go through
:func:`kompress.serving.proxy.redact.redact_derived` inside :meth:`PairStore.add`, whoever calls it, and no
request header is ever passed in. The hash is taken before redaction, so it matches the
note the agent saw.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from datetime import datetime, timezone
from typing import Any, Iterator

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    inspect,
    select,
)
from sqlalchemy import text as sql_text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.pool import StaticPool

from kompress.serving.proxy.redact import redact_derived

TABLE = "kompress_pairs"
HASH_CHARS = 16  # 64 bits of SHA-256: unique across any realistic log, short in the note

_metadata = MetaData()
pairs = Table(
    TABLE,
    _metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("hash", String(64), nullable=False, index=True),
    Column("original", Text, nullable=False),
    Column("compressed", Text, nullable=False),
    Column("domain", String(32), nullable=False),
    Column("model_id", String(255), nullable=False),
    Column("keep_rate", Float, nullable=False),
    Column("latency_ms", Float, nullable=False),
    Column("tokens_in", Integer),
    Column("tokens_out", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("request_id", String(64), nullable=False),
    Column("api", String(32), nullable=False),
    Column("tool_name", String(255)),
    Column("mode", String(16)),
    Column("query", Text),  # added after the first release: _add_missing_columns
    UniqueConstraint("hash", "model_id", name="uq_kompress_pairs_hash_model"),
)

_COLUMNS = [c.name for c in pairs.columns if c.name != "id"]


def content_hash(text: str) -> str:
    """The content hash of a tool output: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_CHARS]


def to_url(url: str) -> URL:
    """A SQLAlchemy URL for ``url``: plain paths become SQLite, ``postgres://`` gets a driver."""
    if "://" not in url:
        return URL.create("sqlite", database=os.path.abspath(os.path.expanduser(url)))
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    u = make_url(url)
    if u.drivername == "postgresql" and importlib.util.find_spec("psycopg2") is None:
        if importlib.util.find_spec("psycopg") is not None:
            u = u.set(drivername="postgresql+psycopg")
    return u


def normalize_url(url: str) -> str:
    """:func:`to_url` as a string (password included: not for logs, see :func:`display_url`)."""
    if "://" in url and not url.startswith(("postgres://", "postgresql://")):
        return url  # already a full URL: keep its spelling
    return to_url(url).render_as_string(hide_password=False)


def display_url(url: str) -> str:
    """``url`` with any password masked, for logs and error messages."""
    try:
        return to_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a bad URL is reported by the caller
        return "<unparseable URL>"


class PairStore:
    """Store and read (original, compressed) pairs.

    ``url``: a SQLAlchemy URL (``sqlite:///pairs.db``,
    ``postgresql+psycopg://user:pw@host/db``) or a plain file path meaning SQLite.
    Thread-safe; the table is created on first use.
    """

    def __init__(self, url: str) -> None:
        u = to_url(url)
        self.url = u.render_as_string(hide_password=True)
        self.is_sqlite = u.get_backend_name() == "sqlite"
        self.engine: Engine = self._create_engine(u)
        # SQLite has one writer at a time; serialising our own writes means none of them
        # waits on the file lock (other processes are covered by busy_timeout).
        self._write_lock = threading.Lock() if self.is_sqlite else None
        _metadata.create_all(self.engine, checkfirst=True)
        self._add_missing_columns()

    def _create_engine(self, u) -> Engine:
        if not self.is_sqlite:
            return create_engine(u, pool_pre_ping=True, pool_size=5, max_overflow=5)
        memory = u.database in (None, "", ":memory:")
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        if memory:
            kwargs["poolclass"] = StaticPool  # one shared connection, or each would see its own DB
        else:
            os.makedirs(os.path.dirname(os.path.abspath(u.database)) or ".", exist_ok=True)
        engine = create_engine(u, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:
            cur = dbapi_conn.cursor()
            if not memory:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine

    def _add_missing_columns(self) -> None:
        """Add the nullable columns a table made by an older kompress lacks (``query``)."""
        have = {c["name"] for c in inspect(self.engine).get_columns(TABLE)}
        prep = self.engine.dialect.identifier_preparer
        for col in pairs.columns:
            if col.name in have:
                continue
            ddl = (f"ALTER TABLE {prep.quote(TABLE)} ADD COLUMN {prep.quote(col.name)} "
                   f"{col.type.compile(dialect=self.engine.dialect)}")
            try:
                with self.engine.begin() as conn:
                    conn.execute(sql_text(ddl))
            except (OperationalError, ProgrammingError):
                # Another process added it first ("duplicate column"); anything else is real.
                if col.name not in {c["name"] for c in inspect(self.engine).get_columns(TABLE)}:
                    raise

    # ------------------------------------------------------------------ writing
    def add(
        self,
        *,
        original: str,
        compressed: str,
        domain: str,
        model_id: str,
        keep_rate: float,
        latency_ms: float,
        request_id: str,
        api: str,
        tool_name: str | None = None,
        tokens_in: int | None = None,
        tokens_out: int | None = None,
        mode: str | None = None,
        query: str | None = None,
    ) -> str:
        """Store one pair (secrets redacted) and return the original's content hash.

        ``query``: what it was compressed for (redacted like ``compressed``: a secret found in
        the original is scrubbed from it too). A pair already stored for the same original and
        model is kept as it is.
        """
        h = content_hash(original)
        original_r, compressed_r, query_r = redact_derived(original, compressed, query or None)
        row = {
            "hash": h,
            "original": original_r,
            "compressed": compressed_r,
            "domain": domain,
            "model_id": model_id,
            "keep_rate": float(keep_rate),
            "latency_ms": float(latency_ms),
            "tokens_in": tokens_in,
            "tokens_out": tokens_out,
            "created_at": datetime.now(timezone.utc),
            "request_id": request_id,
            "api": api,
            "tool_name": tool_name,
            "mode": mode,
            "query": query_r,
        }
        if self._write_lock is not None:
            with self._write_lock:
                self._insert(row)
        else:
            self._insert(row)
        return h

    def _insert(self, row: dict) -> None:
        backend = self.engine.dialect.name
        if backend in ("sqlite", "postgresql"):
            # Dialect upserts: a duplicate is not an error, and PostgreSQL logs nothing.
            if backend == "sqlite":
                from sqlalchemy.dialects.sqlite import insert as dialect_insert
            else:
                from sqlalchemy.dialects.postgresql import insert as dialect_insert
            stmt = dialect_insert(pairs).values(**row).on_conflict_do_nothing(index_elements=["hash", "model_id"])
            with self.engine.begin() as conn:
                conn.execute(stmt)
            return
        try:
            with self.engine.begin() as conn:
                conn.execute(pairs.insert().values(**row))
        except IntegrityError:
            pass  # same original, same model: already stored

    # ------------------------------------------------------------------ reading
    def iter_pairs(self, batch: int = 500) -> Iterator[dict]:
        """Every stored pair, oldest first, as dicts (``created_at`` as ISO-8601 UTC; ``query``
        None when the pair has none).

        Reads in keyset-paged batches, so no connection stays open between batches and
        memory is bounded on large logs.
        """
        last = 0
        cols = [pairs.c.id] + [pairs.c[name] for name in _COLUMNS]
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(select(*cols).where(pairs.c.id > last).order_by(pairs.c.id).limit(batch)).all()
            if not rows:
                return
            for r in rows:
                d = dict(r._mapping)
                last = d.pop("id")
                d["created_at"] = _iso_utc(d["created_at"])
                yield d

    def get_original(self, hash: str) -> str | None:  # noqa: A002 - the contract's name
        """The stored (redacted) original whose content hash is ``hash``, or None."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(pairs.c.original).where(pairs.c.hash == hash).order_by(pairs.c.id).limit(1)
            ).scalar()

    def count(self) -> int:
        """Number of stored pairs."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(pairs)).scalar() or 0)

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    def __enter__(self) -> "PairStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _iso_utc(value: datetime | str) -> str:
    if isinstance(value, str):  # some drivers hand back text
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:  # SQLite keeps no zone; we always write UTC
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()
