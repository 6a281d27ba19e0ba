"""A rate limiter with two lanes: replies to the person acting, and bulk sends from the outbox.

PTB's `AIORateLimiter` throttles every request that names a chat through one bucket, first come
first served, so a long fan-out would make someone typing a command wait behind it. Here the
interactive lane takes capacity first; the bulk lane takes only what is left, and keeps a small
reserve in the bucket so that a reply arriving mid-fan-out finds a token at once. Both lanes share
the overall cap (Telegram's ~30 messages/s), the per-group cap (20/min) and the pause that a
`RetryAfter` imposes: on one group when it answered a send to a group (Telegram's per-group
limit), on the whole bot otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)


class Lane(enum.Enum):
    INTERACTIVE = "interactive"
    BULK = "bulk"


class PriorityRateLimiter(BaseRateLimiter[Lane]):
    def __init__(
        self,
        overall_max_rate: float = 30,
        overall_time_period: float = 1,
        group_max_rate: float = 20,
        group_time_period: float = 60,
        max_retries: int = 2,
        bulk_reserve: float = 0.1,
    ) -> None:
        self._overall = AsyncLimiter(overall_max_rate, overall_time_period)
        self._caps = (overall_max_rate, overall_time_period, group_max_rate, bulk_reserve)
        self._instances = 1
        self._group_max_rate = group_max_rate
        self._group_time_period = group_time_period
        self._groups: dict[int | str, AsyncLimiter] = {}
        self._prune_at = 512
        self._max_retries = max_retries
        # Tokens the bulk lane leaves in the bucket for replies (at least one).
        self._reserve = max(1.0, overall_max_rate * bulk_reserve)
        self._tick = overall_time_period / overall_max_rate
        self._interactive_waiting = 0
        self._bulk_gate = asyncio.Lock()
        self._resume = asyncio.Event()
        self._resume.set()
        self._resume_handle: asyncio.TimerHandle | None = None
        self._group_until: dict[int | str, float] = {}  # a group's flood wait ends (loop time)

    async def initialize(self) -> None:
        pass

    def share(self, instances: int) -> None:
        """`instances` processes send for this bot (several on one PostgreSQL): this one keeps
        to its part of every cap, so that together they stay under it."""
        instances = max(1, instances)
        if instances == self._instances:
            return
        log.info("sending for the bot with %s instances: caps shared", instances)
        self._instances = instances
        rate, period, group_rate, reserve = self._caps
        self._overall = AsyncLimiter(rate / instances, period)
        self._reserve = max(1.0, rate / instances * reserve)
        self._tick = period * instances / rate
        self._group_max_rate = group_rate / instances
        self._groups.clear()  # made again at the new rate as they are needed

    async def shutdown(self) -> None:
        if self._resume_handle is not None:
            self._resume_handle.cancel()

    @property
    def paused(self) -> bool:
        return not self._resume.is_set()

    def _group_limiter(self, group_id: int | str) -> AsyncLimiter:
        if len(self._groups) > self._prune_at:
            # Forget groups whose bucket has drained. Done when the table doubles, not on every
            # request: walking 2,000 guilds' limiters per message cost half of a group reply.
            for key, drained in list(self._groups.items()):
                if key != group_id and drained.has_capacity(drained.max_rate):
                    del self._groups[key]
            self._prune_at = max(512, 2 * len(self._groups))
        limiter = self._groups.get(group_id)
        if limiter is None:
            limiter = self._groups[group_id] = AsyncLimiter(
                self._group_max_rate, self._group_time_period
            )
        return limiter

    def _group_pause(self, chat_id: int | str, seconds: float) -> None:
        until = asyncio.get_running_loop().time() + seconds
        self._group_until[chat_id] = max(until, self._group_until.get(chat_id, 0.0))

    async def _group_wait(self, chat_id: int | str) -> None:
        """Hold a request to a group whose own flood wait is running."""
        until = self._group_until.get(chat_id)
        while until is not None:
            left = until - asyncio.get_running_loop().time()
            if left <= 0:
                self._group_until.pop(chat_id, None)
                return
            await asyncio.sleep(left)
            until = self._group_until.get(chat_id)

    def _pause(self, seconds: float) -> None:
        """Hold every request for `seconds`: Telegram's flood wait applies to the whole bot.
        A shorter wait answered while a longer one runs does not end the longer one early."""
        loop = asyncio.get_running_loop()
        handle = self._resume_handle
        if self.paused and handle is not None and handle.when() >= loop.time() + seconds:
            return
        self._resume.clear()
        if handle is not None:
            handle.cancel()
        self._resume_handle = loop.call_later(seconds, self._resume.set)

    async def _acquire_overall(self, lane: Lane) -> None:
        if lane is Lane.INTERACTIVE:
            self._interactive_waiting += 1
            try:
                await self._overall.acquire()
            finally:
                self._interactive_waiting -= 1
            return
        # One bulk sender at a time watches the bucket; the others wait their turn on the gate
        # (first in, first out) instead of each waking up every tick.
        async with self._bulk_gate:
            while self._interactive_waiting or not self._overall.has_capacity(1 + self._reserve):
                await asyncio.sleep(self._tick)
                await self._resume.wait()
            await self._overall.acquire()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Lane | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        lane = rate_limit_args or Lane.INTERACTIVE
        chat_id = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        is_group = (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str)
        # The outbox retries on its own schedule, so bulk sends are tried once here.
        retries = self._max_retries if lane is Lane.INTERACTIVE else 0
        for attempt in range(retries + 1):
            await self._resume.wait()
            if is_group:
                await self._group_wait(chat_id)  # type: ignore[arg-type]
            try:
                group_ctx = (
                    self._group_limiter(chat_id)  # type: ignore[arg-type]
                    if is_group and self._group_max_rate
                    else contextlib.nullcontext()
                )
                async with group_ctx:
                    if chat_id is not None:
                        await self._acquire_overall(lane)
                    await self._resume.wait()
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = exc.retry_after
                wait = (seconds.total_seconds() if hasattr(seconds, "total_seconds")
                        else float(seconds)) + 0.1
                log.warning("flood wait of %.1f s on %s (%s lane, %s)", wait, endpoint,
                            lane.value, f"group {chat_id}" if is_group else "whole bot")
                if is_group:
                    self._group_pause(chat_id, wait)  # type: ignore[arg-type]
                else:
                    self._pause(wait)
                if attempt == retries:
                    raise
        raise AssertionError("unreachable")
