"""The error handler: refusals are told to the user; anything else is logged and apologised for."""

from __future__ import annotations

import html
import logging
import re

from telegram import Update
from telegram.error import BadRequest

from bot.context import GuildContext
from bot.domain.errors import DomainError
from handlers.common import reply, texts

log = logging.getLogger(__name__)


async def on_error(update: object, context: GuildContext) -> None:
    error = context.error
    if not isinstance(update, Update):
        log.error("error outside an update", exc_info=error)
        return
    _ = texts(update)
    if isinstance(error, DomainError):
        await _tell(update, error.render(_))
        return
    log.error("error while handling update %s", update.update_id, exc_info=error)
    try:
        await _tell(update, _("Sorry, something went wrong on our side. "
                              "Please try again in a moment."))
    except Exception:
        log.exception("could not tell the user about the error")


async def _tell(update: Update, text: str) -> None:
    """A button press gets an alert when it was not answered yet; otherwise a reply."""
    query = update.callback_query
    if query is not None:
        try:
            await query.answer(_plain(text)[:200], show_alert=True)
            return
        except BadRequest:  # already answered by the handler: say it in the chat instead
            pass
    await reply(update, text)


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))
