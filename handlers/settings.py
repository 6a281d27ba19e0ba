"""/settings (summary frequency, time zone, language; a group's language) and /summary."""

from __future__ import annotations

import contextlib

from telegram.error import BadRequest

from bot.buttons import FREQUENCY, GROUP_LANGUAGE, LANGUAGE, ZONE, Press
from bot.domain.errors import N_, Usage, UsageLine
from bot.i18n import texts_for
from bot.outcomes import GroupPreferences, Preferences
from bot.views import settings as views
from bot.views import summaries as summary_views
from handlers import menus
from handlers.common import Call, command, markup, press

TIMEZONE_USAGE = UsageLine("settings", N_("timezone &lt;Area/City&gt;"))
_LANGUAGE_WORDS = {"en": "en", "english": "en", "zh": "zh_Hans", "zh_hans": "zh_Hans",
                   "中文": "zh_Hans", "app": None, "auto": None}


@command("settings")
async def settings(call: Call) -> None:
    if not call.private:
        await _group_settings(call)
        return
    prefs = call.services.preferences
    args = call.args
    code = call.update.effective_user.language_code if call.update.effective_user else None
    if not args:
        found = await prefs.preferences(call.user_id, code)
    elif args[0].lower() in ("timezone", "tz", "zone"):
        if len(args) != 2:
            raise Usage(reason=N_("Give one time zone name."), usage=TIMEZONE_USAGE)
        found = await prefs.set_timezone(call.user_id, args[1])
    elif args[0].lower() in ("language", "lang"):
        if len(args) != 2 or args[1].lower() not in _LANGUAGE_WORDS:
            raise call.wrong(N_("Choose a language: en, zh, or app (as your Telegram app)."))
        found = await _set_language(call, _LANGUAGE_WORDS[args[1].lower()])
    elif len(args) == 1:
        found = await prefs.set_frequency(call.user_id, args[0])
    else:
        raise call.wrong(N_("Choose a frequency, a time zone or a language."))
    await _show(call, found, edit=False)


async def _group_settings(call: Call) -> None:
    found = await call.services.preferences.group_preferences(call.chat_id, call.user_id)
    _ = texts_for(found.language)
    await call.reply(views.group_settings_text(_, found), views.group_settings_keyboard(_, found))


async def _set_language(call: Call, language: str | None) -> Preferences:
    code = call.update.effective_user.language_code if call.update.effective_user else None
    found = await call.services.preferences.set_language(call.user_id, language, code)
    call._ = texts_for(found.language)  # the answer, and what follows, in the new language
    await menus.set_chat_menu(call.context.bot, call.user_id, found.language,
                              admin=call.services.users.is_admin(call.user_id))
    return found


async def _show(call: Call, prefs: Preferences, *, edit: bool) -> None:
    at = call.services.settings.summary_time.strftime("%H:%M")
    text, keyboard = views.settings_text(call._, prefs, at), views.settings_keyboard(call._,
                                                                                      prefs)
    query = call.update.callback_query
    if edit and query is not None:
        with contextlib.suppress(BadRequest):  # "message is not modified" when pressed twice
            await query.edit_message_text(text, reply_markup=markup(keyboard))
        return
    await call.reply(text, keyboard)


@press(FREQUENCY)
async def frequency_button(call: Call, pressed: Press) -> None:
    await _show(call, await call.services.preferences.set_frequency(call.user_id, pressed.action),
                edit=True)


@press(LANGUAGE)
async def language_button(call: Call, pressed: Press) -> None:
    await _show(call, await _set_language(call, pressed.action), edit=True)


@press(ZONE)
async def zone_button(call: Call, pressed: Press) -> None:
    found = await call.services.preferences.set_common_zone(call.user_id, pressed.id)
    await _show(call, found, edit=True)


@press(GROUP_LANGUAGE)
async def group_language_button(call: Call, pressed: Press) -> None:
    language = None if pressed.action == "leader" else pressed.action
    found: GroupPreferences = await call.services.preferences.set_group_language(
        call.chat_id, call.user_id, language)
    _ = texts_for(found.language)
    await menus.set_chat_menu(call.context.bot, call.chat_id, found.language, group=True)
    query = call.update.callback_query
    if query is not None:
        with contextlib.suppress(BadRequest):
            await query.edit_message_text(
                views.group_settings_text(_, found),
                reply_markup=markup(views.group_settings_keyboard(_, found)))


@command("summary")
async def summary(call: Call) -> None:
    report = await call.services.summaries.send_now(call.user_id)
    await call.reply(summary_views.summary_sent(call._, report.workers, report.guilds,
                                                report.admins))
