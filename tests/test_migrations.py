"""Schema migrations (storage/migrate.py) and the transaction rules of storage/db.py."""

from __future__ import annotations

import asyncio
import sqlite3
from importlib import resources
from pathlib import Path

import aiosqlite
import pytest

from storage.db import Database
from storage.migrate import (
    TWIN,
    Migration,
    MigrationError,
    apply_migrations,
    bundled_migrations,
)


async def tables(conn: aiosqlite.Connection) -> set[str]:
    rows = await conn.execute_fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {row[0] for row in rows}


async def applied_versions(conn: aiosqlite.Connection) -> list[int]:
    rows = await conn.execute_fetchall("SELECT version FROM schema_migrations ORDER BY version")
    return [row[0] for row in rows]


@pytest.fixture
async def db(tmp_path: Path):
    database = Database(str(tmp_path / "guildwork.db"))
    await database.open()
    try:
        yield database
    finally:
        await database.close()


# --- the bundled migrations ----------------------------------------------------------------


def test_bundled_migrations_are_numbered_uniquely_and_in_order() -> None:
    migrations = bundled_migrations()
    versions = [m.version for m in migrations]
    assert versions, "no migrations found"
    assert versions == sorted(set(versions))
    assert versions[0] == 1
    assert all(m.sql.strip() for m in migrations)


def test_every_sql_file_is_picked_up() -> None:
    """A file named `3_x.sql` or `0003-X.sql` would be skipped silently; none may exist."""
    files = {entry.name for entry in resources.files("storage.migrations").iterdir()
             if entry.name.endswith(".sql") and not entry.name.endswith(TWIN)}
    picked = {f"{m.version:04d}_{m.name}.sql" for m in bundled_migrations()}
    assert files == picked


def test_each_postgres_twin_stands_for_a_migration_of_its_number_and_name() -> None:
    twins = {entry.name.removesuffix(TWIN) + ".sql"
             for entry in resources.files("storage.migrations").iterdir()
             if entry.name.endswith(TWIN)}
    picked = {f"{m.version:04d}_{m.name}.sql" for m in bundled_migrations("postgres")}
    assert twins and twins <= picked
    shared = {m.version: m.sql for m in bundled_migrations()}
    for m in bundled_migrations("postgres"):
        twin = f"{m.version:04d}_{m.name}.sql" in twins
        assert (m.sql != shared[m.version]) == twin


