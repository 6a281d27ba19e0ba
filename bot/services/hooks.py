"""Event hooks out, as the admins see them: /hooks (the queue and its failures). Events are
queued by the services where things happen (`Service._hooks`) and sent by `bot.hooks`."""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.hooks import HookSender
from bot.outcomes import HookStatus
from bot.services.base import Deps, Service
from storage import hooks as repo

FAILURES_SHOWN = 5


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

    async def stop(self) -> None:
        if self.sender is not None:
            await self.sender.stop()
