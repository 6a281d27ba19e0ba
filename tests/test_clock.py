"""The clock: reminders, expiry, auto-accept and summaries, each done once, restarts included.

Tests move the harness's clock and run the jobs' services directly; nothing sleeps.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from storage import ledger as ledger_repo
from storage import market as market_repo
from storage import work as work_repo
from tests.conftest import ADMIN_ID
from tests.scenario import (
    assignment_ids,
    guild_holding_units,
    submitted_assignment,
    taken_assignment,
    window_passes,
)
from tgfake import FakeUser, Harness

DUE = datetime(2026, 12, 20, 10, 0, tzinfo=UTC)  # 18:00 in Shanghai, the task's deadline


@pytest.fixture
async def guild(h: Harness, admin: FakeUser):
    return await guild_holding_units(h, admin)


def _count(user_or_group, needle: str) -> int:
    return sum(needle in text for text in user_or_group.texts())


async def test_reminders_24_h_and_1_h_before_the_deadline_come_once_each(
        h, admin, guild) -> None:
    wu = guild["wu"]
    assignment_id = await taken_assignment(guild)
    sweep = h.services.sweep.sweep

    h.clock.set(DUE - timedelta(hours=30))
    assert (await sweep()).reminders == []
    h.clock.set(DUE - timedelta(hours=23))
    assert (await sweep()).reminders == [(assignment_id, 24)]
    assert (await sweep()).reminders == []
    await h.settle()
    assert _count(wu, "is due within 24 hours") == 1
    assert "0 of 1 results are in" in wu.last_message().text

    await h.restart()  # nothing is remembered in memory: the database knows what was sent
    h.clock.set(DUE - timedelta(minutes=40))
    assert (await h.services.sweep.sweep()).reminders == [(assignment_id, 1)]
    await h.restart()
    assert (await h.services.sweep.sweep()).reminders == []
    await h.settle()
    assert _count(wu, "is due within 24 hours") == 1
    assert _count(wu, "is due within 1 hour") == 1


async def test_an_ignored_offer_returns_to_the_pool_and_the_leader_is_told(
        h, admin, guild) -> None:
    lee, xi = guild["lee"], guild["xi"]
    await lee.send(f"/assign {guild['task']} 3 @xi", chat=guild["group"])
    offer = xi.last_message()
    # Offered at 17:00 Beijing time: 12 waking hours end at 14:00 the next day (the window
    # stands still 23:00-08:00).
    h.clock.advance(timedelta(hours=20))
    assert (await h.services.sweep.sweep()).offers_expired == []
    h.clock.advance(timedelta(hours=2))  # past the 12 h offer window
    report = await h.services.sweep.sweep()
    await h.settle()
    assert report.offers_expired == assignment_ids(offer.text)
    assert "expired unanswered" in xi.last_message().text  # the worker at once
    await window_passes(h)  # the leader in the digest
    assert "did not answer assignment" in lee.last_message().text
    assert "3 units of task" in lee.last_message().text
    assert "expired unanswered" in xi.last_message().text
    pool = await work_repo.pool(h.services.db, guild["task"], 1)
    assert sum(free for _, _, free in pool) == 8
    await xi.press("Accept", message=offer)  # too late
    assert "is expired" in xi.last_alert()
    assert (await h.services.sweep.sweep()).offers_expired == []


async def test_work_not_submitted_by_the_deadline_expires(h, admin, guild) -> None:
    assignment_id = await taken_assignment(guild, units=2)
    h.clock.set(DUE + timedelta(minutes=1))
    report = await h.services.sweep.sweep()
    await h.settle()
    assert report.overdue == [assignment_id]
    assert "passed its deadline without being submitted" in guild["wu"].last_message().text
    assert "passed its deadline unsubmitted" in guild["lee"].last_message().text
    assert (await h.services.sweep.sweep()).overdue == []
    # With nothing left in flight, the task itself is closed.
    task = await market_repo.get_task(h.services.db, guild["task"])
    assert task is not None and task.status == "expired"


async def test_an_unreviewed_submission_is_accepted_and_paid_after_the_review_window(
        h, admin, guild) -> None:
    wu = guild["wu"]
    assignment_id = await taken_assignment(guild, units=2)
    await wu.send_voice()
    await wu.send_voice()
    await wu.press("Submit")
    h.clock.advance(timedelta(days=2, hours=23))
    assert (await h.services.sweep.sweep()).auto_accepted == []
    h.clock.advance(timedelta(hours=2))  # review_days is 3
    assert (await h.services.sweep.sweep()).auto_accepted == [assignment_id]
    await h.restart()
    assert (await h.services.sweep.sweep()).auto_accepted == []
    await h.settle()
    assert "accepted automatically (the review window passed)" in wu.last_message().text
    assert "You earned 4.32 CNY" in wu.last_message().text
    entries = await ledger_repo.entries_for_assignment(h.services.db, assignment_id)
    assert [(kind, amount) for kind, _, amount in entries] == [("worker_share", 432),
                                                               ("commission", 48)]


async def test_a_quote_window_is_closed_by_the_sweep(h, admin: FakeUser) -> None:
    lee = h.user("Lee")
    from tests.scenario import QUOTE_TASK, approved_guild, task_id_in

    group = await approved_guild(h, admin, "Alpha", lee)
    task_id = task_id_in((await admin.send(QUOTE_TASK))[-1].text)
    await lee.send(f"/quote T{task_id} 2.00 10", chat=group)
    h.clock.set(datetime(2026, 12, 10, 4, 1, tzinfo=UTC))
    assert (await h.services.sweep.sweep()).quote_windows == [task_id]
    await h.settle()
    assert "1 quote was not awarded and expired" in admin.last_message().text
    assert "quote Q1 was not awarded" in group.last_message().text
    assert (await h.services.sweep.sweep()).quote_windows == []
    await admin.send("/award 1")
    assert "Quote Q1 is expired" in admin.last_message().text


async def test_the_weekly_summary_reaches_worker_guild_and_admin_once(h, admin, guild) -> None:
    wu, lee, group = guild["wu"], guild["lee"], guild["group"]
    assignment_id = await taken_assignment(guild, units=2)
    await wu.send_voice()
    await wu.send_voice()
    await wu.press("Submit")
    await admin.send(f"/accept A{assignment_id}")
    await admin.send("/payout @wu 1.00")

    # Sunday 2026-12-06, 20:00 in Shanghai: the weekly summary moment.
    h.clock.set(datetime(2026, 12, 6, 11, 59, tzinfo=UTC))
    report = await h.services.summaries.run_due()
    assert (report.workers, report.guilds, report.admins) == (0, 0, 0)
    h.clock.set(datetime(2026, 12, 6, 12, 0, tzinfo=UTC))
    report = await h.services.summaries.run_due()
    await h.settle()
    assert (report.workers, report.guilds, report.admins) == (2, 1, 1)  # Wu, and Lee's cut

    mine = wu.last_message().text
    assert "Your week</b> (2026-11-29 20:00 – 2026-12-06 20:00)" in mine
    assert "Units accepted: 2" in mine
    assert "Earned: 4.32 CNY" in mine
    assert "Paid out: 1.00 CNY" in mine
    assert "Balance</b> (earned, not yet paid): 3.32 CNY" in mine
    assert "Earned: 0.48 CNY" in lee.last_message().text

    theirs = group.last_message().text
    assert "Alpha Dubbers</b>: the week" in theirs
    assert "Members earned: 4.32 CNY" in theirs and "Guild commission: 0.48 CNY" in theirs
    assert "1. @wu — 2 units, 4.32 CNY" in theirs

    digest = admin.last_message().text
    assert "Platform digest" in digest
    assert "Units accepted: 2" in digest
    assert "Credited: 4.80 CNY; paid out: 1.00 CNY" in digest
    assert "Alpha Dubbers: 2 units" in digest

    # Xi and Yan had nothing this week: no empty summaries.
    assert not any("Your week" in t for t in guild["xi"].texts())

    # A restart and more runs, later the same evening: nothing is sent twice.
    await h.restart()
    h.clock.advance(timedelta(hours=2))
    report = await h.services.summaries.run_due()
    await h.settle()
    assert (report.workers, report.guilds, report.admins) == (0, 0, 0)
    assert _count(wu, "Your week") == 1
    assert _count(group, "the week (") == 1
    assert _count(admin, "Platform digest") == 1


async def test_settings_choose_the_frequency_and_time_zone(h, admin, guild) -> None:
    wu = guild["wu"]
    await wu.send("/settings")
    assert "Earnings summary: weekly, at 20:00" in wu.last_message().text
    assert "Time zone: Beijing (UTC+8) (the platform's default)" in wu.last_message().text
    await wu.press("daily")
    assert "Earnings summary: daily" in wu.messages()[-1].text
    await wu.press("Kathmandu")
    assert "Time zone: Kathmandu (UTC+5:45)" in wu.messages()[-1].text
    await wu.send("/settings timezone Europe/Berlin")
    assert "Time zone: Europe/Berlin (UTC+1)" in wu.last_message().text
    await wu.send("/settings timezone Mars/Olympus")
    assert "Mars/Olympus is not a time zone I know" in wu.last_message().text
    await wu.send("/settings hourly")
    assert "Choose daily, weekly, monthly or off" in wu.last_message().text
    await wu.send("/settings off")
    assert "Earnings summary: off" in wu.last_message().text

    # Work accepted, then summaries come due: Wu chose off, so Wu gets none.
    assignment_id = await submitted_assignment(guild)
    await admin.send(f"/accept A{assignment_id}")
    h.clock.set(datetime(2026, 12, 6, 12, 5, tzinfo=UTC))
    await h.services.summaries.run_due()
    await h.settle()
    assert _count(wu, "Your week") == 0 and _count(wu, "Your day") == 0


async def test_a_daily_summary_follows_the_workers_own_time_zone(h, admin, guild) -> None:
    wu = guild["wu"]
    await wu.send("/settings daily")
    await wu.send("/settings timezone Europe/Berlin")
    assignment_id = await submitted_assignment(guild)
    await admin.send(f"/accept A{assignment_id}")
    # 20:00 in Berlin on 2026-12-01 is 19:00 UTC.
    h.clock.set(datetime(2026, 12, 1, 18, 59, tzinfo=UTC))
    await h.services.summaries.run_due()
    h.clock.set(datetime(2026, 12, 1, 19, 0, tzinfo=UTC))
    await h.services.summaries.run_due()
    await h.settle()
    assert _count(wu, "Your day</b> (2026-11-30 20:00 – 2026-12-01 20:00)") == 1


async def test_an_admin_sends_summaries_now(h, admin, guild) -> None:
    wu = guild["wu"]
    assignment_id = await submitted_assignment(guild)
    await admin.send(f"/accept A{assignment_id}")
    await admin.send("/summary")
    assert "Summaries queued: 2 to workers, 1 to guild groups, 1 to admins" in \
        [t for t in admin.texts() if "Summaries queued" in t][-1]
    assert "Earned: 2.16 CNY" in wu.last_message().text
    await wu.send("/summary")
    assert "/summary is for platform admins only" in wu.last_message().text


async def test_the_clock_jobs_are_scheduled_at_start(db_path: Path) -> None:
    async with Harness(db_path, admin_ids={ADMIN_ID}, clock_jobs=True) as h:
        assert h.app is not None and h.app.job_queue is not None
        names = sorted(job.name for job in h.app.job_queue.jobs())
        # several instances on PostgreSQL also share the send caps
        shared = ["share caps"] if h.settings.database_url else []
        assert names == [*shared, "summaries", "sweep"]


async def test_the_summary_time_comes_from_the_settings(db_path: Path) -> None:
    settings = Settings(bot_token="1:x", summary_time=datetime(2026, 1, 1, 8, 30).time())
    async with Harness(db_path, admin_ids={ADMIN_ID}, settings=settings) as h:
        someone = h.user("Someone")
        await someone.send("/settings")
        assert "at 08:30" in someone.last_message().text


async def test_tasks_waiting_on_reviews_do_not_keep_later_tasks_from_closing(
        h, admin, guild) -> None:
    """More tasks past their deadline with work in review than one sweep reads must not hide
    a later task that has nothing left in flight: it is closed all the same."""
    db = h.services.db
    task = await market_repo.get_task(db, guild["task"])
    assert task is not None
    wu = await h.services.users.get(guild["wu"].id)
    assert wu is not None
    columns = [c for c in await db.columns("tasks") if c != "id"]
    copied = ", ".join(c if c not in ("deadline_at", "review_days") else
                       {"deadline_at": ":early", "review_days": "60"}[c] for c in columns)
    async with db.transaction() as tx:
        for _n in range(201):  # one more than a sweep reads at a time
            copy = await tx.insert(
                f"INSERT INTO tasks ({', '.join(columns)}) SELECT {copied} FROM tasks"
                " WHERE id = :id", {"id": task.id, "early": task.deadline_at - 3600})
            await tx.execute(
                "INSERT INTO assignments (task_id, allocation_id, guild_id, worker_id, units,"
                " unit_price_minor, status, assigned_by, offered_at, offer_expires_at, due_at,"
                " submitted_at) SELECT :t, al.id, al.guild_id, :w, 1, al.unit_price_minor,"
                " 'submitted', :w, 0, 0, :due, :submitted FROM allocations al"
                " WHERE al.task_id = :task",
                {"t": copy, "w": wu.id, "task": task.id,
                 "due": task.deadline_at - 3600, "submitted": task.deadline_at - 7200})
    h.clock.set(DUE + timedelta(minutes=1))
    report = await h.services.sweep.sweep()
    assert report.tasks_closed == [task.id]  # the 201 tasks in review stay open
    closed = await market_repo.get_task(db, task.id)
    assert closed is not None and closed.status == "expired"
