"""A background task that does whatever is due in the database, batch by batch: the outbox's
dispatcher and the hook sender are two of them."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.clock import Clock, to_epoch

log = logging.getLogger(__name__)


class DueLoop:
    """Runs `run_once` while it finds work; then sleeps until the next row is due (asked of
    `next_due_at`), `wake` is called, or `idle_poll_seconds` pass. A failing batch is logged
    and tried again after a back-off (1 s, doubling to a minute)."""

    name = "background task"

    def __init__(self, clock: Clock, idle_poll_seconds: float) -> None:
        self._clock = clock
        self._idle_poll = idle_poll_seconds
        self._event = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    async def run_once(self, *, background: bool = False) -> int:
        """Do one batch of what is due; how many rows it took care of."""
        raise NotImplementedError

    async def next_due_at(self) -> int | None:
        """When the next row is due (epoch seconds), if any is waiting."""
        raise NotImplementedError

    def wake(self) -> None:
        self._event.set()

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name=self.name.replace(" ", "-"))

    async def stop(self, grace: float = 5.0) -> None:
        """Start no new batch; let the one running finish (up to `grace` seconds, then cancel
        it)."""
        task = self._task
        if task is None:
            return
        self._stopping = True
        self._event.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), grace)
        except TimeoutError:
            task.cancel()
        except Exception:
            log.exception("%s failed while stopping", self.name)
        with contextlib.suppress(asyncio.CancelledError):
            await task
        self._task = None

    async def flush(self) -> int:
        """Do everything due now; how many rows were taken care of."""
        total = 0
        while processed := await self.run_once():
            total += processed
        return total

    async def _run(self) -> None:
        backoff = 1.0
        while not self._stopping:
            try:
                processed = await self.run_once(background=True)
                backoff = 1.0
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s failed; retrying in %.0f s", self.name, backoff)
                processed = 0
                await asyncio.sleep(backoff)
                backoff = min(60.0, backoff * 2)
            if processed or self._stopping:
                continue
            self._event.clear()
            timeout = self._idle_poll
            next_due = await self.next_due_at()
            if next_due is not None:
                timeout = min(timeout, max(0.05, next_due - to_epoch(self._clock.now())))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), timeout)
