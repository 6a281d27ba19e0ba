"""The rate limiter lets replies to the acting user overtake a fan-out from the outbox."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from telegram.error import RetryAfter

from bot.config import Settings
from bot.ratelimit import Lane, PriorityRateLimiter
from tgfake import Harness


async def test_a_reply_overtakes_a_bulk_backlog() -> None:
    limiter = PriorityRateLimiter(overall_max_rate=20, overall_time_period=1)
    done: list[str] = []

    async def send(tag: str) -> bool:
        done.append(tag)
        return True

    bulk = [
        asyncio.create_task(limiter.process_request(
            send, (f"bulk {i}",), {}, "sendMessage", {"chat_id": 1000 + i}, Lane.BULK))
        for i in range(40)
    ]
    await asyncio.sleep(0.3)
    sent_before = len(done)
    await limiter.process_request(send, ("reply",), {}, "sendMessage", {"chat_id": 7}, None)
    waiting = sum(not task.done() for task in bulk)
    for task in bulk:
        task.cancel()
    await asyncio.gather(*bulk, return_exceptions=True)

    assert done.index("reply") <= sent_before + 1  # at most one bulk send slipped in between
    assert waiting >= 10  # the fan-out was still running: the reply did not queue behind it


async def test_bulk_leaves_a_reserve_so_a_reply_finds_capacity_at_once() -> None:
    limiter = PriorityRateLimiter(overall_max_rate=10, overall_time_period=1)

    async def send() -> bool:
        return True

    bulk = [asyncio.create_task(limiter.process_request(
        send, (), {}, "sendMessage", {"chat_id": 1 + i}, Lane.BULK)) for i in range(20)]
    await asyncio.sleep(0.05)
    # Bulk filled the bucket up to the reserve and stopped there.
    assert limiter._overall.has_capacity(1)
    for task in bulk:
        task.cancel()
    await asyncio.gather(*bulk, return_exceptions=True)


async def test_a_flood_wait_pauses_every_request_then_resumes() -> None:
    limiter = PriorityRateLimiter(overall_max_rate=30)
    calls = 0

    async def flood() -> bool:
        nonlocal calls
        calls += 1
        raise RetryAfter(timedelta(seconds=0.2))

    with pytest.raises(RetryAfter):
        await limiter.process_request(flood, (), {}, "sendMessage", {"chat_id": 5}, Lane.BULK)
    assert calls == 1  # bulk is not retried here: the outbox reschedules it
    assert limiter.paused
    await asyncio.sleep(0.4)
    assert not limiter.paused


async def test_interactive_requests_are_retried_after_a_flood_wait() -> None:
    limiter = PriorityRateLimiter(overall_max_rate=30, max_retries=2)
    attempts = 0

    async def flaky() -> bool:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise RetryAfter(timedelta(seconds=0.1))
        return True

    assert await limiter.process_request(flaky, (), {}, "sendMessage", {"chat_id": 5}, None)
    assert attempts == 2


async def test_requests_without_a_chat_are_not_throttled() -> None:
    limiter = PriorityRateLimiter(overall_max_rate=1)

    async def call() -> bool:
        return True

    results = await asyncio.wait_for(asyncio.gather(*(
        limiter.process_request(call, (), {}, "answerCallbackQuery", {}, None)
        for _ in range(50))), timeout=1)
    assert all(results)


async def test_a_command_is_answered_while_a_fan_out_is_being_sent(db_path: Path) -> None:
    settings = Settings(bot_token="1:x", rate_limit_per_second=20)
    async with Harness(db_path, settings=settings) as h:
        workers = [h.user(f"Worker {i}") for i in range(40)]
        alice = h.user("Alice")
        async with h.services.db.transaction() as tx:
            for worker in workers:
                await h.services.notifier.message(tx, worker.id, "Weekly summary",
                                                  user_id=worker.id)
        await asyncio.sleep(0.3)  # the dispatcher is draining in the background
        await alice.send("/start", settle=False)
        await h.processor.wait_completed(1)
        delivered_when_answered = sum(bool(w.messages()) for w in workers)
        assert "Welcome" in alice.last_message().text
        assert delivered_when_answered < len(workers)  # she did not wait for the fan-out
        await h.settle()
        assert all(len(w.messages()) == 1 for w in workers)


async def test_group_buckets_are_kept_per_group_and_forgotten_once_drained() -> None:
    limiter = PriorityRateLimiter(overall_max_rate=1000, group_max_rate=20, group_time_period=60)

    async def send() -> bool:
        return True

    for chat in range(1, 1201):
        await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": -chat}, None)
    # Every group's bucket holds one message of its 20 a minute, so none could be forgotten.
    assert len(limiter._groups) == 1200
    assert not limiter._groups[-1].has_capacity(20)


async def test_a_shorter_flood_wait_does_not_cut_a_longer_one_short() -> None:
    limiter = PriorityRateLimiter()
    answered = asyncio.Event()

    async def flood(seconds: float) -> bool:
        await answered.wait()  # both requests in flight when Telegram answers
        raise RetryAfter(seconds)

    sends = [asyncio.create_task(limiter.process_request(
        flood, (seconds,), {}, "sendMessage", {"chat_id": 5 + seconds}, Lane.BULK))
        for seconds in (1, 0)]  # 1.1 s asked first, then 0.1 s
    await asyncio.sleep(0.05)
    answered.set()
    results = await asyncio.gather(*sends, return_exceptions=True)
    assert all(isinstance(r, RetryAfter) for r in results)
    await asyncio.sleep(0.3)
    assert limiter.paused  # still inside the longer wait
    await asyncio.sleep(1.0)
    assert not limiter.paused


async def test_a_flood_wait_for_one_group_holds_that_group_only() -> None:
    """Telegram's 429 for a group is that group's limit: other chats go on at once."""
    limiter = PriorityRateLimiter(overall_max_rate=30)

    async def flood() -> bool:
        raise RetryAfter(timedelta(seconds=0.3))

    async def ok() -> bool:
        return True

    with pytest.raises(RetryAfter):
        await limiter.process_request(flood, (), {}, "sendMessage", {"chat_id": -100}, Lane.BULK)
    assert not limiter.paused
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await limiter.process_request(ok, (), {}, "sendMessage", {"chat_id": -200},
                                         Lane.BULK)
    assert await limiter.process_request(ok, (), {}, "sendMessage", {"chat_id": 7}, Lane.BULK)
    others_took = loop.time() - started
    assert await limiter.process_request(ok, (), {}, "sendMessage", {"chat_id": -100},
                                         Lane.BULK)
    assert others_took < 0.2 <= loop.time() - started
