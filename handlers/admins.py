"""Admins without a restart: /admin add|remove (owners) and /admins (admins), private."""

from __future__ import annotations

from bot.domain.errors import N_
from bot.views import admins as views
from handlers import menus
from handlers.common import Call, command


@command("admin")
async def admin(call: Call) -> None:
    args = call.need(2, N_("Say add or remove, and whom (@username or numeric id)."))
    if args[0].lower() not in ("add", "remove") or len(args) != 2:
        raise call.wrong(N_("Say add or remove, and whom (@username or numeric id)."))
    service = call.services.admins
    if args[0].lower() == "add":
        change = await service.add(call.user_id, call.person(args[1]))
        await call.reply(views.added(call._, change))
    else:
        change = await service.remove(call.user_id, call.person(args[1]))
        await call.reply(views.removed(call._, change))
    # Their menu follows at once (or on their first private message, when they have no chat).
    await menus.set_chat_menu(call.context.bot, change.user.id, change.user.lang,
                              admin=call.services.users.is_admin(change.user.id))


@command("admins")
async def admins(call: Call) -> None:
    found = await call.services.admins.listing(call.user_id)
    await call.reply_pages(views.admin_list(call._, found,
                                            await call.services.users.zone_of(call.user_id)))
