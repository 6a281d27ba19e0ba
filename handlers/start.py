"""/start and /help."""

from __future__ import annotations

from telegram import Update

from bot.context import GuildContext
from bot.views import help as views
from handlers.common import is_private, reply, texts


async def start(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    user = update.effective_user
    if not is_private(update) or user is None:
        await reply(update, views.welcome_group(_))
        return
    is_admin = context.services.users.is_admin(user.id)
    await reply(update, views.welcome_private(_, name=user.first_name, is_admin=is_admin))


async def help_command(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    user = update.effective_user
    is_admin = user is not None and context.services.users.is_admin(user.id)
    await reply(update, views.help_text(_, private=is_private(update), is_admin=is_admin))
