"""One writer connection (transactions serialised by a lock) and one reader, both in WAL mode.

Every aiosqlite call is a hop to its worker thread, so the helpers here do one hop each:
`fetch_all` is `execute_fetchall`, `execute` returns the cursor of that same hop.

A transaction holds the writer for all its hops, and each hop waits its turn on a busy event
loop, so under load the writer, not the disk, is what limits writes. The most frequent small
write (an answer to an item) therefore goes through `Database.group`: a plain function run on
the writer's own thread, and every such write queued while one batch runs shares the next
batch's transaction (one hop, one commit, one fsync for all of them: group commit). Each runs in
a savepoint of its own, so one that fails changes nothing and fails alone; none is answered
before its batch has committed. Reads through `Database.run` that are queued at the same
moment share one hop to the reader's thread the same way.

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
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, TypeVar

import aiosqlite

from storage import postgres
from storage.migrate import MigrationError, apply_migrations

log = logging.getLogger(__name__)

Params = Mapping[str, Any] | Sequence[Any]
Row = sqlite3.Row
R = TypeVar("R")


Connection = aiosqlite.Connection | postgres.Connection


async def _connect(path: str, role: str = "") -> Connection:
    if postgres.is_url(path):
        return await postgres.Connection(path, role).open()
    conn = aiosqlite.connect(path, isolation_level=None)
    try:
        await conn
    except BaseException:
        # aiosqlite stops its thread itself, answering a future on this loop when it ends: wait
        # for that while the loop runs (else a closed loop is told, and the thread complains).
        await asyncio.to_thread(conn._thread.join, 5)
        await asyncio.sleep(0)
        raise
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


class StaleWrite(Exception):
    """A conditional write found the state it was decided on changed: nothing is written."""


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


WRITER = "guildwork-writer"  # PostgreSQL's application_name of each instance's writer

# How many queued calls share one hop at most (so a batch's commit, and the replies waiting
# for it, are not held back by an endless queue).
BATCH_MOST = 256


@dataclasses.dataclass(slots=True)
class _Queued:
    fn: Callable[[sqlite3.Connection], Any]
    claim: UpdateClaim | None
    done: asyncio.Future[Any]


Outcomes = list[tuple[bool, Any]]  # per call: (True, what it returned) or (False, its error)


class _Batches:
    """Calls queued while a batch is on the connection's thread go together in the next batch:
    one hop for all of them instead of one each. `run_batch` runs a batch and says what each
    call did; it runs in a task of its own, so that a caller cancelled while waiting never
    leaves the rest of its batch without an answer."""

    def __init__(self, run_batch: Callable[[list[_Queued]], Awaitable[Outcomes]]) -> None:
        self._run_batch = run_batch
        self._queued: list[_Queued] = []
        self._running: asyncio.Task[None] | None = None

    async def call(self, fn: Callable[[sqlite3.Connection], R], claim: UpdateClaim | None = None
                   ) -> R:
        done: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queued.append(_Queued(fn, claim, done))
        if self._running is None:
            self._running = asyncio.create_task(self._run())
        return await done

    async def _run(self) -> None:
        try:
            while self._queued:
                batch, self._queued = self._queued[:BATCH_MOST], self._queued[BATCH_MOST:]
                try:
                    outcomes = await self._run_batch(batch)
                except BaseException as exc:  # the batch as a whole failed (or was stopped)
                    failure = exc if isinstance(exc, Exception) else RuntimeError("stopped")
                    for queued in batch:
                        if not queued.done.done():
                            queued.done.set_exception(failure)
                    if not isinstance(exc, Exception):
                        raise
                    continue
                for queued, (ok, value) in zip(batch, outcomes, strict=True):
                    if not queued.done.done():
                        if ok:
                            queued.done.set_result(value)
                        else:
                            queued.done.set_exception(value)
        finally:
            self._running = None
            for queued in self._queued:  # stopped (closing): nothing more runs
                if not queued.done.done():
                    queued.done.set_exception(RuntimeError("database closed"))
            self._queued = []


async def _on_thread(conn: Connection, fn: Callable[[sqlite3.Connection], R]) -> R:
    """`fn` on the connection's own thread, given its sqlite3 connection (or PostgreSQL's
    facade of one): one hop for several statements. aiosqlite's `_execute` is the call its own
    `execute` makes (see the pin in pyproject)."""
    return await conn._execute(fn, conn._conn)


def _run_reads(batch: Sequence[_Queued], conn: sqlite3.Connection) -> Outcomes:
    """On the reader's thread: each call of the batch, and what it returned or raised."""
    outcomes: Outcomes = []
    for queued in batch:
        try:
            outcomes.append((True, queued.fn(conn)))
        except Exception as exc:
            outcomes.append((False, exc))
    return outcomes


