"""The minute sweep: whatever the database says is due, done once by the services that own it.

The sweep only orchestrates. Every action is a conditional write, so a second sweep, a restart
between two sweeps, or two sweeps at once find nothing left to do: an offer expires once, a
reminder goes out once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.services.market import MarketService
from bot.services.offers import OfferService
from bot.services.quotes import QuoteService
from bot.services.results import ResultService
from bot.services.review import ReviewService

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SweepReport:
    offers_expired: list[int] = field(default_factory=list)
    reminders: list[tuple[int, int]] = field(default_factory=list)  # (assignment, hours)
    overdue: list[int] = field(default_factory=list)
    quote_windows: list[int] = field(default_factory=list)
    auto_accepted: list[int] = field(default_factory=list)
    tasks_closed: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any((self.offers_expired, self.reminders, self.overdue, self.quote_windows,
                    self.auto_accepted, self.tasks_closed))


class SweepService:
    def __init__(self, offers: OfferService, results: ResultService, review: ReviewService,
                 quotes: QuoteService, market: MarketService) -> None:
        self._offers = offers
        self._results = results
        self._review = review
        self._quotes = quotes
        self._market = market

    async def sweep(self) -> SweepReport:
        report = SweepReport()
        report.offers_expired = await self._offers.expire_due()
        report.reminders = await self._results.remind_due()
        report.overdue = await self._results.expire_overdue()
        report.quote_windows = await self._quotes.close_due_windows()
        report.auto_accepted = await self._review.auto_accept_due()
        report.tasks_closed = await self._market.close_due_tasks()
        if report:
            log.info("sweep: %s", report)
        return report
