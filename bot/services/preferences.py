"""/settings: how often a person's summaries come, their time zone and language; a guild
group's language."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.errors import UnknownFrequency, UnknownLanguage, UnknownTimezone
from bot.domain.periods import CHOICES
from bot.domain.zones import COMMON_ZONES
from bot.i18n import LANGUAGES
from bot.outcomes import GroupPreferences, Preferences
from bot.services.base import Deps, Service
from bot.services.guilds import GuildService
from storage import summaries as summaries_repo
from storage import users as users_repo


class PreferencesService(Service):
    def __init__(self, deps: Deps, guilds: GuildService) -> None:
        super().__init__(deps)
        self._guilds = guilds

    async def preferences(self, user_id: int, telegram_code: str | None = None) -> Preferences:
        prefs = await summaries_repo.user_preferences(self._db, user_id)
        frequency, zone = prefs if prefs else ("weekly", None)
        record = await self._users.get(user_id)
        chosen = record.language if record else None
        # The app's language as this update says it, else as last seen.
        code = telegram_code or (record.language_code if record else None)
        return Preferences(frequency, zone or str(self._settings.timezone.key), zone is None,
                           self._users.language(user_id, code), chosen is not None)

    async def set_frequency(self, user_id: int, frequency: str) -> Preferences:
        frequency = frequency.strip().lower()
        if frequency not in CHOICES:
            raise UnknownFrequency()
        async with self._db.transaction() as tx:
            await summaries_repo.set_frequency(tx, user_id, frequency)
        return await self.preferences(user_id)

    async def set_timezone(self, user_id: int, name: str) -> Preferences:
        """An `Area/City` name, a button's zone, or `default` to follow the platform's."""
        name = name.strip()
        if name.lower() in ("default", "reset"):
            zone: str | None = None
        else:
            try:
                zone = ZoneInfo(name).key
            except (ZoneInfoNotFoundError, ValueError, OSError):
                raise UnknownTimezone(zone=name) from None
        async with self._db.transaction() as tx:
            await users_repo.set_timezone(tx, user_id, zone)
        return await self.preferences(user_id)

    async def set_common_zone(self, user_id: int, index: int) -> Preferences:
        """One of the zones /settings offers as buttons."""
        if not 0 <= index < len(COMMON_ZONES):
            raise UnknownTimezone(zone=str(index))
        return await self.set_timezone(user_id, COMMON_ZONES[index][0])

    async def set_language(self, user_id: int, language: str | None,
                           telegram_code: str | None = None) -> Preferences:
        """English or Simplified Chinese; None: follow the Telegram app again."""
        if language is not None and language not in LANGUAGES:
            raise UnknownLanguage()
        await self._users.set_language(user_id, language)
        self._guilds.forget_languages()  # a leader's language may be their group's
        return await self.preferences(user_id, telegram_code)

    async def group_preferences(self, chat_id: int, user_id: int) -> GroupPreferences:
        guild = await self._guilds.acting_guild(chat_id, user_id)
        language = await self._guilds.chat_language(chat_id)
        return GroupPreferences(guild, language or LANGUAGES[0], guild.language is None)

    async def set_group_language(self, chat_id: int, user_id: int, language: str | None
                                 ) -> GroupPreferences:
        if language is not None and language not in LANGUAGES:
            raise UnknownLanguage()
        await self._guilds.set_group_language(chat_id, user_id, language)
        return await self.group_preferences(chat_id, user_id)
