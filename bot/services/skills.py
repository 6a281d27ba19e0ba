"""Skills: the registry (admins), grants and revocations (admins; leaders where the skill
allows it), and what tasks require (checked when a task is posted)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from bot.domain.errors import (
    N_,
    AlreadyHasSkill,
    BannedFromTest,
    LacksSkill,
    NotAMember,
    SkillExists,
    SkillNotForLeaders,
    UnknownSkill,
    UnknownTaskSkills,
    UnknownUser,
    YouHaveSkill,
)
from bot.domain.skills import BanScopeText, check_skill_name, clean_skill_title
from bot.domain.statuses import SkillSource
from bot.domain.zones import Moment
from bot.outcomes import MemberRef, SkillChange, SkillsOverview
from bot.services.base import Deps, Service
from bot.services.guilds import GuildService
from bot.views import skills as views
from storage import Tx
from storage import bans as bans_repo
from storage import guilds as guilds_repo
from storage import skills as repo
from storage.db import Reader
from storage.models import SkillRecord, UserRecord


class SkillService(Service):
    def __init__(self, deps: Deps, guilds: GuildService) -> None:
        super().__init__(deps)
        self._guilds = guilds

    # --- the registry ---------------------------------------------------------------------

    async def add(self, admin_id: int, name_text: str, title_text: str | None) -> SkillRecord:
        """Define a skill (admins)."""
        self._require_admin(admin_id)
        name, title = check_skill_name(name_text), clean_skill_title(title_text)
        async with self._db.transaction() as tx:
            if not await repo.insert(tx, name=name, title=title, by=admin_id, now=self._now()):
                existing = await self.find(tx, name)
                raise SkillExists(name=name, title=existing.title)
            await self._audit(tx, admin_id, "skill.add", ("skill", 0), f"{name} {title}")
            return await self.find(tx, name)

    async def set_leaders(self, admin_id: int, name_text: str, on: bool) -> SkillRecord:
        """Whether guild leaders and deputies may grant the skill to their members."""
        self._require_admin(admin_id)
        async with self._db.transaction() as tx:
            skill = await self.find(tx, check_skill_name(name_text))
            await repo.set_leaders_grant(tx, skill.name, on)
            await self._audit(tx, admin_id, "skill.leaders", ("skill", 0),
                              f"{skill.name} {'on' if on else 'off'}")
            return await self.find(tx, skill.name)

    async def find(self, db: Reader, name: str) -> SkillRecord:
        """The registered skill, or a refusal that lists the known ones."""
        skill = await repo.get(db, name)
        if skill is None:
            raise UnknownSkill(name=name, known=await self._known(db))
        return skill

    async def require(self, db: Reader, names: Sequence[str]) -> dict[str, str]:
        """The titles of the skills a task requires; any not registered is refused by name."""
        titles = await repo.titles(db, names)
        if unknown := [n for n in names if n not in titles]:
            raise UnknownTaskSkills(names=", ".join(unknown), known=await self._known(db))
        return titles

    @staticmethod
    async def _known(db: Reader) -> str:
        return ", ".join(s.name for s in await repo.all_skills(db)) or N_("none yet")

    # --- grants -----------------------------------------------------------------------------

    async def change(self, chat_id: int, actor_id: int, name_text: str, ref: MemberRef, *,
                     private: bool, grant: bool) -> SkillChange:
        """Grant or revoke a skill: an admin in private, for anyone; a guild's leader or
        deputy in its group, for its own members, where the skill allows leaders."""
        name = check_skill_name(name_text)
        if private:
            self._require_admin(actor_id)
        async with self._db.transaction() as tx:
            guild = None if private else await self._guilds.acting_guild(chat_id, actor_id,
                                                                          db=tx)
            skill = await self.find(tx, name)
            worker = await self._users.find(ref, tx,
                                            members_of=guild.id if guild else None)
            if guild is not None:
                if not skill.leaders_grant:
                    raise SkillNotForLeaders(name=name)
                if worker is None or await guilds_repo.member(tx, guild.id, worker.id) is None:
                    raise NotAMember(who=worker.mention if worker else ref.shown,
                                     name=guild.name)
            if worker is None:
                raise UnknownUser(who=ref.shown)
            source = SkillSource.ADMIN if guild is None else SkillSource.LEADER
            if grant and not await self._grant(tx, worker, skill, source, actor_id):
                raise AlreadyHasSkill(who=worker.mention, name=name)
            if not grant:
                if not await repo.revoke(tx, user_id=worker.id, skill=name):
                    raise LacksSkill(who=worker.mention, name=name)
                await self.tell(tx, worker.id, partial(views.skill_revoked_worker, skill=skill))
            await self._audit(tx, actor_id, "skill.grant" if grant else "skill.revoke",
                              ("user", worker.id), name)
        return SkillChange(skill, worker, grant)

    async def grant_in(self, tx: Tx, user_id: int, name: str, source: str, by: int | None
                       ) -> bool:
        """Grant the skill inside the caller's transaction (a qualification test passed:
        source 'test'); the worker is told. False when they held it already."""
        skill = await self.find(tx, name)
        worker = await self._users.find(MemberRef(user_id=user_id), tx)
        if worker is None:
            raise UnknownUser(who=str(user_id))
        return await self._grant(tx, worker, skill, source, by)

    async def check_testable(self, db: Reader, user_id: int, name: str) -> None:
        """A worker may take the qualification test for a registered skill they don't hold,
        unless banned from it (or from the platform): else the refusal says why."""
        skill = await self.find(db, name)
        if not await repo.missing(db, user_id, [skill.name], now=self._now()):
            raise YouHaveSkill(name=skill.name)
        ban = await bans_repo.barring_test(db, user_id, skill.name, self._now())
        if ban is not None:
            raise BannedFromTest(scope=BanScopeText(ban.scope, ban.scope_ref), name=skill.name,
                                 until=Moment(ban.until_at, await self.zone_of(user_id)),
                                 reason=ban.reason)

    async def _grant(self, tx: Tx, worker: UserRecord, skill: SkillRecord, source: str,
                     by: int | None) -> bool:
        if not await repo.grant(tx, user_id=worker.id, skill=skill.name, source=source, by=by,
                                now=self._now()):
            return False
        await self.tell(tx, worker.id, partial(views.skill_granted_worker, skill=skill))
        return True

    # --- reading ------------------------------------------------------------------------------

    async def overview(self, user_id: int) -> SkillsOverview:
        """Admins: every skill and how many hold it. Anyone else: their own skills."""
        skills = await repo.all_skills(self._db)
        if self._users.is_admin(user_id):
            counts = await repo.holders(self._db)
            return SkillsOverview([(s, counts.get(s.name, 0)) for s in skills], admin=True)
        mine = set((await repo.of_users(self._db, [user_id])).get(user_id, []))
        held = [(s, 1) for s in skills if s.name in mine]
        lacking = set(await repo.missing(self._db, user_id, sorted(mine), now=self._now()))
        banned = frozenset(n for n in mine if n in lacking)
        return SkillsOverview(held, admin=False, banned=banned)

