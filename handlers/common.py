"""Helpers every handler uses: the caller's translator, replies, markup."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import Application
from telegram.ext.filters import MessageFilter

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


def id_arg(value: str | None, usage: str, what: str = "id") -> int:
    """'12' or '#12' -> 12; anything else is a usage error naming the command."""
    from bot.domain.errors import N_, Usage

    raw = (value or "").strip().lstrip("#")
    if not raw.isdecimal() or int(raw) <= 0:
        reason = (N_("A number is missing.") if not value
                  else N_("That is not a number."))
        raise Usage(reason=reason, usage=usage)
    return int(raw)


def require_args(args: list[str] | None, count: int, usage: str) -> list[str]:
    from bot.domain.errors import N_, Usage

    args = list(args or [])
    if len(args) < count:
        raise Usage(reason=N_("Something is missing."), usage=usage)
    return args


class RepliesToPrompt(MessageFilter):
    """A reply to one of this user's open prompts kept in `user_data[key]` (by message id).

    Prompts are conversation scratch: after a restart the text command still does the job.
    """

    def __init__(self, app: Application, key: str) -> None:
        super().__init__(name=f"replies_to_prompt({key})")
        self._app = app
        self._key = key

    def filter(self, message: Message) -> bool:
        replied, user = message.reply_to_message, message.from_user
        if replied is None or user is None:
            return False
        prompts = self._app.user_data.get(user.id, {}).get(self._key, {})
        return replied.message_id in prompts
