"""Membership: invite links, joining and leaving, the roster, deputies, removal, commission."""

from __future__ import annotations

import dataclasses

from bot.domain.counts import Count
from bot.domain.errors import (
    AlreadyDeputy,
    AlreadyInGuild,
    AlreadyMember,
    GuildWrongState,
    HasOpenAssignments,
    InvalidInvite,
    LeaderCannotLeave,
    LeaderIsTarget,
    LeadsAGuild,
    MemberHasOpenAssignments,
    NotADeputy,
    NotAMember,
    NotInGuild,
    RevokedInvite,
)
from bot.domain.guilds import (
    can_manage,
    check_commission,
    check_invite_code,
    ensure_active,
    new_invite_code,
    status_name,
)
from bot.domain.statuses import MemberStatus, Role
from bot.i18n import texts_for
from bot.outcomes import Invite, MemberChange, MemberRef, Roster
from bot.services.base import Deps, Service
from bot.services.guilds import GuildService
from bot.services.scores import worker_scores
from bot.views import guilds as views
from storage import guilds as repo
from storage import skills as skills_repo
from storage import users as users_repo
from storage import work as work_repo
from storage.models import GuildRecord


class MembershipService(Service):
    def __init__(self, deps: Deps, guilds: GuildService) -> None:
        super().__init__(deps)
        self._guilds = guilds

    async def invite(self, chat_id: int, user_id: int, *, renew: bool = False) -> Invite:
        """The guild's invite code; a new one (the old stops working) when asked or none yet."""
        if not renew:
            guild = await self._guilds.acting_guild(chat_id, user_id)
            if guild.invite_code is not None:
                return Invite(guild, guild.invite_code, renewed=False, replaced=False)
        now = self._now()
        async with self._db.transaction() as tx:
            guild = await self._guilds.acting_guild(chat_id, user_id, db=tx)
            code = new_invite_code()
            await repo.replace_invite(tx, guild.id, code=code, user_id=user_id, now=now)
        return Invite(dataclasses.replace(guild, invite_code=code), code, renewed=True,
                      replaced=guild.invite_code is not None)

    async def join(self, user_id: int, code: str) -> GuildRecord:
        """Join the guild whose invite code this is; a worker is in one guild at a time."""
        check_invite_code(code)
        now = self._now()
        async with self._db.transaction() as tx:
            guild = await repo.get_by_invite(tx, code)
            if guild is None:
                if await repo.invite_was_revoked(tx, code):
                    raise RevokedInvite()
                raise InvalidInvite()
            ensure_active(guild.name, guild.status, guild.status_reason)
            current = await repo.membership(tx, user_id)
            if current is not None:
                if current[0].id == guild.id:
                    raise AlreadyMember(name=guild.name)
                raise (LeadsAGuild if current[1] == Role.LEADER else AlreadyInGuild)(
                    name=current[0].name)
            await repo.add_member(tx, guild.id, user_id, role=Role.MEMBER, now=now)
            await self._audit(tx, user_id, "guild.member.join", ("guild", guild.id))
            user = await users_repo.get(tx, user_id)
            await self._digest_group(tx, guild.id, f"join:{user_id}:{now}",
                                     lambda _: views.joined_group(_, user))
        return guild

    async def leave(self, user_id: int) -> GuildRecord:
        """Leave one's guild; refused to its leader and while holding open assignments."""
        now = self._now()
        async with self._db.transaction() as tx:
            current = await repo.membership(tx, user_id)
            if current is None:
                raise NotInGuild()
            guild, role = current
            if role == Role.LEADER:
                raise LeaderCannotLeave(name=guild.name)
            if count := await work_repo.open_count(tx, user_id):
                raise HasOpenAssignments(count=Count(count, "open assignment"), name=guild.name)
            if not await repo.end_membership(tx, guild.id, user_id, status=MemberStatus.LEFT,
                                             now=now):
                raise NotInGuild()
            await self._audit(tx, user_id, "guild.member.leave", ("guild", guild.id))
            user = await users_repo.get(tx, user_id)
            await self._digest_group(tx, guild.id, f"leave:{user_id}:{now}",
                                     lambda _: views.left_group(_, user))
        return guild

    async def roster(self, chat_id: int, user_id: int) -> Roster:
        """The guild's active members, for its members (and platform admins)."""
        guild = await self._guilds.member_guild(chat_id, user_id)
        members = await repo.active_members(self._db, guild.id)
        skills = await skills_repo.of_users(self._db, [m.user.id for m in members])
        if not can_manage(await repo.role_of(self._db, guild.id, user_id)) \
                and not self._users.is_admin(user_id):
            return Roster(guild, members, skills)
        return Roster(guild, members, skills, await worker_scores(
            self._db, [m.user.id for m in members], self._now()))

    async def set_commission(self, chat_id: int, user_id: int, commission_bp: int,
                             shown: str) -> GuildRecord:
        """Leader sets the guild's cut of members' earnings (basis points, 0–5000)."""
        check_commission(commission_bp, shown)
        async with self._db.transaction() as tx:
            guild = await self._guilds.leader_guild(chat_id, user_id, db=tx)
            if not await repo.set_commission(tx, guild.id, commission_bp):
                raise GuildWrongState(name=guild.name, state=status_name(guild.status))
            await self._audit(tx, user_id, "guild.commission", ("guild", guild.id),
                              f"{guild.commission_bp} -> {commission_bp} bp")
        return dataclasses.replace(guild, commission_bp=commission_bp)

    async def change_member(self, chat_id: int, actor_id: int, ref: MemberRef, change: str
                            ) -> MemberChange:
        """The leader makes a member a deputy ("promote"), a deputy a plain member again
        ("demote"), or removes a member or deputy from the guild ("remove")."""
        now = self._now()
        async with self._db.transaction() as tx:
            guild = await self._guilds.leader_guild(chat_id, actor_id, db=tx)
            target = await self._users.find(ref, tx, members_of=guild.id)
            who = ref.shown
            if target is not None and target.id == guild.leader_id:
                raise LeaderIsTarget(who=target.mention, name=guild.name)
            member = await repo.member(tx, guild.id, target.id) if target else None
            if target is None or member is None:
                raise NotAMember(who=who, name=guild.name)
            who = target.mention
            if change == "promote":
                if member.role == Role.DEPUTY:
                    raise AlreadyDeputy(who=who)
                changed = await repo.set_role(tx, guild.id, target.id, expected=Role.MEMBER,
                                              role=Role.DEPUTY)
                tell = views.promoted_member
            elif change == "demote":
                if member.role != Role.DEPUTY:
                    raise NotADeputy(who=who)
                changed = await repo.set_role(tx, guild.id, target.id, expected=Role.DEPUTY,
                                              role=Role.MEMBER)
                tell = views.demoted_member
            else:
                if count := await work_repo.open_count(tx, target.id):
                    raise MemberHasOpenAssignments(who=who, count=Count(count, "open assignment"))
                changed = await repo.end_membership(tx, guild.id, target.id,
                                                    status=MemberStatus.REMOVED, now=now)
                tell = views.removed_member
            if not changed:
                raise NotAMember(who=who, name=guild.name)
            await self._audit(tx, actor_id, f"guild.member.{change}", ("guild", guild.id),
                              f"user {target.id}")
            _ = texts_for(target.lang)
            await self._notifier.message(tx, target.id, tell(_, guild), user_id=target.id)
        return MemberChange(guild, target)
