"""Conversation scratch kept in the database, so that a conversation goes on after a restart
and on whichever instance the next message reaches.

What a person's conversation is in the middle of (PTB's `user_data`: the assignment /submit
chose, a text waiting for "is this a result?", the step and draft of a guided /newtask, an open
prompt, a refused repeat offered again under a button) is handled as before, in memory, during
an update. Around each update (`around`), the keys it changed are written, each as its pickle,
in one transaction; removed keys are deleted. With one process (SQLite) memory stays the truth
and is filled from the database once, at the start (`restore`); with several instances on one
PostgreSQL, each update first reads its person's scratch, as another instance may have changed
it since. One person's updates in one process take turns here (a private chat and a group's
buttons otherwise run at once). A value that can no longer be read (the bot's code changed
under it) is dropped with a warning: a conversation cut short asks again, as after a restart
used to.

Scratch is bookkeeping, not the update's effect: it never claims the update (storage.db), and a
failure to write it is logged, never shown to the person as their command failing.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Awaitable, Mapping, MutableMapping
from datetime import timedelta
from typing import Any, TypeVar

from bot.clock import Clock, to_epoch
from bot.turns import Turns
from storage import Database
from storage import scratch as repo

log = logging.getLogger(__name__)

# A conversation untouched this long is forgotten by the sweep (an abandoned draft, say).
KEEP = timedelta(days=30)

Scratch = MutableMapping[str, Any]
People = Mapping[int, Scratch]  # each person's scratch, by user id
T = TypeVar("T")


class ScratchService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._shared = db.engine == "postgres"  # other instances may change it meanwhile
        self._turns = Turns()

    async def restore(self, everyone: People) -> int:
        """One process: fill each person's scratch from the database (at the start)."""
        if self._shared:
            return 0  # read per update instead
        rows = await repo.everyone(self._db)
        for user_id, key, value in rows:
            _put(everyone[user_id], user_id, key, value)
        return len(rows)

    async def around(self, user_id: int, everyone: People, handling: Awaitable[T]) -> T:
        """Handle an update of `user_id`'s with their scratch current, and keep what it
        changed. `everyone` is the scratch of each person in memory (PTB's `user_data`: an
        entry is made when first looked up with [], and not by `get`, so a person with no
        conversation costs no memory)."""
        async with self._turns.of(user_id):
            if self._shared:
                stored = await repo.of_user(self._db, user_id)
                if stored or everyone.get(user_id):
                    scratch = everyone[user_id]
                    scratch.clear()
                    for key, value in stored.items():
                        _put(scratch, user_id, key, value)
            before = _pickled(everyone.get(user_id))
            try:
                return await handling
            finally:
                await self._keep(user_id, before, _pickled(everyone.get(user_id)))

    async def _keep(self, user_id: int, before: dict[str, bytes],
                    after: dict[str, bytes]) -> None:
        changed = {key: value for key, value in after.items() if before.get(key) != value}
        gone = [key for key in before if key not in after]
        if not changed and not gone:
            return
        try:
            async with self._db.transaction(for_update=False) as tx:
                await repo.keep(tx, user_id, changed, gone, to_epoch(self._clock.now()))
        except Exception:
            log.exception("conversation scratch of %s not kept", user_id)

    async def forget_old(self) -> int:
        async with self._db.transaction(for_update=False) as tx:
            return await repo.forget_older_than(tx, to_epoch(self._clock.now() - KEEP))


def _pickled(scratch: Scratch | None) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for key, value in (scratch or {}).items():
        try:
            out[key] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # a value that cannot be kept stays in this process only
            log.warning("conversation scratch %r can't be kept", key, exc_info=True)
    return out


def _put(scratch: Scratch, user_id: int, key: str, value: bytes) -> None:
    try:
        scratch[key] = pickle.loads(value)  # the bot's own rows, never anyone's input
    except Exception:
        log.warning("conversation scratch %r of %s can't be read; dropped", key, user_id)
