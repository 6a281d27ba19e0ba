"""What a 50-member guild's people hit in a day, from their side: what an offer pays, ..."""

from __future__ import annotations

import re

from tests.scenario import (
    FIXED_TASK,
    QUOTE_TASK,
    alpha_with_task,
    approved_guild,
    assignment_ids,
    guild_holding_units,
    task_id_in,
)
from tgfake import FakeUser, Harness


async def test_an_offer_says_what_the_worker_gets_after_the_commission(h: Harness,
                                                                       admin: FakeUser) -> None:
    g = await guild_holding_units(h, admin)  # 2.40 per unit, the guild keeps 10 %
    await g["lee"].send(f"/assign {g['task']} 3 @{g['wu'].username}", chat=g["group"])
    offer = g["wu"].last_message().text
    assert assignment_ids(offer) == [1]
    assert "You earn 2.16 CNY per unit, 6.48 CNY for all 3. That is 2.40 CNY per unit less " \
        "the guild's commission of 10%." in offer
    await g["lee"].send("/commission 0", chat=g["group"])
    await g["lee"].send(f"/assign {g['task']} 1 @{g['xi'].username}", chat=g["group"])
    assert "You earn 2.40 CNY for it. The guild takes no commission." in \
        g["xi"].last_message().text


async def test_precheck_never_holds_back_work_nobody_can_check(h: Harness, admin: FakeUser
                                                               ) -> None:
    lee, wu, xi = h.user("Lee"), h.user("Wu"), h.user("Xi")
    group = await approved_guild(h, admin, "Alpha", lee, members=(wu, xi))
    # Lee never opened a private chat with the bot: nobody would get the submissions.
    await lee.send("/precheck on", chat=group)
    refused = group.texts()[-1]
    assert refused.startswith("Pre-check can't be turned on yet: I can't message @lee")
    assert "press Start, then send /precheck on again." in refused
    await lee.send("/start")
    await lee.send("/precheck on", chat=group)
    assert "now pre-checks results" in group.texts()[-1]
    await lee.send("/promote @xi", chat=group)
    await xi.send("/start")

    task = task_id_in((await admin.send(FIXED_TASK))[-1].text)
    await lee.send(f"/claim {task} 4", chat=group)
    await lee.send(f"/assign {task} 2 @wu", chat=group)
    await wu.press("Accept")
    # Lee blocks the bot: the request goes to the deputy instead, who passes it on.
    h.api.block(lee.id)
    await wu.send_photo()
    await wu.send_photo()
    await wu.press("Submit")
    assert "submitted assignment A1" in "\n".join(xi.texts()[-5:])
    await xi.press("Pass to review")
    await admin.send("/review")
    assert any("Review assignment A1" in t for t in admin.texts()[-4:])

    # With nobody left to message, the request goes straight to the admins' review.
    h.api.block(xi.id)
    await lee.send(f"/assign {task} 1 @wu", chat=group)
    await wu.press("Accept")
    await wu.send_photo()
    await wu.press("Submit")
    told = next(t for t in reversed(admin.texts()) if "Assignment A2" in t)
    assert "needs its guild's pre-check, but I can't message its leader or any deputy, so " \
        "it is in /review now" in told
    status = await h.services.db.fetch_one(
        "SELECT status, prechecked_at IS NOT NULL FROM assignments WHERE id = 2")
    assert tuple(status) == ("submitted", 1)


