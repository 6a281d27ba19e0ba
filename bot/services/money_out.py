"""Money out as files: a worker's /statement and the admins' /payroll (bulk payouts are
bot/services/payouts.py)."""

from __future__ import annotations

from bot.clock import to_epoch
from bot.domain.money_out import payroll_period
from bot.outcomes import Payroll, Statement
from bot.services.base import Service
from storage import money_out as repo


class MoneyOutService(Service):
    async def statement(self, user_id: int) -> Statement:
        """Every ledger line of the caller's own, in their time zone."""
        return Statement(await repo.statement(self._db, user_id), await self.zone_of(user_id))

    async def payroll(self, admin_id: int, args: list[str]) -> Payroll:
        """Per worker and per guild for the period, in the admin's time zone; grouped queries
        on the reader connection, so the writer never waits for it."""
        self._require_admin(admin_id)
        zone = await self.zone_of(admin_id)
        period = payroll_period(args, self._clock.now(), zone)
        start, end = to_epoch(period.start), to_epoch(period.end)
        return Payroll(period, zone, await repo.payroll(self._db, start, end),
                       await repo.guild_commissions(self._db, start, end))
