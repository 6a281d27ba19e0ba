"""The day of tests/day.py, as everyone sees it, and as a replay leaves it."""

from __future__ import annotations

from pathlib import Path

from storage import ledger as ledger_repo
from tests.day import a_day
from tests.scenario import business_rows
from tgfake import Harness

# A day's guild chats see more than Telegram's 20 messages a minute, played in seconds here.
DAY_GROUP_RATE = 6_000


async def test_a_day_on_the_platform(tmp_path: Path) -> None:
    async with Harness(tmp_path / "day.db", admin_ids={900_001},
                       group_messages_per_minute=DAY_GROUP_RATE) as h:
        p = await a_day(h)
        assert h.api.refused == []
        await _check_the_day(h, p)


async def _check_the_day(h: Harness, p: dict) -> None:
    wu, zed, admin = p["wu"], p["zed"], p["admin"]
    assert any("You earned" in t for t in wu.texts())  # type: ignore[attr-defined]
    assert any("sent back for rework" in t for t in zed.texts())  # type: ignore[attr-defined]
    assert any("Summaries queued" in t for t in admin.texts())  # type: ignore[attr-defined]
    # Every credit splits into the worker's share and the commission, summing to the gross.
    rows = await h.services.db.fetch_all(
        "SELECT a.id, a.accepted_units * a.unit_price_minor, SUM(l.amount_minor)"
        " FROM assignments a JOIN ledger l ON l.assignment_id = a.id"
        " WHERE a.status = 'accepted' GROUP BY a.id")
    assert rows and all(gross == credited for _, gross, credited in rows)
    assert await ledger_repo.balance(h.services.db, 200_011) > 0


async def test_a_day_delivered_twice_and_edited_leaves_what_it_left_once(
        tmp_path: Path) -> None:
    """Every update delivered twice (a crash, a webhook retry) and every command edited once:
    the ledger, the market, the work and the notices are exactly those of the plain day."""
    left: list[dict[str, list[tuple]]] = []
    for replay in (False, True):
        async with Harness(tmp_path / f"day-{replay}.db", admin_ids={900_001},
                           group_messages_per_minute=DAY_GROUP_RATE) as h:
            h.replay = replay
            await a_day(h)
            left.append(await business_rows(h))
            assert h.api.refused == []
    once, twice = left
    for table in once:
        assert twice[table] == once[table], table
