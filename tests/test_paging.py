"""Long lists from their readers' side: one message, turned in place with ◀ Previous / Next ▶,
read again as the list is now at every press (after a restart too), refused to whoever may
not send the command, and never past the end."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.tasks import TaskDraft
from bot.i18n import plain_text
from tests.scenario import alpha_with_task, every_page, task_form
from tgfake import FakeUser, Harness

BIG_TASK = task_form("Street photos, Shenzhen", "One shop front per unit.", mode="fixed",
                     units=40, price="1.00", result="photo", deadline="2026-12-20 20:00")
OFFERS = 20  # one unit each: more than a page holds (15 lines)


async def alpha_with_offers(h: Harness, admin: FakeUser) -> dict:
    """Alpha holding the 40 units of BIG_TASK, with OFFERS one-unit offers to Wu, unanswered."""
    g = await alpha_with_task(h, admin, BIG_TASK, claim=40)
    for _ in range(OFFERS):
        await g["lee"].send(f"/assign T{g['task']} 1 @wu", chat=g["group"])
    return g


async def post_tasks(h: Harness, admin: FakeUser, count: int) -> None:
    for n in range(count):  # posted before any guild exists: no announcements to wait for
        await h.services.market.post_task(admin.id, TaskDraft(
            title=f"Batch {n:02d}", instructions="Do it.", mode="fixed", result_type="text",
            units=5, price_minor=100, deadline=datetime(2026, 12, 20, 10, tzinfo=UTC)))


async def test_a_leader_turns_the_pages_of_the_full_progress_list(h: Harness,
                                                                  admin: FakeUser) -> None:
    g = await alpha_with_offers(h, admin)
    lee, group, task = g["lee"], g["group"], g["task"]
    replies = await lee.send(f"/progress T{task} all", chat=group)
    assert len(replies) == 1  # one message, not one per page
    first = replies[0]
    assert first.text.startswith(f"<b>Task T{task}: Street photos, Shenzhen</b>")
    assert "A1 @wu: 1 unit, offered" in first.text and "A16 " not in first.text
    assert first.text.endswith("Page 1 of 2")
    assert first.button_texts == ["Next ▶"]

    answers = await lee.press("Next ▶", chat=group, message=first)
    assert [s.method for s in answers] == ["answerCallbackQuery", "editMessageText"]
    page = h.api.find_message(group.id, first.message_id)
    assert page is not None
    # The same message, now page 2: the head again (what it lists), the rest of the list.
    assert page.text.startswith(f"<b>Task T{task}: Street photos, Shenzhen</b>")
    assert "A16 @wu: 1 unit, offered" in page.text and "A20 " in page.text
    assert "A1 @wu" not in page.text and page.text.endswith("Page 2 of 2")
    assert page.button_texts == ["◀ Previous"]

    await lee.press("◀ Previous", chat=group, message=page)
    back = h.api.find_message(group.id, first.message_id)
    assert back is not None and "A1 @wu" in back.text and back.button_texts == ["Next ▶"]
    # A list that fits on one page has no buttons and no page line.
    roster = (await lee.send("/members", chat=group))[-1]
    assert roster.button_texts == [] and "Page" not in roster.text
    assert h.api.refused == []


async def test_pages_are_read_again_as_the_list_is_now_and_survive_a_restart(
        h: Harness, admin: FakeUser) -> None:
    g = await alpha_with_offers(h, admin)
    lee, wu, group, task = g["lee"], g["wu"], g["group"], g["task"]
    # What needs the leader: twenty unanswered offers, two pages.
    first = (await lee.send(f"/progress T{task}", chat=group))[-1]
    assert first.button_texts == ["Next ▶"] and first.text.endswith("Page 1 of 2")
    await h.restart()  # nothing about the list was kept in memory
    await lee.press("Next ▶", chat=group, message=first)
    page = h.api.find_message(group.id, first.message_id)
    assert page is not None and page.text.endswith("Page 2 of 2")
    assert f"The full list: /progress T{task} all" in page.text

    # Wu answers half of the offers: the list shrinks to one page. A press on page 1's Next
    # (asking for page 2, gone now) shows the last page there is.
    await lee.press("◀ Previous", chat=group, message=page)
    for offer in [m for m in wu.messages() if "Accept" in " ".join(m.button_texts)][:10]:
        await wu.press("Accept", message=offer)
    turned = h.api.find_message(group.id, first.message_id)
    assert turned is not None and turned.button_texts == ["Next ▶"]
    await lee.press("Next ▶", chat=group, message=turned)
    shrunk = h.api.find_message(group.id, first.message_id)
    assert shrunk is not None
    assert "A11 @wu: 1 unit, offered" in shrunk.text and "A1 @wu" not in shrunk.text
    assert "Page" not in shrunk.text and shrunk.button_texts == []
    assert h.api.refused == []


async def test_someone_who_may_not_see_a_list_cant_turn_its_pages(h: Harness,
                                                                  admin: FakeUser) -> None:
    g = await alpha_with_offers(h, admin)
    group, task = g["group"], g["task"]
    first = (await g["lee"].send(f"/progress T{task} all", chat=group))[-1]
    # Zed is in the group but not in the guild: refused as /progress would refuse him.
    zed = h.user("Zed")
    group.add(zed)
    refusal = (await zed.send(f"/progress T{task} all", chat=group))[-1].text
    answers = await zed.press("Next ▶", chat=group, message=first)
    assert answers[0].params["show_alert"] is True
    assert answers[0].params["text"] == plain_text(refusal)
    shown = h.api.find_message(group.id, first.message_id)
    assert shown is not None and shown.text.endswith("Page 1 of 2")

    # A worker crafting an admin's page button in their own chat: /guilds is for admins.
    wu = g["wu"]
    answers = await wu.press_data("pg1:1:", message=wu.last_message())
    assert answers[0].params["text"] == "/guilds is for platform admins only."
    answers = await wu.press_data("pt1:1:", message=wu.last_message())
    assert answers[0].params["show_alert"] is True
    # A key no list makes is a stale button.
    answers = await g["lee"].press_data(f"pp1:1:T{task}.everything", chat=group, message=first)
    assert answers[0].params["text"] == "That button is no longer valid."
    assert h.api.refused == []


async def test_an_admin_pages_the_tasks_and_the_guilds(h: Harness, admin: FakeUser) -> None:
    await post_tasks(h, admin, 20)
    first = (await admin.send("/tasks"))[-1]
    assert first.text.startswith("<b>Tasks in progress</b>") and first.text.endswith(
        "Page 1 of 2")
    shown = await every_page(admin, first)
    assert len(shown) == 2 and shown[1].startswith("<b>Tasks in progress</b>")
    listed = "\n".join(shown)
    assert all(f"Batch {n:02d}" in listed for n in range(20))
    assert all(listed.count(f"Batch {n:02d}") == 1 for n in range(20))

    for n in range(16):
        leader = h.user(f"Leader {n}")
        group = h.group(f"Group {n}", admins=(leader,))
        await leader.send(f"/register Guild {n:02d}", chat=group)
    first = (await admin.send("/guilds pending"))[-1]
    assert first.text.startswith("<b>Guilds</b>: 16 pending")
    shown = await every_page(admin, first)
    assert [text.endswith(f"Page {n} of 2") for n, text in enumerate(shown, 1)] == [True, True]
    assert all(f"Guild {n:02d}" in "\n".join(shown) for n in range(16))
    # The filter travels in the button: approving one takes it off the pending list's pages.
    await admin.send("/approve 16")
    await admin.press("◀ Previous", message=h.api.find_message(admin.id, first.message_id))
    again = h.api.find_message(admin.id, first.message_id)
    assert again is not None and again.text.startswith("<b>Guilds</b>: 15 pending")
    assert "Page" not in again.text and again.button_texts == []
    assert h.api.refused == []


async def test_a_repeated_press_turns_the_page_once(h: Harness, admin: FakeUser) -> None:
    await post_tasks(h, admin, 40)  # three pages
    first = (await admin.send("/tasks"))[-1]
    await admin.press("Next ▶", message=first)
    edits = len([s for s in admin.messages() if s.method == "editMessageText"])
    await h.redeliver()  # Telegram delivering the same press again
    assert len([s for s in admin.messages() if s.method == "editMessageText"]) == edits
    shown = h.api.find_message(admin.id, first.message_id)
    assert shown is not None and shown.text.endswith("Page 2 of 3")
    assert shown.button_texts == ["◀ Previous", "Next ▶"]
    assert h.api.refused == []


async def test_pages_in_chinese(h: Harness, admin: FakeUser) -> None:
    await post_tasks(h, admin, 20)
    await admin.send("/settings language zh")
    first = (await admin.send("/tasks"))[-1]
    assert first.text.endswith("第 1 页，共 2 页") and first.button_texts == ["下一页 ▶"]
    await admin.press("下一页 ▶", message=first)
    shown = h.api.find_message(admin.id, first.message_id)
    assert shown is not None and shown.text.endswith("第 2 页，共 2 页")
    assert shown.button_texts == ["◀ 上一页"]
    assert h.api.refused == []


async def test_a_bulk_payouts_bad_lines_are_paged_while_the_file_is_at_hand(
        h: Harness, admin: FakeUser) -> None:
    await admin.send("/start")
    content = "".join(f"@nobody{n},1.00,,REF-{n}\n" for n in range(1, 21)).encode()
    replies = await admin.send_document("p.csv", mime_type="text/csv", caption="/payouts",
                                        content=content)
    assert len(replies) == 1 and replies[0].button_texts == ["Next ▶"]
    assert "20 lines can't be paid" in replies[0].text and "Line 1: unknown user" in \
        replies[0].text
    shown = await every_page(admin, replies[0])
    assert len(shown) == 2 and "Line 20: unknown user @nobody20" in shown[1]
    assert "Confirm" not in h.api.find_message(admin.id, replies[0].message_id).button_texts
    # The file is conversation scratch (as Confirm's is), kept in the database: after a
    # restart its pages still turn.
    await h.restart()
    await admin.press("◀ Previous", message=h.api.find_message(admin.id, replies[0].message_id))
    assert "Line 1: unknown user" in h.api.find_message(admin.id, replies[0].message_id).text
    assert h.api.refused == []
