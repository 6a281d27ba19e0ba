"""/settings (summary frequency, time zone) and /summary (admins: send summaries now)."""

from __future__ import annotations

import contextlib

from telegram import Update
from telegram.error import BadRequest

from bot.commands import command
from bot.context import GuildContext
from bot.domain.errors import N_, PrivateChatOnly, Usage
from bot.views import summaries as views
from handlers.common import is_private, markup, reply, texts


async def settings(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    if not is_private(update):
        raise PrivateChatOnly(command="/settings")
    summaries = context.services.summaries
    user_id = update.effective_user.id
    args = context.args or []
    if not args:
        prefs = await summaries.preferences(user_id)
    elif args[0].lower() in ("timezone", "tz", "zone"):
        if len(args) != 2:
            raise Usage(reason=N_("Give one time zone name."),
                        usage="/settings timezone <Area/City>")
        prefs = await summaries.set_timezone(user_id, args[1])
    elif len(args) == 1:
        prefs = await summaries.set_frequency(user_id, args[0])
    else:
        raise Usage(reason=N_("Choose a frequency, or a time zone."),
                    usage=command("settings").usage)
    at = context.services.settings.summary_time.strftime("%H:%M")
    await reply(update, views.settings_text(_, prefs.frequency, prefs.zone,
                                            prefs.zone_is_default, at),
                views.settings_keyboard(_, prefs.frequency))


async def settings_button(update: Update, context: GuildContext) -> None:
    """s1:freq:<daily|weekly|monthly|off>"""
    query = update.callback_query
    await query.answer()
    _ = texts(update)
    prefs = await context.services.summaries.set_frequency(update.effective_user.id,
                                                           query.data.rsplit(":", 1)[-1])
    at = context.services.settings.summary_time.strftime("%H:%M")
    with contextlib.suppress(BadRequest):  # "message is not modified" when pressed twice
        await query.edit_message_text(
            views.settings_text(_, prefs.frequency, prefs.zone, prefs.zone_is_default, at),
            reply_markup=markup(views.settings_keyboard(_, prefs.frequency)))


async def summary(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    if not is_private(update):
        raise PrivateChatOnly(command="/summary")
    report = await context.services.summaries.send_now(update.effective_user.id)
    await reply(update, views.summary_sent(_, report.workers, report.guilds, report.admins))
