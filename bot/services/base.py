"""What every service that changes things and tells people about it shares."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.clock import Clock, to_epoch
from bot.config import Settings
from bot.delivery import Notifier
from bot.domain.errors import AdminsOnly, GuildBanned
from bot.domain.money import Money
from bot.domain.skills import BanScopeText
from bot.domain.zones import Moment
from bot.i18n import texts_for
from bot.services.lifecycle import Assignments, Tasks
from bot.services.users import UserService
from bot.views.common import KeyboardRender, Render
from storage import Database, Tx
from storage import bans as bans_repo
from storage import market as market_repo
from storage import users as users_repo
from storage.models import AssignmentRecord, GuildChat, GuildRecord, TaskRecord


@dataclass(frozen=True, slots=True)
class Deps:
    """What every service is built with; each takes the other services it calls by name."""

    db: Database
    clock: Clock
    notifier: Notifier
    settings: Settings
    users: UserService
    assignments: Assignments = field(default_factory=Assignments)
    tasks: Tasks = field(default_factory=Tasks)


class Service:
    def __init__(self, deps: Deps) -> None:
        self._db, self._clock, self._notifier = deps.db, deps.clock, deps.notifier
        self._settings, self._users = deps.settings, deps.users
        # The owners of the lifecycles: every state change goes through them.
        self._assignments, self._tasks = deps.assignments, deps.tasks

    def _now(self) -> int:
        return to_epoch(self._clock.now())

    def _money(self, minor: int) -> Money:
        """An amount in the platform's currency, for a refusal or a line to show."""
        return Money(minor, self._settings.currency, self._settings.currency_exponent)

    def _require_admin(self, user_id: int) -> None:
        if not self._users.is_admin(user_id):
            raise AdminsOnly()

    async def _refuse_banned_guild(self, tx: Tx, guild: GuildRecord, task: TaskRecord) -> None:
        """A guild banned from the platform, the task or a skill it requires can't quote for
        it or claim it; the refusal says why and until when."""
        ban = await bans_repo.barring_guild(tx, guild.id, task.id, task.skill_names,
                                            self._now())
        if ban is not None:
            raise GuildBanned(name=guild.name, scope=BanScopeText(ban.scope, ban.scope_ref),
                              until=Moment(ban.until_at, self._settings.timezone),
                              task_id=task.id, reason=ban.reason)

    async def zone_of(self, user_id: int) -> ZoneInfo:
        """The user's chosen time zone, or the platform's default."""
        return await self._users.zone_of(user_id)

    async def tell(self, tx: Tx, user_id: int, render: Render,
                   keyboard: KeyboardRender | None = None, dedupe_key: str | None = None
                   ) -> None:
        """Queue a message for one person, in their language, inside the transaction."""
        record = await users_repo.get(tx, user_id)
        _ = texts_for(record.lang if record else None)
        await self._notifier.message(tx, user_id, render(_), user_id=user_id,
                                     keyboard=keyboard(_) if keyboard else None,
                                     dedupe_key=dedupe_key)

    async def _tell_admins(self, tx: Tx, render: Render,
                           keyboard: KeyboardRender | None = None) -> None:
        for admin_id in sorted(self._users.admin_ids):
            await self.tell(tx, admin_id, render, keyboard)

    async def _tell_chats(self, tx: Tx, chats: Iterable[GuildChat], render: Render,
                          keyboard: KeyboardRender | None = None) -> None:
        """Queue a message in guild groups, each in its guild's language."""
        for chat in chats:
            _ = texts_for(chat.lang)
            await self._notifier.message(tx, chat.chat_id, render(_),
                                         keyboard=keyboard(_) if keyboard else None)

    async def _tell_group(self, tx: Tx, guild_id: int, render: Render) -> None:
        """Queue a message in a guild's group, in the group's language."""
        await self._tell_chats(tx, await market_repo.guild_chats(tx, [guild_id]), render)

    async def _digest_group(self, tx: Tx, guild_id: int, event_key: str, render: Render
                            ) -> None:
        """An informational notice for the guild's group, gathered into its digest (see
        `Notifier.digest_line`); `event_key` names the event, so it is told once."""
        for chat in await market_repo.guild_chats(tx, [guild_id]):
            await self._notifier.digest_line(tx, chat.chat_id, render(texts_for(chat.lang)),
                                             guild=(guild_id, chat.name), language=chat.lang,
                                             event_key=event_key)

    async def _digest_to(self, tx: Tx, user_id: int, guild: tuple[int, str], event_key: str,
                         render: Render) -> None:
        """An informational notice for one person (a leader) about a guild (id, name),
        gathered into their digest of that guild, in their language."""
        record = await users_repo.get(tx, user_id)
        _ = texts_for(record.lang if record else None)
        await self._notifier.digest_line(tx, user_id, render(_), guild=guild,
                                         language=_.language, event_key=event_key,
                                         user_id=user_id)

    async def _digest_assignment(self, tx: Tx, a: AssignmentRecord, event: str, render: Render,
                                 *, group: bool = True, leader: bool = True) -> None:
        """An event of an assignment (taken, declined, submitted, …) for its guild's digests:
        the group's and, privately, its leader's."""
        event_key = f"{event}:{a.id}:{a.round}"
        if leader:
            await self._digest_to(tx, a.leader_id, (a.guild_id, a.guild_name), event_key,
                                  render)
        if group:
            await self._digest_group(tx, a.guild_id, event_key, render)

    async def _audit(self, tx: Tx, actor_id: int, action: str, target: tuple[str, int],
                     detail: str | None = None) -> None:
        """Record who did what to which guild, task, quote, assignment or user (0: the clock).
        """
        await users_repo.add_audit(tx, actor_id=actor_id, action=action, target_type=target[0],
                                   target_id=target[1], detail=detail, now=self._now())
