"""Event hooks out, as the admins see them: /hooks (the queue and its failures). Events are
queued by the services where things happen (`Service._hooks`) and sent by `bot.hooks`."""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.hooks import HookSender
from bot.outcomes import HookStatus
from bot.services.base import Deps, Service
from storage import hooks as repo

FAILURES_SHOWN = 5
KEEP_DELIVERED = 7 * 24 * 3600  # seconds a delivered event is kept
FORGET_AT_ONCE = 10_000  # delivered events deleted by one sweep at most (a short write)


class HookService(Service):
    def __init__(self, deps: Deps, sender: HookSender | None) -> None:
        super().__init__(deps)
        self.sender = sender

    async def status(self, admin_id: int) -> HookStatus:
        self._require_admin(admin_id)
        queued, delivered, failing = await repo.counts(self._db)
        failures = await repo.failing(self._db, FAILURES_SHOWN)
        url = None
        if self._settings.hooks_on:
            # Without what may carry a secret of the receiver's (a password, a query token).
            parts = urlsplit(self._settings.hook_url)
            url = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"
        return HookStatus(url, queued, delivered, failing, failures)

    async def forget_delivered(self) -> int:
        """For the sweep: events delivered more than KEEP_DELIVERED ago are deleted."""
        async with self._db.transaction() as tx:
            return await repo.forget_delivered(tx, self._now() - KEEP_DELIVERED,
                                               FORGET_AT_ONCE)

    async def stop(self) -> None:
        if self.sender is not None:
            await self.sender.stop()
