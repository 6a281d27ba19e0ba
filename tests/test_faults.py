"""Faults of Telegram and of the disk: with each, nothing is lost, nothing is doubled beyond
what the outbox promises (a send whose answer was lost may arrive twice), and the bot goes on
serving everyone else."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from storage.db import Tx
from tests.scenario import guild_holding_units, read_only
from tgfake import FakeUser, Harness

FAULTS = ["retry_after", "server_error", "network", "timeout_after", "forbidden", "migrated"]


@pytest.fixture
async def guild(h: Harness, admin: FakeUser):
    return await guild_holding_units(h, admin)


async def _drain(h: Harness, rounds: int = 8) -> None:
    """Let the outbox retry on its own schedule (back-off up to a few minutes)."""
    for _ in range(rounds):
        h.clock.advance(timedelta(minutes=11))
        await h.settle()


@pytest.mark.parametrize("fault", FAULTS)
async def test_a_notice_to_a_group_survives_a_fault(h, admin, guild, fault) -> None:
    """The award notice to the guild's group meets the fault; another guild's work goes on."""
    group, lee = guild["group"], guild["lee"]
    new_chat = -1_009_999_999_999
    if fault == "migrated":
        h.api.add_group(new_chat, group.title)
    h.api.fail_next("sendMessage", chat_id=group.id, kind=fault,
                    retry_after=new_chat if fault == "migrated" else 1)
    await admin.send("/newtask Extra\nmode: fixed\nunits: 2\nprice: 1.00\nresult: text\n"
                     "deadline: 2026-12-19 10:00\n\nOne line each.")
    # Meanwhile others are served at once.
    assert "Welcome back" in (await guild["wu"].send("/start"))[-1].text
    await _drain(h)
    target = new_chat if fault == "migrated" else group.id
    got = [s.text for s in h.api.messages(target) if "New task T2" in s.text]
    if fault == "forbidden":  # the bot was removed from the group: closed, not retried
        assert got == []
        statuses = await h.services.db.fetch_all(
            "SELECT status FROM outbox WHERE chat_id = ? AND payload LIKE '%New task T2%'",
            (group.id,))
        assert [tuple(r) for r in statuses] == [("unreachable",)]
        return
    assert len(got) == (2 if fault == "timeout_after" else 1), got  # at least once
    if fault == "migrated":  # the guild lives on in the supergroup
        await lee.send("/tasks", chat=type(group)(h, h.api.chats[new_chat]))
        assert "Extra" in h.api.messages(new_chat)[-1].text


@pytest.mark.parametrize("fault", ["retry_after", "server_error", "network"])
async def test_a_reply_that_fails_is_retried_or_apologised_for(h, admin, fault) -> None:
    h.api.fail_next("sendMessage", chat_id=admin.id, kind=fault)
    replies = await admin.send("/guilds")
    assert replies, "no answer at all"
    assert "Guilds" in replies[-1].text or "nothing was changed" in replies[-1].text


async def test_a_global_flood_wait_delays_but_loses_nothing(h, admin, guild) -> None:
    h.api.fail_next("*", kind="retry_after", retry_after=1, times=3)
    await guild["lee"].send(f"/distribute {guild['task']}", chat=guild["group"])
    await _drain(h, rounds=3)
    for worker in ("wu", "xi", "yan"):
        offers = [t for t in guild[worker].texts() if "<b>Assignment A" in t]
        assert len(offers) == 1, worker


async def test_a_read_only_disk_refuses_changes_and_keeps_answering(h, admin, guild) -> None:
    db = h.services.db
    await read_only(db, True)
    try:
        replies = await guild["lee"].send(f"/assign {guild['task']} 1 @wu", chat=guild["group"])
        assert "nothing was changed" in replies[-1].text
        assert "Welcome back" in (await guild["wu"].send("/start"))[-1].text
    finally:
        await read_only(db, False)
    replies = await guild["lee"].send(f"/assign {guild['task']} 1 @wu", chat=guild["group"])
    assert "offered to @wu" in replies[-1].text


async def test_a_full_disk_refuses_changes_and_keeps_answering(
        h, admin, guild, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite answers SQLITE_FULL to any write (as on a full disk): each change is refused as a
    whole, reads go on, and once there is room again everything works."""
    real = {name: getattr(Tx, name) for name in ("execute", "executemany", "fetch_all", "insert")}

    def full(name: str):
        async def refuse(self, sql, params=()):
            if sql.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
                raise sqlite3.OperationalError("database or disk is full")
            return await real[name](self, sql, params)
        return refuse

    for name in real:
        monkeypatch.setattr(Tx, name, full(name))
    replies = await guild["lee"].send(f"/assign {guild['task']} 8 @wu", chat=guild["group"])
    assert "nothing was changed" in replies[-1].text
    assert "Welcome back" in (await guild["wu"].send("/start"))[-1].text
    assert await h.services.db.fetch_value("SELECT COUNT(*) FROM assignments") == 0
    monkeypatch.undo()
    replies = await guild["lee"].send(f"/assign {guild['task']} 8 @wu", chat=guild["group"])
    assert "offered to @wu" in replies[-1].text
