"""Bans: an admin (or an automatic control) keeps a worker or a guild from the platform, a
skill or a task until a moment. A banned worker's open work in scope goes back to the guild's
pool; a ban ends by itself at its end, or when lifted."""

from __future__ import annotations

from functools import partial

from bot.domain.errors import BanReasonMissing, GuildNotFound, NoActiveBan, UnknownUser
from bot.domain.ids import Kind, shown
from bot.domain.lifecycle import Actor, AssignmentEvent
from bot.domain.skills import BanScopeText, parse_days
from bot.domain.statuses import BanScope, BanSubject
from bot.domain.text import REASON_MAX, clean_text
from bot.outcomes import BanLine, BanMade, MemberRef
from bot.services.base import Deps, Service
from bot.services.skills import SkillService
from bot.views import skills as views
from storage import Tx
from storage import bans as repo
from storage import guilds as guilds_repo
from storage import users as users_repo
from storage.models import GuildRecord, UserRecord

DAY = 24 * 3600

Subject = MemberRef | int  # a worker, or a guild's id


class BanService(Service):
    def __init__(self, deps: Deps, skills: SkillService) -> None:
        super().__init__(deps)
        self._skills = skills

    async def ban(self, admin_id: int, subject: Subject, scope: str, ref_text: str | None,
                  days_text: str, reason_text: str | None) -> BanMade:
        """/ban: the worker or guild is told why and until when."""
        self._require_admin(admin_id)
        days = parse_days(days_text)
        reason = clean_text(reason_text, REASON_MAX, refuse_longer=True,
                            required=BanReasonMissing())
        assert reason is not None
        until = self._now() + days * DAY
        async with self._db.transaction() as tx:
            ref = await self._scope_ref(tx, scope, ref_text)
            found = await self._subject(tx, subject)
            withdrawn: list[int] = []
            if isinstance(found, GuildRecord):
                ban_id = await repo.insert(
                    tx, subject_kind=BanSubject.GUILD, subject_id=found.id, scope=scope,
                    ref=ref, until=until, reason=reason, by=admin_id, now=self._now())
                zone = await self.zone_of(found.leader_id)
                text = partial(views.banned_guild, guild=found, scope=scope, ref=ref,
                               until=until, reason=reason, zone=zone)
                await self._tell_group(tx, found.id, text)
                await self.tell(tx, found.leader_id, text)
                shown = found.name
            else:
                ban_id, withdrawn = await self._ban_worker(
                    tx, found, scope=scope, ref=ref, until=until, reason=reason, by=admin_id)
                shown = found.mention
            await self._audit(tx, admin_id, "ban", ("ban", ban_id), reason)
        return BanMade(ban_id, shown, scope, ref, until, withdrawn)

    async def ban_in(self, tx: Tx, *, user_id: int, scope: str, ref: str | None, until: int,
                     reason: str, by: int | None) -> int:
        """Ban a worker inside the caller's transaction (`by` None: automatic, e.g. a failed
        control): they are told, and their open work in scope goes back to the guild's pool.
        The ban's id."""
        worker = await users_repo.get(tx, user_id)
        if worker is None:
            raise UnknownUser(who=str(user_id))
        ban_id, _withdrawn = await self._ban_worker(tx, worker, scope=scope, ref=ref,
                                                    until=until, reason=reason, by=by)
        return ban_id

    async def _ban_worker(self, tx: Tx, worker: UserRecord, *, scope: str, ref: str | None,
                          until: int, reason: str, by: int | None) -> tuple[int, list[int]]:
        now = self._now()
        ban_id = await repo.insert(tx, subject_kind=BanSubject.USER, subject_id=worker.id,
                                   scope=scope, ref=ref, until=until, reason=reason, by=by,
                                   now=now)
        actor = Actor.ADMIN if by is not None else Actor.CLOCK
        withdrawn = []
        for assignment_id in await repo.open_work_in_scope(tx, worker.id, scope, ref):
            found = await self._assignments.get(tx, assignment_id)
            a = await self._assignments.move(tx, found, AssignmentEvent.WITHDRAW, actor,
                                             decided_at=now)
            withdrawn.append(a.id)
            await self.tell(tx, a.leader_id, partial(
                views.work_withdrawn_leader, assignment_id=a.id, task_id=a.task_id,
                units=a.units, who=worker.mention))
        await self.tell(tx, worker.id, partial(
            views.banned_worker, scope=scope, ref=ref, until=until, reason=reason,
            withdrawn=withdrawn, zone=self._users.zone_for(worker)))
        return ban_id, withdrawn

    async def unban(self, admin_id: int, subject: Subject, scope: str, ref_text: str | None
                    ) -> str:
        """/unban: lift the subject's active bans of that scope; they are told. Who it was."""
        self._require_admin(admin_id)
        async with self._db.transaction() as tx:
            ref = await self._scope_ref(tx, scope, ref_text)
            found = await self._subject(tx, subject)
            is_guild = isinstance(found, GuildRecord)
            shown = found.name if isinstance(found, GuildRecord) else found.mention
            lifted = await repo.lift(
                tx, subject_kind=BanSubject.GUILD if is_guild else BanSubject.USER,
                subject_id=found.id, scope=scope, ref=ref, by=admin_id, now=self._now())
            if not lifted:
                raise NoActiveBan(who=shown, scope=BanScopeText(scope, ref))
            text = partial(views.unbanned_subject, scope=scope, ref=ref)
            if isinstance(found, GuildRecord):
                await self._tell_group(tx, found.id, text)
                await self.tell(tx, found.leader_id, text)
            else:
                await self.tell(tx, found.id, text)
            for ban in lifted:
                await self._audit(tx, admin_id, "unban", ("ban", ban.id))
        return shown

    async def active(self, admin_id: int) -> list[BanLine]:
        """/bans: the active bans, the soonest to end first."""
        self._require_admin(admin_id)
        bans = await repo.active(self._db, self._now())
        users = await users_repo.get_many(self._db, sorted(
            {b.subject_id for b in bans if b.subject_kind == BanSubject.USER}
            | {b.banned_by for b in bans if b.banned_by is not None}))
        lines = []
        for ban in bans:
            if ban.subject_kind == BanSubject.GUILD:
                guild = await guilds_repo.get(self._db, ban.subject_id)
                subject = guild.name if guild else shown(Kind.GUILD, ban.subject_id)
            else:
                user = users.get(ban.subject_id)
                subject = user.mention if user else str(ban.subject_id)
            by = users.get(ban.banned_by) if ban.banned_by is not None else None
            lines.append(BanLine(ban, subject, by.mention if by else None))
        return lines

    async def _scope_ref(self, tx: Tx, scope: str, ref_text: str | None) -> str | None:
        """The scope's reference as stored: a registered skill's name, an existing task's id."""
        if scope == BanScope.SKILL:
            return (await self._skills.find(tx, (ref_text or "").lower())).name
        if scope == BanScope.TASK:
            return str((await self._tasks.get(tx, int(ref_text or 0))).id)
        return None

    async def _subject(self, tx: Tx, subject: Subject) -> UserRecord | GuildRecord:
        if isinstance(subject, MemberRef):
            user = await self._users.find(subject, tx)
            if user is None:
                raise UnknownUser(who=subject.shown)
            return user
        guild = await guilds_repo.get(tx, subject)
        if guild is None:
            raise GuildNotFound(ref=shown(Kind.GUILD, subject))
        return guild
