"""Bulk payouts: an admin's CSV file of payouts, checked line by line (the dry run), then
recorded in one transaction, each line once by its reference."""

from __future__ import annotations

from bot.domain import money_out as rules
from bot.domain.zones import Moment
from bot.outcomes import PayoutPlan
from bot.services.base import Deps, Service
from bot.services.money import MoneyService
from storage import money_out as repo
from storage import users as users_repo
from storage.db import Reader


class PayoutService(Service):
    def __init__(self, deps: Deps, money: MoneyService) -> None:
        super().__init__(deps)
        self._money_service = money

    async def dry_run(self, admin_id: int, data: bytes) -> PayoutPlan:
        """What the file would pay, and every line that can't be paid, with the reason."""
        self._require_admin(admin_id)
        lines = rules.read_payout_file(data, self._settings.currency_exponent)
        await self._check(self._db, admin_id, lines)
        return PayoutPlan(lines)

    async def confirm(self, admin_id: int, data: bytes) -> PayoutPlan:
        """The same file checked again and, when every line still holds, recorded in one
        transaction with its notices: nothing is paid when any line fails."""
        self._require_admin(admin_id)
        lines = rules.read_payout_file(data, self._settings.currency_exponent)
        async with self._db.transaction() as tx:
            balances = await self._check(tx, admin_id, lines)
            if not rules.payable(lines):
                return PayoutPlan(lines)
            for line in lines:
                assert line.user_id is not None and line.amount is not None
                balances[line.user_id] = balances.get(line.user_id, 0) - line.amount
                await self._money_service.record_payout(tx, admin_id, line.user_id, line.amount,
                                                line.note, balances[line.user_id],
                                                line.reference)
        return PayoutPlan(lines, paid=True)

    async def _check(self, db: Reader, admin_id: int, lines: list[rules.PayoutLine]
                     ) -> dict[int, int]:
        """Who each line names, the balances and the references used before, read in a few
        grouped queries; the lines get their problems. The balances are returned."""
        keys = [rules.user_key(line.user) for line in lines]
        ids: dict[int | str, list[int]] = {}
        numbers = [key for key in keys if isinstance(key, int)]
        known = await repo.known_ids(db, numbers)
        ids.update({number: [number] for number in numbers if number in known})
        ids.update(await repo.ids_by_username(db, [k for k in keys if isinstance(k, str)]))
        found = await repo.used_references(
            db, [line.reference for line in lines if line.reference])
        people = await users_repo.get_many(db, sorted({u.user_id for u in found.values()}))
        zone = await self.zone_of(admin_id)
        used = {ref: rules.Used(
                    people[u.user_id].mention if u.user_id in people else str(u.user_id),
                    self._money(u.amount_minor), Moment(u.created_at, zone))
                for ref, u in found.items()}
        balances = await repo.balances(db, [i for found_ids in ids.values() for i in found_ids])
        rules.check_payouts(lines, ids, balances, used, self._money)
        return balances
