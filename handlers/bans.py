"""Bans: /ban, /unban and /bans (admins, private)."""

from __future__ import annotations

from bot.buttons import BANS_PAGES
from bot.domain.errors import N_
from bot.domain.ids import Kind
from bot.domain.statuses import BanScope
from bot.services.bans import Subject
from bot.views import skills as views
from handlers.common import Call, command
from handlers.paging import Listing, paged


def _subject(call: Call) -> tuple[Subject, list[str]]:
    """`@worker`, a user's id, or `guild <id>`; and the arguments after it."""
    args = call.need(1, N_("Name the worker (@username or id) or the guild (guild &lt;id&gt;)."))
    if args[0].lower() == "guild":
        call.need(2, N_("Give the guild's number."))
        return call.id(args[1], Kind.GUILD), args[2:]
    return call.person(args[0]), args[1:]


def _scope(call: Call, rest: list[str]) -> tuple[str, str | None, list[str]]:
    """`skill <name>`, `task <id>`, or nothing (the platform); and the arguments after it."""
    kind = rest[0].lower() if rest else ""
    if kind not in (BanScope.SKILL, BanScope.TASK):
        return BanScope.PLATFORM, None, rest
    if len(rest) < 2:
        raise call.wrong(N_("Name the skill or give the task's number."))
    ref = rest[1].lower() if kind == BanScope.SKILL else str(call.id(rest[1], Kind.TASK))
    return kind, ref, rest[2:]


@command("ban")
async def ban(call: Call) -> None:
    subject, rest = _subject(call)
    scope, ref, rest = _scope(call, rest)
    if not rest:
        raise call.wrong(N_("Give the number of days and the reason."))
    made = await call.services.bans.ban(call.user_id, subject, scope, ref, rest[0],
                                        " ".join(rest[1:]))
    await call.reply(views.ban_made(call._, made, await call.services.users.zone_of(
        call.user_id)))


@command("unban")
async def unban(call: Call) -> None:
    subject, rest = _subject(call)
    scope, ref, rest = _scope(call, rest)
    if rest:
        raise call.wrong(N_("Name only whom and which ban: no days or reason."))
    who = await call.services.bans.unban(call.user_id, subject, scope, ref)
    await call.reply(views.unbanned(call._, who, scope, ref))


@command("bans")
async def list_bans(call: Call) -> None:
    await ban_list.show(call, "")


@paged("bans", BANS_PAGES)
async def ban_list(call: Call, key: str) -> Listing:
    lines = await call.services.bans.active(call.user_id)
    return Listing(views.ban_list(call._, lines, await call.services.users.zone_of(
        call.user_id)))
