"""The outbox: notices for other people are queued in the transaction and delivered reliably."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage import outbox as outbox_repo
from tgfake import Harness


async def _notify(h: Harness, chat_id: int, text: str, *, user_id: int | None = None,
                  dedupe_key: str | None = None) -> None:
    async with h.services.db.transaction() as tx:
        await h.services.notifier.message(tx, chat_id, text, user_id=user_id,
                                          dedupe_key=dedupe_key)


async def _status(h: Harness) -> list[tuple[str, int]]:
    rows = await h.services.db.fetch_all("SELECT status, attempts FROM outbox ORDER BY id")
    return [(r[0], r[1]) for r in rows]


async def test_a_notice_is_sent_after_its_transaction_commits(h: Harness) -> None:
    bob = h.user("Bob")
    await _notify(h, bob.id, "Your assignment is ready.", user_id=bob.id)
    await h.settle()
    assert bob.texts() == ["Your assignment is ready."]
    assert await _status(h) == [("sent", 1)]


async def test_a_rolled_back_change_sends_nothing(h: Harness) -> None:
    bob = h.user("Bob")
    with pytest.raises(RuntimeError):
        async with h.services.db.transaction() as tx:
            await h.services.notifier.message(tx, bob.id, "never", user_id=bob.id)
            raise RuntimeError("the change failed")
    await h.settle()
    assert bob.messages() == []
    assert await _status(h) == []


async def test_the_same_dedupe_key_is_queued_once(h: Harness) -> None:
    bob = h.user("Bob")
    for _ in range(3):
        await _notify(h, bob.id, "Reminder: due in 24 h.", user_id=bob.id,
                      dedupe_key="reminder:24h:7")
    await h.settle()
    assert bob.texts() == ["Reminder: due in 24 h."]


async def _held_back(h: Harness, text: str, kind: str, **fault: int):
    """A notice to Bob whose send meets `kind`: queued, and not arrived yet."""
    bob = h.user("Bob")
    h.api.fail_next("sendMessage", chat_id=bob.id, kind=kind, **fault)
    await _notify(h, bob.id, text, user_id=bob.id)
    await h.settle()
    assert bob.messages() == []
    return bob


async def test_flood_wait_postpones_the_notice_and_sends_it_once_later(h: Harness) -> None:
    bob = await _held_back(h, "Summary of the week.", "retry_after", retry_after=1)
    assert await _status(h) == [("pending", 0)]  # a flood wait is not a failed attempt

    h.clock.advance(timedelta(seconds=2))
    await h.settle()
    assert bob.texts() == ["Summary of the week."]
    assert await _status(h) == [("sent", 1)]


async def test_network_errors_are_retried_with_backoff(h: Harness) -> None:
    bob = await _held_back(h, "Payout recorded.", "network", times=2)
    assert await _status(h) == [("pending", 1)]

    h.clock.advance(timedelta(seconds=5))  # first back-off
    await h.settle()
    assert bob.messages() == []
    h.clock.advance(timedelta(seconds=10))  # second, doubled
    await h.settle()
    assert bob.texts() == ["Payout recorded."]
    assert await _status(h) == [("sent", 3)]


async def test_a_user_who_never_started_the_bot_is_marked_and_hooks_run(h: Harness) -> None:
    carol = h.user("Carol", started=False)
    await carol.send("/help", chat=h.group("Some group"))  # known to the bot, never in private
    seen = []

    async def hook(tx, row) -> None:
        seen.append((row.user_id, row.chat_id))

    h.services.dispatcher.unreachable_hooks.append(hook)
    await _notify(h, carol.id, "You have a new assignment.", user_id=carol.id)
    await _notify(h, carol.id, "And another.", user_id=carol.id)
    await h.settle()

    assert [status for status, _ in await _status(h)] == ["unreachable", "unreachable"]
    assert seen == [(carol.id, carol.id), (carol.id, carol.id)]
    record = await h.services.users.get(carol.id)
    assert record is not None and record.can_message is False

    # Opening the bot makes her reachable again.
    await carol.send("/start")
    record = await h.services.users.get(carol.id)
    assert record is not None and record.can_message is True


async def test_a_user_who_blocked_the_bot_is_marked_unreachable(h: Harness) -> None:
    dave = h.user("Dave")
    await dave.send("/start")
    h.api.block(dave.id)
    await _notify(h, dave.id, "Earnings summary", user_id=dave.id)
    await h.settle()
    record = await h.services.users.get(dave.id)
    assert record is not None and record.can_message is False
    assert await _status(h) == [("unreachable", 1)]


async def test_a_bad_request_is_closed_as_failed_not_retried(h: Harness) -> None:
    bob = h.user("Bob")
    h.api.fail_next("sendMessage", chat_id=bob.id, kind="bad_request")
    await _notify(h, bob.id, "x", user_id=bob.id)
    await h.settle()
    h.clock.advance(timedelta(hours=1))
    await h.settle()
    assert await _status(h) == [("failed", 1)]


async def test_unsent_notices_are_sent_after_a_restart(h: Harness) -> None:
    bob, eve = h.user("Bob"), h.user("Eve")
    await h.services.dispatcher.stop()  # the process "dies" before delivering
    await _notify(h, bob.id, "one", user_id=bob.id)
    await _notify(h, eve.id, "two", user_id=eve.id)
    assert (await outbox_repo.counts(h.services.db)) == {"pending": 2}

    await h.restart()
    await h.settle()
    assert bob.texts() == ["one"]
    assert eve.texts() == ["two"]
    assert (await outbox_repo.counts(h.services.db)) == {"sent": 2}


async def test_one_chat_receives_its_notices_in_order(h: Harness) -> None:
    bob = h.user("Bob")
    others = [h.user(f"W{i}") for i in range(10)]
    async with h.services.db.transaction() as tx:
        for i in range(20):
            await h.services.notifier.message(tx, bob.id, f"step {i}", user_id=bob.id)
            other = others[i % len(others)]
            await h.services.notifier.message(tx, other.id, f"hi {i}", user_id=other.id)
    await h.settle()
    assert bob.texts() == [f"step {i}" for i in range(20)]


async def test_a_flood_wait_keeps_the_later_notices_of_that_chat_behind(h: Harness) -> None:
    bob = h.user("Bob")
    h.api.fail_next("sendMessage", chat_id=bob.id, kind="retry_after", retry_after=1)
    async with h.services.db.transaction() as tx:
        for i in range(3):
            await h.services.notifier.message(tx, bob.id, f"step {i}", user_id=bob.id)
    await h.settle()
    h.clock.advance(timedelta(seconds=2))
    await h.settle()
    assert bob.texts() == ["step 0", "step 1", "step 2"]


async def test_after_a_network_error_a_chat_gets_its_notices_in_the_order_queued(
        h: Harness) -> None:
    """The rows behind a failed one wait with it: an offer's attachments never arrive before
    the offer itself."""
    bob = h.user("Bob")
    h.api.fail_next("sendMessage", chat_id=bob.id, kind="network")
    async with h.services.db.transaction() as tx:
        await h.services.notifier.message(tx, bob.id, "First, the offer.", user_id=bob.id)
        await h.services.notifier.message(tx, bob.id, "Then, its details.", user_id=bob.id)
    await h.settle()
    assert bob.messages() == []
    h.clock.advance(timedelta(seconds=5))  # the first back-off
    await h.settle()
    assert bob.texts() == ["First, the offer.", "Then, its details."]


async def test_notices_queued_after_a_postponed_one_wait_behind_it(h: Harness) -> None:
    bob = h.user("Bob")
    h.api.fail_next("sendMessage", chat_id=bob.id, kind="network")
    await _notify(h, bob.id, "first", user_id=bob.id)
    await h.settle()  # "first" failed and backs off
    await _notify(h, bob.id, "second", user_id=bob.id)  # queued later, due at once
    await h.settle()
    assert bob.texts() == []  # "second" does not overtake "first"
    h.clock.advance(timedelta(seconds=10))
    await h.settle()
    assert bob.texts() == ["first", "second"]
