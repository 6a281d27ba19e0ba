"""Cross-cutting steps that run before every handler (negative groups)."""

from __future__ import annotations

from telegram import Update

from bot.context import GuildContext
from bot.services.users import SeenUser


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