async def test_members_without_a_username_are_named_by_their_number(h: Harness,
                                                                     admin: FakeUser) -> None:
    g = await guild_holding_units(h, admin)
    lee, group = g["lee"], g["group"]
    mo = h.user("Mo", username="")  # no username: only a reply or a number names them
    await lee.send("/invite", chat=group)
    code = re.search(r"start=(join_[\w-]+)", group.texts()[-1])
    assert code
    group.add(mo)
    await mo.send(f"/start {code[1]}")
    await lee.send("/members", chat=group)
    roster = group.texts()[-1]
    line = next(t for t in roster.splitlines() if "Mo" in t)
    number = re.search(r"(M\d+) Mo", line)
    assert number, line
    await lee.send(f"/assign {g['task']} 2 {number[1]}", chat=group)
    assert "Assignment A1" in group.texts()[-1] and "Mo" in group.texts()[-1]
    assert assignment_ids(mo.last_message().text) == [1]
    await lee.send(f"/promote {number[1].lower()}", chat=group)
    assert "deputy" in group.texts()[-1]
    # A number nobody has: refused, naming it.
    await lee.send("/remove M99", chat=group)
    assert "M99" in group.texts()[-1]
    # The number stays with the member: Wu leaves and comes back, still M2; nobody else gets it.
    before = re.search(r"(M\d+) Wu", roster)
    assert before
    await g["wu"].send("/leave")
    await g["wu"].send(f"/start {code[1]}")
    await lee.send("/members", chat=group)
    assert f"{before[1]} Wu" in group.texts()[-1]


TEXT_TASK = ("/newtask Shop signs\nmode: fixed\nunits: 4\nprice: 1.00\nresult: text\n"
             "deadline: 2026-12-20 18:00\n\nWrite down each shop sign.")


async def test_nothing_becomes_a_result_by_accident(h: Harness, admin: FakeUser) -> None:
    g = await alpha_with_task(h, admin, TEXT_TASK, 4)
    lee, wu, group, task = g["lee"], g["wu"], g["group"], g["task"]
    await lee.send(f"/assign {task} 2 @wu", chat=group)
    await wu.press("Accept")
    # A question is not result 1 of 2: the worker is asked, and says no.
    await wu.send("hello? what do I write?")
    asked = wu.last_message()
    assert asked.text.startswith("Is this text result 1 of 2 for assignment A1 (Shop signs)?")
    assert asked.button_texts == ["Yes, a result", "No, just a message"]
    await wu.press("No, just a message")
    assert "that text is not a result" in wu.texts()[-1]
    assert await h.services.db.fetch_value("SELECT COUNT(*) FROM results") == 0
    # A real one: yes, once; the next texts go to the same assignment without asking.
    await wu.send("大华超市")
    await wu.press("Yes, a result")
    assert wu.texts()[-1] == "Result 1 of 2 for assignment A1 received."
    # The same text again counts once.
    await wu.send("大华超市")
    assert wu.texts()[-1] == "That text is already one of this assignment's results: it " \
        "counts once."
    # A slip, taken back with the button under its receipt; then with /undo.
    await wu.send("Lucky Noodles 幸运面馆 (typo)")
    receipt = wu.last_message()
    assert receipt.button_texts == ["Remove it", "Submit"]
    await wu.press("Remove it")
    assert wu.texts()[-1] == "Result taken back: assignment A1 has 1 of 2 results now."
    await wu.send("Lucky Noodles 幸运面馆")
    await wu.send("/undo")
    assert wu.texts()[-1] == "Result taken back: assignment A1 has 1 of 2 results now."
    await wu.send("Lucky Noodles 幸运面馆")
    await wu.press("Submit")
    assert "submitted for review" in wu.texts()[-1]
    texts = await h.services.db.fetch_all("SELECT text FROM results ORDER BY id")
    assert [t[0] for t in texts] == ["大华超市", "Lucky Noodles 幸运面馆"]
    # After Submit nothing can be taken back.
    await wu.send("/undo")
    assert wu.texts()[-1].startswith("There is no result to take back")


async def test_no_deadline_or_reminder_in_the_workers_night(h: Harness, admin: FakeUser
                                                            ) -> None:
    from datetime import UTC, datetime
    g = await guild_holding_units(h, admin)  # due 2026-12-20 18:00 Beijing time
    wu = g["wu"]
    # 17:00 Beijing time, a 12 h window: 6 hours before 23:00, 6 after 08:00 — not 05:00.
    await g["lee"].send(f"/assign {g['task']} 2 @wu", chat=g["group"])
    assert "Please answer by 2026-12-02 14:00" in wu.last_message().text
    await wu.press("Accept")
    # The day before the deadline, at 23:30 Beijing time: the reminder waits for the morning.
    h.clock.set(datetime(2026, 12, 19, 15, 30, tzinfo=UTC))
    await h.services.sweep.sweep()
    await h.settle()
    assert not any("⏰" in t for t in wu.texts())
    h.clock.set(datetime(2026, 12, 20, 0, 1, tzinfo=UTC))  # 08:01
    await h.services.sweep.sweep()
    await h.settle()
    assert sum("⏰ Assignment A1" in t for t in wu.texts()) == 1


