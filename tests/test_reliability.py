"""Money-safe under replay, edits, faults and hostile input: each defect an audit found, from
the user's side."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from datetime import timedelta

import pytest

from storage import ledger as ledger_repo
from storage import market as market_repo
from storage import work as work_repo
from tests.scenario import (
    AUDIO_TASK,
    FIXED_TASK,
    approved_guild,
    business_rows,
    guild_holding_units,
    read_only,
    submitted_assignment,
    task_id_in,
)
from tgfake import FakeUser, Harness

EDITS_NOT_TAKEN = "Edits are not taken"


@pytest.fixture
async def guild(h: Harness, admin: FakeUser):
    return await guild_holding_units(h, admin)


async def _paid(h: Harness, user: FakeUser) -> list[int]:
    rows = await h.services.db.fetch_all(
        "SELECT amount_minor FROM ledger WHERE user_id = ? AND kind = 'payout'", (user.id,))
    return [r[0] for r in rows]


# --- 1. an edited message runs nothing again ------------------------------------------------


async def test_editing_a_payout_pays_nothing_more(h, admin, guild) -> None:
    wu = guild["wu"]
    await admin.send(f"/accept {await submitted_assignment(guild)}")
    await admin.send("/payout @wu 1.00 first")
    replies = await admin.edit("/payout @wu 1.50 first")
    assert EDITS_NOT_TAKEN in replies[-1].text
    assert await _paid(h, wu) == [-100]


async def test_editing_a_claim_or_the_task_form_changes_nothing(h, admin) -> None:
    lee = h.user("Lee")
    group = await approved_guild(h, admin, "Alpha", lee)
    task_id = task_id_in((await admin.send(FIXED_TASK))[-1].text)
    await lee.send(f"/claim T{task_id} 3", chat=group)
    replies = await lee.edit(f"/claim T{task_id} 4", chat=group)
    assert EDITS_NOT_TAKEN in replies[-1].text
    task = await market_repo.get_task(h.services.db, task_id)
    assert task is not None and task.allocated_units == 3
    await admin.edit(FIXED_TASK.replace("units: 10", "units: 12"))
    assert len(await market_repo.tasks_in(h.services.db, ("open",))) == 1
    assert sum("New task" in t for t in group.texts()) == 1


async def test_an_edited_text_result_replaces_it_until_submitted(h, admin) -> None:
    lee, wu = h.user("Lee"), h.user("Wu")
    group = await approved_guild(h, admin, "Alpha", lee, members=(wu,))
    form = AUDIO_TASK.replace("result: audio", "result: text").replace("units: 8", "units: 2")
    task_id = task_id_in((await admin.send(form))[-1].text)
    await lee.send(f"/quote T{task_id} 2.00 2", chat=group)
    await admin.send("/award 1")
    await lee.send(f"/assign T{task_id} 2 @wu", chat=group)
    await wu.press("Accept")
    await wu.send("我爱北京")
    await wu.press("Yes, a result")
    replies = await wu.edit("我爱上海")
    assert "Your edit replaced result 1 of assignment A1" in replies[-1].text
    await wu.send("second line")
    await wu.press("Submit")
    replies = await wu.edit("changed after submit")
    assert "already submitted, so your edit doesn't change it" in replies[-1].text
    texts = [r.text for r in await work_repo.results(h.services.db, 1, 0)]
    assert texts == ["我爱上海", "second line"]


# --- 2. pre-check never leads to pay for unseen work ----------------------------------------


async def test_work_waiting_for_a_pre_check_is_never_accepted_unseen(h, admin, guild) -> None:
    lee, wu = guild["lee"], guild["wu"]
    await lee.send("/precheck on", chat=guild["group"])
    assignment_id = await submitted_assignment(guild)
    h.clock.advance(timedelta(days=3, minutes=1))  # the task's review window
    report = await h.services.sweep.sweep()
    await h.settle()
    assert report.auto_accepted == [] and report.prechecks_escalated == [assignment_id]
    assert await ledger_repo.entries_for_assignment(h.services.db, assignment_id) == []
    assert "unchecked by the guild" in admin.last_message().text
    assert "went to the platform's review unchecked" in lee.last_message().text
    await admin.send("/review")
    assert f"Review assignment A{assignment_id}" in admin.messages()[-3].text
    # The admins could see it from the escalation on: a whole window later it is accepted.
    h.clock.advance(timedelta(days=2))
    assert (await h.services.sweep.sweep()).auto_accepted == []
    h.clock.advance(timedelta(days=1))
    assert (await h.services.sweep.sweep()).auto_accepted == [assignment_id]
    await h.settle()
    assert "accepted automatically" in wu.last_message().text


# --- 3. the same update twice does the work once --------------------------------------------


async def test_a_redelivered_update_does_nothing_twice(h, admin, guild) -> None:
    lee, wu, group = guild["lee"], guild["wu"], guild["group"]
    await admin.send(f"/accept {await submitted_assignment(guild)}")
    await admin.send("/payout @wu 1.00 once")
    await h.redeliver()
    assert await _paid(h, wu) == [-100]
    await lee.send(f"/assign {guild['task']} 1 @xi", chat=group)
    await h.redeliver()
    assert len(await work_repo.for_worker(h.services.db, guild["xi"].id)) == 1
    second = task_id_in((await admin.send(FIXED_TASK))[-1].text)
    await h.redeliver()
    assert [t.id for t in await market_repo.tasks_in(h.services.db, ("open",))] == [second]
    await lee.send(f"/claim {second} 2", chat=group)
    await h.redeliver()
    task = await market_repo.get_task(h.services.db, second)
    assert task is not None and task.allocated_units == 2


async def test_two_deliveries_at_the_same_moment_pay_once(h, admin, guild) -> None:
    await admin.send(f"/accept {await submitted_assignment(guild)}")
    await admin.send("/payout @wu 1.00 raced", settle=False)
    await h.redeliver(settle=False)
    await h.settle()
    assert await _paid(h, guild["wu"]) == [-100]


# --- 4. a lost reply never invites a second payment -----------------------------------------


async def test_a_lost_reply_says_it_was_done_and_a_repeat_needs_a_confirmation(
        h, admin, guild) -> None:
    wu = guild["wu"]
    await admin.send(f"/accept {await submitted_assignment(guild)}")
    h.api.fail_next("sendMessage", chat_id=admin.id, kind="timeout_after")
    await admin.send("/payout @wu 1.00 part one")
    told = admin.last_message().text
    assert "Done, but my answer to you was lost" in told and "try again" not in told
    replies = await admin.send("/payout @wu 1.00 part one")
    assert "The same payout (1.00 CNY to @wu) was recorded 1 min ago" in replies[-1].text
    assert await _paid(h, wu) == [-100]
    await admin.press("Record it again")
    assert "Payout of 1.00 CNY to @wu" in admin.last_message().text
    assert await _paid(h, wu) == [-100, -100]
    await admin.press_data("m1:again:1")  # the same button again
    assert "no longer valid" in admin.last_alert()
    assert await _paid(h, wu) == [-100, -100]


async def test_an_error_before_any_change_says_nothing_was_changed(h, admin) -> None:
    h.api.fail_next("sendMessage", chat_id=admin.id, kind="network")
    await admin.send("/guilds")
    assert "nothing was changed. Please try again" in admin.last_message().text


# --- 5. the outbox stops when it can't mark what it sent ------------------------------------


async def test_notices_are_not_resent_while_the_database_is_read_only(h: Harness) -> None:
    bob = h.user("Bob")
    dispatcher, db = h.services.dispatcher, h.services.db
    async with db.transaction() as tx:
        await h.services.notifier.message(tx, bob.id, "Your week.", user_id=bob.id)
    await read_only(db, True)  # the disk went read-only
    for _ in range(3):  # the dispatcher's loop would back off between these
        with contextlib.suppress(sqlite3.OperationalError):
            await dispatcher.run_once()
    # SQLite: sent once, then the marking fails; PostgreSQL: a batch is taken under a lease
    # (a write) before it is sent, so nothing goes out until the database takes writes again.
    assert bob.texts() == (["Your week."] if db.engine == "sqlite" else [])
    await read_only(db, False)
    await dispatcher.run_once()
    assert bob.texts() == ["Your week."]
    assert [tuple(r) for r in await db.fetch_all("SELECT status FROM outbox")] == [("sent",)]


# --- 6. prices and units have sane maxima; one bad item never jams the sweep ---------------


async def test_an_absurd_price_is_refused_with_the_maximum(h, admin) -> None:
    replies = await admin.send(FIXED_TASK.replace("price: 1.20", "price: 9223372036854775.00"))
    assert "Line 4 (price)" in replies[-1].text
    replies = await admin.send("/payout @ada_admin 1000000000000000000")
    assert "more than I take as an amount: 10,000,000 at most" in replies[-1].text


async def test_one_failing_item_is_skipped_and_the_sweep_goes_on(
        h, admin, guild, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
        ) -> None:
    first = await submitted_assignment(guild)
    second = await submitted_assignment(guild, worker="xi")
    credit = ledger_repo.credit

    async def broken_for_first(tx, **values):
        if values["assignment_id"] == first:
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        await credit(tx, **values)

    monkeypatch.setattr(ledger_repo, "credit", broken_for_first)
    h.clock.advance(timedelta(days=3, minutes=1))
    with caplog.at_level(logging.ERROR):
        report = await h.services.sweep.sweep()
    assert report.auto_accepted == [second]
    assert f"assignment {first} failed; skipped" in caplog.text
    assert await ledger_repo.entries_for_assignment(h.services.db, first) == []


# --- 7–10. hostile input always gets an answer Telegram accepts -----------------------------


@pytest.mark.parametrize("command", [
    "/payout @wu " + "9" * 5000,
    "/register " + "x" * 5000,
    "/settings timezone " + "Z" * 5000,
    "/quote 1 " + "1" * 4000 + " 2",
    "/newtask T\nmode: quote\nunits: 2\nprice: 1.00\nresult: voice\ndeadline: x" + "y" * 4500,
    "/newtask T\n" + "k" * 4500 + ": v",
])
async def test_a_long_argument_gets_a_short_answer(h, admin, guild, command) -> None:
    group = guild["group"]
    sender, chat = ((guild["lee"], group) if command.startswith(("/register", "/quote"))
                    else (admin, None))
    replies = await sender.send(command, chat=chat)
    assert replies and len(replies[-1].text) < 1000
    assert "something went wrong" not in replies[-1].text  # a refusal, not an apology


async def test_a_long_skills_line_is_refused_and_nothing_is_posted(h, admin, guild) -> None:
    form = FIXED_TASK.replace("deadline:", f"skills: {'cantonese ' * 60}\ndeadline:")
    replies = await admin.send(form)
    assert "Line 6 (skills): too long (200 characters at most)" in replies[-1].text
    assert [t.title for t in await market_repo.tasks_in(h.services.db, ("open",))] == []


async def test_ids_beyond_64_bits_are_refused(h, admin, guild) -> None:
    assert "far too large" in (await admin.send("/accept 99999999999999999999"))[-1].text
    assert "far too large" in (await admin.send("/payout 99999999999999999999 1"))[-1].text
    await admin.press_data("a1:approve:9999999999999999999:0")
    assert "no longer valid" in admin.last_alert()
    await admin.press_data("a1:approve:" + "9" * 25)
    assert "no longer valid" in admin.last_alert()
    replies = await admin.send("/approve 99999999999999999999")
    assert "There is no guild" in replies[-1].text


@pytest.mark.parametrize("data", ["garbage", "a1:accept:abc", "s1:freq:hourly", "nt1:post",
                                  "q1:award:", ""])
async def test_every_button_press_is_answered(h, admin, data) -> None:
    await admin.send("/start")
    await admin.press_data(data)
    assert "no longer valid" in admin.last_alert()


# --- decisions ------------------------------------------------------------------------------


async def test_a_suspended_guilds_workers_finish_and_are_paid_for_work_already_theirs(
        h, admin, guild) -> None:
    wu, group = guild["wu"], guild["group"]
    taken = await submitted_assignment(guild)
    await admin.send("/suspend 1 checking complaints")
    await guild["lee"].send(f"/assign {guild['task']} 1 @xi", chat=group)
    assert "suspended" in group.last_message().text  # no new work
    await admin.send(f"/accept {taken}")
    assert "You earned 2.16 CNY" in wu.last_message().text


async def test_a_username_two_people_held_names_nobody_until_the_id_is_given(
        h, admin, guild) -> None:
    wu = guild["wu"]
    await admin.send(f"/accept {await submitted_assignment(guild)}")
    newcomer = h.user("Wu Two", username="wu")  # took the name Wu gave up (not yet seen anew)
    await newcomer.send("/start")
    replies = await admin.send("/payout @wu 1.00")
    assert "@wu has been used by more than one person" in replies[-1].text
    assert str(wu.id) in replies[-1].text and str(newcomer.id) in replies[-1].text
    replies = await admin.send(f"/payout {wu.id} 1.00")
    assert f"(id {wu.id}) recorded" in replies[-1].text


async def test_only_members_read_the_guilds_earnings_and_progress(h, admin, guild) -> None:
    stranger = h.user("Sam")
    guild["group"].add(stranger)
    for command in ("/earnings", f"/progress {guild['task']}", "/members"):
        replies = await stranger.send(command, chat=guild["group"])
        assert replies[-1].text == "Only members of “Alpha Dubbers” can do that.", command
    replies = await guild["wu"].send("/earnings", chat=guild["group"])
    assert "earnings" in replies[-1].text


async def test_a_refusal_changes_no_business_row(h, admin, guild) -> None:
    before = await business_rows(h)
    await guild["wu"].send(f"/assign {guild['task']} 1 @xi", chat=guild["group"])
    await guild["wu"].send("/payout @xi 1.00")
    await guild["xi"].press_data("a1:approve:1:0")
    assert await business_rows(h) == before

