"""Users and platform roles."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.clock import Clock, to_epoch
from bot.domain.errors import UsernameAmbiguous
from bot.domain.periods import zone_named
from bot.i18n import language_of
from bot.outcomes import MemberRef
from storage import Database
from storage import guilds as guilds_repo
from storage import users as users_repo
from storage.db import Reader
from storage.models import UserRecord


@dataclass(frozen=True, slots=True)
class SeenUser:
    """A user as an update shows them (no telegram types past the handler)."""

    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None


class UserService:
    # Recording every update would make every update a write; remember what was last written
    # (bounded) and write only when something changed. The database stays the truth.
    _CACHE_SIZE = 50_000

    def __init__(self, db: Database, clock: Clock, admin_ids: frozenset[int],
                 default_zone: ZoneInfo) -> None:
        self._db = db
        self._clock = clock
        self.default_zone = default_zone
        self._config_admins = admin_ids
        self._granted_admins: set[int] = set()
        self._chosen: dict[int, str] = {}  # languages chosen in /settings; the rest follow apps
        self._written: OrderedDict[int, tuple[object, ...]] = OrderedDict()

    async def load(self) -> None:
        self._granted_admins = await users_repo.granted_admin_ids(self._db)
        self._chosen = await users_repo.chosen_languages(self._db)

    def language(self, user_id: int, telegram_code: str | None) -> str:
        """The language someone reads (their choice, else their app's), without a query."""
        return language_of(self._chosen.get(user_id), telegram_code)

    async def set_language(self, user_id: int, language: str | None) -> None:
        """Their choice (None: follow the Telegram app again)."""
        async with self._db.transaction() as tx:
            await users_repo.set_language(tx, user_id, language)
        if language is None:
            self._chosen.pop(user_id, None)
        else:
            self._chosen[user_id] = language

    def is_admin(self, user_id: int) -> bool:
        return user_id in self._config_admins or user_id in self._granted_admins

    def is_owner(self, user_id: int) -> bool:
        """ADMIN_IDS: the admins the configuration names, who alone add and remove admins."""
        return user_id in self._config_admins

    @property
    def owner_ids(self) -> frozenset[int]:
        return self._config_admins

    async def reload_admins(self) -> None:
        """The granted admins as the database has them (another instance may have changed
        them); `granted` / `revoked` keep this instance current at once."""
        self._granted_admins = await users_repo.granted_admin_ids(self._db)

    def granted(self, user_id: int) -> None:
        self._granted_admins.add(user_id)

    def revoked(self, user_id: int) -> None:
        self._granted_admins.discard(user_id)

    @property
    def admin_ids(self) -> frozenset[int]:
        return self._config_admins | self._granted_admins

    async def seen(self, user: SeenUser, *, in_private: bool) -> None:
        state = (user.first_name, user.last_name, user.username, user.language_code, in_private)
        previous = self._written.get(user.id)
        # A private message after a group one still has news: the user can now be messaged.
        if previous is not None and (previous == state or (previous[:4] == state[:4]
                                                           and previous[4] and not in_private)):
            self._written.move_to_end(user.id)
            return
        # Bookkeeping, not the update's effect: it must not claim the update (a crash right
        # after it would make the redelivery drop the command itself).
        async with self._db.transaction(for_update=False) as tx:
            await users_repo.upsert_seen(
                tx, user_id=user.id, first_name=user.first_name, last_name=user.last_name,
                username=user.username, language_code=user.language_code,
                in_private=in_private, now=to_epoch(self._clock.now()),
            )
        self._remember(user.id, state)

    def forget(self, user_id: int) -> None:
        """Drop the cached state, e.g. after a send found the user unreachable."""
        self._written.pop(user_id, None)

    def _remember(self, user_id: int, state: tuple[object, ...]) -> None:
        self._written[user_id] = state
        self._written.move_to_end(user_id)
        if len(self._written) > self._CACHE_SIZE:
            self._written.popitem(last=False)

    async def get(self, user_id: int) -> UserRecord | None:
        return await users_repo.get(self._db, user_id)

    async def find(self, ref: MemberRef, db: Reader | None = None,
                   members_of: int | None = None) -> UserRecord | None:
        """The user someone means: by id when known (a reply, a mention, a number), else by
        @username. Two people may have held one username (one gave it up, another took it):
        then a member of `members_of` is meant, and otherwise the id must be given."""
        reader = db or self._db
        if ref.number is not None:  # M3: a member's number, only within their guild
            if members_of is None:
                return None
            user_id = await guilds_repo.user_with_number(reader, members_of, ref.number)
            return None if user_id is None else await users_repo.get(reader, user_id)
        if ref.user_id is not None:
            return await users_repo.get(reader, ref.user_id)
        found = await users_repo.find_by_username(reader, ref.username or "")
        if members_of is not None and len(found) > 1:
            found = [u for u in found if await guilds_repo.role_of(reader, members_of, u.id)]
        if len(found) > 1:
            raise UsernameAmbiguous(who=ref.shown, ids=", ".join(
                f"{u.id} ({u.display_name})" for u in found))
        return found[0] if found else None

    def zone_for(self, user: UserRecord | None) -> ZoneInfo:
        """The user's chosen time zone, or the platform's default."""
        return zone_named(user.timezone if user else None, self.default_zone)

    async def zone_of(self, user_id: int) -> ZoneInfo:
        return self.zone_for(await self.get(user_id))
