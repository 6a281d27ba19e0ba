"""/settings (summary frequency, time zone) and /summary (admins: send summaries now)."""

from __future__ import annotations

import contextlib

from telegram.error import BadRequest

from bot.buttons import FREQUENCY, Press
from bot.domain.errors import N_, Usage
from bot.outcomes import Preferences
from bot.views import summaries as views
from handlers.common import Call, command, markup, press

TIMEZONE_USAGE = "/settings timezone <Area/City>"


@command("settings")
async def settings(call: Call) -> None:
    summaries, args = call.services.summaries, call.args
    if not args:
        prefs = await summaries.preferences(call.user_id)
    elif args[0].lower() in ("timezone", "tz", "zone"):
        if len(args) != 2:
            raise Usage(reason=N_("Give one time zone name."), usage=TIMEZONE_USAGE)
        prefs = await summaries.set_timezone(call.user_id, args[1])
    elif len(args) == 1:
        prefs = await summaries.set_frequency(call.user_id, args[0])
    else:
        raise call.wrong(N_("Choose a frequency, or a time zone."))
    await call.reply(_settings_text(call, prefs), views.settings_keyboard(call._, prefs.frequency))


@press(FREQUENCY)
async def settings_button(call: Call, pressed: Press) -> None:
    prefs = await call.services.summaries.set_frequency(call.user_id, pressed.action)
    query = call.update.callback_query
    assert query is not None
    with contextlib.suppress(BadRequest):  # "message is not modified" when pressed twice
        await query.edit_message_text(
            _settings_text(call, prefs),
            reply_markup=markup(views.settings_keyboard(call._, prefs.frequency)))


def _settings_text(call: Call, prefs: Preferences) -> str:
    at = call.services.settings.summary_time.strftime("%H:%M")
    return views.settings_text(call._, prefs.frequency, prefs.zone, prefs.zone_is_default, at)


@command("summary")
async def summary(call: Call) -> None:
    report = await call.services.summaries.send_now(call.user_id)
    await call.reply(views.summary_sent(call._, report.workers, report.guilds, report.admins))
