"""Guilds: registration and the admins' decision, invites, membership, roles, commission."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.clock import Clock, to_epoch
from bot.delivery import Notifier
from bot.domain.errors import AdminsOnly
from bot.domain.guilds import (
    APPROVED,
    DEPUTY,
    LEADER,
    MEMBER,
    PENDING,
    REJECTED,
    STATUSES,
    SUSPENDED,
    AlreadyDeputy,
    AlreadyInGuild,
    AlreadyMember,
    AlreadyRegistered,
    GuildNameAmbiguous,
    GuildNameTaken,
    GuildNotFound,
    GuildWrongState,
    HasOpenAssignments,
    InvalidInvite,
    LeaderCannotLeave,
    LeaderIsTarget,
    LeaderOnly,
    LeadsAGuild,
    MemberHasOpenAssignments,
    NotADeputy,
    NotAGuildChat,
    NotAMember,
    NotGroupAdmin,
    NotGuildLeader,
    NotGuildMember,
    NotInGuild,
    RevokedInvite,
    can_manage,
    check_commission,
    check_invite_code,
    clean_name,
    clean_reason,
    ensure_active,
    new_invite_code,
    status_name,
)
from bot.i18n import Translator, texts_for
from bot.services.users import UserService
from bot.views import guilds as views
from storage import Database, Tx
from storage import guilds as repo
from storage import outbox as outbox_repo
from storage import users as users_repo
from storage.models import GuildOverview, GuildRecord, MemberRecord, UserRecord

Reader = Database | Tx
# How many open assignments a user holds. The assignments feature provides the real count;
# until it exists nobody holds any, so leaving is never blocked by it.
OpenAssignmentsCount = Callable[[Reader, int], Awaitable[int]]


async def no_open_assignments(db: Reader, user_id: int) -> int:
    return 0


@dataclass(frozen=True, slots=True)
class Standing:
    """Who someone is where they write: for /start and /help."""

    is_admin: bool
    guild: GuildRecord | None  # private: their guild; group: the guild whose home this is
    role: str | None  # their role in that guild, if they are a member


@dataclass(frozen=True, slots=True)
class Decision:
    """An admin's decision on a guild: the guild after it, and the status it had before."""

    guild: GuildRecord
    previous: str


@dataclass(frozen=True, slots=True)
class Invite:
    guild: GuildRecord
    code: str
    renewed: bool  # a new code was made now; `replaced` says whether an old one stopped working
    replaced: bool


@dataclass(frozen=True, slots=True)
class Roster:
    guild: GuildRecord
    members: list[MemberRecord]


@dataclass(frozen=True, slots=True)
class MemberRef:
    """Who a leader means: an @username, or the author of the message they replied to."""

    username: str | None = None
    user_id: int | None = None
    name: str | None = None  # as Telegram showed them, for answers about strangers

    @property
    def shown(self) -> str:
        if self.username:
            return f"@{self.username.lstrip('@')}"
        return self.name or str(self.user_id)


@dataclass(frozen=True, slots=True)
class MemberChange:
    guild: GuildRecord
    member: UserRecord


@dataclass(frozen=True, slots=True)
class GuildList:
    guilds: list[GuildOverview]
    counts: dict[str, int]  # guilds per status
    total: int  # guilds matching the request (more than listed when over the limit)


