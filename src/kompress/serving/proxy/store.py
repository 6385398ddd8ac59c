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

**Journal** (``PairStore(url, journal=PATH)``, what the proxy opens): a write-ahead file of
pairs not yet in the database, so that neither a slow or locked database nor a killed
process loses a pair. :meth:`PairStore.add` redacts the pair, appends it to the journal as
one JSON line (written to the operating system at once: it survives ``kill -9``; fsynced at
least once a second, for power loss) and hands it to a writer thread that inserts it into the
database; once every journaled pair is in the database the journal is truncated. On start-up
the entries a previous process left are inserted (pairs are unique on ``(hash, model_id)``,
so replaying is idempotent) and the journal is truncated. :meth:`PairStore.close` drains the
writer for at most ``shutdown_timeout`` seconds; what is left stays in the journal for the
next start. The file is created ``0600`` and locked (``flock``) by the process that owns it;
a second proxy on the same path takes ``PATH-2`` (``pairs.db.journal-2.jsonl``) and so on, and
every proxy that starts also replays (and removes) the numbered journals no live process holds.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import queue
import threading
from datetime import datetime, timezone
from typing import Any, Iterator

try:
    import fcntl
except ImportError:  # Windows: no flock; one proxy per journal is then the user's business
    fcntl = None  # type: ignore[assignment]

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

log = logging.getLogger("kompress.serving.proxy")

