"""Each update is handled once: the gate asks here first, the sweep forgets old records."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from datetime import timedelta

from bot.clock import Clock, to_epoch
from storage import Database
from storage import updates as repo
from storage.db import handling_update

# Telegram keeps an unconfirmed update for 24 hours; a day more covers clocks and restarts.
KEEP = timedelta(days=2)
# Updates this process took, newest last: a repeat of one that changed nothing stored (a
# button that only asks a question) is still a repeat.
SEEN_IN_PROCESS = 10_000


class UpdateService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._seen: OrderedDict[int, None] = OrderedDict()
        # Above this id no update was ever begun, here or (when this process started) in the
        # database: Telegram numbers updates upwards, so a new one needs no read. One process
        # owns the database; several instances must drop this shortcut.
        self._newest: int | None = None
        self._reading_newest: asyncio.Future[int] | None = None

    async def begin(self, update_id: int) -> bool:
        """Start handling an update; False when it was handled already (drop it): by this
        process, or by any whose first change claimed it in the database."""
        if self._newest is None:  # the first updates after a start: one read for them all
            if self._reading_newest is None:
                self._reading_newest = asyncio.ensure_future(repo.newest(self._db))
            try:
                newest = await self._reading_newest
            except Exception:
                self._reading_newest = None  # the next update tries again
                raise
            self._newest = max(newest, self._newest or 0)
        if update_id in self._seen or (update_id <= self._newest
                                       and await repo.handled(self._db, update_id)):
            return False
        self._newest = max(self._newest, update_id)
        self._seen[update_id] = None
        if len(self._seen) > SEEN_IN_PROCESS:
            self._seen.popitem(last=False)
        handling_update(update_id, to_epoch(self._clock.now()))
        return True

    async def forget_old(self) -> int:
        async with self._db.transaction(for_update=False) as tx:
            return await repo.forget_older_than(tx, to_epoch(self._clock.now() - KEEP))
