"""Updates of different chats run concurrently; one chat's updates stay in order."""

from __future__ import annotations

import random
from pathlib import Path

from tgfake import Harness


async def _answers_in_private(h: Harness, user) -> list[str]:
    return [s.text for s in h.api.messages(user.id) if s.method == "sendMessage"]


async def test_updates_from_different_chats_are_handled_at_the_same_time(db_path: Path) -> None:
    # A reply takes long enough (0.2 s) that it outlasts the first-contact writes of all 30
    # users, which queue on the one writer: the replies themselves then overlap.
    async with Harness(db_path, latency=0.2) as h:
        users = [h.user(f"Worker {i}") for i in range(30)]
        for user in users:
            await user.send("/help", settle=False)
        await h.settle()
        assert h.request is not None
        assert h.request.max_in_flight >= 10
        for user in users:
            assert len(await _answers_in_private(h, user)) == 1


async def test_one_chat_is_handled_in_order_even_with_jittery_network(db_path: Path) -> None:
    rng = random.Random(7)
    async with Harness(db_path, latency=lambda method: rng.uniform(0, 0.01)) as h:
        alice = h.user("Alice")
        others = [h.user(f"Other {i}") for i in range(5)]
        for i in range(12):
            await alice.send("/start" if i % 2 == 0 else "/help", settle=False)
            await others[i % 5].send("/help", settle=False)
        await h.settle()
        answers = await _answers_in_private(h, alice)
        assert len(answers) == 12
        for i, text in enumerate(answers):
            expected = "Welcome" if i % 2 == 0 else "What you can do here"
            assert expected in text, (i, text)
        assert h.request is not None
        assert h.request.max_in_flight_per_chat[alice.id] == 1
        assert h.request.max_in_flight > 1


async def test_the_sequential_baseline_handles_one_update_at_a_time(db_path: Path) -> None:
    async with Harness(db_path, latency=0.005, max_concurrent_updates=1) as h:
        users = [h.user(f"Worker {i}") for i in range(5)]
        for user in users:
            await user.send("/help", settle=False)
        await h.settle()
        assert h.request is not None and h.request.max_in_flight == 1
