"""Event hooks out, as the platform's own systems see them: a receiver on loopback (nothing else
is contacted) gets every event of a day, signed, each at least once and recognisable as a
repeat by its id, in order per task; a receiver down for a while gets everything afterwards,
and one that never answers delays nothing else."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import to_epoch
from bot.config import ConfigError, Settings, parse_settings
from bot.hooks import EVENT_TYPES, HookSender, retry_after, sign, verify
from bot.i18n import plain_text
from tests.day import a_day
from tests.scenario import (
    FIXED_TASK,
    guild_holding_units,
    submitted_assignment,
    task_id_in,
)
from tests.test_main import assert_config_error, run_bot
from tgfake import FakeUser, Harness
from tgfake.api import BOT_TOKEN
from tgfake.hooks import HookReceiver

ADMIN_ID = 900_001
SECRET = "test-secret-0123456789"
DAY_GROUP_RATE = 6_000  # the day's guild chats, played in seconds (as tests/test_day.py does)


@dataclass
class Hooked:
    h: Harness
    receiver: HookReceiver
    admin: FakeUser

    @property
    def sender(self) -> HookSender:
        sender = self.h.services.hooks.sender
        assert sender is not None
        return sender

    async def deliver(self) -> None:
        """Everything queued so far goes out (what the sender's own task does as it goes)."""
        await self.h.settle()
        await self.sender.flush()

    async def queue_order(self) -> dict[str, list[str]]:
        """Each ordering key's event ids in the order the changes happened."""
        order: dict[str, list[str]] = defaultdict(list)
        for key, event_id in await self.h.services.db.fetch_all(
                "SELECT ordering_key, event_id FROM hook_events ORDER BY id"):
            order[key].append(event_id)
        return order


def hooked_settings(url: str, timeout: float = 5.0) -> Settings:
    return Settings(bot_token=BOT_TOKEN, hook_url=url, hook_secret=SECRET,
                    hook_timeout_seconds=timeout)


@pytest.fixture
async def receiver() -> AsyncIterator[HookReceiver]:
    found = await HookReceiver(SECRET).start()
    try:
        yield found
    finally:
        await found.stop()


@pytest.fixture
async def hooked(tmp_path: Path, receiver: HookReceiver) -> AsyncIterator[Hooked]:
    harness = Harness(tmp_path / "hooks.db", admin_ids={ADMIN_ID},
                      settings=hooked_settings(receiver.url, timeout=0.5),
                      group_messages_per_minute=DAY_GROUP_RATE)
    await harness.start()
    try:
        yield Hooked(harness, receiver, harness.user("Ada", username="ada_admin",
                                                     user_id=ADMIN_ID))
    finally:
        await harness.stop()
    assert harness.api.refused == [], harness.api.refused


def by_key(received: list) -> dict[str, list[str]]:
    """The event ids the receiver took, per ordering key, in the order they arrived."""
    order: dict[str, list[str]] = defaultdict(list)
    for r in received:
        data = r.data
        key = (f"task:{data['task_id']}" if r.type.startswith(("task.", "submission."))
               else f"guild:{data['guild_id']}" if r.type.startswith("guild.")
               else f"user:{data['user_id']}")
        if r.event_id not in order[key]:
            order[key].append(r.event_id)
    return order


async def test_a_day_sends_every_event_signed_and_in_order_per_task(hooked: Hooked) -> None:
    h, receiver = hooked.h, hooked.receiver
    p = await a_day(h)
    await p["admin"].send("/suspend 2 spam in the group")  # type: ignore[attr-defined]
    await hooked.deliver()

    events = receiver.events()
    assert {r.type for r in events.values()} == set(EVENT_TYPES)
    assert all(r.signed for r in receiver.requests)
    assert all(r.header_id == r.event_id for r in receiver.requests)
    queued = await hooked.queue_order()
    # Every event queued arrived; each was taken once (the sender repeats nothing that was
    # answered), and a task's events came in the order they happened.
    assert sorted(events) == sorted(i for ids in queued.values() for i in ids)
    assert len(receiver.delivered) == len(events)
    assert by_key(receiver.delivered) == queued
    types = [r.type for r in receiver.delivered]
    assert types.count("task.posted") == 3
    assert types.count("task.allocated") == 3  # an award, two claims
    assert types.count("payout.recorded") == 1
    assert types.count("guild.approved") == 2
    assert types.count("guild.suspended") == 1

    # The payloads carry plain integer ids and amounts in minor units.
    payout = next(r for r in events.values() if r.type == "payout.recorded")
    assert payout.data["amount_minor"] == 400 and payout.data["user_id"] == 200_011
    award = next(r for r in receiver.delivered if r.type == "task.allocated")
    assert award.data == {"allocation_id": 1, "task_id": 1, "guild_id": 1, "units": 6,
                          "unit_price_minor": 240, "source": "quote", "quote_id": 1,
                          "task_units": 6, "task_allocated_units": 6,
                          "task_status": "allocated"}
    rejected = [r.data for r in receiver.delivered if r.type == "submission.rejected"]
    assert {d["reason"] for d in rejected} >= {"Line 2 is cut off", "two photos are blurry"}
    accepted = [r.data for r in receiver.delivered if r.type == "submission.accepted"]
    assert {d["actor"] for d in accepted} == {"admin"}
    first = next(r for r in receiver.delivered if r.type == "task.posted")
    assert first.body["created_at"] == 1_796_115_600  # the (manual) clock's 2026-12-01 09:00
    assert isinstance(first.data["task_id"], int) and first.data["price_minor"] == 250

    # /hooks: all delivered, nothing failing.
    await hooked.admin.send("/hooks")
    shown = plain_text(hooked.admin.last_message().text)
    assert f"to {receiver.url}" in shown
    assert f"Queued: 0 · delivered (last 7 days): {len(events)} · failing: 0" in shown
    assert "Nothing is failing." in shown


async def test_a_lost_answer_repeats_the_event_with_its_id(hooked: Hooked) -> None:
    """The receiver stores an event but its answer fails (500): the event comes again with the
    same id, so the receiver sees it is a repeat."""
    receiver = hooked.receiver
    receiver.status = 500
    guild = await guild_holding_units(hooked.h, hooked.admin)
    await hooked.deliver()
    failed = [r.event_id for r in receiver.requests]
    assert failed  # the head of each key was tried, and refused
    receiver.status = 200
    hooked.h.clock.advance(timedelta(seconds=retry_after(0)))
    await submitted_assignment(guild)
    await hooked.deliver()
    again = [r.event_id for r in receiver.delivered]
    assert set(failed) <= set(again)  # the same ids, delivered now
    assert len(receiver.requests) > len(receiver.events())  # repeats, recognisable by id
    assert by_key(receiver.delivered) == await hooked.queue_order()
    assert all(r.signed for r in receiver.requests)

    # A week later the sweep forgets what was delivered (what it sends itself, the
    # submission accepted for the review window that passed, is new).
    db = hooked.h.services.db
    week_ago = to_epoch(hooked.h.clock.now())
    delivered = await db.fetch_value(
        "SELECT COUNT(*) FROM hook_events WHERE status = 'delivered'")
    hooked.h.clock.advance(timedelta(days=7, minutes=1))
    await hooked.h.services.sweep.sweep()
    assert delivered > 0 and await db.fetch_value(
        "SELECT COUNT(*) FROM hook_events WHERE status = 'delivered' AND delivered_at <= ?",
        (week_ago,)) == 0


async def test_a_receiver_down_for_a_while_gets_everything_afterwards_in_order(
        hooked: Hooked) -> None:
    h, receiver, admin = hooked.h, hooked.receiver, hooked.admin
    receiver.status = 500
    guild = await guild_holding_units(h, admin)
    first = await submitted_assignment(guild, units=2)
    await hooked.deliver()
    await admin.send(f"/reject {first} too quiet")
    second = await submitted_assignment(guild, units=1, worker="xi")
    await admin.send(f"/accept {second}")
    await hooked.deliver()
    assert receiver.delivered == []
    # Each key's first event was tried (and retried after its back-off), nothing behind it.
    assert {r.type for r in receiver.requests} == {"guild.approved", "task.posted"}

    await admin.send("/hooks")
    shown = plain_text(admin.last_message().text)
    assert "failing: 2" in shown
    assert "task.posted evt_" in shown and "HTTP 500" in shown and "next try 2026-12-01" in shown

    # Up again, an hour later: everything arrives, each task's events in their order.
    receiver.status = 200
    h.clock.advance(timedelta(hours=1))
    await hooked.deliver()
    queued = await hooked.queue_order()
    assert sorted(receiver.events()) == sorted(i for ids in queued.values() for i in ids)
    assert by_key(receiver.delivered) == queued
    types = [r.type for r in receiver.delivered if r.data.get("task_id") == guild["task"]]
    assert types == ["task.posted", "task.allocated", "submission.submitted",
                     "submission.rejected", "submission.submitted", "submission.accepted"]
    await admin.send("/hooks")
    assert "Nothing is failing." in admin.last_message().text


async def test_events_queued_when_the_bot_stops_go_out_after_its_restart(
        hooked: Hooked) -> None:
    """The queue is the database: what was not delivered before a stop (the receiver down,
    or sends cut off) goes out from the next start, nothing lost, nothing out of order."""
    h, receiver = hooked.h, hooked.receiver
    receiver.status = 500
    guild = await guild_holding_units(h, hooked.admin)
    await submitted_assignment(guild)
    await hooked.deliver()
    assert receiver.delivered == []
    await h.restart()
    receiver.status = 200
    h.clock.advance(timedelta(hours=1))
    await hooked.deliver()
    queued = await hooked.queue_order()
    assert sum(map(len, queued.values())) == len(receiver.events()) > 0
    assert by_key(receiver.delivered) == queued


async def test_a_receiver_that_never_answers_delays_no_reply_and_no_notice(
        hooked: Hooked) -> None:
    h, receiver, admin = hooked.h, hooked.receiver, hooked.admin
    receiver.hang = True
    guild = await guild_holding_units(h, admin)
    # While a delivery hangs, people are answered and notices go out as ever.
    lee, group = guild["lee"], guild["group"]
    task = task_id_in((await admin.send(FIXED_TASK))[-1].text)
    assert "Street photos, Guangzhou" in group.last_message().text  # announced
    before = len(group.texts())
    await lee.send(f"/claim {task} 2", chat=group)
    assert len(group.texts()) > before  # Lee was answered
    assert await h.services.db.fetch_value(
        "SELECT units FROM allocations WHERE task_id = ?", (task,)) == 2
    assert receiver.hanging >= 1
    await hooked.deliver()  # the hanging tries give up after the time-out
    await admin.send("/hooks")
    shown = plain_text(admin.last_message().text)
    assert "no answer within 0.5 s" in shown
    receiver.hang = False
    h.clock.advance(timedelta(hours=1))
    await hooked.deliver()
    assert by_key(receiver.delivered) == await hooked.queue_order()


async def test_hooks_off_records_nothing_and_says_how_to_turn_them_on(
        h: Harness, admin: FakeUser) -> None:
    await admin.send("/start")
    await admin.send(FIXED_TASK)
    assert await h.services.db.fetch_value("SELECT COUNT(*) FROM hook_events") == 0
    assert h.services.hooks.sender is None
    await admin.send("/hooks")
    assert "Event hooks are off: set HOOK_URL and HOOK_SECRET" in plain_text(
        admin.last_message().text)
    await admin.send("/hooks now")
    assert "/hooks takes no arguments." in plain_text(admin.last_message().text)


def test_the_signature_is_stripes_scheme_and_a_changed_body_fails() -> None:
    body = json.dumps({"id": "evt_1", "type": "task.posted", "data": {}}).encode()
    header = sign(SECRET, body, 1_800_000_000)
    assert header.startswith("t=1800000000,v1=") and len(header.split("v1=")[1]) == 64
    assert verify(SECRET, body, header, now=1_800_000_100)
    assert not verify(SECRET, body + b" ", header)
    assert not verify("another secret", body, header)
    assert not verify(SECRET, body, header, now=1_800_000_000 + 301)  # an old replay
    assert not verify(SECRET, body, "v1=abc")
    assert [retry_after(n) for n in (0, 1, 2, 8, 9, 50)] == [10, 20, 40, 2560, 3600, 3600]


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "example.com/hook", "http://",
                                 "https://[::1/hook", "javascript:alert(1)"])
