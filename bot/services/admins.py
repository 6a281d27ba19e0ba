"""Admins without a restart: the owners (ADMIN_IDS) add and remove platform admins; the new
admin is told, audited, and every instance knows within a minute (`UserService.reload_admins`
in the sweep), this one at once."""

from __future__ import annotations

from bot.domain.errors import AlreadyAdmin, NotAnAdmin, OwnersOnly, OwnerStays, UnknownUser
from bot.outcomes import AdminChange, AdminList, MemberRef
from bot.services.base import Service
from bot.views import admins as views
from storage import users as users_repo


class AdminService(Service):
    async def add(self, owner_id: int, ref: MemberRef) -> AdminChange:
        if not self._users.is_owner(owner_id):
            raise OwnersOnly()
        async with self._db.transaction() as tx:
            user = await self._users.find(ref, tx)
            if user is None:
                raise UnknownUser(who=ref.shown)
            if self._users.is_admin(user.id) or not await users_repo.grant_admin(
                    tx, user.id, owner_id, self._now()):
                raise AlreadyAdmin(who=user.mention)
            await self._audit(tx, owner_id, "admin.add", ("user", user.id), user.mention)
            await self.tell(tx, user.id, views.made_admin)
            tx.after_commit(lambda: self._users.granted(user.id))
        return AdminChange(user)

    async def remove(self, owner_id: int, ref: MemberRef) -> AdminChange:
        if not self._users.is_owner(owner_id):
            raise OwnersOnly()
        async with self._db.transaction() as tx:
            user = await self._users.find(ref, tx)
            if user is None:
                raise UnknownUser(who=ref.shown)
            if self._users.is_owner(user.id):
                raise OwnerStays(who=user.mention)
            if not await users_repo.revoke_admin(tx, user.id):
                raise NotAnAdmin(who=user.mention)
            await self._audit(tx, owner_id, "admin.remove", ("user", user.id), user.mention)
            await self.tell(tx, user.id, views.no_longer_admin)
            tx.after_commit(lambda: self._users.revoked(user.id))
        return AdminChange(user)

    async def listing(self, admin_id: int) -> AdminList:
        self._require_admin(admin_id)
        granted = await users_repo.granted_admins(self._db)
        people = await users_repo.get_many(self._db, sorted(
            set(self._users.owner_ids) | {g[0] for g in granted}
            | {g[1] for g in granted if g[1] is not None}))
        return AdminList(owners=[(i, people.get(i)) for i in sorted(self._users.owner_ids)],
                         granted=[(people.get(u), u, people.get(by) if by else None, at)
                                  for u, by, at in granted])
