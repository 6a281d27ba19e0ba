"""One writer connection (transactions serialised by a lock) and one reader, both in WAL mode.

Every aiosqlite call is a hop to its worker thread, so the helpers here do one hop each:
`fetch_all` is `execute_fetchall`, `execute` returns the cursor of that same hop.

Updates are handled once. While an update is handled (`handling_update`), the first transaction
that writes anything for it also records its `update_id` in `processed_updates`, in that same
transaction: a redelivered update is then dropped at the gate, and one handled twice at the same
moment (a webhook retry) fails on the key and changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import aiosqlite

from storage.migrate import MigrationError, apply_migrations

log = logging.getLogger(__name__)

Params = Mapping[str, Any] | Sequence[Any]
Row = sqlite3.Row
R = TypeVar("R")


async def _connect(path: str) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        await conn.executescript(
            "PRAGMA journal_mode = WAL;"
            "PRAGMA foreign_keys = ON;"
            "PRAGMA busy_timeout = 5000;"
            # FULL: a committed ledger entry survives power loss, not only a crash.
            "PRAGMA synchronous = FULL;"
        )
    except BaseException:
        await conn.close()  # its thread would otherwise keep the process alive
        raise
    return conn


def in_list(values: Iterable[object], prefix: str) -> tuple[str, dict[str, object]]:
    """`:p0,:p1,…` for an `IN (…)`, and the named parameters that go with it."""
    params = {f"{prefix}{i}": value for i, value in enumerate(values)}
    return ",".join(f":{name}" for name in params), params


def lit(*values: str) -> str:
    """Stored constants (the enums' values, never user input) as SQL literals: `'a', 'b'`."""
    for value in values:
        if "'" in value:
            raise ValueError(value)
    return ", ".join(f"'{value}'" for value in values)


_FIELDS: dict[type, tuple[tuple[str, bool], ...]] = {}


def _fields(cls: type) -> tuple[tuple[str, bool], ...]:
    """A record's field names, and which of them are flags (stored as 0 or 1)."""
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = tuple((f.name, str(f.type).startswith("bool"))
                                     for f in dataclasses.fields(cls))
    return found


def record(cls: type[R], row: Row, prefix: str = "") -> R:
    """The one row → record mapper: a dataclass built from the columns named like its fields
    (`prefix` + name, for a record joined into a wider row); flags become bools."""
    values = {}
    for name, flag in _fields(cls):
        value = row[prefix + name]
        values[name] = bool(value) if flag and value is not None else value
    return cls(**values)


def records(cls: type[R], rows: Iterable[Row], prefix: str = "") -> list[R]:
    return [record(cls, row, prefix) for row in rows]


class StorageError(Exception):
    """The database can't be opened or used at all; the message says which file and why."""


class DuplicateUpdate(Exception):
    """This update was already handled (by another delivery of it): nothing is written."""


@dataclasses.dataclass(slots=True)
class UpdateClaim:
    """The update being handled in this task, and what its transactions did."""

    update_id: int
    now: int
    claimed: bool = False  # its id is in processed_updates (by a committed transaction)
    committed: bool = False  # some change it made has committed (a lost reply must not
    # invite the user to send it again)


_claim: contextvars.ContextVar[UpdateClaim | None] = contextvars.ContextVar(
    "update_claim", default=None)


def handling_update(update_id: int, now: int) -> UpdateClaim:
    """Mark the rest of this task as the handling of `update_id`."""
    claim = UpdateClaim(update_id, now)
    _claim.set(claim)
    return claim


def current_claim() -> UpdateClaim | None:
    return _claim.get()


class Tx:
    """The open write transaction handed to repositories."""

    __slots__ = ("_after_commit", "_conn")

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._after_commit: list[Callable[[], None]] = []

    async def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        cursor = await self._conn.execute(sql, params)
        return cursor  # type: ignore[return-value]  # rowcount / lastrowid need no extra hop

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self._conn.execute_fetchall(sql, params))

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self._conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the transaction has committed (e.g. wake the outbox)."""
        if callback not in self._after_commit:
            self._after_commit.append(callback)


class Database:
    def __init__(self, path: str) -> None:
        self.path = path
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    async def open(self) -> None:
        """Connect, migrate and open the reader; on any failure nothing is left open (the
        connections' threads would keep the process alive) and StorageError (or, for a bad
        migration, MigrationError) says why."""
        try:
            self._writer = await _connect(self.path)
            await apply_migrations(self._writer)
            # An in-memory database exists only inside its one connection.
            self._reader = (self._writer if self.path == ":memory:"
                            else await _connect(self.path))
        except MigrationError:
            await self.close()
            raise
        except (sqlite3.Error, OSError) as exc:
            await self.close()
            raise StorageError(f"the database {self.path} can't be used: {exc}") from exc

    async def close(self) -> None:
        reader, writer = self._reader, self._writer
        self._writer = self._reader = None
        for conn in (reader, writer) if reader is not writer else (writer,):
            if conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    await conn.close()

    @property
    def writer(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise RuntimeError("database is not open")
        return self._writer

    @asynccontextmanager
    async def transaction(self, *, for_update: bool = True) -> AsyncIterator[Tx]:
        """BEGIN IMMEDIATE … COMMIT, one writer at a time; rolls back on any exception.

        Inside the handling of an update (and unless `for_update` is False, for bookkeeping
        that is not the update's own effect), the first transaction claims the update."""
        claim = _claim.get() if for_update else None
        if claim is not None and claim.claimed:
            claim = None  # claimed by an earlier transaction of the same handling
        async with self._write_lock:
            conn = self.writer
            tx = Tx(conn)
            try:
                await conn.execute("BEGIN IMMEDIATE")
                if claim is not None:
                    try:
                        await conn.execute(
                            "INSERT INTO processed_updates (update_id, handled_at)"
                            " VALUES (?, ?)", (claim.update_id, claim.now))
                    except sqlite3.IntegrityError:
                        raise DuplicateUpdate(claim.update_id) from None
                yield tx
                await conn.execute("COMMIT")
            except BaseException:
                # Failed or cancelled anywhere (even while BEGIN or COMMIT was still running on
                # the connection's thread), the next writer must find no transaction open.
                # Statements run in order on that thread, so this ROLLBACK comes after whatever
                # was already sent; when nothing is open any more it fails, harmlessly.
                with contextlib.suppress(sqlite3.OperationalError):
                    await conn.execute("ROLLBACK")
                raise
        if claim is not None:
            claim.claimed = True
        current = _claim.get()
        if current is not None and for_update:
            current.committed = True
        for callback in tx._after_commit:
            try:
                callback()
            except Exception:  # a wake-up hook must never undo a committed change
                log.exception("after-commit callback failed")

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        """A read on the reader connection: sees committed data, never waits for the writer."""
        if self._reader is None:
            raise RuntimeError("database is not open")
        return list(await self._reader.execute_fetchall(sql, params))

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]


# What a query runs on: the reader connection, or the open write transaction.
Reader = Database | Tx