def test_a_hook_url_that_is_not_http_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="HOOK_URL must be an http"):
        parse_settings({"BOT_TOKEN": BOT_TOKEN, "HOOK_URL": url, "HOOK_SECRET": SECRET})


def test_hook_url_and_secret_go_together() -> None:
    with pytest.raises(ConfigError, match="HOOK_SECRET is not"):
        parse_settings({"BOT_TOKEN": BOT_TOKEN, "HOOK_URL": "https://example.com/h"})
    with pytest.raises(ConfigError, match="HOOK_URL is not"):
        parse_settings({"BOT_TOKEN": BOT_TOKEN, "HOOK_SECRET": SECRET})
    settings = parse_settings({"BOT_TOKEN": BOT_TOKEN, "HOOK_URL": "https://example.com/h",
                               "HOOK_SECRET": SECRET})
    assert settings.hooks_on and SECRET not in repr(settings)


def test_a_bad_hook_url_stops_the_start_with_one_line(tmp_path: Path) -> None:
    assert_config_error(run_bot(tmp_path, BOT_TOKEN=BOT_TOKEN, HOOK_URL="ftp://example.com/h",
                                HOOK_SECRET=SECRET), "HOOK_URL")


def test_the_readmes_verification_snippet_accepts_a_signed_event_and_nothing_else() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("**Verifying a signature.**", 1)[1]
    snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, object] = {}
    exec(snippet, namespace)  # the README's own example, run as a reader would
    check = namespace["verify"]
    assert callable(check)
    body = b'{"id":"evt_1","type":"payout.recorded","created_at":1,"data":{}}'
    header = sign(SECRET, body, int(time.time()))
    assert check(SECRET, body, header)
    assert not check(SECRET, body.replace(b"evt_1", b"evt_2"), header)
    assert not check(SECRET, body, sign(SECRET, body, int(time.time()) - 3600))
