"""Several instances on one PostgreSQL, at the storage layer: what each shares and how they
agree. These need a PostgreSQL server: `make test-pg` runs them (with the rest of the suite on
PostgreSQL); `make test`, on SQLite alone, leaves them out (tests/conftest.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import Database
from storage import outbox as outbox_repo
from tgfake import pgtest

pytestmark = pytest.mark.postgres


@pytest.fixture
async def two(tmp_path: Path) -> AsyncIterator[tuple[Database, Database]]:
    """Two instances' databases: the same PostgreSQL database, opened twice."""
    url = pgtest.database_for(tmp_path / "shared.db")
    first, second = Database(url), Database(url)
    await first.open()
    await second.open()
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


async def test_one_instance_leads_at_a_time_and_the_next_takes_over_when_it_goes(two) -> None:
    first, second = two
    assert await first.lead() and await first.lead()  # asking again keeps it
    assert not await second.lead()
    await first.close()  # the instance stops (or dies: its connection ends either way)
    assert await second.lead()
    assert await second.instances() == 1


async def test_the_instances_are_counted_by_their_writers(two) -> None:
    first, second = two
    assert await first.instances() == 2 and await second.instances() == 2


async def test_two_instances_taking_batches_at_once_never_take_the_same_row(two) -> None:
    first, second = two
    async with first.transaction() as tx:
        for n in range(300):
            await outbox_repo.enqueue(tx, chat_id=1000 + n, user_id=None, method="sendMessage",
                                      payload="{}", dedupe_key=f"k{n}", now=100)

    async def take(db: Database) -> list[int]:
        taken: list[int] = []
        while True:
            async with db.transaction(for_update=False) as tx:
                rows = await outbox_repo.claim_due(tx, 100, 16, lease_until=160)
            if not rows:
                return taken
            taken += [row.id for row in rows]
            await asyncio.sleep(0)

    a, b = await asyncio.gather(take(first), take(second))
    assert a and b, "both instances took some"
    assert not set(a) & set(b)
    assert len(a) + len(b) == 300
    # the lease ends: rows neither instance marked are due again, for whichever comes first
    async with second.transaction(for_update=False) as tx:
        again = await outbox_repo.claim_due(tx, 160, 500, lease_until=220)
    assert len(again) == 300


async def test_conditional_writes_racing_on_two_instances_give_what_one_gives(two) -> None:
    """Eight claims of two units each on a task of ten, four from each instance at once:
    exactly five succeed, and the task holds ten (the writer lock makes them take turns)."""
    first, second = two
    async with first.transaction() as tx:
        await tx.execute("INSERT INTO users (id, first_name, created_at, updated_at)"
                         " VALUES (1, 'Ada', 0, 0)")
        task = await tx.insert(
            "INSERT INTO tasks (title, instructions, mode, result_type, units, price_minor,"
            " deadline_at, created_by, created_at) VALUES ('t', 'i', 'fixed', 'text', 10, 100,"
            " 9999999999, 1, 0)")

    async def claim(db: Database) -> bool:
        async with db.transaction() as tx:
            left = await tx.fetch_value("SELECT units - allocated_units FROM tasks"
                                        " WHERE id = :id", {"id": task})
            await asyncio.sleep(0.01)  # the other instance would overtake here, unlocked
            if left < 2:
                return False
            await tx.execute("UPDATE tasks SET allocated_units = allocated_units + 2"
                             " WHERE id = :id", {"id": task})
            return True

    results = await asyncio.gather(*(claim(db) for db in (first, second) * 4))
    assert results.count(True) == 5
    assert await second.fetch_value("SELECT allocated_units FROM tasks WHERE id = :id",
                                    {"id": task}) == 10
