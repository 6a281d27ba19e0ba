"""Money: /earnings (a worker's, or a guild's in its group) and the admins' /payout."""

from __future__ import annotations

from bot.buttons import PAYOUT_AGAIN, Press
from bot.domain.errors import RepeatedPayout
from bot.outcomes import MemberRef
from bot.views import money as views
from handlers.common import Again, Call, command, press

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
    await _pay(call, call.person(args[0]), args[1], call.rest(2), again=False)


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