class GuildService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        notifier: Notifier,
        users: UserService,
        *,
        open_assignments_count: OpenAssignmentsCount = no_open_assignments,
    ) -> None:
        self._db = db
        self._clock = clock
        self._notifier = notifier
        self._users = users
        # Replaced by the assignments feature; called inside the transaction that leaves.
        self.open_assignments_count = open_assignments_count
        # Home chats of suspended guilds, so that the gate refusing their commands costs no
        # query for every other group. Kept in step after each commit; rebuilt at start.
        self._suspended_chats: set[int] = set()

    async def load(self) -> None:
        self._suspended_chats = await repo.suspended_chat_ids(self._db)

    def _now(self) -> int:
        return to_epoch(self._clock.now())

    # --- reads other features build on -----------------------------------------------------

    async def guild_in_chat(self, chat_id: int, *, db: Reader | None = None) -> GuildRecord:
        """The approved guild whose home is this chat (anyone in the chat may read it)."""
        guild = await repo.get_by_chat(db or self._db, chat_id)
        if guild is None:
            raise NotAGuildChat()
        ensure_active(guild.name, guild.status, guild.status_reason)
        return guild

    async def acting_guild(self, chat_id: int, user_id: int, *, db: Reader | None = None
                           ) -> GuildRecord:
        """The approved guild whose home is chat_id, with user_id its leader or a deputy."""
        reader = db or self._db
        guild = await self.guild_in_chat(chat_id, db=reader)
        if user_id != guild.leader_id and not can_manage(
                await repo.role_of(reader, guild.id, user_id)):
            raise NotGuildLeader(name=guild.name)
        return guild

    async def membership(self, user_id: int, *, db: Reader | None = None
                         ) -> tuple[GuildRecord, str] | None:
        return await repo.membership(db or self._db, user_id)

    async def standing(self, user_id: int, chat_id: int, *, private: bool) -> Standing:
        is_admin = self._users.is_admin(user_id)
        if private:
            found = await repo.membership(self._db, user_id)
            return Standing(is_admin, *(found or (None, None)))
        guild = await repo.get_by_chat(self._db, chat_id)
        role = await repo.role_of(self._db, guild.id, user_id) if guild else None
        return Standing(is_admin, guild, role)

    async def suspended_in_chat(self, chat_id: int) -> GuildRecord | None:
        """The suspended guild whose home is this chat, if any (no query for other chats)."""
        if chat_id not in self._suspended_chats:
            return None
        guild = await repo.get_by_chat(self._db, chat_id)
        return guild if guild is not None and guild.status == SUSPENDED else None

    # --- registration and the admins' decision ---------------------------------------------

    async def chat_migrated(self, old_chat_id: int, new_chat_id: int) -> int | None:
        """Telegram upgraded the guild's group to a supergroup: follow it to its new id."""
        async with self._db.transaction() as tx:
            guild_id = await repo.move_home(tx, old_chat_id, new_chat_id)
            if guild_id is None:
                return None
            await outbox_repo.move_chat(tx, old_chat_id, new_chat_id)
            await users_repo.add_audit(tx, actor_id=0, action="guild.chat_migrated",
                                       target_type="guild", target_id=guild_id,
                                       detail=f"{old_chat_id} -> {new_chat_id}",
                                       now=self._now())
            if old_chat_id in self._suspended_chats:
                tx.after_commit(lambda: self._suspended_chats.add(new_chat_id))
        return guild_id

    async def register(self, chat_id: int, chat_title: str, user_id: int, name: str, *,
                       is_group_admin: bool) -> GuildRecord:
        """A pending guild at home in this group, led by the caller; admins are asked."""
        name = clean_name(name)
        if not is_group_admin:
            raise NotGroupAdmin()
        now = self._now()
        async with self._db.transaction() as tx:
            existing = await repo.get_by_chat(tx, chat_id)
            if existing is not None and existing.status != REJECTED:
                raise AlreadyRegistered(name=existing.name, id=existing.id,
                                        status=status_name(existing.status))
            current = await repo.membership(tx, user_id)
            if current is not None:
                raise (LeadsAGuild if current[1] == LEADER else AlreadyInGuild)(
                    name=current[0].name)
            if await repo.name_taken(tx, name, except_id=existing.id if existing else None):
                raise GuildNameTaken(name=name)
            if existing is None:
                guild_id = await repo.insert(tx, name=name, chat_id=chat_id, leader_id=user_id,
                                             now=now)
            else:
                if not await repo.reapply(tx, existing.id, name=name, leader_id=user_id,
                                          now=now):
                    raise GuildWrongState(name=existing.name,
                                          state=status_name(existing.status))
                guild_id = existing.id
            await repo.add_member(tx, guild_id, user_id, role=LEADER, now=now)
            guild = await repo.get(tx, guild_id)
            assert guild is not None
            leader = await users_repo.get(tx, user_id)
            admin_ids = sorted(self._users.admin_ids)
            admins = await users_repo.get_many(tx, admin_ids)
            for admin_id in admin_ids:
                admin = admins.get(admin_id)
                _ = texts_for(admin.language_code if admin else None)
                await self._notifier.message(
                    tx, admin_id, views.review_request(_, guild, leader, chat_title),
                    user_id=admin_id, keyboard=views.review_keyboard(_, guild.id))
        return guild

    async def for_review(self, admin_id: int, guild_id: int) -> GuildRecord:
        """A pending guild an admin is about to decide on (e.g. before asking for a reason)."""
        self._require_admin(admin_id)
        guild = await repo.get(self._db, guild_id)
        if guild is None:
            raise GuildNotFound(ref=f"#{guild_id}")
        if guild.status != PENDING:
            raise GuildWrongState(name=guild.name, state=status_name(guild.status))
        return guild

    async def approve(self, admin_id: int, ref: int | str, *, from_button: bool = False
                      ) -> Decision:
        """Approve a pending guild, or lift a suspension (not from a stale review button)."""
        self._require_admin(admin_id)
        now = self._now()
        async with self._db.transaction() as tx:
            guild = await self._find(tx, ref)
            allowed = (PENDING,) if from_button else (PENDING, SUSPENDED)
            if guild.status not in allowed or not await repo.set_status(
                    tx, guild.id, expected=guild.status, status=APPROVED, reason=None,
                    actor_id=admin_id, now=now):
                raise GuildWrongState(name=guild.name, state=status_name(guild.status))
            action = "guild.approve" if guild.status == PENDING else "guild.reinstate"
            await users_repo.add_audit(tx, actor_id=admin_id, action=action,
                                       target_type="guild", target_id=guild.id,
                                       detail=guild.name, now=now)
            approved = dataclasses.replace(guild, status=APPROVED, status_reason=None)
            if guild.status == PENDING:
                await self._tell_group_and_leader(tx, approved, views.approved_group,
                                                  views.approved_leader)
            else:
                await self._tell_group_and_members(tx, approved, views.reinstated_group,
                                                   views.reinstated_member)
            tx.after_commit(lambda: self._suspended_chats.discard(guild.chat_id))
        return Decision(approved, guild.status)

    async def reject(self, admin_id: int, ref: int | str, reason: str) -> Decision:
        """Reject a pending guild; the group and the leader are told the reason."""
        self._require_admin(admin_id)
        reason = clean_reason(reason)
        now = self._now()
        async with self._db.transaction() as tx:
            guild = await self._find(tx, ref)
            if guild.status != PENDING or not await repo.set_status(
                    tx, guild.id, expected=PENDING, status=REJECTED, reason=reason,
                    actor_id=admin_id, now=now):
                raise GuildWrongState(name=guild.name, state=status_name(guild.status))
            # The leader is free to join or lead another guild.
            await repo.end_membership(tx, guild.id, guild.leader_id, status="left", now=now)
            await users_repo.add_audit(tx, actor_id=admin_id, action="guild.reject",
                                       target_type="guild", target_id=guild.id, detail=reason,
                                       now=now)
            rejected = dataclasses.replace(guild, status=REJECTED, status_reason=reason)
            await self._tell_group_and_leader(tx, rejected, views.rejected_group,
                                              views.rejected_leader)
        return Decision(rejected, guild.status)

    async def suspend(self, admin_id: int, ref: int | str, reason: str) -> Decision:
        """Suspend an approved guild; its group and every member are told why."""
        self._require_admin(admin_id)
        reason = clean_reason(reason)
        now = self._now()
        async with self._db.transaction() as tx:
            guild = await self._find(tx, ref)
            if guild.status != APPROVED or not await repo.set_status(
                    tx, guild.id, expected=APPROVED, status=SUSPENDED, reason=reason,
                    actor_id=admin_id, now=now):
                raise GuildWrongState(name=guild.name, state=status_name(guild.status))
            await users_repo.add_audit(tx, actor_id=admin_id, action="guild.suspend",
                                       target_type="guild", target_id=guild.id, detail=reason,
                                       now=now)
            suspended = dataclasses.replace(guild, status=SUSPENDED, status_reason=reason)
            await self._tell_group_and_members(tx, suspended, views.suspended_group,
                                               views.suspended_member)
            tx.after_commit(lambda: self._suspended_chats.add(guild.chat_id))
        return Decision(suspended, guild.status)

    async def list_guilds(self, admin_id: int, status: str | None = None,
                          limit: int = 100) -> GuildList:
        self._require_admin(admin_id)
        if status is not None and status not in STATUSES:
            raise ValueError(status)
        counts = await repo.status_counts(self._db)
        total = counts.get(status, 0) if status else sum(counts.values())
        return GuildList(await repo.overview(self._db, status, limit), counts, total)

    # --- invites and membership --------------------------------------------------------------

    async def invite(self, chat_id: int, user_id: int, *, renew: bool = False) -> Invite:
        """The guild's invite code; a new one (the old stops working) when asked or none yet."""
        if not renew:
            guild = await self.acting_guild(chat_id, user_id)
            if guild.invite_code is not None:
                return Invite(guild, guild.invite_code, renewed=False, replaced=False)
        now = self._now()
        async with self._db.transaction() as tx:
            guild = await self.acting_guild(chat_id, user_id, db=tx)
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
                raise (LeadsAGuild if current[1] == LEADER else AlreadyInGuild)(
                    name=current[0].name)
            await repo.add_member(tx, guild.id, user_id, role=MEMBER, now=now)
            user = await users_repo.get(tx, user_id)
            _ = await self._group_texts(tx, guild)
            await self._notifier.message(tx, guild.chat_id, views.joined_group(_, user))
        return guild

    async def leave(self, user_id: int) -> GuildRecord:
        """Leave one's guild; refused to its leader and while holding open assignments."""
        now = self._now()
        async with self._db.transaction() as tx:
            current = await repo.membership(tx, user_id)
            if current is None:
                raise NotInGuild()
            guild, role = current
            if role == LEADER:
                raise LeaderCannotLeave(name=guild.name)
            if count := await self.open_assignments_count(tx, user_id):
                raise HasOpenAssignments(count=count, name=guild.name)
            if not await repo.end_membership(tx, guild.id, user_id, status="left", now=now):
                raise NotInGuild()
            user = await users_repo.get(tx, user_id)
            _ = await self._group_texts(tx, guild)
            await self._notifier.message(tx, guild.chat_id, views.left_group(_, user))
        return guild

    async def roster(self, chat_id: int, user_id: int) -> Roster:
        """The guild's active members, for its members (and platform admins)."""
        guild = await self.guild_in_chat(chat_id)
        members = await repo.active_members(self._db, guild.id)
        if not self._users.is_admin(user_id) and all(m.user.id != user_id for m in members):
            raise NotGuildMember(name=guild.name)
        return Roster(guild, members)

    async def promote(self, chat_id: int, actor_id: int, target: MemberRef) -> MemberChange:
        """Leader makes a member a deputy."""
        return await self._change_member(chat_id, actor_id, target, "promote")

    async def demote(self, chat_id: int, actor_id: int, target: MemberRef) -> MemberChange:
        """Leader makes a deputy a plain member again."""
        return await self._change_member(chat_id, actor_id, target, "demote")

    async def remove(self, chat_id: int, actor_id: int, target: MemberRef) -> MemberChange:
        """Leader removes a member or deputy from the guild."""
        return await self._change_member(chat_id, actor_id, target, "remove")

    async def set_commission(self, chat_id: int, user_id: int, commission_bp: int,
                             shown: str) -> GuildRecord:
        """Leader sets the guild's cut of members' earnings (basis points, 0–5000)."""
        check_commission(commission_bp, shown)
        now = self._now()
        async with self._db.transaction() as tx:
            guild = await self.acting_guild(chat_id, user_id, db=tx)
            if guild.leader_id != user_id:
                raise LeaderOnly(name=guild.name)
            if not await repo.set_commission(tx, guild.id, commission_bp):
                raise GuildWrongState(name=guild.name, state=status_name(guild.status))
            await users_repo.add_audit(tx, actor_id=user_id, action="guild.commission",
                                       target_type="guild", target_id=guild.id,
                                       detail=f"{guild.commission_bp} -> {commission_bp} bp",
                                       now=now)
        return dataclasses.replace(guild, commission_bp=commission_bp)

    # --- internals -------------------------------------------------------------------------

    def _require_admin(self, user_id: int) -> None:
        if not self._users.is_admin(user_id):
            raise AdminsOnly()

    async def _find(self, db: Reader, ref: int | str) -> GuildRecord:
        if isinstance(ref, int):
            guild = await repo.get(db, ref)
            if guild is None:
                raise GuildNotFound(ref=f"#{ref}")
            return guild
        found = await repo.find_by_name(db, ref)
        live = [g for g in found if g.status != REJECTED] or found
        if not live:
            raise GuildNotFound(ref=ref)
        if len(live) > 1:
            raise GuildNameAmbiguous(ref=ref)
        return live[0]

    async def _change_member(self, chat_id: int, actor_id: int, ref: MemberRef, change: str
                             ) -> MemberChange:
        now = self._now()
        async with self._db.transaction() as tx:
            guild = await self.acting_guild(chat_id, actor_id, db=tx)
            if guild.leader_id != actor_id:
                raise LeaderOnly(name=guild.name)
            if ref.user_id is not None:
                target = await users_repo.get(tx, ref.user_id)
            else:
                target = await users_repo.find_by_username(tx, ref.username or "")
            who = ref.shown
            if target is not None and target.id == guild.leader_id:
                raise LeaderIsTarget(who=target.mention, name=guild.name)
            member = await repo.member(tx, guild.id, target.id) if target else None
            if target is None or member is None:
                raise NotAMember(who=who, name=guild.name)
            who = target.mention
            if change == "promote":
                if member.role == DEPUTY:
                    raise AlreadyDeputy(who=who)
                changed = await repo.set_role(tx, guild.id, target.id, expected=MEMBER,
                                              role=DEPUTY)
                tell = views.promoted_member
            elif change == "demote":
                if member.role != DEPUTY:
                    raise NotADeputy(who=who)
                changed = await repo.set_role(tx, guild.id, target.id, expected=DEPUTY,
                                              role=MEMBER)
                tell = views.demoted_member
            else:
                if count := await self.open_assignments_count(tx, target.id):
                    raise MemberHasOpenAssignments(who=who, count=count)
                changed = await repo.end_membership(tx, guild.id, target.id, status="removed",
                                                    now=now)
                tell = views.removed_member
            if not changed:
                raise NotAMember(who=who, name=guild.name)
            await users_repo.add_audit(tx, actor_id=actor_id, action=f"guild.member.{change}",
                                       target_type="guild", target_id=guild.id,
                                       detail=f"user {target.id}", now=now)
            _ = texts_for(target.language_code)
            await self._notifier.message(tx, target.id, tell(_, guild), user_id=target.id)
        return MemberChange(guild, target)

    async def _group_texts(self, db: Reader, guild: GuildRecord) -> Translator:
        """Notices in a guild's group speak its leader's language."""
        leader = await users_repo.get(db, guild.leader_id)
        return texts_for(leader.language_code if leader else None)

    async def _tell_group_and_leader(self, tx: Tx, guild: GuildRecord,
                                     group_text: views.GuildText,
                                     leader_text: views.GuildText) -> None:
        leader = await users_repo.get(tx, guild.leader_id)
        _ = texts_for(leader.language_code if leader else None)
        await self._notifier.message(tx, guild.chat_id, group_text(_, guild))
        await self._notifier.message(tx, guild.leader_id, leader_text(_, guild),
                                     user_id=guild.leader_id)

    async def _tell_group_and_members(self, tx: Tx, guild: GuildRecord,
                                      group_text: views.GuildText,
                                      member_text: views.GuildText) -> None:
        _ = await self._group_texts(tx, guild)
        await self._notifier.message(tx, guild.chat_id, group_text(_, guild))
        for member in await repo.active_members(tx, guild.id):
            _ = texts_for(member.user.language_code)
            await self._notifier.message(tx, member.user.id, member_text(_, guild),
                                         user_id=member.user.id)
