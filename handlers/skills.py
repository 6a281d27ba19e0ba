"""Skills: /skill (define, open to leaders, grant, revoke) and /skills."""

from __future__ import annotations

from bot.buttons import SKILLS_PAGES
from bot.commands import Audience
from bot.commands import command as registered
from bot.domain.errors import N_
from bot.outcomes import MemberRef
from bot.views import skills as views
from handlers.common import Call, command
from handlers.paging import Listing, paged

WHAT = N_("Say what to do: add, leaders, grant or revoke.")


@command("skill")
async def skill(call: Call) -> None:
    if not call.private:  # leaders grant and revoke; the rest is the admins'
        call.usage = registered("skill", Audience.GUILD).usage
    args = call.need(1, WHAT)
    action, service = args[0].lower(), call.services.skills
    if action == "add" and call.private:
        call.need(3, N_("Give the skill's name and its title."))
        await call.reply(views.skill_added(call._, await service.add(
            call.user_id, args[1], call.rest(2))))
    elif action == "leaders" and call.private:
        if len(args) != 3 or args[2].lower() not in ("on", "off"):
            raise call.wrong(N_("Name the skill, then on or off."))
        await call.reply(views.leaders_set(call._, await service.set_leaders(
            call.user_id, args[1], args[2].lower() == "on")))
    elif action in ("grant", "revoke"):
        call.need(2, N_("Name the skill and the worker."))
        change = await service.change(call.chat_id, call.user_id, args[1], _worker(call, args),
                                      private=call.private, grant=action == "grant")
        await call.reply(views.skill_changed(call._, change))
    else:
        raise call.wrong(WHAT)


def _worker(call: Call, args: list[str]) -> MemberRef:
    """@username, a numeric id (admins), or the author of the message replied to."""
    if len(args) == 3 and args[2].isdecimal():
        return call.person(args[2])
    return call.member(args[2:])


@command("skills")
async def skills(call: Call) -> None:
    await skill_list.show(call, "")


@paged("skills", SKILLS_PAGES)
async def skill_list(call: Call, key: str) -> Listing:
    """Every skill for an admin, one's own for a worker (in their private chat)."""
    return Listing(views.skills_overview(call._, await call.services.skills.overview(
        call.user_id)))
