"""The work loop: units reach members, come back as results, are reviewed and paid once."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.work import credit_for, result_kind_allowed, spread
from storage import ledger as ledger_repo
from storage import work as work_repo
from tests.scenario import (
    assignment_ids,
    guild_holding_units,
    submitted_assignment,
    window_passes,
)
from tgfake import FakeUser, Harness


@pytest.fixture
async def guild(h: Harness, admin: FakeUser):
    return await guild_holding_units(h, admin)


async def test_the_whole_loop_from_distribution_to_payout(h, admin, guild) -> None:
    lee, wu, xi, yan, group = guild["lee"], guild["wu"], guild["xi"], guild["yan"], guild["group"]
    task_id = guild["task"]

    # The leader spreads the 8 units over the 4 members who can be messaged.
    await lee.send(f"/distribute T{task_id}", chat=group)
    listing = group.last_message().text
    assert "Distributed" in listing
    offers = {user.first_name: user.last_message() for user in (wu, xi, yan)}
    for user, offer in offers.items():
        assert "2 units of task" in offer.text, user
        assert "Record each line of the attached script" in offer.text
        number = assignment_ids(offer.text)[0]  # the buttons name the assignment
        assert offer.button_texts == [f"Accept A{number}", f"Decline A{number}"]
    wu_id = assignment_ids(offers["Wu"].text)[0]
    xi_id = assignment_ids(offers["Xi"].text)[0]

    # Wu and Xi accept, Yan declines; the leader hears of all three in one digest.
    await wu.press("Accept")
    assert f"Assignment A{wu_id} is yours" in wu.last_message().text
    await xi.press("Accept")
    await yan.press("Decline")
    await window_passes(h)
    digest = lee.last_message().text
    assert digest.startswith("3 events in ")
    assert digest.count("accepted assignment") == 2
    assert "declined assignment" in digest and "back in the guild's pool" in digest
    pool = await work_repo.pool(h.services.db, task_id, 1)
    assert sum(free for _, _, free in pool) == 2

    # Wu records: a voice note, a photo (wrong type), the same voice note again (duplicate).
    assert "Result 1 of 2" in (await wu.send_voice(file_unique_id="wu-line-1"))[-1].text
    refused = (await wu.send_photo())[-1].text
    assert "wants audio file results; that was photo" in refused
    assert "already submitted" in (await wu.send_voice(file_unique_id="wu-line-1"))[-1].text
    done = (await wu.send_voice(file_unique_id="wu-line-2"))[-1]
    assert "All in" in done.text and done.button_texts == ["Remove it", "Submit"]
    await wu.press("Submit")
    assert f"Assignment A{wu_id} is submitted for review" in wu.last_message().text

    # Xi sends her recordings as audio files (one as a document with an audio type).
    await xi.send(f"/submit {xi_id}")
    await xi.send_document("line-3.mp3", mime_type="audio/mpeg")
    await xi.send_audio()
    await xi.send("/done")
    assert f"Assignment A{xi_id} is submitted" in xi.last_message().text

    # The admin reviews Wu's work: the results are shown again, then rejected with a reason.
    await admin.send("/review")
    review = admin.messages()[-4:]
    assert f"Review assignment A{wu_id}" in review[0].text and "by @wu" in review[0].text
    assert [s.method for s in review[1:3]] == ["sendVoice", "sendVoice"]
    assert review[3].button_texts == ["Accept", "Reject", "Send back some…"]
    await admin.press("Reject")
    prompt = admin.last_message()
    await admin.reply(prompt, "Line 2 is cut off at the end")
    assert f"Assignment A{wu_id} sent back for rework" in admin.last_message().text
    told = wu.last_message().text
    assert "sent back for rework. Reason: Line 2 is cut off at the end" in told

    # Wu reworks: two new recordings, submitted again, and accepted this time.
    await wu.send_voice(file_unique_id="wu-line-1-take-2")
    await wu.send_voice(file_unique_id="wu-line-2-take-2")
    await wu.press("Submit")
    await admin.send(f"/review {wu_id}")
    assert "rework round 1" in admin.messages()[-4].text
    await admin.press("Accept")
    assert f"Assignment A{wu_id} accepted: 2 of 2 units" in admin.last_message().text
    # 2 units × 2.40 = 4.80; the guild keeps 10 % = 0.48; Wu gets 4.32.
    assert "Credited 4.32 CNY to the worker and 0.48 CNY commission" in \
        admin.last_message().text
    assert "You earned 4.32 CNY" in wu.last_message().text
    assert await ledger_repo.entries_for_assignment(h.services.db, wu_id) == [
        ("worker_share", wu.id, 432), ("commission", lee.id, 48)]

    await admin.send(f"/accept {xi_id}")
    assert "You earned 4.32 CNY" in xi.last_message().text

    # Earnings: the worker's and the guild's.
    await wu.send("/earnings")
    mine = wu.last_message().text
    assert "Today: accepted 4.32 CNY, paid 0.00 CNY" in mine
    assert "Balance</b> (accepted, not yet paid): 4.32 CNY" in mine
    await lee.send("/earnings", chat=group)
    theirs = group.last_message().text
    assert "Today: members 8.64 CNY, commission 0.96 CNY" in theirs

    # A payout, and one that would overpay.
    await admin.send("/payout @wu 4.00 December, part 1")
    assert f"Payout of 4.00 CNY to @wu (id {wu.id}) recorded. Their balance is now 0.32 CNY" \
        in admin.last_message().text
    assert "A payout of 4.00 CNY was recorded for you" in wu.last_message().text
    await admin.send("/payout @wu 1.00")
    assert "balance is 0.32 CNY; a payout of 1.00 CNY would exceed it" in \
        admin.last_message().text
    await wu.send("/earnings")
    assert "paid 4.00 CNY" in wu.last_message().text
    assert "Balance</b> (accepted, not yet paid): 0.32 CNY" in wu.last_message().text


async def test_an_acceptance_credits_the_ledger_exactly_once(h, admin, guild) -> None:
    assignment_id = await submitted_assignment(guild)
    await admin.send("/review")
    accept_button = admin.last_message()
    await admin.press("Accept", message=accept_button)
    await admin.press_data(f"a1:approve:{assignment_id}", message=accept_button)  # stale
    await admin.send(f"/accept A{assignment_id}")
    assert "is accepted, so that can't be done now" in admin.last_message().text
    entries = await ledger_repo.entries_for_assignment(h.services.db, assignment_id)
    assert [kind for kind, _, _ in entries] == ["worker_share", "commission"]
    assert sum(amount for _, _, amount in entries) == 240


async def test_results_sent_back_by_number_are_redone_and_the_rest_stands(h, admin,
                                                                         guild) -> None:
    lee, wu, group = guild["lee"], guild["wu"], guild["group"]
    await lee.send(f"/assign {guild['task']} 3 @wu", chat=group)
    assignment_id = assignment_ids(wu.last_message().text)[0]
    await wu.press("Accept")
    for _ in range(3):
        await wu.send_voice()
    await wu.send("/done")
    # The review numbers the results as /reject names them.
    replies = await admin.send(f"/review A{assignment_id}")
    assert [m.params.get("caption") for m in replies if m.method == "sendVoice"] == \
        ["1.", "2.", "3."]
    # Part acceptance by count is gone: the admin is told how to send back part of it.
    await admin.send(f"/accept A{assignment_id} 2")
    assert admin.last_message().text.startswith(
        f"Assignment A{assignment_id} is accepted whole. To pay for part of it, send back")
    await admin.send(f"/reject A{assignment_id} 2 the second take is noisy")
    assert wu.last_message().text.startswith(
        f"↩️ Assignment A{assignment_id}: results 2 were sent back for rework. Reason: the "
        "second take is noisy\nThe others stand. Send 1 result again")
    await wu.send(f"/submit A{assignment_id}")
    assert "2 of 3 in" in wu.last_message().text
    await wu.send_voice()
    await wu.send("/done")
    await admin.send(f"/accept A{assignment_id}")
    entries = await ledger_repo.entries_for_assignment(h.services.db, assignment_id)
    assert sum(amount for _, _, amount in entries) == 3 * 240
    # Nothing went back to the pool: 8 units held, 3 of them by this assignment.
    pool = await work_repo.pool(h.services.db, guild["task"], 1)
    assert sum(free for _, _, free in pool) == 8 - 3
    await admin.send(f"/reject A{assignment_id} 9 too late")
    assert "is accepted" in admin.last_message().text


async def test_buttons_pressed_by_the_wrong_person_or_twice_are_refused(h, admin, guild) -> None:
    lee, wu, xi, group = guild["lee"], guild["wu"], guild["xi"], guild["group"]
    await lee.send(f"/assign {guild['task']} 2 @wu", chat=group)
    assignment_id = assignment_ids(wu.last_message().text)[0]
    answers = await xi.press_data(f"a1:accept:{assignment_id}")
    assert any(f"Assignment A{assignment_id} is not yours" in a.params.get("text", "")
               for a in answers)
    await xi.press_data(f"a1:submit:{assignment_id}")
    assert f"A{assignment_id} is not yours" in xi.last_alert()
    await wu.press("Accept")
    await wu.press_data(f"a1:decline:{assignment_id}", message=wu.messages()[0])
    assert "is in progress, so that can't be done now" in wu.last_alert()
    # A worker cannot send results to someone else's assignment, nor accept reviews.
    await xi.send(f"/submit A{assignment_id}")
    assert f"Assignment A{assignment_id} is not yours" in xi.last_message().text
    await wu.send(f"/accept A{assignment_id}")
    assert "/accept is for platform admins only" in wu.last_message().text
    await wu.press_data(f"a1:approve:{assignment_id}")
    assert "Only platform admins" in wu.last_alert()


async def test_handing_out_never_exceeds_the_guilds_units(h, admin, guild) -> None:
    lee, group = guild["lee"], guild["group"]
    await lee.send(f"/assign {guild['task']} 9 @wu", chat=group)
    assert "has 8 units of task T1 not yet assigned" in group.last_message().text
    await lee.send(f"/assign {guild['task']} 6 @wu", chat=group)
    await lee.send(f"/assign {guild['task']} 3 @xi", chat=group)
    assert "has 2 units of task T1 not yet assigned" in group.last_message().text
    await lee.send(f"/distribute {guild['task']}", chat=group)
    await lee.send(f"/distribute {guild['task']}", chat=group)
    assert "has 0 units of task T1 not yet assigned" in group.last_message().text
    offered = await work_repo.for_task_and_guild(h.services.db, guild["task"], 1)
    assert sum(a.units for a in offered) == 8


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/assign", "Usage: /assign"),
        ("/assign {t} 2", "Name the member as @username"),
        ("/assign {t} two @wu", "two is not a number of units"),
        ("/assign {t} 2 @nobody_here", "@nobody_here is not an active member"),
        ("/assign 999 2 @wu", "Task T999 was not found"),
        ("/distribute", "Usage: /distribute"),
        ("/progress abc", "That is not a number"),
        ("/precheck maybe", "Say on or off"),
    ],
)
async def test_bad_leader_input_is_refused_with_the_reason(h, admin, guild, command,
                                                           expected) -> None:
    await guild["lee"].send(command.format(t=guild["task"]), chat=guild["group"])
    assert expected in guild["group"].last_message().text


async def test_members_cannot_hand_out_work(h, admin, guild) -> None:
    await guild["wu"].send(f"/distribute {guild['task']}", chat=guild["group"])
    assert "leader" in guild["group"].last_message().text


async def test_a_worker_with_several_assignments_must_choose(h, admin, guild) -> None:
    lee, wu, group = guild["lee"], guild["wu"], guild["group"]
    await lee.send(f"/assign {guild['task']} 1 @wu", chat=group)
    await lee.send(f"/assign {guild['task']} 1 @wu", chat=group)
    await wu.send_voice()
    assert "Accept assignment" in wu.last_message().text
    for offer in [m for m in wu.messages()
                  if m.button_texts and m.button_texts[0].startswith("Accept A")]:
        await wu.press("Accept", message=offer)
    await wu.send_voice()
    assert "You have several assignments open (A1, A2)" in wu.last_message().text
    await wu.send("/tasks")
    listing = wu.last_message().text
    assert "A1 Cantonese lines, batch 1: 1 unit, in progress — 0 of 1 result in" in listing
    await wu.send("/submit 2")
    assert "Result 1 of 1 for assignment A2" in (await wu.send_voice())[-1].text
    await wu.send("/done 1")
    assert "has 0 of 1 result;" in wu.last_message().text


async def test_a_worker_holding_open_assignments_cannot_leave(h, admin, guild) -> None:
    await guild["lee"].send(f"/assign {guild['task']} 1 @wu", chat=guild["group"])
    await guild["wu"].send("/leave")
    assert "open assignment" in guild["wu"].last_message().text


async def test_an_unreachable_member_is_flagged_and_the_leader_gets_a_link(
        h, admin, guild) -> None:
    lee, group = guild["lee"], guild["group"]
    zed = h.user("Zed")
    group.add(zed)
    await zed.send("/start join_" + "x" * 22)  # an unknown code: not a member
    # Zed joins through the real link, then blocks the bot.
    await lee.send("/invite", chat=group)
    code = re.search(r"start=(join_[\w-]+)", group.last_message().text)[1]
    await zed.send(f"/start {code}")
    h.api.block(zed.id)
    await lee.send(f"/assign {guild['task']} 1 @zed", chat=group)
    warned = lee.last_message().text
    assert "I could not deliver assignment" in warned and "@zed" in warned
    assert f"start={code}" in warned
    await lee.send(f"/distribute {guild['task']}", chat=group)
    assert "Not reachable" in group.last_message().text and "@zed" in group.last_message().text


async def test_a_guild_that_prechecks_sees_submissions_before_the_admins(h, admin, guild) -> None:
    lee, wu, group = guild["lee"], guild["wu"], guild["group"]
    await lee.send("/precheck on", chat=group)
    assert "now pre-checks results" in group.last_message().text
    await submitted_assignment(guild)
    assert "Your guild leader checks it first" in wu.last_message().text
    await admin.send("/review")
    assert "Nothing is waiting for review" in admin.last_message().text
    assert lee.last_message().button_texts == ["Pass to review", "Send back"]
    await lee.press("Pass to review")
    await admin.send("/review")
    assert "Review assignment A1" in admin.messages()[-3].text


async def test_a_leader_sends_a_submission_back_with_what_to_fix(h, admin, guild) -> None:
    lee, wu, group = guild["lee"], guild["wu"], guild["group"]
    await lee.send("/precheck on", chat=group)
    assignment_id = await submitted_assignment(guild)
    await guild["xi"].press_data(f"a1:back:{assignment_id}")  # not the leader
    assert "not allowed" in guild["xi"].last_alert()
    await lee.press("Send back")
    await lee.reply(lee.last_message(), "Too much background noise")
    assert f"Assignment A{assignment_id} went back to the worker" in lee.last_message().text
    assert "Reason: Too much background noise" in wu.last_message().text
    await lee.press_data(f"a1:pass:{assignment_id}")
    assert "sent back for rework, so that can't be done now" in lee.last_alert()


async def test_switching_pre_check_on_does_not_hide_waiting_submissions(h, admin, guild) -> None:
    await submitted_assignment(guild)
    await guild["lee"].send("/precheck on", chat=guild["group"])
    await admin.send("/review")
    assert "Review assignment A1" in admin.messages()[-3].text


async def test_the_commission_is_the_one_the_offer_stated(h, admin, guild) -> None:
    lee, wu, group = guild["lee"], guild["wu"], guild["group"]
    await lee.send(f"/assign {guild['task']} 1 @wu", chat=group)
    assert "You earn 2.16 CNY for it. That is 2.40 CNY per unit less the guild's commission " \
        "of 10%." in wu.last_message().text
    await wu.press("Accept")
    await lee.send("/commission 50", chat=group)
    await wu.send_voice()
    await wu.press("Submit")
    await admin.send("/accept 1")
    assert await ledger_repo.entries_for_assignment(h.services.db, 1) == [
        ("worker_share", wu.id, 216), ("commission", lee.id, 24)]


async def test_cancelling_a_task_cancels_unsubmitted_work_and_keeps_submissions(
        h, admin, guild) -> None:
    lee, wu, xi, group = guild["lee"], guild["wu"], guild["xi"], guild["group"]
    await lee.send(f"/assign {guild['task']} 1 @wu", chat=group)
    await lee.send(f"/assign {guild['task']} 1 @xi", chat=group)
    await wu.press("Accept")
    await wu.send_voice()
    await wu.press("Submit")
    await xi.press("Accept")
    await admin.send(f"/canceltask {guild['task']} the client stopped the project")
    assert "Results already submitted stay in /review" in admin.last_message().text
    told = xi.last_message().text
    assert "assignment A2 is cancelled" in told and "the client stopped the project" in told
    await xi.send_voice()
    assert "no assignment waiting for results" in xi.last_message().text
    await admin.send("/accept 1")
    assert "You earned 2.16 CNY" in wu.last_message().text


async def test_an_offer_cannot_be_accepted_after_its_window(h, admin, guild) -> None:
    from datetime import timedelta

    await guild["lee"].send(f"/assign {guild['task']} 1 @wu", chat=guild["group"])
    # 12 waking hours from 17:00 Beijing time: 6 before the quiet night, 6 after it.
    h.clock.advance(timedelta(hours=21, minutes=1))
    await guild["wu"].press("Accept")
    assert "has expired" in guild["wu"].last_alert()


async def test_payouts_name_a_known_user_and_a_positive_amount(h, admin, guild) -> None:
    await admin.send("/payout @nobody 1.00")
    assert "I don't know @nobody" in admin.last_message().text
    await admin.send("/payout @wu 0")
    assert "is not a price" in admin.last_message().text
    await admin.send("/payout wu 1")
    assert "Usage: /payout" in admin.last_message().text
    await admin.send("/accept 1 0")
    assert "is accepted whole" in admin.last_message().text


# --- rules -----------------------------------------------------------------------------------

@given(units=st.integers(0, 10_000), price=st.integers(1, 1_000_000),
       bp=st.integers(0, 5_000))
def test_the_ledger_parts_always_add_up_to_the_gross(units: int, price: int, bp: int) -> None:
    credit = credit_for(units, price, bp)
    assert credit.gross_minor == units * price
    assert credit.worker_minor + credit.commission_minor == credit.gross_minor
    assert 0 <= credit.commission_minor <= credit.gross_minor // 2
    assert credit.worker_minor >= 0


@given(units=st.integers(0, 1000), members=st.lists(st.integers(1, 10**9), unique=True,
                                                       max_size=50))
def test_spreading_units_is_even_and_exact(units: int, members: list[int]) -> None:
    plan = spread(units, members)
    assert sum(n for _, n in plan) == (units if members else 0)
    if plan:
        counts = [n for _, n in plan]
        assert max(counts) - min(counts) <= 1


def test_result_types_accept_what_clients_really_send() -> None:
    assert result_kind_allowed("audio", "voice")
    assert result_kind_allowed("audio", "document", "audio/mpeg")
    assert result_kind_allowed("photo", "document", "image/png")
    assert not result_kind_allowed("photo", "document", "application/pdf")
    assert not result_kind_allowed("voice", "photo")
    assert result_kind_allowed("any", "video")
    assert not result_kind_allowed("text", "document", "text/plain")


async def test_review_buttons_under_an_earlier_round_are_refused(h, admin, guild) -> None:
    """Accept under a review of results since rejected and redone would pay for work the admin
    never saw: the buttons belong to the round they showed."""
    wu = guild["wu"]
    assignment_id = await submitted_assignment(guild)
    await admin.send("/review")
    old_review = admin.last_message()
    assert old_review.button_texts == ["Accept", "Reject"]
    await admin.send(f"/reject A{assignment_id} Line 1 is cut off")
    await wu.send_voice()
    await wu.press("Submit")

    await admin.press("Accept", message=old_review)
    assert "earlier submission" in admin.last_alert()
    assert await ledger_repo.entries_for_assignment(h.services.db, assignment_id) == []
    await admin.press("Reject", message=old_review)
    assert "earlier submission" in admin.last_alert()

    await admin.send("/review")
    await admin.press("Accept")
    entries = await ledger_repo.entries_for_assignment(h.services.db, assignment_id)
    assert [kind for kind, _, _ in entries] == ["worker_share", "commission"]


async def test_pre_check_buttons_under_an_earlier_round_are_refused(h, admin, guild) -> None:
    lee, wu = guild["lee"], guild["wu"]
    await lee.send("/precheck on", chat=guild["group"])
    assignment_id = await submitted_assignment(guild)
    first = lee.last_message()
    await lee.press("Send back", message=first)
    await lee.reply(lee.last_message(), "Too much background noise")
    await wu.send_voice()
    await wu.press("Submit")
    await lee.press("Pass to review", message=first)
    assert "earlier submission" in lee.last_alert()
    await admin.send("/review")
    assert "Nothing is waiting for review" in admin.last_message().text
    await lee.press("Pass to review")
    await admin.send(f"/review A{assignment_id}")
    assert "rework round 1" in admin.messages()[-3].text


async def test_a_rework_may_send_an_unchanged_file_again_but_not_twice_a_round(
        h, admin, guild) -> None:
    lee, wu, xi, group = guild["lee"], guild["wu"], guild["xi"], guild["group"]
    await lee.send(f"/assign {guild['task']} 2 @wu", chat=group)
    await wu.press("Accept")
    await wu.send_voice(file_unique_id="good-take")
    await wu.send_voice(file_unique_id="bad-take")
    await wu.press("Submit")
    await admin.send("/reject 1 the second line is cut off")
    # The good take may come back in the rework; the same file twice in a round may not.
    assert "Result 1 of 2" in (await wu.send_voice(file_unique_id="good-take"))[-1].text
    assert "already submitted" in (await wu.send_voice(file_unique_id="good-take"))[-1].text
    assert "Result 2 of 2" in (await wu.send_voice(file_unique_id="new-take"))[-1].text
    # Nobody else may hand in Wu's file.
    await lee.send(f"/assign {guild['task']} 1 @xi", chat=group)
    await xi.press("Accept")
    assert "already submitted" in (await xi.send_voice(file_unique_id="good-take"))[-1].text


async def test_a_chosen_assignment_that_expired_no_longer_captures_results(
        h, admin, guild) -> None:
    from datetime import timedelta

    lee, wu, group = guild["lee"], guild["wu"], guild["group"]
    await lee.send(f"/assign {guild['task']} 1 @wu", chat=group)
    await wu.press("Accept")
    await wu.send("/submit 1")
    await admin.send(f"/canceltask {guild['task']}")  # assignment A1 is cancelled
    h.clock.advance(timedelta(minutes=1))
    from tests.scenario import AUDIO_TASK, task_id_in

    # The same form again within minutes is a second task only when the admin says so.
    assert "You posted the same task" in (await admin.send(AUDIO_TASK))[-1].text
    second = task_id_in((await admin.press("Post it again"))[-1].text)
    await lee.send(f"/quote {second} 2.40 1", chat=group)
    await admin.send("/award 2")
    await lee.send(f"/assign {second} 1 @wu", chat=group)
    await wu.press("Accept")
    assert "Result 1 of 1 for assignment A2" in (await wu.send_voice())[-1].text
