"""/hooks (admins, private): the event hooks' queue and its failures."""

from __future__ import annotations

from bot.domain.errors import N_
from bot.views import hooks as views
from handlers.common import Call, command


@command("hooks")
async def hooks(call: Call) -> None:
    if call.args:
        raise call.wrong(N_("/hooks takes no arguments."))
    status = await call.services.hooks.status(call.user_id)
    await call.reply_pages(views.hook_status(call._, status, await call.services.users.zone_of(
        call.user_id)))
