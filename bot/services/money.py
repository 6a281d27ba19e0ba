"""Money out of the ledger: payouts recorded by admins, and earnings as workers and guilds see
them."""

from __future__ import annotations

from datetime import datetime

from bot.clock import to_epoch
from bot.domain.errors import PayoutOverBalance, RepeatedPayout, UnknownUser
from bot.domain.periods import earnings_starts
from bot.domain.statuses import LedgerKind
from bot.domain.tasks import parse_price
from bot.domain.text import NOTE_MAX, clean_text
from bot.domain.work import credit_for
from bot.outcomes import Earnings, GuildEarnings, MemberRef, PayoutMade
from bot.services.base import Deps, Service
from bot.services.guilds import GuildService
from bot.views import money as views
from storage import Tx
from storage import ledger as ledger_repo
from storage import work as repo

REPEAT_WINDOW = 10 * 60  # seconds in which the same payout again needs a confirmation


def _windows(starts: list[tuple[str, datetime | None]]) -> list[ledger_repo.Window]:
    """Each period from its start (inclusive: one second before it is excluded) to now."""
    return [(None if start is None else to_epoch(start) - 1, None) for _key, start in starts]


class MoneyService(Service):
    def __init__(self, deps: Deps, guilds: GuildService) -> None:
        super().__init__(deps)
        self._guilds = guilds

    async def payout(self, admin_id: int, target: MemberRef, amount_text: str,
                     note: str | None, *, again: bool = False) -> PayoutMade:
        """Record money paid to a user outside the bot, never above their balance. The same
        payout a second time within REPEAT_WINDOW is refused unless `again` says it is meant
        (a lost reply must not turn into a second payment)."""
        self._require_admin(admin_id)
        amount = parse_price(amount_text, self._settings.currency_exponent)
        note = clean_text(note, NOTE_MAX)
        now = self._now()
        async with self._db.transaction() as tx:
            user = await self._users.find(target, tx)
            if user is None:
                raise UnknownUser(who=target.shown)
            last = await ledger_repo.last_same(tx, user.id, LedgerKind.PAYOUT, -amount, note,
                                          now - REPEAT_WINDOW)
            if last is not None and not again:
                raise RepeatedPayout(who=user.mention, amount=self._money(amount),
                                     minutes=max(1, (now - last + 59) // 60))
            balance = await ledger_repo.balance(tx, user.id)
            if amount > balance:
                raise PayoutOverBalance(who=user.mention,
                                        balance=self._money(balance),
                                        amount=self._money(amount))
            await self.record_payout(tx, admin_id, user.id, amount, note, balance - amount)
        return PayoutMade(user, amount, balance - amount)

    async def record_payout(self, tx: Tx, admin_id: int, user_id: int, amount: int,
                            note: str | None, balance_after: int,
                            reference: str | None = None) -> None:
        """One payout line, audited, and its user told, in the caller's transaction (checked
        there against the balance; a reference used before is refused by its unique index).
        """
        await ledger_repo.payout(tx, user_id=user_id, amount_minor=amount, note=note,
                                 by=admin_id, now=self._now(), reference=reference)
        await self._audit(tx, admin_id, "ledger.payout", ("user", user_id),
                          " ".join(str(part) for part in (amount, reference, note) if part))
        await self.tell(tx, user_id, lambda _: views.payout_for_worker(
            _, amount, balance_after, note, self._settings, reference))

    async def earnings(self, user_id: int) -> Earnings:
        starts = earnings_starts(self._clock.now(), await self.zone_of(user_id))
        sums = await ledger_repo.period_sums(self._db, ledger_repo.PARTS, _windows(starts),
                                             owner="user_id", owner_ids=[user_id])
        periods = sums.get(user_id, [[0] * len(ledger_repo.PARTS) for _ in starts])
        pending = sum(credit_for(1, gross, bp).worker_minor
                      for gross, bp in await repo.pending_gross(self._db, user_id))
        balance = await ledger_repo.balance(self._db, user_id)
        return Earnings([(key, earned, bonus, adjusted, -paid)
                         for (key, _), (earned, bonus, adjusted, paid)
                         in zip(starts, periods, strict=True)], pending, balance)

    async def guild_earnings(self, chat_id: int, user_id: int) -> GuildEarnings:
        guild = await self._guilds.member_guild(chat_id, user_id)
        starts = earnings_starts(self._clock.now(), await self.zone_of(guild.leader_id))
        sums = await ledger_repo.period_sums(
            self._db, [ledger_repo.SHARES, ledger_repo.COMMISSION], _windows(starts),
            owner="guild_id", owner_ids=[guild.id])
        periods = sums.get(guild.id, [[0, 0] for _ in starts])
        return GuildEarnings(guild, [(key, members, commission) for (key, _),
                                     (members, commission) in zip(starts, periods, strict=True)],
                             await repo.guild_pending_gross(self._db, guild.id))
