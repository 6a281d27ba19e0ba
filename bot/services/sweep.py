"""The minute sweep: whatever the database says is due, done once by the services that own it.

The sweep only orchestrates. Every action is a conditional write, so a second sweep, a restart
between two sweeps, or two sweeps at once find nothing left to do: an offer expires once, a
reminder goes out once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.services.hooks import HookService
from bot.services.lifecycle import isolated
from bot.services.market import MarketService
from bot.services.offers import OfferService
from bot.services.quality import QualityService
from bot.services.quotes import QuoteService
from bot.services.results import ResultService
from bot.services.review import ReviewService
from bot.services.scratch import ScratchService
from bot.services.updates import UpdateService

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SweepReport:
    offers_expired: list[int] = field(default_factory=list)
    reminders: list[tuple[int, int]] = field(default_factory=list)  # (assignment, hours)
    settled: list[int] = field(default_factory=list)  # part reworks paid for what stood
    overdue: list[int] = field(default_factory=list)
    quote_windows: list[int] = field(default_factory=list)
    prechecks_escalated: list[int] = field(default_factory=list)
    quality_decided: list[int] = field(default_factory=list)  # accepted on quality checks
    auto_accepted: list[int] = field(default_factory=list)
    tasks_closed: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any((self.offers_expired, self.reminders, self.settled, self.overdue,
                    self.quote_windows, self.prechecks_escalated, self.quality_decided,
                    self.auto_accepted,
                    self.tasks_closed))


class SweepService:
    def __init__(self, offers: OfferService, results: ResultService, review: ReviewService,
                 quotes: QuoteService, market: MarketService, updates: UpdateService,
                 scratch: ScratchService, quality: QualityService, hooks: HookService) -> None:
        self._offers = offers
        self._results = results
        self._review = review
        self._quotes = quotes
        self._market = market
        self._updates = updates
        self._scratch = scratch
        self._quality = quality
        self._hooks = hooks

    async def sweep(self) -> SweepReport:
        """Each step on its own: one that fails is logged and the others still run (a failing
        item inside a step is skipped the same way)."""
        report = SweepReport()
        steps: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
            ("offers_expired", self._offers.expire_due),
            ("reminders", self._results.remind_due),
            ("settled", self._review.settle_lapsed_reworks),  # before the overdue expire
            ("overdue", self._results.expire_overdue),
            ("prechecks_escalated", self._review.escalate_prechecks),
            ("quote_windows", self._quotes.close_due_windows),
            ("quality_decided", self._quality.decide_due),  # before the review window's
            ("auto_accepted", self._review.auto_accept_due),
            ("tasks_closed", self._market.close_due_tasks),
        ]
        for name, step in steps:
            with isolated("sweep step", name):
                setattr(report, name, await step())
        with isolated("sweep step", "forget old updates"):
            await self._updates.forget_old()
        with isolated("sweep step", "forget abandoned conversations"):
            await self._scratch.forget_old()
        with isolated("sweep step", "forget delivered hook events"):
            await self._hooks.forget_delivered()
        if report:
            log.info("sweep: %s", report)
        return report
