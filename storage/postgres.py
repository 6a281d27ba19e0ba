"""PostgreSQL behind the same storage layer (`DATABASE_URL=postgresql://…`).

The repositories are written once, in the SQL that SQLite and PostgreSQL share, with SQLite's
parameter style (`:name`, `?`). This module is the one place that knows the difference:

- **A connection works like an aiosqlite one.** Each is a psycopg 3 connection (sync, in
  autocommit so that `BEGIN`/`COMMIT` are the storage layer's own, as with SQLite's
  `isolation_level=None`) that lives on a thread of its own; `execute`, `executemany`,
  `execute_fetchall`, `executescript` and `_execute(fn, conn)` are one hop to that thread each,
  so `Database.run` and `Database.group` run their plain functions on it exactly as they do on
  SQLite's (the facade they are given has sqlite3's `execute(sql, params)`).
- **The SQL is translated once per statement text** (cached): placeholders to psycopg's,
  `INSERT OR IGNORE` to `ON CONFLICT DO NOTHING`, `x IS :p` to `IS NOT DISTINCT FROM`, and
  `BEGIN IMMEDIATE` to a transaction that first takes the **writer lock**, a transaction-level
  advisory lock: one write transaction at a time across every instance on the database, as
  SQLite has one writer, so a conditional write decided on what its transaction read gives the
  same result with two instances racing as with one. Migrations' DDL is translated too
  (`INTEGER` is `BIGINT`: Telegram's ids pass 2³¹; `STRICT` and `WITHOUT ROWID` go); a
  migration SQLite can only do by rebuilding a table has a `NNNN_name.postgres.sql` twin with
  the `ALTER TABLE` that PostgreSQL can do in place. `COLLATE NOCASE` and `instr()` are
  SQLite's and are created here (a case-insensitive ICU collation; a SQL function).
- **Values come back as SQLite gives them:** statements are bound on the client (psycopg's
  `ClientCursor`, so a parameter needs no declared type, as in SQLite), flags go in as 0/1,
  an integral `numeric` (what `SUM` of a `bigint` is) comes back as `int` and any other as
  `float`, rows answer to both `row[0]` and `row["name"]`, and psycopg's errors are raised as
  the sqlite3 ones the storage layer already handles (`IntegrityError` for a key taken, …).

Why psycopg 3 and not asyncpg: the storage layer's fast paths (group commit, batched reads) run
plain synchronous functions on a connection's own thread; psycopg 3 is the well-kept driver
with a synchronous API to give them, and its client-side binding keeps SQLite's typeless
parameters. Why not SQLAlchemy Core: the SQL the two engines share is nearly all of it; a
query builder would rewrite every repository to save the few translations above.
"""

from __future__ import annotations

import asyncio
import functools
import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg.adapt import Loader
from psycopg.pq import TransactionStatus
from psycopg.types.numeric import IntDumper

R = TypeVar("R")

# pg_advisory_xact_lock's key for "the writer": any fixed number no other lock uses.
WRITER_LOCK = 0x67776B01
MIGRATION_LOCK = 0x67776B02
LEADER_LOCK = 0x67776B03  # a session lock: the instance that runs the clock's jobs
# The first key of the two-key session locks of updates in hand (the second: the update's id).
UPDATE_LOCKS = 0x67776B04

# What SQLite has and PostgreSQL lacks, made (again: it is idempotent) before the migrations.
PRELUDE = """
DO $$ BEGIN
    CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE OR REPLACE FUNCTION instr(text, text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT strpos($1, $2)';
"""


