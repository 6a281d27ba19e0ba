"""/start and /help: what the caller may do here, by role and chat."""

from __future__ import annotations

from bot.views import help as views
from handlers.common import Call, command


@command("start")
async def start(call: Call) -> None:
    standing = await call.services.guilds.standing(call.user_id, call.chat_id,
                                                   private=call.private)
    if not call.private:
        await call.reply(views.welcome_group(call._, standing))
        return
    await call.reply(views.welcome_private(call._, name=call.first_name, user_id=call.user_id,
                                             standing=standing))


@command("help")
async def help_command(call: Call) -> None:
    standing = await call.services.guilds.standing(call.user_id, call.chat_id,
                                                   private=call.private)
    await call.reply(views.help_text(call._, private=call.private, standing=standing))