TABLE = "kompress_pairs"
HASH_CHARS = 16  # 64 bits of SHA-256: unique across any realistic log, short in the note
#: How long :meth:`PairStore.add` waits for its own row to reach the database when the writer
#: has nothing queued (so a reader right after sees it); a slower database is left to the
#: writer thread, the row being safe in the journal.
SYNC_WAIT_S = 0.5
#: The journal is fsynced at least this often while it has unsynced lines.
FSYNC_INTERVAL_S = 1.0

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
    Thread-safe; the table is created on first use. ``journal``: the write-ahead journal's
    path (see the module docstring; None: rows are inserted synchronously, as readers and
    tools want); ``shutdown_timeout``: how long :meth:`close` drains the journal's writer.
    Raises :class:`JournalError` when the journal cannot be opened or another process holds it.
    """

    def __init__(self, url: str, journal: str | os.PathLike | None = None, shutdown_timeout: float = 10.0) -> None:
        u = to_url(url)
        self.url = u.render_as_string(hide_password=True)
        self.is_sqlite = u.get_backend_name() == "sqlite"
        self.engine: Engine = self._create_engine(u)
        # SQLite has one writer at a time; serialising our own writes means none of them
        # waits on the file lock (other processes are covered by busy_timeout).
        self._write_lock = threading.Lock() if self.is_sqlite else None
        _metadata.create_all(self.engine, checkfirst=True)
        self._add_missing_columns()
        self.shutdown_timeout = shutdown_timeout
        self.journal: Journal | None = None
        self.replayed = 0  # pairs a previous process left in the journal, inserted at start-up
        if journal is not None:
            self.journal = Journal.open_free(journal)
            try:
                self.replayed = self._replay(self.journal)
                # Journals of other proxies on the same path that died (kill -9, power loss).
                for path in Journal.siblings(journal):
                    if path == self.journal.path:
                        continue
                    try:
                        orphan = Journal(path)
                    except JournalError:
                        continue  # a live proxy's
                    try:
                        self.replayed += self._replay(orphan)
                        os.unlink(orphan.path)
                    finally:
                        orphan.close()
            except Exception:
                self.journal.close()
                raise
            self._queue: queue.Queue = queue.Queue()
            self._unwritten = 0  # journaled rows not yet in the database
            self._jlock = threading.Lock()  # journal appends, the unwritten count, truncation
            self._stopping = threading.Event()
            self._writer = threading.Thread(target=self._write_loop, name="kompress-journal-writer", daemon=True)
            self._syncer = threading.Thread(target=self._sync_loop, name="kompress-journal-sync", daemon=True)
            self._writer.start()
            self._syncer.start()

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
        if self.journal is not None:
            self._journal_add(row)
        else:
            self._insert_locked([row])
        return h

    def _insert_locked(self, rows: list[dict]) -> None:
        if self._write_lock is not None:
            with self._write_lock:
                self._insert_many(rows)
        else:
            self._insert_many(rows)

    def _insert_many(self, rows: list[dict]) -> None:
        """Insert ``rows`` in one transaction (duplicates ignored)."""
        if not rows:
            return
        if self.engine.dialect.name in ("sqlite", "postgresql") or len(rows) == 1:
            if len(rows) == 1:
                self._insert(rows[0])
                return
            if self.engine.dialect.name == "sqlite":
                from sqlalchemy.dialects.sqlite import insert as dialect_insert
            else:
                from sqlalchemy.dialects.postgresql import insert as dialect_insert
            stmt = dialect_insert(pairs).on_conflict_do_nothing(index_elements=["hash", "model_id"])
            with self.engine.begin() as conn:
                conn.execute(stmt, rows)
            return
        for row in rows:
            self._insert(row)

    # ------------------------------------------------------------------ journal
    def _journal_add(self, row: dict) -> None:
        """Append ``row`` to the journal and queue it for the writer; wait briefly for it to
        reach the database when no other row is on its way there.

        "On its way" counts the batch the writer holds, not only the queue: with the database
        locked or slow, the writer sits on a batch with the queue empty, and the next row would
        wait :data:`SYNC_WAIT_S` for nothing, holding the proxy's pairs behind it back from the
        journal (exposed to a ``kill -9``) that long."""
        item = _Pending(row)
        with self._jlock:
            self.journal.append(row)  # type: ignore[union-attr]
            ahead = self._unwritten
            self._unwritten += 1
            self._queue.put(item)
        if ahead == 0 and item.done.wait(SYNC_WAIT_S) and item.error is not None:
            raise item.error

    def _replay(self, journal: "Journal") -> int:
        """Insert what ``journal`` holds (left by a process that did not finish), then truncate it."""
        rows, bad = journal.entries()
        for start in range(0, len(rows), 500):
            self._insert_locked(rows[start : start + 500])
        if bad:
            log.warning("kompress proxy: %d unreadable line(s) in the journal %s skipped (a write cut short)",
                        bad, journal.path)
        if rows:
            log.info("kompress proxy: %d pair(s) from the journal %s written to the store", len(rows), journal.path)
        journal.truncate()
        return len(rows)

    def _write_loop(self) -> None:
        """Writer thread: move queued rows into the database, a batch per transaction."""
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch = [item]
            while len(batch) < 200:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(nxt)
            self._write_batch(batch)

    def _write_batch(self, batch: list["_Pending"]) -> None:
        delay = 0.2
        while True:
            try:
                self._insert_locked([p.row for p in batch])
                error = None
                break
            except OperationalError as e:
                # Locked, busy, connection lost: transient. The rows are safe in the journal;
                # try again unless shutting down (then the next start replays them).
                log.warning("kompress proxy: the pair store is unavailable (%s); retrying", type(e).__name__)
                if self._stopping.wait(delay):
                    for p in batch:
                        p.error = e
                        p.done.set()
                    return
                delay = min(delay * 2, 5.0)
            except Exception as e:  # noqa: BLE001 - a row the database refuses: it would fail forever
                log.error("kompress proxy: storing %d pair(s) failed (%s)", len(batch), type(e).__name__)
                error = e
                break
        with self._jlock:
            self._unwritten -= len(batch)
            if self._unwritten == 0:
                self.journal.truncate()  # type: ignore[union-attr]
        for p in batch:
            p.error = error
            p.done.set()

    def _sync_loop(self) -> None:
        while not self._stopping.wait(FSYNC_INTERVAL_S):
            try:
                with self._jlock:  # never an fsync on a descriptor close() has just released
                    self.journal.sync()  # type: ignore[union-attr]
            except OSError as e:  # a full disk: logged; the lines are still in the OS's cache
                log.error("kompress proxy: fsync of the journal failed (%s)", e)

    def pending(self) -> int:
        """Journaled pairs not yet in the database (0 without a journal)."""
        return self._unwritten if self.journal is not None else 0

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

    def close(self, timeout: float | None = None) -> None:
        """Drain the journal's writer (at most ``timeout`` s, default ``shutdown_timeout``: what
        is left stays in the journal for the next start), then release the connection pool."""
        if self.journal is not None and not self.journal.closed:
            self._queue.put(None)
            self._writer.join(self.shutdown_timeout if timeout is None else timeout)
            self._stopping.set()
            left = self.pending()
            if left:
                log.warning("kompress proxy: %d pair(s) not yet in the store stay in the journal %s; "
                            "they are written at the next start", left, self.journal.path)
            with self._jlock:  # no append or truncation runs into a closed descriptor
                self.journal.close()
            if self._writer.is_alive():
                return  # it holds a connection: leave the pool to the process's exit
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


class JournalError(RuntimeError):
    """The journal cannot be opened, or another process holds it."""


class _Pending:
    """A journaled row on its way to the database."""

    __slots__ = ("row", "done", "error")

    def __init__(self, row: dict) -> None:
        self.row = row
        self.done = threading.Event()
        self.error: BaseException | None = None


class Journal:
    """An append-only JSON-lines file of redacted rows (see :class:`PairStore`), mode 0600,
    held with an exclusive ``flock`` while open. Not thread-safe by itself: the store
    serialises appends and truncation. Raises :class:`JournalError` when the file cannot be
    opened or another process holds it (:meth:`open_free` then tries the next name)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = os.path.abspath(os.path.expanduser(os.fspath(path)))
        try:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError as e:
            raise JournalError(f"{self.path}: cannot open the journal ({e.strerror})") from None
        os.fchmod(self.fd, 0o600)  # an older file with wider permissions: pairs are private
        if fcntl is not None:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(self.fd)
                raise JournalError(f"{self.path}: the journal is in use by another kompress proxy") from None
        self.closed = False
        self._dirty = False

    #: A second proxy on the same journal path takes PATH-2, PATH-3 ... up to this many.
    MAX_SIBLINGS = 16

    @classmethod
    def siblings(cls, path: str | os.PathLike) -> list[str]:
        """``path`` and the names other proxies on the same path use (``pairs.db.journal-2.jsonl``)."""
        path = os.path.abspath(os.path.expanduser(os.fspath(path)))
        root, ext = os.path.splitext(path)
        return [path] + [f"{root}-{i}{ext}" for i in range(2, cls.MAX_SIBLINGS + 1)]

    @classmethod
    def open_free(cls, path: str | os.PathLike) -> "Journal":
        """The journal at ``path``, or at the first of its siblings no live process holds."""
        error: JournalError | None = None
        for candidate in cls.siblings(path):
            try:
                return cls(candidate)
            except JournalError as e:
                if fcntl is None or "in use" not in str(e):
                    raise
                error = error or e
        raise error  # type: ignore[misc]

    def entries(self) -> tuple[list[dict], int]:
        """The rows in the file and the number of unreadable lines (a write cut short)."""
        rows: list[dict] = []
        bad = 0
        with open(self.fd, "rb", closefd=False) as f:
            f.seek(0)
            for line in f:
                try:
                    row = json.loads(line)
                    row["created_at"] = datetime.fromisoformat(row["created_at"])
                    rows.append({k: row.get(k) for k in _COLUMNS})
                except (ValueError, KeyError, TypeError):
                    bad += 1
        return rows, bad

    def append(self, row: dict) -> None:
        """Write one row as one line, straight to the OS (it survives the process)."""
        if self.closed:
            raise JournalError(f"{self.path}: the journal is closed (the store is shutting down)")
        data = json.dumps({**row, "created_at": row["created_at"].isoformat()}, ensure_ascii=False)
        buf = (data + "\n").encode("utf-8", "surrogatepass")
        while buf:
            n = os.write(self.fd, buf)
            buf = buf[n:]
        self._dirty = True

    def sync(self) -> None:
        """fsync when lines were written since the last one."""
        if self._dirty and not self.closed:
            self._dirty = False
            os.fsync(self.fd)

    def truncate(self) -> None:
        """Empty the file (every row in it is in the database)."""
        if self.closed:
            return
        os.ftruncate(self.fd, 0)
        self._dirty = True

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            os.fsync(self.fd)
        finally:
            os.close(self.fd)  # releases the flock


def default_journal_path(url: str) -> str | None:
    """Where the proxy keeps the journal of ``url`` by default: next to a SQLite file
    (``pairs.db.journal.jsonl``), else in the kompress cache folder, named by the URL
    (password masked); None for an in-memory SQLite database."""
    u = to_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database in (None, "", ":memory:"):
            return None
        return os.path.abspath(u.database) + ".journal.jsonl"
    base = os.environ.get("KOMPRESS_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "kompress")
    key = hashlib.sha256(display_url(url).encode()).hexdigest()[:16]
    return os.path.join(base, "proxy-journal", f"{key}.jsonl")
