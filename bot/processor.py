"""Concurrent update processing that keeps each chat's updates in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.turns import Turns


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    """Different chats run at once; within one chat an update starts after the previous ends.

    The Application starts one task per update in arrival order, and asyncio locks wake their
    waiters first in, first out, so a chat's updates run in the order they came.
    """

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        # What each update's handling runs inside, once the bot has started (its person's
        # conversation scratch kept: bot.app); until then, the handling alone.
        self.around: Callable[[object, Awaitable[Any]], Awaitable[Any]] = _alone
        self._turns = Turns()
        self.completed = 0
        self._progress = asyncio.Condition()

    @staticmethod
    def _key(update: object) -> int | None:
        if isinstance(update, Update):
            if update.effective_chat is not None:
                return update.effective_chat.id
            if update.effective_user is not None:
                return update.effective_user.id
        return None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self._key(update)
        try:
            if key is None:
                await self.around(update, coroutine)
                return
            async with self._turns.of(key):
                await self.around(update, coroutine)
        finally:
            async with self._progress:
                self.completed += 1
                self._progress.notify_all()

    async def wait_completed(self, count: int) -> None:
        """Wait until `count` updates in all have finished (used by the test harness)."""
        async with self._progress:
            await self._progress.wait_for(lambda: self.completed >= count)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


async def _alone(update: object, handling: Awaitable[Any]) -> Any:
    return await handling
