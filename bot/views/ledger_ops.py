"""Texts for bonuses and corrections: the admin's reply, the worker's notice."""

from __future__ import annotations

from bot.buttons import LEDGER_CONFIRM
from bot.config import Settings
from bot.domain.statuses import LedgerKind
from bot.i18n import Html, Translator
from bot.outcomes import LedgerLineMade
from bot.views.common import Keyboard, button, keyboard, money_text, signed


def line_reply(_: Translator, made: LedgerLineMade, settings: Settings) -> Html:
    values = {"who": made.user.mention, "id": made.user.id,
              "balance": money_text(_, made.balance, settings)}
    if made.kind == LedgerKind.BONUS:
        text: str = _("🎁 Bonus of {amount} to {who} (id {id}) recorded. Their balance is now "
                      "{balance}.", amount=money_text(_, made.amount, settings), **values)
    else:
        text = _("✏️ Correction of {amount} to {who} (id {id}) recorded. Their balance is now "
                 "{balance}.", amount=signed(_, made.amount, settings), **values)
    return Html(text + _with_reference(_, made.reference))


def line_for_worker(_: Translator, kind: str, amount: int, balance: int, reason: str,
                    reference: str | None, settings: Settings) -> Html:
    balance_text = money_text(_, balance, settings)
    if kind == LedgerKind.BONUS:
        text: str = _("🎁 You got a bonus of {amount}: {reason}\nYour balance is now {balance}.",
                      amount=money_text(_, amount, settings), reason=reason,
                      balance=balance_text)
    else:
        text = _("✏️ Your balance was corrected by {amount}: {reason}\nYour balance is now "
                 "{balance}.", amount=signed(_, amount, settings), reason=reason,
                 balance=balance_text)
    return Html(text + _with_reference(_, reference))


def _with_reference(_: Translator, reference: str | None) -> str:
    return "\n" + _("Reference: {reference}", reference=reference) if reference else ""


def below_zero_keyboard(_: Translator, slot: int) -> Keyboard:
    return keyboard([button(_("Correct it below zero"), LEDGER_CONFIRM.data("below_zero", slot))])


def again_keyboard(_: Translator, slot: int) -> Keyboard:
    return keyboard([button(_("Record it again"), LEDGER_CONFIRM.data("again", slot))])