def is_url(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


# --- SQL --------------------------------------------------------------------------------------

# A string literal, a quoted name or a comment (left as they are), or a placeholder.
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|(?<!:):([A-Za-z_]\w*)|\?|%")
_OR_IGNORE = re.compile(r"\bINSERT\s+OR\s+IGNORE\s+INTO\b", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_IS_PARAM = re.compile(r"\bIS\s+(NOT\s+)?(?=%)", re.IGNORECASE)
# SQLite's "use no index for this" hint, `AND +status = …`; PostgreSQL has no unary + on text.
_NO_INDEX = re.compile(r"\b(AND|OR|WHERE)\s+\+(?=[A-Za-z_])", re.IGNORECASE)
# SQLite's "join in this order" (`CROSS JOIN t ON …`): a plain join to PostgreSQL's planner.
_CROSS_ON = re.compile(r"\bCROSS\s+JOIN\s+(\w+(?:\s+\w+)?)\s+ON\b", re.IGNORECASE)
_BEGIN = re.compile(r"^\s*BEGIN\s+IMMEDIATE\b", re.IGNORECASE)


def _placeholders(sql: str) -> str:
    def swap(match: re.Match[str]) -> str:
        token = match[0]
        if match[1]:
            return f"%({match[1]})s"
        if token == "?":
            return "%s"
        return token.replace("%", "%%")  # psycopg reads % everywhere, quotes or not

    return _TOKENS.sub(swap, sql)


@functools.lru_cache(maxsize=4096)
def translate(sql: str) -> str:
    """One statement of the shared SQL, as psycopg takes it."""
    if _BEGIN.match(sql):
        return f"BEGIN; SELECT pg_advisory_xact_lock({WRITER_LOCK})"
    sql = _CROSS_ON.sub(r"JOIN \1 ON", _NO_INDEX.sub(r"\1 ", _placeholders(sql)))
    if _OR_IGNORE.search(sql):
        sql = _OR_IGNORE.sub("INSERT INTO", sql)
        returning = _RETURNING.search(sql)
        at = returning.start() if returning else len(sql.rstrip().rstrip(";"))
        sql = f"{sql[:at].rstrip()} ON CONFLICT DO NOTHING {sql[at:]}".rstrip()
    return _IS_PARAM.sub(lambda m: "IS DISTINCT FROM " if m[1] else "IS NOT DISTINCT FROM ",
                         sql)


_DDL = (
    (re.compile(r"^\s*PRAGMA\b[^;]*;", re.IGNORECASE | re.MULTILINE), ""),
    (re.compile(r"\bBEGIN\s+IMMEDIATE\b", re.IGNORECASE),
     f"BEGIN; SELECT pg_advisory_xact_lock({WRITER_LOCK})"),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
    (re.compile(r"\bBLOB\b"), "BYTEA"),
    # `x NOT GLOB '*[^…]*'` (no character outside the set) as a regular expression
    (re.compile(r"\bNOT\s+GLOB\s+'\*(\[\^[^\]']+\])\*'", re.IGNORECASE), r"!~ '\1'"),
    (re.compile(r"\)\s*(?:STRICT|WITHOUT\s+ROWID)(?:\s*,\s*(?:STRICT|WITHOUT\s+ROWID))*\s*;",
                re.IGNORECASE), ");"),
)


def translate_script(script: str) -> str:
    """A migration (DDL and data, no parameters) as PostgreSQL runs it."""
    for pattern, replacement in _DDL:
        script = pattern.sub(replacement, script)
    # `id BIGINT PRIMARY KEY` is SQLite's rowid: numbered by the database when not given.
    return re.sub(r"\b(\w+)\s+BIGINT\s+PRIMARY\s+KEY\b",
                  lambda m: (f"{m[1]} BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
                             if m[1] == "id" else m[0]), script)


# --- values -----------------------------------------------------------------------------------

class Row(tuple):
    """A result row as sqlite3.Row answers it: by position and by column name."""

    __slots__ = ()
    _names: dict[str, int]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


def _row_factory(cursor: psycopg.Cursor[Any]) -> Callable[[Sequence[Any]], Row]:
    if cursor.description is None:
        return tuple  # type: ignore[return-value]
    names = {column.name: i for i, column in enumerate(cursor.description)}
    cls = type("Row", (Row,), {"__slots__": (), "_names": names})
    return cls


class _FlagDumper(IntDumper):
    """True/False as 1/0: flags are integer columns, as in SQLite."""

    def dump(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"


class _NumberLoader(Loader):
    """`numeric` as SQLite's numbers: an integral one (a SUM of integers) is an int."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode()
        try:
            return int(text)
        except ValueError:
            return float(text)


_ERRORS: tuple[tuple[type[Exception], type[Exception]], ...] = (
    (pg_errors.IntegrityError, sqlite3.IntegrityError),
    (pg_errors.OperationalError, sqlite3.OperationalError),
    (pg_errors.ProgrammingError, sqlite3.OperationalError),  # as SQLite reports bad SQL
    (pg_errors.DataError, sqlite3.IntegrityError),
    (pg_errors.InternalError, sqlite3.OperationalError),  # e.g. a read-only transaction
    (psycopg.Error, sqlite3.DatabaseError),
)


def _as_sqlite(exc: psycopg.Error) -> Exception:
    for theirs, ours in _ERRORS:
        if isinstance(exc, theirs):
            return ours(str(exc).strip())
    return sqlite3.DatabaseError(str(exc))


class SyncConnection:
    """The sqlite3.Connection subset the storage layer's plain functions use."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.raw = conn

    def execute(self, sql: str, params: Any = ()) -> psycopg.Cursor[Any]:
        try:
            return self.raw.execute(translate(sql), params)
        except psycopg.Error as exc:
            raise _as_sqlite(exc) from exc

    def executemany(self, sql: str, rows: Iterable[Any]) -> psycopg.Cursor[Any]:
        cursor = self.raw.cursor()
        try:
            cursor.executemany(translate(sql), list(rows))
        except psycopg.Error as exc:
            raise _as_sqlite(exc) from exc
        return cursor

    def executescript(self, script: str) -> None:
        try:
            self.raw.execute(translate_script(script).encode())  # no parameters: as it is
        except psycopg.Error as exc:
            raise _as_sqlite(exc) from exc

    def fetchall(self, sql: str, params: Any = ()) -> list[Any]:
        return self.execute(sql, params).fetchall()

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def close(self) -> None:
        self.raw.close()


def _open(url: str, role: str) -> SyncConnection:
    try:
        conn = psycopg.connect(url, autocommit=True, cursor_factory=psycopg.ClientCursor,
                               row_factory=_row_factory, application_name=role or "guildwork")
    except psycopg.Error as exc:
        raise _as_sqlite(exc) from exc
    conn.adapters.register_dumper(bool, _FlagDumper)
    conn.adapters.register_loader("numeric", _NumberLoader)
    return SyncConnection(conn)


class Connection:
    """An aiosqlite-like connection to PostgreSQL: every call one hop to its own thread."""

    def __init__(self, url: str, role: str = "") -> None:
        self._url = url
        self._role = role
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="postgres")
        self._conn: SyncConnection | None = None

    async def open(self) -> Connection:
        self._conn = await self._hop(_open, self._url, self._role)
        return self

    async def _hop(self, fn: Callable[..., R], *args: Any) -> R:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    @property
    def sync(self) -> SyncConnection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    async def _execute(self, fn: Callable[..., R], *args: Any) -> R:
        return await self._hop(fn, *args)

    async def execute(self, sql: str, params: Any = ()) -> psycopg.Cursor[Any]:
        return await self._hop(self.sync.execute, sql, params)

    async def executemany(self, sql: str, rows: Iterable[Any]) -> None:
        await self._hop(self.sync.executemany, sql, rows)

    async def execute_fetchall(self, sql: str, params: Any = ()) -> list[Any]:
        return await self._hop(self.sync.fetchall, sql, params)

    async def executescript(self, script: str) -> None:
        await self._hop(self.sync.executescript, script)

    @property
    def in_transaction(self) -> bool:
        return self.sync.in_transaction

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await self._hop(conn.close)
        self._pool.shutdown(wait=False)
