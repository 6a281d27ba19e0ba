"""Each update is handled once: the gate asks here first, the sweep forgets old records."""

from __future__ import annotations

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

    async def begin(self, update_id: int) -> bool:
        """Start handling an update; False when it was handled already (drop it): by this
        process, or by any whose first change claimed it in the database."""
        if update_id in self._seen or await repo.handled(self._db, update_id):
            return False
        self._seen[update_id] = None
        if len(self._seen) > SEEN_IN_PROCESS:
            self._seen.popitem(last=False)
        handling_update(update_id, to_epoch(self._clock.now()))
        return True

    async def forget_old(self) -> int:
        async with self._db.transaction(for_update=False) as tx:
            return await repo.forget_older_than(tx, to_epoch(self._clock.now() - KEEP))
