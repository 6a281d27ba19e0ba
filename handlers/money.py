"""Money: /earnings (a worker's, or a guild's in its group) and the admins' /payout."""

from __future__ import annotations

import re

from bot.buttons import PAYOUT_AGAIN, Press
from bot.domain.errors import N_, RepeatedPayout
from bot.outcomes import MemberRef
from bot.views import money as views
from handlers.common import Again, Call, command, press

_USERNAME_RE = re.compile(r"^@([A-Za-z0-9_]{1,32})$")
AGAIN = Again("money.again")  # refused repeats of a payout: (target, amount, note)


@command("earnings")
async def earnings(call: Call) -> None:
    money, settings = call.services.money, call.services.settings
    if call.private:
        mine = await money.earnings(call.user_id)
        await call.reply(views.earnings(call._, mine.periods, mine.pending, mine.balance,
                                        settings))
        return
    guild = await money.guild_earnings(call.chat_id, call.user_id)
    await call.reply(views.guild_earnings(call._, guild.guild.name, guild.periods,
                                          guild.pending_gross, guild.guild.commission_bp,
                                          settings))


@command("payout")
async def payout(call: Call) -> None:
    args = call.need(2)
    who = args[0]
    if who.isdecimal():
        target = MemberRef(user_id=call.id(who))
    elif match := _USERNAME_RE.match(who):
        target = MemberRef(username=match[1])
    else:
        raise call.wrong(N_("Name the user as @username or by their numeric id."))
    await _pay(call, target, args[1], call.rest(2), again=False)


@press(PAYOUT_AGAIN)
async def payout_again(call: Call, pressed: Press) -> None:
    """"Record it again" under a refused repeat: the admin means a second payout."""
    await _pay(call, *await AGAIN.take(call, pressed), again=True)


async def _pay(call: Call, target: MemberRef, amount: str, note: str | None, *,
               again: bool) -> None:
    try:
        made = await call.services.money.payout(call.user_id, target, amount, note,
                                                again=again)
    except RepeatedPayout as refusal:
        await AGAIN.offer(call, refusal, (target, amount, note), views.again_keyboard)
        return
    await call.reply(views.payout_reply(call._, made.user, made.amount, made.balance,
                                        call.services.settings))
