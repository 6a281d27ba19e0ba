"""What every service that changes things and tells people about it shares."""

from __future__ import annotations

import contextlib
from zoneinfo import ZoneInfo

from bot.clock import Clock, to_epoch
from bot.config import Settings
from bot.delivery import Notifier
from bot.domain.errors import AdminsOnly
from bot.i18n import texts_for
from bot.services.users import UserService
from bot.views.common import KeyboardRender, Render
from storage import Database, Tx
from storage import users as users_repo


class Service:
    def __init__(self, db: Database, clock: Clock, notifier: Notifier, settings: Settings,
                 users: UserService) -> None:
        self._db = db
        self._clock = clock
        self._notifier = notifier
        self._settings = settings
        self._users = users

    def _now(self) -> int:
        return to_epoch(self._clock.now())

    def _require_admin(self, user_id: int) -> None:
        if not self._users.is_admin(user_id):
            raise AdminsOnly()

    async def zone_of(self, user_id: int) -> ZoneInfo:
        """The user's chosen time zone, or the platform's default."""
        record = await self._users.get(user_id)
        if record is not None and record.timezone:
            with contextlib.suppress(Exception):  # a zone that no longer exists
                return ZoneInfo(record.timezone)
        return self._settings.timezone

    async def tell(self, tx: Tx, user_id: int, render: Render,
                   keyboard: KeyboardRender | None = None, dedupe_key: str | None = None
                   ) -> None:
        """Queue a message for one person, in their language, inside the transaction."""
        record = await users_repo.get(tx, user_id)
        _ = texts_for(record.language_code if record else None)
        await self._notifier.message(tx, user_id, render(_), user_id=user_id,
                                     keyboard=keyboard(_) if keyboard else None,
                                     dedupe_key=dedupe_key)

    async def _tell_admins(self, tx: Tx, render: Render,
                           keyboard: KeyboardRender | None = None) -> None:
        for admin_id in sorted(self._users.admin_ids):
            await self.tell(tx, admin_id, render, keyboard)
