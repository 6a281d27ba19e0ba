"""Cross-cutting steps that run before every handler (negative groups)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.commands import Audience, for_audiences
from bot.context import GuildContext
from bot.domain.errors import GuildSuspended
from bot.services.users import SeenUser
from handlers.common import refuse, texts


async def record_user(update: Update, context: GuildContext) -> None:
    user = update.effective_user
    if user is None or user.is_bot:
        return
    chat = update.effective_chat
    in_private = chat is not None and chat.type == "private"
    await context.services.users.seen(
        SeenUser(user.id, user.first_name, user.last_name, user.username, user.language_code),
        in_private=in_private,
    )


# Commands anyone may use anywhere; everything else in a suspended guild's group is refused.
_ALWAYS_OPEN = frozenset(c.name for c in for_audiences(Audience.ANYONE))


async def refuse_suspended_guilds(update: Update, context: GuildContext) -> None:
    """A command or button in a suspended guild's group gets the suspension, and nothing else."""
    chat = update.effective_chat
    if chat is None or chat.type == "private":
        return
    query = update.callback_query
    if query is None:
        message = update.message
        if message is None or not message.text or not message.text.startswith("/"):
            return
        name, _at, addressee = message.text.split()[0][1:].partition("@")
        if addressee and addressee.lower() != (context.bot.username or "").lower():
            return
        if name.lower() in _ALWAYS_OPEN:
            return
    guild = await context.services.guilds.suspended_in_chat(chat.id)
    if guild is None:
        return
    _ = texts(update)
    await refuse(update,
                 GuildSuspended(name=guild.name, reason=guild.status_reason or "—").render(_))
    raise ApplicationHandlerStop
