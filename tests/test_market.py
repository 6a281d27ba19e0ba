"""The task market: an admin posts, guilds quote or claim, the admin awards."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.tasks import TaskDraft
from storage import market as market_repo
from tests.scenario import (
    FIXED_TASK,
    QUOTE_TASK,
    approved_guild,
    every_page,
    task_form,
    task_id_in,
)
from tgfake import FakeUser, Harness


@pytest.fixture
async def market(h: Harness, admin: FakeUser):
    """Two approved guilds (A led by Lee, B led by Mei) and a pending one (C)."""
    lee, mei, ken = h.user("Lee"), h.user("Mei"), h.user("Ken")
    await admin.send("/start")
    group_a = await approved_guild(h, admin, "Alpha Dubbers", lee)
    group_b = await approved_guild(h, admin, "Beta Voices", mei)
    group_c = h.group("Pending chat", admins=(ken,))
    await ken.send("/register Gamma Pending", chat=group_c)
    return {"lee": lee, "mei": mei, "ken": ken, "a": group_a, "b": group_b, "c": group_c}


async def test_a_posted_task_is_announced_in_every_approved_guild(h, admin, market) -> None:
    replies = await admin.send(QUOTE_TASK)
    task_id = task_id_in(replies[-1].text)
    assert "posted" in replies[-1].text and "Announced to 2 guilds" in replies[-1].text
    for group in (market["a"], market["b"]):
        text = group.last_message().text
        assert f"New task T{task_id}: Cantonese dubbing, batch 3" in text
        assert "Price cap: 2.50 CNY per unit" in text
        assert "voice message" in text
        assert f"/quote T{task_id}" in text
        assert "Deadline: 2026-12-20 18:00" in text
    assert not any("New task" in t for t in market["c"].texts())


async def test_guilds_quote_and_the_admin_awards_one_in_full_and_one_in_part(
        h, admin, market) -> None:
    lee, mei, group_a, group_b = market["lee"], market["mei"], market["a"], market["b"]
    task_id = task_id_in((await admin.send(QUOTE_TASK))[-1].text)

    reply_a = await lee.send(f"/quote T{task_id} 2.40 60 we have 12 native speakers",
                             chat=group_a)
    assert "Quote Q1" in reply_a[-1].text and "60 units at 2.40 CNY" in reply_a[-1].text
    reply_b = await mei.send(f"/quote T{task_id} 2.20 60", chat=group_b)
    assert "Quote Q2" in reply_b[-1].text

    # The admins hear of each quote in their private chat, with Award buttons.
    dm = [s for s in admin.messages() if "Quote Q" in s.text]
    assert "Alpha Dubbers offers 60 units at 2.40 CNY" in dm[-2].text
    assert "Note: we have 12 native speakers" in dm[-2].text
    assert "Award Q2" in dm[-1].button_texts

    await admin.send(f"/quotes T{task_id}")
    table = admin.last_message().text
    assert table.index("Quote Q2") < table.index("Quote Q1")  # the lower price first

    await admin.press("Award Q2", message=dm[-1])
    assert "Quote Q2 awarded: Beta Voices gets 60 units" in admin.messages()[-1].text
    assert "Quote Q2 was awarded: 60 units of task" in group_b.last_message().text

    await admin.send("/award 1 40")
    assert "Beta Voices" not in admin.last_message().text
    assert "Alpha Dubbers gets 40 units" in admin.last_message().text
    assert "awarded in part: 40 of the 60 units" in group_a.last_message().text

    task = await market_repo.get_task(h.services.db, task_id)
    assert task is not None and task.status == "allocated" and task.allocated_units == 100
    allocations = await market_repo.allocations_for_task(h.services.db, task_id)
    assert [(a.guild_name, a.units, a.unit_price_minor) for a in allocations] == [
        ("Beta Voices", 60, 220), ("Alpha Dubbers", 40, 240)]

    # A fully allocated task takes no more quotes.
    await lee.send(f"/quote T{task_id} 2.00 10", chat=group_a)
    assert "fully allocated" in group_a.last_message().text


async def test_a_new_quote_replaces_the_guilds_live_quote_and_can_be_withdrawn(
        h, admin, market) -> None:
    lee, group_a = market["lee"], market["a"]
    task_id = task_id_in((await admin.send(QUOTE_TASK))[-1].text)
    await lee.send(f"/quote T{task_id} 2.40 60", chat=group_a)
    await lee.send(f"/quote T{task_id} 2.30 80", chat=group_a)
    assert "It replaces your quote Q1" in group_a.last_message().text
    quotes = await market_repo.quotes_for_task(h.services.db, task_id)
    assert [(q.id, q.status) for q in quotes] == [(2, "pending"), (1, "withdrawn")]

    await lee.send("/withdraw 2", chat=group_a)
    assert "Quote Q2 is withdrawn" in group_a.last_message().text
    await admin.send("/award 2")
    assert "Quote Q2 is withdrawn" in admin.last_message().text


async def test_a_guild_cannot_withdraw_another_guilds_quote(h, admin, market) -> None:
    task_id = task_id_in((await admin.send(QUOTE_TASK))[-1].text)
    await market["lee"].send(f"/quote T{task_id} 2.40 60", chat=market["a"])
    await market["mei"].send("/withdraw 1", chat=market["b"])
    assert "Quote Q1 was not found" in market["b"].last_message().text


async def test_two_guilds_racing_for_the_last_units_never_exceed_the_task(
        h, admin, market) -> None:
    lee, mei, group_a, group_b = market["lee"], market["mei"], market["a"], market["b"]
    task_id = task_id_in((await admin.send(FIXED_TASK))[-1].text)
    assert f"/claim T{task_id}" in group_a.last_message().text
    await lee.send(f"/claim T{task_id} 4", chat=group_a)
    assert "Claimed 4 units" in group_a.last_message().text and "6 units are left" in \
        group_a.last_message().text

    # Both guilds want the 6 that are left, at the same instant.
    await lee.send(f"/claim T{task_id} 6", chat=group_a, settle=False)
    await mei.send(f"/claim T{task_id} 6", chat=group_b, settle=False)
    await h.settle()

    answers = [group_a.last_message().text, group_b.last_message().text]
    assert sum("Claimed 6 units" in a for a in answers) == 1
    assert sum("fully allocated" in a or "only 0 unit" in a for a in answers) == 1
    allocations = await market_repo.allocations_for_task(h.services.db, task_id)
    assert sum(a.units for a in allocations) == 10
    task = await market_repo.get_task(h.services.db, task_id)
    assert task is not None and task.status == "allocated"


async def test_many_concurrent_claims_never_allocate_more_than_the_task(
        h, admin, market) -> None:
    task_id = task_id_in((await admin.send(FIXED_TASK))[-1].text)
    for _ in range(6):
        await market["lee"].send(f"/claim T{task_id} 3", chat=market["a"], settle=False)
        await market["mei"].send(f"/claim T{task_id} 2", chat=market["b"], settle=False)
    await h.settle()
    allocations = await market_repo.allocations_for_task(h.services.db, task_id)
    assert sum(a.units for a in allocations) == 10


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/quote {q} 0 10", "is not a price"),
        ("/quote {q} 2,5 10", "is not a price: write it with a dot"),
        ("/quote {q} abc 10", "abc is not a price"),
        ("/quote {q} 2.999 10", "at most 2 decimals"),
        ("/quote {q} 3.00 10", "above the task's cap of 2.50 CNY"),
        ("/quote {q} 2.00 0", "0 is not a number of units"),
        ("/quote {q} 2.00 -3", "-3 is not a number of units"),
        ("/quote {q} 2.00 101", "has only 100 units left; you asked for 101 units"),
        ("/quote {q} 2.00", "Usage: /quote &lt;task&gt; &lt;price&gt; &lt;units&gt; [note]"),
        ("/quote", "Usage: /quote"),
        ("/quote abc 2.00 5", "That is not a number"),
        ("/quote 999 2.00 5", "Task T999 was not found"),
        ("/quote {f} 1.00 5", "has a fixed price: claim units with /claim"),
        ("/claim {q} 5", "takes quotes: quote with /quote"),
        ("/claim {f} 11", "has only 10 units left; you asked for 11 units"),
        ("/claim {f} 0", "0 is not a number of units"),
        ("/claim {f}", "Usage: /claim &lt;task&gt; &lt;units&gt;"),
        ("/withdraw", "Usage: /withdraw"),
        ("/withdraw 77", "Quote Q77 was not found"),
        ("/task 999", "Task T999 was not found"),
    ],
)
async def test_bad_input_in_a_guild_group_is_refused_with_the_reason(
        h, admin, market, command: str, expected: str) -> None:
    quote_id = task_id_in((await admin.send(QUOTE_TASK))[-1].text)
    fixed_id = task_id_in((await admin.send(FIXED_TASK))[-1].text)
    replies = await market["lee"].send(command.format(q=quote_id, f=fixed_id), chat=market["a"])
    assert replies, "the bot must answer"
    assert expected in replies[-1].text


async def test_only_a_guild_leader_or_deputy_may_quote_or_claim(h, admin, market) -> None:
    task_id = task_id_in((await admin.send(FIXED_TASK))[-1].text)
    stranger = h.user("Stranger")
    market["a"].add(stranger)
    await stranger.send(f"/claim T{task_id} 2", chat=market["a"])
    assert "leader" in market["a"].last_message().text
    # In a group that is not a guild, or a guild still pending approval:
    await market["ken"].send(f"/claim T{task_id} 2", chat=market["c"])
    assert "Claimed" not in market["c"].last_message().text
    plain = h.group("Just friends", admins=(stranger,))
    await stranger.send(f"/claim T{task_id} 2", chat=plain)
    assert "not a guild" in plain.last_message().text
    # In a private chat:
    await market["lee"].send(f"/claim T{task_id} 2")
    assert "Claimed" not in market["lee"].last_message().text
    allocations = await market_repo.allocations_for_task(h.services.db, task_id)
    assert allocations == []


async def test_admin_commands_are_refused_to_others_and_outside_private_chats(
        h, admin, market) -> None:
    lee = market["lee"]
    await lee.send(QUOTE_TASK)
    assert "Only platform admins" in lee.last_message().text
    task_id = task_id_in((await admin.send(QUOTE_TASK))[-1].text)
    await lee.send(f"/quotes T{task_id}")
    assert "/quotes is for platform admins only" in lee.last_message().text
    await lee.send("/award 1")
    assert "/award is for platform admins only" in lee.last_message().text
    await lee.send(f"/canceltask T{task_id}")
    assert "/canceltask is for platform admins only" in lee.last_message().text
    group = market["a"]
    await admin.send(f"/quotes T{task_id}", chat=group)
    assert "private chat" in group.last_message().text


async def test_quotes_after_the_window_closed_are_refused(h, admin, market) -> None:
    task_id = task_id_in((await admin.send(QUOTE_TASK))[-1].text)
    h.clock.set(datetime(2026, 12, 10, 4, 1, tzinfo=UTC))  # 12:01 in Shanghai
    await market["lee"].send(f"/quote T{task_id} 2.00 10", chat=market["a"])
    assert "quote window of task" in market["a"].last_message().text
    assert "closed at 2026-12-10 12:00" in market["a"].last_message().text


async def test_cancelling_a_task_tells_the_guilds_that_hold_or_quoted_it(
        h, admin, market) -> None:
    task_id = task_id_in((await admin.send(QUOTE_TASK))[-1].text)
    await market["lee"].send(f"/quote T{task_id} 2.40 30", chat=market["a"])
    await market["mei"].send(f"/quote T{task_id} 2.20 30", chat=market["b"])
    await admin.send("/award 2")
    await admin.send(f"/canceltask T{task_id} the client withdrew the batch")
    assert f"Task T{task_id} is cancelled" in admin.last_message().text
    b_texts = market["b"].texts()
    assert any("was cancelled by the platform. Reason: the client withdrew the batch" in t
               for t in b_texts)
    assert "was cancelled, so quote Q1 is closed" in market["a"].last_message().text
    await market["mei"].send(f"/quote T{task_id} 2.00 5", chat=market["b"])
    assert "is cancelled" in market["b"].last_message().text
    await admin.send(f"/canceltask T{task_id}")
    assert "is cancelled" in admin.last_message().text


async def test_browsing_open_tasks_in_a_guild_and_in_progress_for_admins(
        h, admin, market) -> None:
    quote_id = task_id_in((await admin.send(QUOTE_TASK))[-1].text)
    fixed_id = task_id_in((await admin.send(FIXED_TASK))[-1].text)
    await market["lee"].send(f"/claim {fixed_id} 4", chat=market["a"])
    await market["lee"].send("/tasks", chat=market["a"])
    listing = market["a"].last_message().text
    assert f"T{quote_id} Cantonese dubbing, batch 3 — 100/100 units left" in listing
    assert f"T{fixed_id} Street photos, Guangzhou — 6/10 units left" in listing

    await market["lee"].send(f"/task {fixed_id}", chat=market["a"])
    details = market["a"].last_message().text
    assert "One photo of a shop front per unit" in details
    assert "Allocations" not in details

    await admin.send(f"/task {fixed_id}")
    assert "Alpha Dubbers: 4 units at 1.20 CNY" in admin.last_message().text
    await admin.send("/tasks")
    assert "Tasks in progress" in admin.last_message().text


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ("/newtask Title\nmode: auction\nunits: 5\nprice: 1\nresult: text\n"
         "deadline: 2026-12-20 18:00", "Line 2 (mode): expected quote or fixed"),
        ("/newtask Title\nmode: fixed\nunits: many\nprice: 1\nresult: text\n"
         "deadline: 2026-12-20 18:00", "Line 3 (units): expected a whole number"),
        ("/newtask Title\nmode: fixed\nunits: 5\nprice: 1,5\nresult: text\n"
         "deadline: 2026-12-20 18:00", "Line 4 (price): expected a price per unit"),
        ("/newtask Title\nmode: fixed\nunits: 5\nprice: 1\nresult: hologram\n"
         "deadline: 2026-12-20 18:00", "Line 5 (result): expected text, choice, document"),
        ("/newtask Title\nmode: fixed\nunits: 5\nprice: 1\nresult: text\n"
         "deadline: tomorrow", "Line 6 (deadline): expected a time as YYYY-MM-DD HH:MM"),
        ("/newtask Title\nmode: fixed\nunits: 5\nprice: 1\nresult: text", "(deadline): this "
         "key is missing"),
        ("/newtask Title\nmode: fixed\ncolour: red", "Line 3 (colour): expected one of"),
        ("/newtask Title\nmode: fixed\nunits: 5\nprice: 1\nresult: text\n"
         "deadline: 2020-01-01 10:00", "The deadline must be in the future"),
        ("/newtask Title\nmode: quote\nunits: 5\nprice: 1\nresult: text\n"
         "deadline: 2026-12-20 18:00\nquote_deadline: 2026-12-21 10:00",
         "The quote deadline must come before"),
        ("/newtask Title\nmode: quote\nunits: 5\nprice: 1\nresult: text\n"
         "deadline: 2026-12-20 18:00\nauto_award: yes", "auto_award needs a quote_deadline"),
        ("/newtask Title\nmode: fixed\nunits: 5\nprice: 1\nresult: text\n"
         "deadline: 2026-12-20 18:00\nmode: quote", "Line 7 (mode): this key is given twice"),
    ],
)
async def test_the_one_message_form_names_the_line_and_what_was_expected(
        h, admin, form: str, expected: str) -> None:
    await admin.send(form)
    assert expected in admin.last_message().text
    assert await market_repo.tasks_in(h.services.db, ("open",)) == []


async def test_an_admin_posts_a_task_step_by_step(h, admin, market) -> None:
    await admin.send("/newtask")
    assert "step 1 of 7" in admin.last_message().text
    await admin.send("Hakka dubbing pilot")
    await admin.send("Read each line slowly.")
    await admin.send_document("script.pdf")
    assert "1 file attached" in admin.last_message().text
    await admin.press("Done")
    await admin.press("voice message")
    await admin.send("many")  # not a number: the step says why and waits
    assert "many is not a number of units" in admin.last_message().text
    await admin.send("50")
    await admin.send("3.00")
    await admin.press("quote (bid")
    await admin.send("2020-01-01 10:00")
    assert "The deadline must be in the future" in admin.last_message().text
    await admin.send("2026-12-20 18:00")
    await admin.press("Skip")
    summary = admin.last_message()
    assert "Title: Hakka dubbing pilot" in summary.text and "Units: 50" in summary.text
    assert "1 attachment" in summary.text
    replies = await admin.press("Post")
    task_id = task_id_in(replies[-1].text)
    task = await market_repo.get_task(h.services.db, task_id)
    assert task is not None
    assert (task.title, task.units, task.price_minor, task.mode, task.result_type) == (
        "Hakka dubbing pilot", 50, 300, "quote", "voice")
    assert task.instructions == "Read each line slowly."
    files = await market_repo.attachments(h.services.db, task_id)
    assert [f.file_name for f in files] == ["script.pdf"]
    assert "New task T" in market["a"].last_message().text
    assert "1 attachment comes with the assignment" in market["a"].last_message().text


async def test_cancel_leaves_the_guided_flow_without_posting(h, admin, market) -> None:
    await admin.send("/newtask")
    await admin.send("Something")
    await admin.send("/cancel")
    assert "discarded" in admin.last_message().text
    await admin.send("A stray message")  # no longer part of a flow: not taken as a field
    assert await market_repo.tasks_in(h.services.db, ("open",)) == []


async def test_a_quote_window_with_auto_award_awards_lowest_price_first(
        h, admin, market) -> None:
    third = h.user("Tao")
    group_t = await approved_guild(h, admin, "Third Guild", third)
    form = QUOTE_TASK.replace("quote_deadline:", "auto_award: yes\nquote_deadline:")
    task_id = task_id_in((await admin.send(form))[-1].text)
    await market["lee"].send(f"/quote T{task_id} 2.00 50", chat=market["a"])
    await market["mei"].send(f"/quote T{task_id} 1.80 30", chat=market["b"])
    await third.send(f"/quote T{task_id} 1.80 40", chat=group_t)  # same price, later

    h.clock.set(datetime(2026, 12, 10, 4, 0, tzinfo=UTC))
    closed = await h.services.quotes.close_due_windows()
    await h.settle()
    assert closed == [task_id]
    allocations = await market_repo.allocations_for_task(h.services.db, task_id)
    assert [(a.guild_name, a.units) for a in allocations] == [
        ("Beta Voices", 30), ("Third Guild", 40), ("Alpha Dubbers", 30)]
    assert "awarded in part: 30 of the 50" in market["a"].last_message().text
    digest = [t for t in admin.texts() if "quote window of task" in t][-1]
    assert "Auto-awarded quote Q2: Beta Voices, 30 units" in digest
    # A second sweep does nothing more.
    assert await h.services.quotes.close_due_windows() == []


# --- what reaches people is what the admin wrote, in messages Telegram accepts ----------------

ANGLE_TASK = task_form("Shop signs, Foshan", "Write the shop's <name> & street under each photo.",
                       mode="fixed", units=4, price="1.00", result="photo",
                       deadline="2026-12-15 20:00")


async def test_form_instructions_reach_guilds_and_workers_as_written(h, admin) -> None:
    lee, wu = h.user("Lee"), h.user("Wu")
    group = await approved_guild(h, admin, "Alpha Dubbers", lee, members=(wu,))
    task_id = task_id_in((await admin.send(ANGLE_TASK))[-1].text)
    shown = "Write the shop's &lt;name&gt; &amp; street under each photo."
    assert shown in group.last_message().text
    await lee.send(f"/task T{task_id}", chat=group)
    assert shown in group.last_message().text
    await lee.send(f"/claim T{task_id} 2", chat=group)
    await lee.send(f"/assign T{task_id} 2 @wu", chat=group)
    offer = [t for t in wu.texts() if "Assignment A" in t]
    assert offer and shown in offer[-1]
    assert h.api.refused == []


async def test_guided_instructions_keep_their_formatting(h, admin, market) -> None:
    await admin.send("/newtask")
    await admin.send("Hakka dubbing pilot")
    text = "Read slowly: 1 < 2 & clearly."
    message = h.new_message(admin, admin.private_chat, text=text,
                            entities=[{"type": "bold", "offset": 0, "length": 12}])
    await h.feed({"update_id": h.api.next_update_id(), "message": message})
    await admin.press("Done")
    await admin.press("voice message")
    await admin.send("5")
    await admin.send("1.00")
    await admin.press("fixed price")
    await admin.send("2026-12-20 18:00")
    await admin.press("Post")
    assert "<b>Read slowly:</b> 1 &lt; 2 &amp; clearly." in market["a"].last_message().text
    assert h.api.refused == []


async def test_instructions_longer_than_an_offer_can_carry_are_refused(h, admin, market) -> None:
    await admin.send(FIXED_TASK + " " + "x" * 3_000)
    assert "Line 8 (instructions): too long (3000 characters at most)" in \
        admin.last_message().text
    await admin.send("/newtask")
    await admin.send("Long read")
    await admin.send("y" * 2_000)
    await admin.send("z" * 1_500)
    assert "The instructions are too long" in admin.last_message().text
    await admin.press("Done")  # the first part was kept: the flow goes on
    assert "Step 3 of 7" in admin.last_message().text
    assert await market_repo.tasks_in(h.services.db, ("open",)) == []


async def test_quoting_or_claiming_in_private_says_where_it_works(h, admin, market) -> None:
    task_id = task_id_in((await admin.send(FIXED_TASK))[-1].text)
    lee = market["lee"]
    for command in (f"/claim T{task_id} 2", f"/quote T{task_id} 1.00 2", "/withdraw 1"):
        name = command.split()[0]
        replies = await lee.send(command)
        assert replies[-1].text == f"Please use {name} in your guild's group chat."


async def test_long_task_lists_come_in_one_message_turned_page_by_page(h, admin) -> None:
    for n in range(60):  # posted before any guild exists: no announcements to wait for
        draft = TaskDraft(title=f"Task {n:02d} " + "t" * 190, instructions="Do it.",
                          mode="fixed", result_type="text", units=5, price_minor=100,
                          deadline=datetime(2026, 12, 20, 10, tzinfo=UTC))
        await h.services.market.post_task(admin.id, draft)
    lee = h.user("Lee")
    group = await approved_guild(h, admin, "Alpha Dubbers", lee)
    replies = await lee.send("/tasks", chat=group)
    assert len(replies) == 1
    shown = await every_page(lee, replies[0], chat=group)
    assert len(shown) > 1 and all(len(text) <= 4096 for text in shown)
    listed = "\n".join(shown)
    assert all(f"Task {n:02d} " in listed for n in range(10, 60))  # the newest 50
    assert "… and 10 older; /task &lt;id&gt; shows any of them." in listed
    replies = await admin.send("/tasks")
    assert len(replies) == 1 and "Tasks in progress" in replies[0].text
    assert replies[0].button_texts == ["Next ▶"]
    assert h.api.refused == []


async def test_many_quotes_are_compared_page_by_page_with_their_buttons(h, admin, market
                                                                       ) -> None:
    task_id = task_id_in((await admin.send(QUOTE_TASK))[-1].text)
    for n in range(12):
        leader = h.user(f"Leader {n}")
        group = await approved_guild(h, admin, f"Guild {n:02d}", leader)
        await leader.send(f"/quote T{task_id} 2.{n:02d} 5 " + "note " * 60, chat=group)
    replies = await admin.send(f"/quotes T{task_id}")
    assert len(replies) == 1
    # The cheapest pending quotes' buttons under every page, then the page's own.
    assert replies[0].button_texts[:2] == ["Award Q1", "Reject Q1"]
    assert len(replies[0].buttons) == 21 and replies[0].button_texts[-1] == "Next ▶"
    shown = await every_page(admin, replies[0])
    assert len(shown) > 1 and all(len(text) <= 4096 for text in shown)
    assert all(f"Quote Q{n + 1} " in "\n".join(shown) for n in range(12))
    last = h.api.find_message(admin.id, replies[0].message_id)
    assert last is not None and last.button_texts[-1] == "◀ Previous"
    assert len(last.buttons) == 21
    assert "The buttons below are for the 10 cheapest pending quotes." in last.text
    # Awarding from the last page keeps the page, as the table is now.
    await admin.press("Award Q1", message=last)
    now = h.api.find_message(admin.id, replies[0].message_id)
    assert now is not None and f"Page {len(shown)} of {len(shown)}" in now.text
    assert now.button_texts[:2] == ["Award Q2", "Reject Q2"]
    assert h.api.refused == []


async def test_newtask_in_a_group_says_where_it_works(h, admin, market) -> None:
    group = market["a"]
    await admin.send("/newtask", chat=group)
    assert group.last_message().text == "Please use /newtask in a private chat with me."
    await market["lee"].send("/newtask", chat=group)
    assert group.last_message().text == "Only platform admins can do that."


async def test_a_button_of_an_earlier_step_is_answered_and_the_step_stays(
        h, admin, market) -> None:
    await admin.send("/newtask")
    await admin.send("Hakka dubbing pilot")
    first_done = (await admin.send("Read each line slowly."))[-1]
    await admin.send("Mind the tones.")
    await admin.press("Done")
    assert "Step 3 of 7" in admin.last_message().text
    answers = await admin.press("Done", message=first_done)
    assert "earlier step or draft" in answers[0].params["text"]
    await admin.press("voice message")  # the flow is where it was
    assert "Step 4 of 7" in admin.last_message().text


async def test_a_suspended_guild_is_not_awarded_new_work(h, admin, market) -> None:
    form = QUOTE_TASK.replace("quote_deadline:", "auto_award: yes\nquote_deadline:")
    task_id = task_id_in((await admin.send(form))[-1].text)
    await market["lee"].send(f"/quote T{task_id} 1.50 60", chat=market["a"])  # the cheapest
    await market["mei"].send(f"/quote T{task_id} 2.20 60", chat=market["b"])
    await admin.send("/suspend 1 fake recordings")
    await admin.send("/award 1")
    assert "Guild “Alpha Dubbers” is suspended by the platform" in admin.last_message().text

    h.clock.set(datetime(2026, 12, 10, 4, 0, tzinfo=UTC))  # the window closes: auto-award
    assert await h.services.quotes.close_due_windows() == [task_id]
    allocations = await market_repo.allocations_for_task(h.services.db, task_id)
    assert [(a.guild_name, a.units) for a in allocations] == [("Beta Voices", 60)]


async def test_a_guild_member_can_read_a_task_in_private_others_cannot(h, admin, market) -> None:
    from tests.scenario import approved_guild

    wu = h.user("Wu")
    await approved_guild(h, admin, "Delta", h.user("Dan"), members=(wu,))
    task_id = task_id_in((await admin.send(FIXED_TASK))[-1].text)
    await wu.send(f"/task T{task_id}")
    assert "One photo of a shop front per unit" in wu.last_message().text
    assert "Allocations" not in wu.last_message().text
    stranger = h.user("Stranger")
    await stranger.send(f"/task T{task_id}")
    assert "Tasks are for guild members" in stranger.last_message().text
