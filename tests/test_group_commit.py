"""Grouped writes and batched reads (storage.db): calls queued at the same moment share one hop
(and the writes one commit), yet each succeeds or fails on its own, and none is answered before
its batch has committed."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import storage.db as storage_db
from storage import Database
from storage.db import DuplicateUpdate, handling_update


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(str(tmp_path / "group.db"))
    await database.open()
    async with database.transaction(for_update=False) as tx:
        await tx.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of each batch run on a connection's thread."""
    seen: list[str] = []
    original = storage_db._on_thread

    async def counted(conn, fn):  # type: ignore[no-untyped-def]
        seen.append(getattr(getattr(fn, "func", fn), "__name__", "?"))
        return await original(conn, fn)

    monkeypatch.setattr(storage_db, "_on_thread", counted)
    return seen


def _insert(note_id: int, text: str):  # type: ignore[no-untyped-def]
    def write(conn: sqlite3.Connection) -> int:
        conn.execute("INSERT INTO notes (id, text) VALUES (?, ?)", (note_id, text))
        return note_id
    return write


def _insert_then_fail(note_id: int):  # type: ignore[no-untyped-def]
    def write(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO notes (id, text) VALUES (?, 'half')", (note_id,))
        raise ValueError("refused after its first statement")
    return write


async def _notes(db: Database) -> dict[int, str]:
    return {r[0]: r[1] for r in await db.fetch_all("SELECT id, text FROM notes")}


async def test_writes_queued_together_share_a_commit_and_fail_alone(
        db: Database, hops: list[str]) -> None:
    writes = [_insert(n, f"note {n}") for n in range(1, 51)]
    writes[20] = _insert_then_fail(21)
    writes[30] = _insert(1, "a second note 1")  # the key is taken: this one fails
    outcomes = await asyncio.gather(*(db.group(w) for w in writes), return_exceptions=True)
    assert isinstance(outcomes[20], ValueError)
    assert isinstance(outcomes[30], sqlite3.IntegrityError)
    assert [o for n, o in enumerate(outcomes) if n not in (20, 30)] == [
        n for n in range(1, 51) if n not in (21, 31)]
    notes = await _notes(db)
    assert sorted(notes) == [n for n in range(1, 51) if n not in (21, 31)]
    assert notes[1] == "note 1"  # the failed write's half is undone, the others stand
    assert 1 <= hops.count("_run_writes") <= 2, hops  # 50 writes, one or two commits


async def test_a_batch_that_cannot_commit_fails_whole_and_leaves_nothing_open(
        db: Database) -> None:
    async with db.transaction(for_update=False) as tx:
        await tx.execute("CREATE TABLE links (note_id INTEGER NOT NULL REFERENCES notes (id)"
                         " DEFERRABLE INITIALLY DEFERRED)")

    def dangling(conn: sqlite3.Connection) -> None:  # checked only at COMMIT
        conn.execute("INSERT INTO links (note_id) VALUES (999)")

    outcomes = await asyncio.gather(db.group(_insert(1, "one")), db.group(dangling),
                                    db.group(_insert(2, "two")), return_exceptions=True)
    assert all(isinstance(o, sqlite3.IntegrityError) for o in outcomes), outcomes
    assert await _notes(db) == {}
    assert not db.writer.in_transaction
    assert await db.group(_insert(3, "three")) == 3  # the next write goes through
    assert await _notes(db) == {3: "three"}


async def test_a_grouped_write_is_answered_after_it_is_on_disk(db: Database,
                                                              tmp_path: Path) -> None:
    await db.group(_insert(7, "kept"))
    other = sqlite3.connect(tmp_path / "group.db")  # another process would see it
    try:
        assert other.execute("SELECT text FROM notes WHERE id = 7").fetchone() == ("kept",)
    finally:
        other.close()


async def test_a_caller_that_stops_waiting_leaves_the_others_answered(db: Database) -> None:
    tasks = [asyncio.create_task(db.group(_insert(n, f"note {n}"))) for n in range(1, 11)]
    await asyncio.sleep(0)
    tasks[3].cancel()
    done = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(done[3], asyncio.CancelledError)
    assert [d for n, d in enumerate(done) if n != 3] == [n for n in range(1, 11) if n != 4]
    # The cancelled caller's write was already queued: it is written all the same (as a
    # transaction already sent would be), never half.
    assert sorted(await _notes(db)) == list(range(1, 11))


async def test_a_grouped_write_claims_its_update_once(db: Database) -> None:
    handling_update(4242, 0)
    assert await db.group(_insert(1, "first delivery")) == 1
    handling_update(4242, 0)  # the same update again (a second delivery)
    with pytest.raises(DuplicateUpdate):
        await db.group(_insert(2, "second delivery"))
    assert await _notes(db) == {1: "first delivery"}
    assert await db.fetch_value("SELECT COUNT(*) FROM processed_updates"
                                " WHERE update_id = 4242") == 1


async def test_reads_queued_together_share_a_hop_and_fail_alone(db: Database,
                                                                hops: list[str]) -> None:
    for n in range(1, 4):
        await db.group(_insert(n, f"note {n}"))
    hops.clear()

    def read(note_id: int):  # type: ignore[no-untyped-def]
        def run(conn: sqlite3.Connection) -> str:
            row = conn.execute("SELECT text FROM notes WHERE id = ?", (note_id,)).fetchone()
            if row is None:
                raise LookupError(note_id)
            return str(row[0])
        return run

    outcomes = await asyncio.gather(*(db.run(read(n % 5)) for n in range(40)),
                                    return_exceptions=True)
    for n, outcome in enumerate(outcomes):
        if n % 5 in (0, 4):
            assert isinstance(outcome, LookupError)
        else:
            assert outcome == f"note {n % 5}"
    assert 1 <= hops.count("_run_reads") <= 2, hops