async def test_awarding_one_quote_keeps_the_others_buttons(h: Harness, admin: FakeUser) -> None:
    from tests.scenario import QUOTE_TASK
    lee, mei = h.user("Lee"), h.user("Mei")
    alpha = await approved_guild(h, admin, "Alpha", lee)
    beta = await approved_guild(h, admin, "Beta", mei)
    task = task_id_in((await admin.send(QUOTE_TASK))[-1].text)
    await lee.send(f"/quote {task} 2.20 40", chat=alpha)
    await mei.send(f"/quote {task} 2.40 40", chat=beta)
    table = (await admin.send(f"/quotes {task}"))[-1]
    assert table.button_texts == ["Award Q1", "Reject Q1", "Award Q2", "Reject Q2"]
    await admin.press("Award Q1", message=table)
    shown = h.api.find_message(admin.id, table.message_id)
    assert shown is not None
    # The table is current (quote Q1 awarded) and quote Q2 can still be decided from it.
    assert shown.button_texts == ["Award Q2", "Reject Q2"]
    assert "awarded" in shown.text.lower()
    assert "Quote Q1" in admin.texts()[-1] and "award" in admin.texts()[-1].lower()
    await admin.press("Award Q2", message=shown)
    assert h.api.find_message(admin.id, table.message_id).button_texts == []


async def test_progress_starts_with_totals_and_lists_what_needs_the_leader(
        h: Harness, admin: FakeUser) -> None:
    g = await guild_holding_units(h, admin)  # 8 units
    lee, group, task = g["lee"], g["group"], g["task"]
    await lee.send(f"/assign {task} 2 @wu", chat=group)
    await g["wu"].press("Accept")
    await lee.send(f"/assign {task} 3 @xi", chat=group)  # not answered yet
    await g["wu"].send_voice()
    await g["wu"].send_voice()
    await g["wu"].press("Submit")
    await admin.send("/accept 1")
    await lee.send(f"/progress {task}", chat=group)
    shown = group.texts()[-1]
    lines = shown.splitlines()
    assert lines[1] == "Offered 3 · in progress 0 · submitted 0 · accepted 2 · expired 0"
    assert lines[2] == "▓▓░░░░░░░░ 25 % done"
    # Only what needs the leader: Xi's unanswered offer, not Wu's accepted work.
    assert "A2 @xi: 3 units, offered" in shown and "@wu" not in shown
    assert shown.endswith(f"The full list: /progress T{task} all")
    await lee.send(f"/progress {task} all", chat=group)
    assert "A1 @wu: 2 units, accepted" in group.texts()[-1]
    await lee.send(f"/progress {task} everything", chat=group)
    assert group.texts()[-1].startswith("Add all for every assignment")


async def test_distribute_can_leave_out_the_leader_and_deputies(h: Harness, admin: FakeUser
                                                                ) -> None:
    g = await guild_holding_units(h, admin)  # 8 units; Lee leads Wu, Xi and Yan
    lee, group, task = g["lee"], g["group"], g["task"]
    await lee.send("/promote @xi", chat=group)
    await g["xi"].send("/start")
    await lee.send(f"/distribute {task} members", chat=group)
    handed = group.texts()[-1]
    assert "to @wu" in handed and "to @yan" in handed
    assert "to @lee" not in handed and "to @xi" not in handed
    holders = await h.services.db.fetch_all("SELECT DISTINCT worker_id FROM assignments")
    assert {r[0] for r in holders} == {g["wu"].id, g["yan"].id}
    await lee.send(f"/distribute {task} everyone", chat=group)
    assert group.texts()[-1].startswith("Add members to leave out the leader and deputies")


