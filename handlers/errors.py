"""The error handler: refusals are told to the user; anything else is logged and apologised for."""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import GuildContext
from bot.domain.errors import DomainError
from handlers.common import refuse, texts

log = logging.getLogger(__name__)


async def on_error(update: object, context: GuildContext) -> None:
    error = context.error
    if not isinstance(update, Update):
        log.error("error outside an update", exc_info=error)
        return
    _ = texts(update)
    if isinstance(error, DomainError):
        await refuse(update, error.render(_))
        return
    log.error("error while handling update %s", update.update_id, exc_info=error)
    try:
        await refuse(update, _("Sorry, something went wrong on our side. "
                              "Please try again in a moment."))
    except Exception:
        log.exception("could not tell the user about the error")

