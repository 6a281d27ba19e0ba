"""/start and /help: what the caller may do here, by role and chat."""

from __future__ import annotations

from telegram import Update

from bot.context import GuildContext
from bot.views import help as views
from handlers.common import is_private, reply, texts


async def start(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    private = is_private(update)
    standing = await context.services.guilds.standing(
        update.effective_user.id, update.effective_chat.id, private=private)
    if not private:
        await reply(update, views.welcome_group(_, standing))
        return
    await reply(update, views.welcome_private(_, name=update.effective_user.first_name,
                                              standing=standing))


async def help_command(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    private = is_private(update)
    standing = await context.services.guilds.standing(
        update.effective_user.id, update.effective_chat.id, private=private)
    await reply(update, views.help_text(_, private=private, standing=standing))
