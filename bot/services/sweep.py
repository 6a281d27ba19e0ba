"""The minute sweep: whatever the database says is due, done once through the services.

Every action is a conditional write, so a second sweep, a restart between two sweeps, or two
sweeps at once find nothing left to do: an offer expires once, a reminder goes out once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.clock import Clock, to_epoch
from bot.domain import work as rules
from bot.services.market import MarketService
from bot.services.work import WorkService
from bot.views import work as views
from storage import Database
from storage import market as market_repo
from storage import users as users_repo
from storage import work as repo

log = logging.getLogger(__name__)
HOUR = 3600
_REMINDERS = (("reminded_24h_at", HOUR, 24 * HOUR, 24), ("reminded_1h_at", 0, HOUR, 1))


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
    def __init__(self, db: Database, clock: Clock, work: WorkService,
                 market: MarketService) -> None:
        self._db = db
        self._clock = clock
        self._work = work
        self._market = market

    def _now(self) -> int:
        return to_epoch(self._clock.now())

    async def sweep(self) -> SweepReport:
        report = SweepReport()
        report.offers_expired = await self.expire_offers()
        report.reminders = await self.send_reminders()
        report.overdue = await self.expire_overdue()
        report.quote_windows = await self._market.close_due_quote_windows()
        report.auto_accepted = await self.auto_accept()
        report.tasks_closed = await self.close_tasks()
        if report:
            log.info("sweep: %s", report)
        return report

    async def expire_offers(self) -> list[int]:
        """Offers nobody answered within the offer window: back to the guild's pool."""
        done = []
        for assignment_id in await repo.offers_past_window(self._db, self._now()):
            async with self._db.transaction() as tx:
                if not await repo.transition(tx, assignment_id, (rules.OFFERED,),
                                             rules.EXPIRED, decided_at=self._now()):
                    continue
                a = await repo.get(tx, assignment_id)
                assert a is not None
                worker = await users_repo.get(tx, a.worker_id)
                await self._work.tell(tx, a.leader_id,
                                      lambda _, a=a, w=worker: views.offer_expired_leader(_, a, w))
                await self._work.tell(tx, a.worker_id,
                                      lambda _, a=a: views.offer_expired_worker(_, a))
            done.append(assignment_id)
        return done

    async def send_reminders(self) -> list[tuple[int, int]]:
        sent = []
        now = self._now()
        for column, earliest, latest, hours in _REMINDERS:
            for assignment_id in await repo.due_for_reminder(self._db, now, column, earliest,
                                                             latest):
                async with self._db.transaction() as tx:
                    if not await repo.mark_reminded(tx, assignment_id, column, now):
                        continue
                    a = await repo.get(tx, assignment_id)
                    assert a is not None
                    have = await repo.result_count(tx, a.id, a.round)
                    zone = await self._work.zone_of(a.worker_id)
                    await self._work.tell(
                        tx, a.worker_id,
                        lambda _, a=a, h=have, z=zone, n=hours: views.reminder(_, a, h, n, z),
                        dedupe_key=f"reminder:{column}:{assignment_id}")
                sent.append((assignment_id, hours))
        return sent

    async def expire_overdue(self) -> list[int]:
        """Work not submitted by the deadline: expired, units back, worker and leader told."""
        done = []
        for assignment_id in await repo.overdue(self._db, self._now()):
            async with self._db.transaction() as tx:
                if not await repo.transition(tx, assignment_id,
                                             (rules.OFFERED, rules.ACCEPTED, rules.REJECTED),
                                             rules.EXPIRED, decided_at=self._now()):
                    continue
                a = await repo.get(tx, assignment_id)
                assert a is not None
                worker = await users_repo.get(tx, a.worker_id)
                await self._work.tell(tx, a.worker_id,
                                      lambda _, a=a: views.overdue_worker(_, a))
                await self._work.tell(tx, a.leader_id,
                                      lambda _, a=a, w=worker: views.overdue_leader(_, a, w))
            done.append(assignment_id)
        return done

    async def auto_accept(self) -> list[int]:
        """Submissions nobody reviewed within the task's review window are accepted and paid."""
        done = []
        for assignment_id in await repo.review_overdue(self._db, self._now()):
            async with self._db.transaction() as tx:
                current = await repo.get(tx, assignment_id)
                if current is None or current.status != rules.SUBMITTED:
                    continue
                await self._work.approve_in(tx, assignment_id, None, by=None, auto=True)
                await users_repo.add_audit(tx, actor_id=0, action="assignment.auto_accept",
                                           target_type="assignment", target_id=assignment_id,
                                           detail=f"review_days={current.review_days}",
                                           now=self._now())
            done.append(assignment_id)
        return done

    async def close_tasks(self) -> list[int]:
        """Tasks past their deadline with nothing left in flight: expired (or completed)."""
        done = []
        for task_id, units in await repo.tasks_to_close(self._db, self._now()):
            async with self._db.transaction() as tx:
                if await repo.submitted_count_for_task(tx, task_id):
                    continue  # results still in review: the clock comes back for it
                approved = await repo.approved_units_of_task(tx, task_id)
                status = "completed" if approved >= units else "expired"
                if not await market_repo.close_task(tx, task_id,
                                                    from_states=("open", "allocated"),
                                                    status=status, reason=None,
                                                    now=self._now()):
                    continue
                await market_repo.close_pending_quotes(tx, task_id, status="expired",
                                                       reason="task deadline passed",
                                                       now=self._now())
            done.append(task_id)
        return done
