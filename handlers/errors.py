"""The error handler: refusals are told to the user; anything else is logged and apologised for,
never with an invitation to repeat something that was already done."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.context import GuildContext
from bot.domain.errors import DomainError
from bot.i18n import escape, plain_text
from handlers.common import refuse, texts
from storage.db import DuplicateUpdate, current_claim

log = logging.getLogger(__name__)
# Telegram's limit is 4,096 characters; a refusal is cut well before (it quotes input).
REPLY_LIMIT = 3_000


async def on_error(update: object, context: GuildContext) -> None:
    error = context.error
    if isinstance(error, DuplicateUpdate):  # another delivery of it did the work
        log.info("update %s handled twice at once; this one was dropped", error)
        return
    if not isinstance(update, Update):
        log.error("error outside an update", exc_info=error)
        return
    _ = await texts(update, context)
    if isinstance(error, DomainError):
        text = error.render(_)
    else:
        log.error("error while handling update %s", update.update_id, exc_info=error)
        claim = current_claim()
        if claim is not None and claim.committed:
            # The change was made; only the answer failed. Repeating it could pay twice.
            text = _("Done, but my answer to you was lost on the way. Please check the result "
                     "(/tasks, /earnings, /task …) before you send the same thing again.")
        else:
            text = _("Sorry, something went wrong on our side and nothing was changed. Please "
                     "try again in a moment.")
    try:
        await refuse(update, sendable(text))
    except TelegramError:
        log.exception("could not tell the user about the error")


def sendable(text: str) -> str:
    """The text, or its plain beginning when it is too long for one message."""
    if len(text) <= REPLY_LIMIT:
        return text
    return escape(plain_text(text)[:REPLY_LIMIT] + "…")
