"""Guilds: registration and the admins' decision, suspension, and the reads other features
build on (which guild a chat is, who may act in it)."""

from __future__ import annotations

import dataclasses

from bot.domain.errors import (
    AlreadyInGuild,
    AlreadyRegistered,
    GuildNameAmbiguous,
    GuildNameTaken,
    GuildNotFound,
    GuildWrongState,
    LeaderOnly,
    LeadsAGuild,
    NotAGuildChat,
    NotGroupAdmin,
    NotGuildLeader,
    NotGuildMember,
)
from bot.domain.guilds import can_manage, clean_name, clean_reason, ensure_active, status_name
from bot.domain.ids import Kind, shown
from bot.domain.statuses import GuildStatus, MemberStatus, Role
from bot.i18n import Translator, texts_for
from bot.outcomes import Decision, GuildList, Standing
from bot.services.base import Deps, Service
from bot.services.scores import guild_scores
from bot.views import guilds as views
from storage import Tx
from storage import guilds as repo
from storage import outbox as outbox_repo
from storage import users as users_repo
from storage.db import Reader
from storage.models import GuildRecord


class GuildService(Service):
    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        # Home chats of suspended guilds, so that the gate refusing their commands costs no
        # query for every other group. Kept in step after each commit; rebuilt at start.
        self._suspended_chats: set[int] = set()
        self._languages: dict[int, str | None] = {}  # chat id → its guild's language

    async def load(self) -> None:
        self._suspended_chats = await repo.suspended_chat_ids(self._db)

    # --- reads other features build on -----------------------------------------------------

    async def guild_in_chat(self, chat_id: int, *, db: Reader | None = None) -> GuildRecord:
        """The approved guild whose home is this chat (anyone in the chat may read it)."""
        guild = await repo.get_by_chat(db or self._db, chat_id)
        if guild is None:
            raise NotAGuildChat()
        ensure_active(guild.name, guild.status, guild.status_reason)
        return guild

    async def member_guild(self, chat_id: int, user_id: int, *, db: Reader | None = None
                           ) -> GuildRecord:
        """The approved guild whose home is chat_id, for its members (and platform admins):
        what only the guild may read (members, progress, earnings)."""
        reader = db or self._db
        guild = await self.guild_in_chat(chat_id, db=reader)
        if not self._users.is_admin(user_id) and await repo.role_of(
                reader, guild.id, user_id) is None:
            raise NotGuildMember(name=guild.name)
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

    async def leader_guild(self, chat_id: int, user_id: int, *, db: Reader | None = None
                           ) -> GuildRecord:
        """The approved guild whose home is chat_id, with user_id its leader (not a deputy)."""
        guild = await self.acting_guild(chat_id, user_id, db=db)
        if guild.leader_id != user_id:
            raise LeaderOnly(name=guild.name)
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
        return guild if guild is not None and guild.status == GuildStatus.SUSPENDED else None

    async def chat_language(self, chat_id: int) -> str | None:
        """The language of a guild's group (its choice, else its leader's); None when the chat
        is no guild's home. Kept in memory: asked for every command in a group."""
        if chat_id in self._languages:
            return self._languages[chat_id]
        guild = await repo.get_by_chat(self._db, chat_id)
        language = None
        if guild is not None:
            language = guild.language
            if language is None:
                leader = await users_repo.get(self._db, guild.leader_id)
                language = leader.lang if leader else None
        self._languages[chat_id] = language
        return language

    def forget_languages(self) -> None:
        """A leader or a group chose another language: work them out again."""
        self._languages.clear()

    async def set_group_language(self, chat_id: int, user_id: int, language: str | None
                                 ) -> GuildRecord:
        """The leader (or a deputy) sets the group's language (None: follow the leader)."""
        async with self._db.transaction() as tx:
            guild = await self.acting_guild(chat_id, user_id, db=tx)
            await repo.set_language(tx, guild.id, language)
            await self._audit(tx, user_id, "guild.language", ("guild", guild.id),
                              language or "leader's")
            tx.after_commit(self.forget_languages)
        return dataclasses.replace(guild, language=language)

    async def group_texts(self, db: Reader, guild: GuildRecord) -> Translator:
        """Notices in a guild's group speak its own language, else its leader's."""
        if guild.language:
            return texts_for(guild.language)
        leader = await users_repo.get(db, guild.leader_id)
        return texts_for(leader.lang if leader else None)

    # --- registration and the admins' decision ---------------------------------------------

    async def chat_migrated(self, old_chat_id: int, new_chat_id: int) -> int | None:
        """Telegram upgraded the guild's group to a supergroup: follow it to its new id."""
        async with self._db.transaction() as tx:
            return await self.follow_migration(tx, old_chat_id, new_chat_id)

    async def follow_migration(self, tx: Tx, old_chat_id: int, new_chat_id: int) -> int | None:
        """The guild's home and its queued notices move to the group's new id (told by the
        migration message, or by a send that Telegram answered with the new id)."""
        guild_id = await repo.move_home(tx, old_chat_id, new_chat_id)
        if guild_id is None:
            return None
        await outbox_repo.move_chat(tx, old_chat_id, new_chat_id)
        tx.after_commit(self.forget_languages)
        await self._audit(tx, 0, "guild.chat_migrated", ("guild", guild_id),
                          f"{old_chat_id} -> {new_chat_id}")
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
            if existing is not None and existing.status != GuildStatus.REJECTED:
                raise AlreadyRegistered(name=existing.name, id=existing.id,
                                        status=status_name(existing.status))
            current = await repo.membership(tx, user_id)
            if current is not None:
                raise (LeadsAGuild if current[1] == Role.LEADER else AlreadyInGuild)(
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
            await repo.add_member(tx, guild_id, user_id, role=Role.LEADER, now=now)
            await self._audit(tx, user_id, "guild.register", ("guild", guild_id), name)
            tx.after_commit(self.forget_languages)
            guild = await repo.get(tx, guild_id)
            assert guild is not None
            leader = await users_repo.get(tx, user_id)
            await self._tell_admins(
                tx, lambda _: views.review_request(_, guild, leader, chat_title),
                lambda _: views.review_keyboard(_, guild.id))
        return guild

    async def for_review(self, admin_id: int, guild_id: int) -> GuildRecord:
        """A pending guild an admin is about to decide on (e.g. before asking for a reason)."""
        self._require_admin(admin_id)
        guild = await repo.get(self._db, guild_id)
        if guild is None:
            raise GuildNotFound(ref=shown(Kind.GUILD, guild_id))
        if guild.status != GuildStatus.PENDING:
            raise GuildWrongState(name=guild.name, state=status_name(guild.status))
        return guild

    async def approve(self, admin_id: int, ref: int | str, *, from_button: bool = False
                      ) -> Decision:
        """Approve a pending guild, or lift a suspension (not from a stale review button)."""
        allowed = (GuildStatus.PENDING,) if from_button else (GuildStatus.PENDING,
                                                               GuildStatus.SUSPENDED)
        guild, approved = await self._decide(admin_id, ref, allowed, GuildStatus.APPROVED, None)
        return Decision(approved, guild.status)

    async def reject(self, admin_id: int, ref: int | str, reason: str) -> Decision:
        """Reject a pending guild; the group and the leader are told the reason."""
        guild, rejected = await self._decide(admin_id, ref, (GuildStatus.PENDING,),
                                             GuildStatus.REJECTED, clean_reason(reason))
        return Decision(rejected, guild.status)

    async def suspend(self, admin_id: int, ref: int | str, reason: str) -> Decision:
        """Suspend an approved guild; its group and every member are told why."""
        guild, suspended = await self._decide(admin_id, ref, (GuildStatus.APPROVED,),
                                              GuildStatus.SUSPENDED, clean_reason(reason))
        return Decision(suspended, guild.status)

    async def _decide(self, admin_id: int, ref: int | str, allowed: tuple[str, ...],
                      status: GuildStatus, reason: str | None
                      ) -> tuple[GuildRecord, GuildRecord]:
        """One admin decision: the guild before and after it, with the audit and the notices."""
        self._require_admin(admin_id)
        now = self._now()
        async with self._db.transaction() as tx:
            guild = await self._find(tx, ref)
            if guild.status not in allowed or not await repo.set_status(
                    tx, guild.id, expected=guild.status, status=status, reason=reason,
                    actor_id=admin_id, now=now):
                raise GuildWrongState(name=guild.name, state=status_name(guild.status))
            after = dataclasses.replace(guild, status=status, status_reason=reason)
            if status == GuildStatus.APPROVED and guild.status == GuildStatus.PENDING:
                action = "guild.approve"
                await self._tell_group_and_leader(tx, after, views.approved_group,
                                                  views.approved_leader)
            elif status == GuildStatus.APPROVED:
                action = "guild.reinstate"
                await self._tell_group_and_members(tx, after, views.reinstated_group,
                                                   views.reinstated_member)
            elif status == GuildStatus.REJECTED:
                action = "guild.reject"
                # The leader is free to join or lead another guild.
                await repo.end_membership(tx, guild.id, guild.leader_id,
                                          status=MemberStatus.LEFT, now=now)
                await self._tell_group_and_leader(tx, after, views.rejected_group,
                                                  views.rejected_leader)
            else:
                action = "guild.suspend"
                await self._tell_group_and_members(tx, after, views.suspended_group,
                                                   views.suspended_member)
            await self._audit(tx, admin_id, action, ("guild", guild.id), reason or guild.name)
            if status in (GuildStatus.APPROVED, GuildStatus.SUSPENDED):
                await self._hooks.emit(tx, f"guild.{status}", f"guild:{guild.id}", {
                    "guild_id": guild.id, "name": guild.name, "chat_id": guild.chat_id,
                    "leader_id": guild.leader_id, "previous_status": guild.status,
                    "reason": reason, "decided_by": admin_id})
            if status == GuildStatus.SUSPENDED:
                tx.after_commit(lambda: self._suspended_chats.add(guild.chat_id))
            else:
                tx.after_commit(lambda: self._suspended_chats.discard(guild.chat_id))
        return guild, after

    async def list_guilds(self, admin_id: int, status: str | None = None,
                          limit: int = 100) -> GuildList:
        self._require_admin(admin_id)
        if status is not None and status not in tuple(GuildStatus):
            raise ValueError(status)
        counts = await repo.status_counts(self._db)
        total = counts.get(status, 0) if status else sum(counts.values())
        found = await repo.overview(self._db, status, limit)
        return GuildList(found, counts, total, await guild_scores(
            self._db, [entry.guild.id for entry in found], self._now()))

    async def guild_card(self, admin_id: int, guild_id: int) -> GuildList:
        """/guild <id>: one guild, with its score."""
        self._require_admin(admin_id)
        found = await repo.overview(self._db, guild_id=guild_id)
        if not found:
            raise GuildNotFound(ref=shown(Kind.GUILD, guild_id))
        return GuildList(found, {}, 1, await guild_scores(self._db, [guild_id], self._now()))

    # --- internals -------------------------------------------------------------------------

    async def find(self, ref: int | str) -> GuildRecord:
        """The guild an admin names by id or name (refused when unknown or ambiguous)."""
        return await self._find(self._db, ref)

    async def _find(self, db: Reader, ref: int | str) -> GuildRecord:
        if isinstance(ref, int):
            guild = await repo.get(db, ref)
            if guild is None:
                raise GuildNotFound(ref=shown(Kind.GUILD, ref))
            return guild
        found = await repo.find_by_name(db, ref)
        live = [g for g in found if g.status != GuildStatus.REJECTED] or found
        if not live:
            raise GuildNotFound(ref=ref)
        if len(live) > 1:
            raise GuildNameAmbiguous(ref=ref)
        return live[0]

    async def _tell_group_and_leader(self, tx: Tx, guild: GuildRecord,
                                     group_text: views.GuildText,
                                     leader_text: views.GuildText) -> None:
        _ = await self.group_texts(tx, guild)
        await self._notifier.message(tx, guild.chat_id, group_text(_, guild))
        await self._notifier.message(tx, guild.leader_id, leader_text(_, guild),
                                     user_id=guild.leader_id)

    async def _tell_group_and_members(self, tx: Tx, guild: GuildRecord,
                                      group_text: views.GuildText,
                                      member_text: views.GuildText) -> None:
        _ = await self.group_texts(tx, guild)
        await self._notifier.message(tx, guild.chat_id, group_text(_, guild))
        for member in await repo.active_members(tx, guild.id):
            await self._notifier.message(tx, member.user.id,
                                         member_text(texts_for(member.user.lang), guild),
                                         user_id=member.user.id)
