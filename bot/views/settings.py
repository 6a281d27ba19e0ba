"""Texts and buttons of /settings: a person's summaries, time zone and language; a group's
language."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.buttons import FREQUENCY, GROUP_LANGUAGE, LANGUAGE, ZONE
from bot.domain.errors import N_
from bot.domain.zones import COMMON_ZONES, utc_offset
from bot.i18n import CHINESE, ENGLISH, Translator
from bot.outcomes import GroupPreferences, Preferences
from bot.views.common import Keyboard, button, keyboard

FREQUENCY_NAMES = {"daily": N_("daily"), "weekly": N_("weekly"), "monthly": N_("monthly"),
                   "off": N_("off")}
# Each language is offered in its own words, so that anyone finds theirs.
LANGUAGE_NAMES = {ENGLISH: "English", CHINESE: "简体中文"}


def _zone(_: Translator, name: str) -> str:
    offset = utc_offset(ZoneInfo(name), datetime.now(UTC))
    place = next((p for key, p in COMMON_ZONES if key == name), None)
    return _("{place} ({offset})", place=_(place) if place and name != "UTC" else name,
             offset=offset)


def settings_text(_: Translator, prefs: Preferences, at: str) -> str:
    zone = _zone(_, prefs.zone)
    language = LANGUAGE_NAMES[prefs.language]
    return "\n".join([
        _("<b>Your settings</b>"),
        _("Earnings summary: {frequency}, at {at}",
          frequency=_(FREQUENCY_NAMES[prefs.frequency]), at=at),
        (_("Time zone: {zone} (the platform's default)", zone=zone) if prefs.zone_is_default
         else _("Time zone: {zone}", zone=zone)),
        (_("Language: {language}", language=language) if prefs.language_is_chosen
         else _("Language: {language} (as your Telegram app)", language=language)),
        _("Choose below. Any other time zone: /settings timezone &lt;Area/City&gt;, e.g. "
          "/settings timezone Europe/Berlin."),
    ])


def _mark(label: str, chosen: bool) -> str:
    return f"• {label}" if chosen else label


def settings_keyboard(_: Translator, prefs: Preferences) -> Keyboard:
    frequencies = [button(_mark(_(FREQUENCY_NAMES[c]), c == prefs.frequency), FREQUENCY.data(c))
                   for c in ("daily", "weekly", "monthly", "off")]
    languages = [button(_mark(name, prefs.language_is_chosen and code == prefs.language),
                        LANGUAGE.data(code)) for code, name in LANGUAGE_NAMES.items()]
    zones = [button(_mark(_(place), name == prefs.zone and not prefs.zone_is_default),
                    ZONE.data("set", index)) for index, (name, place) in enumerate(COMMON_ZONES)]
    return keyboard(frequencies, languages, zones[0:4], zones[4:8], zones[8:])


def group_settings_text(_: Translator, prefs: GroupPreferences) -> str:
    language = LANGUAGE_NAMES[prefs.language]
    return "\n".join([
        _("<b>Settings of {name}</b>", name=prefs.guild.name),
        (_("Language in this group: {language} (the leader's)", language=language)
         if prefs.follows_leader else
         _("Language in this group: {language}", language=language)),
        _("The leader or a deputy chooses it below."),
    ])


def group_settings_keyboard(_: Translator, prefs: GroupPreferences) -> Keyboard:
    return keyboard([button(_mark(name, not prefs.follows_leader and code == prefs.language),
                            GROUP_LANGUAGE.data(code)) for code, name in LANGUAGE_NAMES.items()]
                    + [button(_mark(_("As the leader"), prefs.follows_leader),
                              GROUP_LANGUAGE.data("leader"))])
