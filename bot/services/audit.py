"""The audit trail, readable: /audit pages and /audit export, about everything or one guild,
user or task, newest first, with who acted and what it touched named."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import to_epoch
from bot.domain.errors import StaleButton, UnknownUser
from bot.domain.ledger_ops import AuditScope
from bot.outcomes import AuditPage, AuditRef, AuditRow, MemberRef
from bot.services.base import Deps, Service
from bot.services.guilds import GuildService
from storage import audit as repo
from storage import users as users_repo
from storage.db import Reader

PAGE_SIZE = 15
EXPORT_MAX = 100_000  # rows in one /audit export, newest first


class AuditService(Service):
    def __init__(self, deps: Deps, guilds: GuildService) -> None:
        super().__init__(deps)
        self._guilds = guilds

    async def trail(self, admin_id: int, kind: str | None, ref: AuditRef, days: int
                    ) -> AuditPage:
        """The first page about the guild, user or task named (or everything)."""
        self._require_admin(admin_id)
        return await self._page(admin_id, await self._scope(kind, ref, days), 0, PAGE_SIZE)

    async def turn(self, admin_id: int, key: str, page: int) -> AuditPage:
        """Another page of a trail, its filter read back from a page button."""
        self._require_admin(admin_id)
        scope = AuditScope.from_key(key)
        if scope is None:
            raise StaleButton()
        return await self._page(admin_id, scope, page, PAGE_SIZE)

    async def export(self, admin_id: int, kind: str | None, ref: AuditRef, days: int
                     ) -> AuditPage:
        """The whole trail of the period (at most EXPORT_MAX rows), for a CSV file."""
        self._require_admin(admin_id)
        return await self._page(admin_id, await self._scope(kind, ref, days), 0, EXPORT_MAX)

    async def _scope(self, kind: str | None, ref: AuditRef, days: int) -> AuditScope:
        if kind == "user":
            assert isinstance(ref, MemberRef)
            user = await self._users.find(ref)
            if user is None:
                raise UnknownUser(who=ref.shown)
            return AuditScope(kind, user.id, days)
        if kind == "guild":
            assert isinstance(ref, int | str)
            return AuditScope(kind, (await self._guilds.find(ref)).id, days)
        if kind == "task":
            assert isinstance(ref, int)
            return AuditScope(kind, (await self._tasks.get(self._db, ref)).id, days)
        return AuditScope(None, None, days)

    async def _page(self, admin_id: int, scope: AuditScope, page: int, size: int
                    ) -> AuditPage:
        since = to_epoch(self._clock.now() - timedelta(days=scope.days))
        found = await repo.entries(self._db, scope.kind, scope.id, since, limit=size + 1,
                                   offset=page * size)
        rows = await self._named(self._db, found[:size])
        subject = None
        if scope.kind is not None and scope.id is not None:
            subject = (await self._named(self._db, [repo.AuditEntry(
                0, 0, 0, "", scope.kind, scope.id, None)]))[0]
        return AuditPage(scope, subject, page, rows, len(found) > size,
                         await self.zone_of(admin_id))

    @staticmethod
    async def _named(db: Reader, entries: list[repo.AuditEntry]) -> list[AuditRow]:
        """The entries with names: people by @username or name, guilds, task titles."""
        def ids(kind: str) -> list[int]:
            return [e.target_id for e in entries if e.target_type == kind and e.target_id]

        people = await users_repo.get_many(
            db, sorted({e.actor_id for e in entries if e.actor_id} | set(ids("user"))))
        titles = {"guild": await repo.names(db, "guilds", ids("guild")),
                  "task": await repo.names(db, "tasks", ids("task")),
                  "user": {i: u.mention for i, u in people.items()}}
        return [AuditRow(e.created_at, e.actor_id,
                         people[e.actor_id].mention if e.actor_id in people
                         else (str(e.actor_id) if e.actor_id else None),
                         e.action, e.target_type, e.target_id,
                         titles.get(e.target_type or "", {}).get(e.target_id or 0), e.detail)
                for e in entries]
