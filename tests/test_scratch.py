"""A conversation in the middle (a guided /newtask, an open prompt) goes on after a restart and,
with several instances on one PostgreSQL, on whichever instance the next message reaches: the
conversation's scratch is kept in the database (bot.services.scratch, handlers.flow)."""

from __future__ import annotations

import pytest

from storage import market as market_repo
from tests.conftest import ADMIN_ID
from tests.scenario import approved_guild, task_id_in
from tgfake import FakeUser, Harness


async def _post_rest_of_flow(*hands: FakeUser) -> int:
    """From the instructions step on, each step by the next of `hands` (the same person on
    different instances): a fixed-price task of 5 text units at 1.00."""
    steps = [("send", "Translate each line."), ("press", "Done"), ("press", "text"),
             ("send", "5"), ("send", "1.00"), ("press", "fixed"),
             ("send", "2026-12-20 18:00"), ("press", "Post")]
    replies = []
    for n, (how, what) in enumerate(steps):
        hand = hands[n % len(hands)]
        replies = await (hand.send(what) if how == "send" else hand.press(what))
    return task_id_in(replies[-1].text)


async def test_a_guided_newtask_goes_on_after_a_restart(h: Harness, admin: FakeUser) -> None:
    lee = h.user("Lee")
    await approved_guild(h, admin, "Alpha Dubbers", lee)
    await admin.send("/newtask")
    await admin.send("Cantonese subtitles")
    assert "Step 2 of 7" in admin.last_message().text
    await h.restart()
    task_id = await _post_rest_of_flow(admin)
    task = await market_repo.get_task(h.services.db, task_id)
    assert task is not None
    assert (task.title, task.units, task.price_minor) == ("Cantonese subtitles", 5, 100)
    assert await h.services.db.fetch_value("SELECT COUNT(*) FROM scratch"
                                           " WHERE key LIKE 'newtask%'") == 0  # done: gone


async def test_a_cancel_in_a_group_leaves_the_private_flow_alone(h: Harness,
                                                                 admin: FakeUser) -> None:
    lee = h.user("Lee")
    group = await approved_guild(h, admin, "Alpha Dubbers", lee)
    await admin.send("/newtask")
    await admin.send("Cantonese subtitles")
    await admin.send("/cancel", chat=group)
    assert not any("discarded" in text for text in admin.texts())
    task_id = await _post_rest_of_flow(admin)
    assert (await market_repo.get_task(h.services.db, task_id)) is not None


async def test_a_reply_to_a_prompt_asked_before_a_restart_is_taken(h: Harness,
                                                                   admin: FakeUser) -> None:
    """The admin presses Reject under a registration, the bot restarts, the reason they
    reply with still rejects it."""
    ken = h.user("Ken")
    group = h.group("Gamma chat", admins=(ken,))
    await admin.send("/start")
    await ken.send("/register Gamma Guild", chat=group)
    await admin.press("Reject")
    prompt = admin.last_message()
    await h.restart()
    await admin.reply(prompt, "Not a real guild")
    assert "Not a real guild" in ken.last_message(
        ).text or "Not a real guild" in group.last_message().text
    assert await h.services.db.fetch_value(
        "SELECT status FROM guilds WHERE name = 'Gamma Guild'") == "rejected"


@pytest.mark.postgres
async def test_two_instances_share_a_conversation(h: Harness, admin: FakeUser) -> None:
    """Each step of a guided /newtask reaches the other instance of two on one PostgreSQL."""
    lee = h.user("Lee")
    await approved_guild(h, admin, "Alpha Dubbers", lee)
    other = Harness(h.settings.database_path, admin_ids={ADMIN_ID}, api=h.api,
                    settings=h.settings)
    await other.start()
    try:
        there = FakeUser(other, admin.data)
        await admin.send("/newtask")
        await there.send("Cantonese subtitles")
        assert "Step 2 of 7" in there.last_message().text
        task_id = await _post_rest_of_flow(admin, there)
        task = await market_repo.get_task(h.services.db, task_id)
        assert task is not None and task.title == "Cantonese subtitles"
    finally:
        await other.stop()
