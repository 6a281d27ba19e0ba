"""Bans from the users' side: an admin bans a worker (from the platform, a skill or a task) or
a guild for some days; the banned are told why and until when, open work goes back to the
guild's pool, and the ban ends by itself or when lifted."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.statuses import BanScope
from storage import skills as skills_repo
from storage import work as work_repo
from tests.scenario import guild_of_three, task_form, task_id_in
from tgfake import FakeUser, Harness

# The fake clock starts at 2026-12-01 09:00 UTC: 17:00 in Shanghai, the admins' zone.
IN_3_DAYS = "2026-12-04 17:00 UTC+8"


def fixed(title: str, skills: str | None = None) -> str:
    fields = {"mode": "fixed", "units": 4, "price": "2.00", "result": "voice",
              "deadline": "2026-12-20 18:00"}
    if skills:
        fields["skills"] = skills
    return task_form(title, "Record each line.", **fields)


@pytest.fixture
async def world(h: Harness, admin: FakeUser) -> dict:
    """Guild Alpha (leader Lee, workers Wu and Xi) holding the 4 units of task 1."""
    world = await guild_of_three(h, admin, "Alpha")
    task = task_id_in((await admin.send(fixed("Lines, batch 1")))[-1].text)
    await world["lee"].send(f"/claim {task} 4", chat=world["group"])
    return {**world, "task": task}


async def test_a_platform_ban_takes_back_open_work_and_the_leader_hands_it_out_again(
        h, admin, world) -> None:
    lee, wu, xi, group, task = (world[k] for k in ("lee", "wu", "xi", "group", "task"))
    await lee.send(f"/assign {task} 2 @wu", chat=group)
    await wu.press("Accept")

    reply = (await admin.send("/ban @wu 3 fake recordings"))[-1].text
    assert reply == (f"Ban #1: @wu is banned from the platform until {IN_3_DAYS}; they were "
                     "told.\nTaken back to their guild's pool: A1.")
    assert wu.last_message().text == (
        f"⛔ You are banned from the platform until {IN_3_DAYS}. Reason: fake recordings\n"
        "Your open assignments A1 were taken back.")
    assert (f"Assignment A1 (2 units of task T{task}) was taken back from @wu, who is banned: "
            "they are back in the guild's pool.") in lee.texts()
    assert (await work_repo.get(h.services.db, 1)).status == "cancelled"

    await lee.send(f"/assign {task} 2 @wu", chat=group)
    assert group.last_message().text == (
        f"@wu can't take task T{task}: they are banned from the platform until {IN_3_DAYS}. "
        "Reason: fake recordings")
    await lee.send(f"/distribute {task}", chat=group)
    listing = group.last_message().text
    assert "2 units to @lee" in listing and "2 units to @xi" in listing
    assert "@wu" not in listing.split("Left out")[0]
    assert f"Left out: @wu (banned until {IN_3_DAYS})" in listing
    assert "Assignment A" in xi.last_message().text

    bans = (await admin.send("/bans"))[-1].text
    assert bans == (f"<b>Active bans</b>\n#1 @wu — from the platform — until {IN_3_DAYS} — "
                    "fake recordings (@ada_admin)")


async def test_a_skill_ban_counts_as_lacking_the_skill_and_a_task_ban_bars_the_task(
        h, admin, world) -> None:
    lee, wu, xi, group = world["lee"], world["wu"], world["xi"], world["group"]
    await admin.send("/skill add cantonese 粤语配音")
    await admin.send("/skill grant cantonese @wu")
    skilled = task_id_in((await admin.send(fixed("Lines, batch 2", "cantonese")))[-1].text)
    await lee.send(f"/claim {skilled} 4", chat=group)
    await lee.send(f"/assign {skilled} 1 @wu", chat=group)

    reply = (await admin.send("/ban @wu skill Cantonese 2 wrong dialect"))[-1].text
    assert reply.startswith("Ban #1: @wu is banned from skill cantonese until 2026-12-03 17:00")
    assert "Taken back to their guild's pool: A1." in reply
    assert "⛔ You are banned from skill cantonese" in wu.last_message().text
    await lee.send(f"/assign {skilled} 1 @wu", chat=group)
    assert "it needs cantonese, which they lack" in group.last_message().text
    assert "粤语配音 (cantonese) (banned for now)" in (await wu.send("/skills"))[-1].text
    assert await skills_repo.missing(h.services.db, wu.id, ["cantonese"]) == ["cantonese"]

    await admin.send(f"/ban @xi task {world['task']} 1 spam")
    assert f"banned from task T{world['task']}" in xi.last_message().text
    await lee.send(f"/assign {world['task']} 1 @xi", chat=group)
    assert f"they are banned from task T{world['task']} until" in group.last_message().text
    await lee.send(f"/assign {world['task']} 1 @wu", chat=group)  # a skill ban: not this task
    assert "Assignment A" in group.last_message().text


async def test_a_ban_ends_by_itself_and_unban_lifts_one_early(h, admin, world) -> None:
    lee, wu, xi, group, task = (world[k] for k in ("lee", "wu", "xi", "group", "task"))
    await admin.send("/ban @wu 1 late twice")
    await admin.send("/ban @xi 5 spam")
    h.clock.advance(timedelta(days=1, minutes=1))
    await lee.send(f"/assign {task} 1 @wu", chat=group)
    assert "Assignment A1" in wu.last_message().text
    assert "@xi — from the platform" in (await admin.send("/bans"))[-1].text

    reply = (await admin.send("/unban @xi"))[-1].text
    assert reply == "@xi is no longer banned from the platform; they were told."
    assert xi.last_message().text == "✅ Your ban from the platform was lifted."
    assert (await admin.send("/bans"))[-1].text == "No bans are active."
    assert "@xi has no active ban from the platform." in (await admin.send("/unban @xi"))[-1].text
    await lee.send(f"/assign {task} 1 @xi", chat=group)
    assert "Assignment A2" in xi.last_message().text


async def test_a_banned_guild_can_neither_claim_nor_quote_and_is_told_why(
        h, admin, world) -> None:
    lee, group = world["lee"], world["group"]
    reply = (await admin.send("/ban guild 1 2 late deliveries"))[-1].text
    assert reply.startswith("Ban #1: Alpha is banned from the platform until 2026-12-03 17:00")
    told = ("⛔ Guild “Alpha” is banned from the platform until 2026-12-03 17:00 UTC+8: it "
            "can't quote or claim there meanwhile. Reason: late deliveries")
    assert group.last_message().text == told and lee.last_message().text == told

    fixed_id = task_id_in((await admin.send(fixed("Lines, batch 3")))[-1].text)
    await lee.send(f"/claim {fixed_id} 1", chat=group)
    assert group.last_message().text == (
        "Guild “Alpha” is banned from the platform until 2026-12-03 17:00 UTC+8, so it can't "
        f"quote for or claim task T{fixed_id}. Reason: late deliveries")
    await admin.send("/unban guild 1")
    assert "✅ Your ban from the platform was lifted." in group.last_message().text

    quote = task_form("Quotes, batch 1", "Say each line.", mode="quote", units=4,
                      price="2.00", result="voice", deadline="2026-12-20 18:00")
    quote_id = task_id_in((await admin.send(quote))[-1].text)
    await admin.send(f"/ban guild 1 task {quote_id} 2 price fixing")
    await lee.send(f"/quote T{quote_id} 1.50 2", chat=group)
    assert f"banned from task T{quote_id} until" in group.last_message().text
    await lee.send(f"/claim {fixed_id} 1", chat=group)
    assert "Claimed 1 unit" in group.last_message().text


async def test_an_automatic_ban_inside_another_transaction(h, admin, world) -> None:
    wu, lee, group, services = world["wu"], world["lee"], world["group"], h.services
    await lee.send(f"/assign {world['task']} 1 @wu", chat=group)
    now = int(h.clock.now().timestamp())
    async with services.db.transaction() as tx:
        ban_id = await services.bans.ban_in(tx, user_id=wu.id, scope=BanScope.TASK,
                                            ref=str(world["task"]), until=now + 86400,
                                            reason="failed a control item", by=None)
    await h.settle()
    assert ban_id == 1
    assert "Reason: failed a control item" in wu.last_message().text
    assert "Your open assignments A1 were taken back." in wu.last_message().text
    assert "(automatic)" in (await admin.send("/bans"))[-1].text


@pytest.mark.parametrize(("command", "expected"), [
    ("/ban", "Name the worker (@username or id) or the guild (guild &lt;id&gt;).\nUsage: /ban"),
    ("/ban @nobody 2 spam", "I don't know @nobody: they have never written to me."),
    ("/ban wu 2 spam", "Name the user as @username or by their numeric id."),
    ("/ban @wu two spam", "two is not a number of days: write a whole number from 1 to 3650."),
    ("/ban @wu 0 spam", "0 is not a number of days"),
    ("/ban @wu 2", "Give the reason after the days: the banned person is told it."),
    ("/ban @wu", "Give the number of days and the reason."),
    ("/ban @wu skill", "Name the skill or give the task's number."),
    ("/ban @wu skill klingon 2 spam", "There is no skill klingon. Known skills: none yet."),
    ("/ban @wu task 999 2 spam", "Task T999 was not found."),
    ("/ban guild", "Give the guild's number."),
    ("/ban guild 99 2 spam", "There is no guild “G99”."),
    ("/unban @wu", "@wu has no active ban from the platform."),
    ("/unban @wu 2 spam", "Name only whom and which ban: no days or reason."),
])
async def test_bad_ban_commands_get_a_clear_answer(h, admin, world, command, expected) -> None:
    assert expected in (await admin.send(command))[-1].text


async def test_only_admins_ban_and_only_in_private(h, admin, world) -> None:
    refused = (await world["lee"].send("/ban @wu 2 spam"))[-1].text
    assert "/ban is for platform admins only" in refused
    await admin.send("/ban @wu 2 spam", chat=world["group"])
    assert "Please use /ban in a private chat" in world["group"].last_message().text


async def test_a_banned_workers_items_go_back_to_the_pool(h, admin, world) -> None:
    lee, xi, group = world["lee"], world["xi"], world["group"]
    form = task_form("Subtitles, episode 9", "Translate each line.", mode="fixed", units=1,
                     price="1.00", answer="text", deadline="2026-12-20 18:00")
    task = task_id_in((await admin.send(form))[-1].text)
    await admin.send_document("lines.csv", mime_type="text/csv",
                              content=b"key,text\nl1,hello\nl2,bye\n", caption=f"/items {task}")
    await lee.send(f"/claim {task} 2", chat=group)
    await lee.send(f"/assign {task} 2 @wu", chat=group)
    await world["wu"].press("Accept")
    await admin.send("/ban @wu task " + str(task) + " 1 copied answers")
    await lee.send(f"/assign {task} 2 @xi", chat=group)
    await xi.press("Accept")
    assert "Item l1" in xi.last_message().text