def test_two_files_sharing_a_number_are_refused(monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    (tmp_path / "0001_one.sql").write_text("CREATE TABLE one (id INTEGER);")
    (tmp_path / "0001_other.sql").write_text("CREATE TABLE other (id INTEGER);")
    monkeypatch.setattr(resources, "files", lambda package: tmp_path)
    with pytest.raises(MigrationError, match="share a number"):
        bundled_migrations()


async def test_a_fresh_database_gets_every_migration_in_wal_with_foreign_keys(
    db: Database, tmp_path: Path
) -> None:
    expected = [m.version for m in bundled_migrations()]
    assert await applied_versions(db.writer) == expected
    names = await tables(db.writer)
    assert {"schema_migrations", "users", "admins", "outbox", "audit_log"} <= names
    for conn in (db.writer, db._reader):
        assert conn is not None
        mode = await conn.execute_fetchall("PRAGMA journal_mode")
        assert next(iter(mode))[0] == "wal"
        fk = await conn.execute_fetchall("PRAGMA foreign_keys")
        assert next(iter(fk))[0] == 1
    assert (tmp_path / "guildwork.db").exists()


async def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO admins (user_id, granted_at) VALUES (424242, 0)")
    assert await db.fetch_value("SELECT count(*) FROM admins") == 0


async def test_applying_twice_is_a_no_op(db: Database, tmp_path: Path) -> None:
    assert await apply_migrations(db.writer) == []
    before = await db.fetch_all("SELECT version, applied_at FROM schema_migrations")
    await db.close()
    reopened = Database(str(tmp_path / "guildwork.db"))
    await reopened.open()  # a restart migrates again: nothing to do, nothing fails
    try:
        assert await apply_migrations(reopened.writer) == []
        after = await reopened.fetch_all("SELECT version, applied_at FROM schema_migrations")
        assert [tuple(r) for r in after] == [tuple(r) for r in before]
    finally:
        await reopened.close()


# --- applying a list ------------------------------------------------------------------------

GOOD = Migration(1, "good", "CREATE TABLE good (id INTEGER PRIMARY KEY);")
BAD = Migration(2, "bad", """
    CREATE TABLE partial (id INTEGER PRIMARY KEY);
    INSERT INTO partial (id) VALUES (1);
    INSERT INTO good (id) VALUES (1);
    CREATE TABLE broken (id INTEGER PRIMARY KEY, oops;
""")
FIXED = Migration(2, "bad", "CREATE TABLE partial (id INTEGER PRIMARY KEY);")


@pytest.fixture
async def conn(tmp_path: Path):
    connection = await aiosqlite.connect(str(tmp_path / "m.db"), isolation_level=None)
    try:
        yield connection
    finally:
        await connection.close()


async def test_a_failing_migration_rolls_back_entirely_and_stays_pending(
    conn: aiosqlite.Connection,
) -> None:
    with pytest.raises(MigrationError, match="0002_bad"):
        await apply_migrations(conn, [GOOD, BAD])
    assert not conn.in_transaction
    names = await tables(conn)
    assert "good" in names
    assert "partial" not in names and "broken" not in names
    assert await conn.execute_fetchall("SELECT * FROM good") == []  # the bad one's insert too
    assert await applied_versions(conn) == [1]

    # Still pending: once fixed, the next start applies it (and only it).
    assert await apply_migrations(conn, [GOOD, FIXED]) == [2]
    assert await applied_versions(conn) == [1, 2]
    assert "partial" in await tables(conn)


async def test_a_migration_failing_on_its_first_statement_is_rolled_back(
    conn: aiosqlite.Connection,
) -> None:
    with pytest.raises(MigrationError):
        await apply_migrations(conn, [Migration(1, "bad", "CREATE TABLE (;")])
    assert not conn.in_transaction
    assert await applied_versions(conn) == []


async def test_migrations_apply_in_the_order_given_and_report_what_they_applied(
    conn: aiosqlite.Connection,
) -> None:
    second = Migration(2, "second", "ALTER TABLE good ADD COLUMN name TEXT;")
    assert await apply_migrations(conn, [GOOD]) == [1]
    assert await apply_migrations(conn, [GOOD, second]) == [2]
    assert await apply_migrations(conn, [GOOD, second]) == []
    columns = await conn.execute_fetchall("PRAGMA table_info(good)")
    assert [c[1] for c in columns] == ["id", "name"]


async def test_opening_a_database_whose_migration_fails_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import storage.migrate as migrate

    monkeypatch.setattr(migrate, "bundled_migrations", lambda engine="sqlite": [GOOD, BAD])
    database = Database(str(tmp_path / "broken.db"))
    with pytest.raises(MigrationError):
        await database.open()
    await database.close()


# --- transactions ---------------------------------------------------------------------------


async def test_a_transaction_commits_when_the_block_succeeds(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO users (id, first_name, created_at, updated_at) "
                         "VALUES (1, 'Ada', 0, 0)")
        row = await tx.fetch_one("SELECT first_name FROM users WHERE id = 1")
        assert row is not None and row["first_name"] == "Ada"
    assert await db.fetch_value("SELECT first_name FROM users WHERE id = 1") == "Ada"


async def test_a_transaction_rolls_back_on_an_exception(db: Database) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO users (id, first_name, created_at, updated_at) "
                             "VALUES (1, 'Ada', 0, 0)")
            raise RuntimeError("boom")
    assert await db.fetch_value("SELECT count(*) FROM users") == 0
    assert not db.writer.in_transaction
    # The writer is usable afterwards.
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO users (id, first_name, created_at, updated_at) "
                         "VALUES (2, 'Bo', 0, 0)")
    assert await db.fetch_value("SELECT count(*) FROM users") == 1


async def test_a_failing_statement_rolls_back_the_earlier_ones(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO users (id, first_name, created_at, updated_at) "
                             "VALUES (1, 'Ada', 0, 0)")
            await tx.execute("INSERT INTO users (id, first_name, created_at, updated_at) "
                             "VALUES (1, 'Again', 0, 0)")
    assert await db.fetch_value("SELECT count(*) FROM users") == 0


