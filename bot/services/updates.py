"""Each update is handled once: the gate asks here first, the sweep forgets old records.

With several instances on one PostgreSQL (webhook mode behind a load balancer), the same update
may reach two of them at the same moment (Telegram delivering it again, or a retry on another
instance). The first claim of `storage.db` keeps one that writes from doing it twice, but not one
that only reads (`/help`, `/earnings`) from being answered twice. So the webhook first takes
each update into hand (`take`): under a lock of the update's own that the instance's database
session holds, it is handled by one instance while the other answers 503 (Telegram, or the load
balancer, tries again later); once handled, `finish` records it in `processed_updates` whatever
it wrote, and a later delivery is dropped. An instance that dies mid-handling lets go of its
locks with its connection, and records nothing that did not commit: the update is handled again
by whichever instance gets it next, as after a crash of one process.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from datetime import timedelta
from enum import StrEnum

from bot.clock import Clock, to_epoch
from storage import Database
from storage import updates as repo
from storage.db import handling_update

# Telegram keeps an unconfirmed update for 24 hours; a day more covers clocks and restarts.
KEEP = timedelta(days=2)
# Updates this process took, newest last: a repeat of one that changed nothing stored (a
# button that only asks a question) is still a repeat.
SEEN_IN_PROCESS = 10_000


class Taken(StrEnum):
    """What `UpdateService.take` found."""

    NEW = "new"  # in hand here now: handle it, then `finish` it
    DONE = "done"  # handled before: answer without handling it again
    ELSEWHERE = "elsewhere"  # in hand now (on another instance, or already here): try later


class UpdateService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._seen: OrderedDict[int, None] = OrderedDict()
        # Above this id no update was ever begun, here or (when this process started) in the
        # database: Telegram numbers updates upwards, so a new one needs no read. One process
        # owns the database; several instances `take` each update first, which reads.
        self._newest: int | None = None
        self._reading_newest: asyncio.Future[int] | None = None
        self._shared = db.engine == "postgres"  # other instances may share the database
        self._in_hand: set[int] = set()  # taken and not finished yet

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

    async def take(self, update_id: int) -> Taken:
        """Take an update into hand before handling it (see the module's docstring); on
        SQLite (one process) every update is new here and the gate alone drops repeats."""
        if not self._shared:
            return Taken.NEW
        if update_id in self._in_hand or not await self._db.hold_update(update_id):
            return Taken.ELSEWHERE
        self._in_hand.add(update_id)
        try:
            done = await repo.handled(self._db, update_id)
        except BaseException:
            await self._let_go(update_id)
            raise
        if done:
            await self._let_go(update_id)
            return Taken.DONE
        return Taken.NEW

    async def finish(self, update_id: int) -> None:
        """The handling of an update taken is over: it is recorded as handled (what it wrote
        recorded it already), then let go, in that order, so no instance takes it again."""
        if update_id not in self._in_hand:
            return
        try:
            async with self._db.transaction(for_update=False) as tx:
                await repo.record(tx, update_id, to_epoch(self._clock.now()))
        finally:
            await self._let_go(update_id)

    async def _let_go(self, update_id: int) -> None:
        self._in_hand.discard(update_id)
        await self._db.release_update(update_id)

    async def forget_old(self) -> int:
        async with self._db.transaction(for_update=False) as tx:
            return await repo.forget_older_than(tx, to_epoch(self._clock.now() - KEEP))