def _run_writes(batch: Sequence[_Queued], conn: sqlite3.Connection) -> Outcomes:
    """On the writer's thread: the batch in one transaction, each call in a savepoint (with
    its update's claim); what each returned or raised. Only a failure to begin or commit fails
    the whole batch."""
    outcomes: Outcomes = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        for queued in batch:
            conn.execute("SAVEPOINT grouped")
            try:
                if queued.claim is not None:
                    try:
                        conn.execute("INSERT INTO processed_updates (update_id, handled_at)"
                                     " VALUES (?, ?)",
                                     (queued.claim.update_id, queued.claim.now))
                    except sqlite3.IntegrityError:
                        raise DuplicateUpdate(queued.claim.update_id) from None
                value = queued.fn(conn)
            except Exception as exc:  # this write's own failure: undone, reported to it
                conn.execute("ROLLBACK TO grouped")
                conn.execute("RELEASE grouped")
                outcomes.append((False, exc))
            else:
                conn.execute("RELEASE grouped")
                outcomes.append((True, value))
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.OperationalError):
            conn.execute("ROLLBACK")
        raise
    return outcomes


class Tx:
    """The open write transaction handed to repositories."""

    __slots__ = ("_after_commit", "_conn")

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._after_commit: list[Callable[[], None]] = []

    async def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        cursor = await self._conn.execute(sql, params)
        return cursor  # type: ignore[return-value]  # rowcount / lastrowid need no extra hop

    async def insert(self, sql: str, params: Params = ()) -> int | None:
        """An INSERT's new row id (its `id` column), or None when it inserted nothing (an
        `INSERT OR IGNORE` that found its key taken)."""
        rows = await self._conn.execute_fetchall(f"{sql} RETURNING id", params)
        return next(iter(rows))[0] if rows else None

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

    async def run(self, fn: Callable[[sqlite3.Connection], R]) -> R:
        """Several reads (plain sqlite3 calls) in this transaction, in one hop."""
        return await _on_thread(self._conn, fn)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the transaction has committed (e.g. wake the outbox)."""
        if callback not in self._after_commit:
            self._after_commit.append(callback)


class Database:
    """The database at `path`: a SQLite file (or `:memory:`), or a `postgresql://` URL."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.engine = "postgres" if postgres.is_url(path) else "sqlite"
        self._writer: Connection | None = None
        self._reader: Connection | None = None
        self._leader: Connection | None = None  # PostgreSQL: holds the leader's lock
        self._leading = False
        self._lead_lock = asyncio.Lock()
        self._holder: Connection | None = None  # PostgreSQL: holds the updates in hand
        self._write_lock = asyncio.Lock()
        self._writes = _Batches(self._run_writes)
        self._reads = _Batches(self._run_reads)

    async def open(self) -> None:
        """Connect, migrate and open the reader; on any failure nothing is left open (the
        connections' threads would keep the process alive) and StorageError (or, for a bad
        migration, MigrationError) says why."""
        try:
            self._writer = await _connect(self.path, WRITER)
            await apply_migrations(self._writer, engine=self.engine)
            # An in-memory database exists only inside its one connection.
            self._reader = (self._writer if self.path == ":memory:"
                            else await _connect(self.path))
        except MigrationError:
            await self.close()
            raise
        except (sqlite3.Error, OSError) as exc:
            await self.close()
            raise StorageError(f"the database {self.shown} can't be used: {exc}") from exc

    @property
    def shown(self) -> str:
        """The path or URL, without a password."""
        return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", self.path)

    async def instances(self) -> int:
        """How many instances have this database open now (SQLite: this one). PostgreSQL
        counts the writers' connections: a dead instance's is gone with it."""
        if self.engine != "postgres":
            return 1
        return int(await self.fetch_value(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = :name"
            " AND datname = current_database()", {"name": WRITER}))

    async def lead(self) -> bool:
        """Whether this instance runs the jobs that must run on one instance at a time (the
        sweep, the summaries, the hooks' sender). SQLite: always (one process). PostgreSQL:
        whoever holds a session advisory lock on a connection of its own; it holds it until
        its connection ends (it stopped, or died), and then the next to ask takes it."""
        if self.engine != "postgres":
            return True
        async with self._lead_lock:  # the jobs and the hooks' sender ask at the same moment
            return await self._lead()

    async def _lead(self) -> bool:
        try:
            if self._leader is None:
                self._leader = await _connect(self.path)
            if self._leading:
                await self._leader.execute("SELECT 1")  # still connected: still holding it
                return True
            rows = await self._leader.execute_fetchall(
                f"SELECT pg_try_advisory_lock({postgres.LEADER_LOCK})")
            self._leading = bool(next(iter(rows))[0])
        except (sqlite3.Error, OSError):
            log.warning("the leader's connection failed; trying again at the next job")
            leader, self._leader, self._leading = self._leader, None, False
            if leader is not None:
                with contextlib.suppress(sqlite3.Error, OSError):
                    await leader.close()
        return self._leading

    async def hold_update(self, update_id: int) -> bool:
        """Whether this instance may take `update_id` into hand now. SQLite: always (one
        process). PostgreSQL: it takes the update's session advisory lock, on a connection of
        its own, so that another instance given the same update at the same moment is refused
        while this one handles it, and the lock of an instance that dies goes with it."""
        if self.engine != "postgres":
            return True
        try:
            if self._holder is None:
                self._holder = await _connect(self.path)
            rows = await self._holder.execute_fetchall(
                f"SELECT pg_try_advisory_lock({postgres.UPDATE_LOCKS}, {_lock_key(update_id)})")
        except (sqlite3.Error, OSError):
            await self._drop_holder()  # its locks went with the connection
            raise
        return bool(next(iter(rows))[0])

    async def release_update(self, update_id: int) -> None:
        """Let go of an update taken with `hold_update`."""
        if self._holder is None:
            return
        try:
            await self._holder.execute(
                f"SELECT pg_advisory_unlock({postgres.UPDATE_LOCKS}, {_lock_key(update_id)})")
        except (sqlite3.Error, OSError):
            await self._drop_holder()
            raise

    async def _drop_holder(self) -> None:
        holder, self._holder = self._holder, None
        if holder is not None:
            with contextlib.suppress(sqlite3.Error, OSError):
                await holder.close()

    async def close(self) -> None:
        await self._drop_holder()
        leader, self._leader, self._leading = self._leader, None, False
        if leader is not None:
            with contextlib.suppress(sqlite3.Error, OSError):
                await leader.close()
        reader, writer = self._reader, self._writer
        self._writer = self._reader = None
        for conn in (reader, writer) if reader is not writer else (writer,):
            if conn is not None:
                with contextlib.suppress(sqlite3.Error, OSError):
                    await conn.close()

    @property
    def writer(self) -> Connection:
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

    async def group(self, op: Callable[[sqlite3.Connection], R]) -> R:
        """Run `op` (plain sqlite3 calls on the connection it is given: a few conditional
        statements, nothing that waits) in a transaction shared with the grouped writes queued
        at the same moment; its return value once that transaction has committed. An exception
        from `op` undoes its statements only and is raised here. Inside the handling of an
        update its claim goes with it (see `transaction`)."""
        claim = _claim.get()
        value = await self._writes.call(op, claim if claim and not claim.claimed else None)
        if claim is not None:
            claim.claimed = claim.committed = True
        return value

    async def _run_writes(self, batch: list[_Queued]) -> Outcomes:
        async with self._write_lock:
            return await _on_thread(self.writer, partial(_run_writes, batch))

    async def _run_reads(self, batch: list[_Queued]) -> Outcomes:
        if self._reader is None:
            raise RuntimeError("database is not open")
        return await _on_thread(self._reader, partial(_run_reads, batch))

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        """A read on the reader connection: sees committed data, never waits for the writer."""
        if self._reader is None:
            raise RuntimeError("database is not open")
        return list(await self._reader.execute_fetchall(sql, params))

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def run(self, fn: Callable[[sqlite3.Connection], R]) -> R:
        """Reads (plain sqlite3 calls) on the reader connection, in one hop shared with the
        reads queued at the same moment."""
        return await self._reads.call(fn)

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def columns(self, table: str) -> list[str]:
        """A table's column names, in their order."""
        if self.engine == "postgres":
            rows = await self.fetch_all(
                "SELECT column_name FROM information_schema.columns WHERE table_name = :t"
                " AND table_schema = current_schema() ORDER BY ordinal_position", {"t": table})
            return [row[0] for row in rows]
        return [row[1] for row in await self.fetch_all(f"PRAGMA table_info({table})")]


def _lock_key(update_id: int) -> int:
    """An update's id as the second key of its lock (an int4: ids far apart may share one)."""
    return update_id % 2**31


# What a query runs on: the reader connection, or the open write transaction.
Reader = Database | Tx