async def test_each_kind_of_id_has_its_letter_shown_and_typed(h: Harness, admin: FakeUser
                                                              ) -> None:
    g = await guild_holding_units(h, admin)  # task T1, quote Q1 awarded
    lee, wu, group = g["lee"], g["wu"], g["group"]
    task = g["task"]
    # Typed with its letter, lower case, with # or bare: the same task.
    await lee.send(f"/assign T{task} 1 @wu", chat=group)
    await lee.send(f"/assign t{task} 1 @wu", chat=group)
    await lee.send(f"/assign #{task} 1 @wu", chat=group)
    await lee.send(f"/assign {task} 1 @wu", chat=group)
    offers = [m for m in wu.messages() if m.button_texts]
    assert [m.text.split(" from ")[0] for m in offers] == [
        "<b>Assignment A1</b>", "<b>Assignment A2</b>", "<b>Assignment A3</b>",
        "<b>Assignment A4</b>"]
    assert f"of task T{task}, " in offers[0].text
    # Every button that acts on one of several things names it.
    assert [m.button_texts for m in offers[:2]] == [["Accept A1", "Decline A1"],
                                                    ["Accept A2", "Decline A2"]]
    await wu.press("Accept A2")
    await wu.press("Decline A1")
    await wu.send("/tasks")
    listing = wu.last_message().text
    assert "A2 Cantonese lines, batch 1: 1 unit, in progress" in listing
    assert "A1 " not in listing
    # An id of another kind is refused, saying what it names and what is wanted.
    await lee.send("/assign A2 1 @wu", chat=group)
    assert group.texts()[-1] == "A2 is an assignment, but here I need a task, such as T12."
    await wu.send(f"/submit T{task}")
    assert wu.last_message().text == \
        f"T{task} is a task, but here I need an assignment, such as A12."
    await admin.send("/award A1")
    assert admin.last_message().text == \
        "A1 is an assignment, but here I need a quote, such as Q12."
    await wu.send("/submit X2")
    assert wu.last_message().text.startswith("That is not a number.\nUsage: /submit")
    # An admin sees guilds as G…, and may name one so.
    await admin.send("/guilds")
    assert "G1 <b>Alpha Dubbers</b>" in admin.last_message().text
    await admin.send("/guild G1")
    assert "Alpha Dubbers" in admin.last_message().text
    # In Chinese the same.
    await wu.send("/settings language zh")
    await wu.send(f"/submit T{task}")
    assert wu.last_message().text == f"T{task} 是任务号，这里要填派单号，例如 A12。"


async def test_a_fixed_task_is_claimed_with_a_tap(h: Harness, admin: FakeUser) -> None:
    lee, wu = h.user("Lee"), h.user("Wu")
    group = await approved_guild(h, admin, "Alpha", lee, members=(wu,))
    await admin.send(FIXED_TASK)  # 10 units
    await h.settle()
    announcement = group.last_message()
    assert announcement.text.startswith("<b>New task T1: ")
    assert announcement.button_texts == ["Claim 1", "Claim 2", "Claim 5", "Claim 10"]
    # A member may not claim for the guild.
    first_five = announcement.buttons[2]["callback_data"]
    await wu.press("Claim 5", chat=group, message=announcement)
    assert "leader" in wu.last_alert()
    await lee.press("Claim 5", chat=group, message=announcement)
    assert group.texts()[-1].startswith("Claimed 5 units of task T1")
    # The buttons now offer what is left.
    assert announcement.button_texts == ["Claim 1", "Claim 2", "Claim 5"]
    # A second tap of the same button (a double tap) claims nothing more.
    await lee.press_data(first_five, chat=group, message=announcement)
    assert lee.last_alert().startswith("Your guild holds 5 units of task T1 now")
    await admin.send("/tasks")
    assert "T1 Street photos, Guangzhou — 5/10 units left" in admin.last_message().text
    # A quote task's announcement says how to quote instead.
    await admin.send(QUOTE_TASK)
    await h.settle()
    assert group.last_message().button_texts == []
    assert "Quote with /quote T2 &lt;price&gt; &lt;units&gt; [note]" in group.texts()[-1]
