"""Texts for money: payouts, and earnings of workers and guilds."""

from __future__ import annotations

from bot.buttons import PAYOUT_AGAIN
from bot.config import Settings
from bot.domain.errors import N_
from bot.i18n import Translator
from bot.views.common import Keyboard, button, keyboard, money_text, percent, signed
from storage.models import UserRecord

PERIOD_NAMES = {"today": N_("Today"), "week": N_("This week"), "month": N_("This month"),
                "all": N_("All time")}


def payout_reply(_: Translator, user: UserRecord, amount: int, balance: int,
                 settings: Settings) -> str:
    return _("Payout of {amount} to {who} (id {id}) recorded. Their balance is now {balance}.",
             amount=money_text(_, amount, settings), who=user.mention, id=user.id,
             balance=money_text(_, balance, settings))


def payout_for_worker(_: Translator, amount: int, balance: int, note: str | None,
                      settings: Settings, reference: str | None = None) -> str:
    text: str = _("💸 A payout of {amount} was recorded for you. Your balance is now {balance}.",
                  amount=money_text(_, amount, settings), balance=money_text(_, balance, settings))
    if note:
        text += "\n" + _("Note: {note}", note=note)
    if reference:
        text += "\n" + _("Reference: {reference}", reference=reference)
    return text


def earnings(_: Translator, periods: list[tuple[str, int, int, int, int]], pending: int,
             balance: int, settings: Settings) -> str:
    lines = [_("<b>Your earnings</b>")]
    for key, earned, bonus, adjusted, paid in periods:
        values = {"period": _(PERIOD_NAMES[key]), "earned": money_text(_, earned, settings),
                  "paid": money_text(_, paid, settings)}
        if bonus or adjusted:  # bonuses and corrections as their own parts, when there are any
            lines.append(_("{period}: accepted {earned}, bonuses {bonus}, corrections "
                           "{adjusted}, paid {paid}", bonus=money_text(_, bonus, settings),
                           adjusted=signed(_, adjusted, settings), **values))
        else:
            lines.append(_("{period}: accepted {earned}, paid {paid}", **values))
    lines.append(_("Pending review: {amount}", amount=money_text(_, pending, settings)))
    lines.append(_("<b>Balance</b> (accepted, not yet paid): {amount}",
                   amount=money_text(_, balance, settings)))
    return "\n".join(lines)


def guild_earnings(_: Translator, name: str, periods: list[tuple[str, int, int]],
                   pending_gross: int, commission_bp: int, settings: Settings) -> str:
    lines = [_("<b>{name}: earnings</b> (commission {percent}%)", name=name,
               percent=percent(commission_bp))]
    for key, members, commission in periods:
        lines.append(_("{period}: members {members}, commission {commission}",
                       period=_(PERIOD_NAMES[key]), members=money_text(_, members, settings),
                       commission=money_text(_, commission, settings)))
    lines.append(_("Waiting for review: {amount} (gross)",
                   amount=money_text(_, pending_gross, settings)))
    return "\n".join(lines)


def again_keyboard(_: Translator, slot: int) -> Keyboard:
    return keyboard([button(_("Record it again"), PAYOUT_AGAIN.data("again", slot))])