async def test_a_failing_commit_rolls_back_and_frees_the_writer(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        await tx.execute("CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) "
                         "DEFERRABLE INITIALLY DEFERRED)")
    calls: list[str] = []
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO child (parent_id) VALUES (99)")  # checked at COMMIT
            tx.after_commit(lambda: calls.append("ran"))
    assert calls == []
    assert not db.writer.in_transaction
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO parent (id) VALUES (1)")
    assert await db.fetch_value("SELECT count(*) FROM child") == 0
    assert await db.fetch_value("SELECT count(*) FROM parent") == 1


async def test_after_commit_callbacks_run_once_after_the_commit(db: Database) -> None:
    seen: list[int] = []

    async with db.transaction() as tx:
        await tx.execute("INSERT INTO users (id, first_name, created_at, updated_at) "
                         "VALUES (1, 'Ada', 0, 0)")

        def wake() -> None:
            # Runs after COMMIT: the reader connection already sees the row, and the
            # writer is free again.
            seen.append(len(seen) + 1)
            assert not db.writer.in_transaction

        tx.after_commit(wake)
        tx.after_commit(wake)  # the same callback is registered once
        assert seen == []
    assert seen == [1]
    assert await db.fetch_value("SELECT count(*) FROM users") == 1


async def test_after_commit_callbacks_do_not_run_on_rollback(db: Database) -> None:
    seen: list[str] = []
    with pytest.raises(ValueError):
        async with db.transaction() as tx:
            tx.after_commit(lambda: seen.append("woke"))
            raise ValueError("changed my mind")
    assert seen == []


async def test_a_failing_after_commit_callback_does_not_undo_the_commit(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []

    def broken() -> None:
        raise RuntimeError("hook failed")

    async with db.transaction() as tx:
        await tx.execute("INSERT INTO users (id, first_name, created_at, updated_at) "
                         "VALUES (1, 'Ada', 0, 0)")
        tx.after_commit(broken)
        tx.after_commit(lambda: seen.append("next"))
    assert seen == ["next"]
    assert await db.fetch_value("SELECT count(*) FROM users") == 1
    assert "after-commit callback failed" in caplog.text


async def test_transactions_are_serialised(db: Database) -> None:
    order: list[str] = []

    async def writer(name: str) -> None:
        async with db.transaction() as tx:
            order.append(f"{name} begin")
            await tx.execute("INSERT INTO audit_log (actor_id, action, created_at) "
                             "VALUES (1, ?, 0)", (name,))
            await asyncio.sleep(0.01)
            order.append(f"{name} end")

    await asyncio.gather(writer("a"), writer("b"))
    assert order in (["a begin", "a end", "b begin", "b end"],
                     ["b begin", "b end", "a begin", "a end"])
    assert await db.fetch_value("SELECT count(*) FROM audit_log") == 2


async def test_a_writer_cancelled_at_any_point_leaves_no_transaction_open(tmp_path) -> None:
    """A cancelled task (a stopping dispatcher, a timed-out job) must not leave the shared
    connection inside a transaction: every later writer would fail."""
    import asyncio

    from storage.db import Database

    db = Database(str(tmp_path / "cancel.db"))
    await db.open()
    try:
        for steps in range(0, 6):  # cancel while BEGIN, the body or COMMIT is in flight
            async def writer() -> None:
                async with db.transaction() as tx:
                    await tx.execute("INSERT INTO admins (user_id, granted_at) VALUES (1, 0)"
                                     " ON CONFLICT DO NOTHING")
                    await asyncio.sleep(0)

            task = asyncio.create_task(writer())
            for _ in range(steps):
                await asyncio.sleep(0)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            async with db.transaction() as tx:  # the next writer still gets a clean connection
                await tx.execute("SELECT 1")
            assert not db.writer.in_transaction
    finally:
        await db.close()


# --- 0010: one word per state, data kept ----------------------------------------------------


async def test_renamed_states_keep_every_row_and_reference(tmp_path: Path) -> None:
    """A database from before 0010: taken offers become in_progress, passed reviews accepted,
    awarded quotes awarded, accepted_at becomes started_at; results and ledger lines still
    point at their assignments, and foreign keys hold."""
    conn = await aiosqlite.connect(str(tmp_path / "old.db"), isolation_level=None)
    await conn.execute("PRAGMA foreign_keys = ON")
    before = [m for m in bundled_migrations() if m.version < 10]
    await apply_migrations(conn, before)
    await conn.executescript("""
        INSERT INTO users (id, first_name, created_at, updated_at) VALUES (1, 'Lee', 0, 0),
            (2, 'Wu', 0, 0);
        INSERT INTO guilds (id, name, chat_id, leader_id, status, created_at)
            VALUES (1, 'Alpha', -100, 1, 'approved', 0);
        INSERT INTO tasks (id, title, mode, result_type, units, price_minor, allocated_units,
            status, deadline_at, created_by, created_at)
            VALUES (1, 'T', 'quote', 'voice', 3, 250, 3, 'allocated', 99, 9, 0);
        INSERT INTO quotes (id, task_id, guild_id, price_minor, units, status, awarded_units,
            created_by, created_at) VALUES (1, 1, 1, 240, 3, 'accepted', 3, 1, 0),
            (2, 1, 1, 200, 3, 'rejected', NULL, 1, 0);
        INSERT INTO allocations (id, task_id, guild_id, units, unit_price_minor, source,
            quote_id, created_by, created_at) VALUES (1, 1, 1, 3, 240, 'quote', 1, 9, 0);
        INSERT INTO assignments (id, task_id, allocation_id, guild_id, worker_id, units,
            unit_price_minor, status, accepted_units, assigned_by, offered_at,
            offer_expires_at, due_at, accepted_at, decided_at, commission_bp)
            VALUES (1, 1, 1, 1, 2, 1, 240, 'approved', 1, 1, 5, 50, 99, 7, 20, 1000),
                   (2, 1, 1, 1, 2, 1, 240, 'accepted', NULL, 1, 5, 50, 99, 8, NULL, 1000),
                   (3, 1, 1, 1, 2, 1, 240, 'offered', NULL, 1, 5, 50, 99, NULL, NULL, 1000);
        INSERT INTO results (assignment_id, round, kind, created_at) VALUES (1, 0, 'voice', 9);
        INSERT INTO ledger (user_id, guild_id, assignment_id, kind, amount_minor, created_at)
            VALUES (2, 1, 1, 'worker_share', 216, 20), (1, 1, 1, 'commission', 24, 20);
    """)
    assert await apply_migrations(conn) == [m.version for m in bundled_migrations()
                                             if m.version >= 10]
    rows = await conn.execute_fetchall(
        "SELECT id, status, started_at, accepted_units FROM assignments ORDER BY id")
    assert [tuple(r) for r in rows] == [(1, "accepted", 7, 1), (2, "in_progress", 8, None),
                                        (3, "offered", None, None)]
    quotes = await conn.execute_fetchall("SELECT id, status FROM quotes ORDER BY id")
    assert [tuple(r) for r in quotes] == [(1, "awarded"), (2, "rejected")]
    assert list(await conn.execute_fetchall("PRAGMA foreign_key_check")) == []
    joined = await conn.execute_fetchall(
        "SELECT COUNT(*) FROM results r JOIN assignments a ON a.id = r.assignment_id")
    assert next(iter(joined))[0] == 1
    with pytest.raises(sqlite3.IntegrityError):  # the new CHECK refuses an old word
        await conn.execute("UPDATE assignments SET status = 'approved' WHERE id = 1")
    assert (await conn.execute_fetchall("PRAGMA foreign_keys"))[0][0] == 1  # type: ignore
    await conn.close()


# --- 0018: payout references -----------------------------------------------------------------


async def test_a_payout_reference_pays_once_and_lines_without_one_are_free(
        db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO users (id, first_name, created_at, updated_at) "
                         "VALUES (1, 'Wu', 0, 0)")
        for reference in (None, None, "BANK-1"):
            await tx.execute("INSERT INTO ledger (user_id, kind, amount_minor, reference,"
                             " created_at) VALUES (1, 'payout', -1, ?, 0)", (reference,))
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO ledger (user_id, kind, amount_minor, reference,"
                             " created_at) VALUES (1, 'payout', -1, 'BANK-1', 0)")
    assert await db.fetch_value("SELECT count(*) FROM ledger") == 3
    plan = await db.fetch_all(
        "EXPLAIN QUERY PLAN SELECT worker_id, SUM(accepted_units * unit_price_minor)"
        " FROM assignments WHERE status = 'accepted' AND decided_at >= 0 AND decided_at < 9"
        " GROUP BY worker_id")
    assert any("COVERING INDEX assignments_payroll" in row[3] for row in plan), plan
