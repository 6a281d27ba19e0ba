"""Helpers every handler uses: the caller's translator, replies, markup."""

from __future__ import annotations

import re

from telegram import InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.error import BadRequest
from telegram.ext import Application
from telegram.ext.filters import MessageFilter

from bot.domain.errors import N_, GroupChatOnly, PrivateChatOnly, Usage
from bot.i18n import Translator, plain_text, texts_for
from bot.services.guilds import MemberRef
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


async def refuse(update: Update, text: str) -> None:
    """Say why something was refused: an alert for a button press not answered yet,
    otherwise a reply in the chat."""
    query = update.callback_query
    if query is not None:
        try:
            await query.answer(plain_text(text)[:200], show_alert=True)
            return
        except BadRequest:  # already answered by the handler: say it in the chat instead
            pass
    await reply(update, text)


def is_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == "private"


def id_arg(value: str | None, usage: str, what: str = "id") -> int:
    """'12' or '#12' -> 12; anything else is a usage error naming the command."""
    raw = (value or "").strip().lstrip("#")
    if not raw.isdecimal() or int(raw) <= 0:
        reason = (N_("A number is missing.") if not value
                  else N_("That is not a number."))
        raise Usage(reason=reason, usage=usage)
    return int(raw)


def require_args(args: list[str] | None, count: int, usage: str) -> list[str]:
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


def private_only(update: Update, name: str) -> None:
    """Refuse outside a private chat, naming the command (`name` without the slash)."""
    if not is_private(update):
        raise PrivateChatOnly(command=f"/{name}")


def group_only(update: Update, name: str) -> None:
    """Refuse outside a group chat, naming the command (`name` without the slash)."""
    if is_private(update):
        raise GroupChatOnly(command=f"/{name}")


_USERNAME_RE = re.compile(r"^@?([A-Za-z0-9_]{1,32})$")


def member_ref(update: Update, args: list[str], usage: str) -> MemberRef:
    """Who a leader means: @username as the argument, a mention of someone without a username,
    or the author of the message they replied to."""
    message = update.effective_message
    assert message is not None
    for entity in message.entities:
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            return MemberRef(user_id=entity.user.id, name=entity.user.full_name)
    if args:
        match = _USERNAME_RE.match(args[0])
        if len(args) != 1 or match is None:
            raise Usage(reason=N_("Name one member as @username, or reply to their message."),
                        usage=usage)
        return MemberRef(username=match[1])
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        return MemberRef(user_id=replied.from_user.id, name=replied.from_user.full_name)
    raise Usage(reason=N_("Name the member as @username, or reply to one of their messages."),
                usage=usage)
