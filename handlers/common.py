"""Helpers every handler uses: the caller's translator, replies, markup."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update

from bot.i18n import Translator, texts_for
from bot.views.common import Keyboard


def texts(update: object) -> Translator:
    user = getattr(update, "effective_user", None)
    return texts_for(getattr(user, "language_code", None))


def markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup.de_json(keyboard, None)


async def reply(update: Update, text: str, keyboard: Keyboard | None = None) -> Message | None:
    """Answer in the chat the update came from (the acting user's lane: never queued)."""
    message = update.effective_message
    if message is None:
        return None
    return await message.reply_text(text, reply_markup=markup(keyboard),
                                    do_quote=message.chat.type != "private")


def is_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == "private"
