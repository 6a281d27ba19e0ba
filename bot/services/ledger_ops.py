"""Bonuses and corrections: ledger lines an admin records by hand, outside any task, each with
the reason the worker is told and, optionally, a reference that records it once."""

from __future__ import annotations

from bot.domain.errors import N_, BelowZero, ReferenceUsed, RepeatedLine, UnknownUser
from bot.domain.ledger_ops import parse_change
from bot.domain.money_out import REFERENCE_MAX
from bot.domain.statuses import LedgerKind
from bot.domain.text import NOTE_MAX, clean_text
from bot.domain.zones import Moment
from bot.outcomes import LedgerLineMade, MemberRef
from bot.services.base import Service
from bot.services.money import REPEAT_WINDOW
from bot.views import ledger_ops as views
from storage import ledger as ledger_repo
from storage import users as users_repo

KIND_NAMES = {LedgerKind.PAYOUT: N_("payout"), LedgerKind.BONUS: N_("bonus"),
              LedgerKind.ADJUSTMENT: N_("correction")}


class LedgerOpsService(Service):
    async def record(self, admin_id: int, kind: LedgerKind, target: MemberRef,
                     amount_text: str, reason: str, reference: str | None, *,
                     below_zero: bool = False, again: bool = False) -> LedgerLineMade:
        """A bonus (above zero) or a correction (either sign), at most the cap: one line,
        audited, its worker told, in one transaction. A reference used before (by any line, a
        payout's too) is refused, naming the earlier line. Without a reference, the same line
        within REPEAT_WINDOW needs `again` (a lost reply must not credit twice); a correction
        below zero needs `below_zero`."""
        self._require_admin(admin_id)
        settings = self._settings
        amount = parse_change(amount_text, settings.currency_exponent,
                              settings.bonus_cap_minor, settings.currency,
                              signed=kind is LedgerKind.ADJUSTMENT)
        note = clean_text(reason, NOTE_MAX) or ""
        reference = clean_text(reference, REFERENCE_MAX) or None
        async with self._db.transaction() as tx:
            user = await self._users.find(target, tx)
            if user is None:
                raise UnknownUser(who=target.shown)
            if reference is not None and (
                    used := await ledger_repo.by_reference(tx, reference)) is not None:
                used_kind, used_user, used_amount, used_at = used
                person = await users_repo.get(tx, used_user)
                raise ReferenceUsed(
                    reference=reference, when=Moment(used_at, await self.zone_of(admin_id)),
                    kind=KIND_NAMES.get(LedgerKind(used_kind), N_("credit")),
                    amount=self._money(abs(used_amount)),
                    who=person.mention if person else str(used_user))
            last = None if reference is not None or again else await ledger_repo.last_same(
                tx, user.id, kind, amount, note, self._now() - REPEAT_WINDOW)
            if last is not None:
                raise RepeatedLine(kind=KIND_NAMES[kind], who=user.mention,
                                   amount=self._money(amount),
                                   minutes=max(1, (self._now() - last + 59) // 60))
            balance = await ledger_repo.balance(tx, user.id)
            after = balance + amount
            if amount < 0 and after < 0 and not below_zero:
                raise BelowZero(who=user.mention, balance=self._money(balance),
                                amount=self._money(amount), after=self._money(after))
            await ledger_repo.line(tx, user_id=user.id, kind=kind, amount_minor=amount,
                                   note=note, by=admin_id, now=self._now(),
                                   reference=reference)
            await self._audit(tx, admin_id, f"ledger.{kind}", ("user", user.id),
                              " ".join(str(part) for part in (amount, reference, note) if part))
            await self.tell(tx, user.id, lambda _: views.line_for_worker(
                _, kind, amount, after, note, reference, settings))
        return LedgerLineMade(user, kind, amount, after, note, reference)
