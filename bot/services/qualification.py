"""Qualification tests: a worker earns a skill by answering a short item task whose answers are
all known (`qualifies: <skill>` in the task form), in their private chat.

`/qualify <skill>` gives the worker the whole test as an assignment of their guild (paid
nothing, not counted in scores or summaries), answered item by item like any item task. On
Submit it is graded at once and closed: at least the task's threshold right grants the skill;
with fewer the test can be taken again a day later.
"""

from __future__ import annotations

import random
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.clock import from_epoch
from bot.domain.errors import NoTestForSkill, NotGuildMemberAnywhere, TestRetryLater
from bot.domain.lifecycle import Actor, AssignmentEvent
from bot.domain.quality import passes
from bot.domain.statuses import OPEN_ASSIGNMENT, AssignmentStatus
from bot.hooks import allocation_data, task_key
from bot.outcomes import ItemCard
from bot.services.base import Deps, Service
from bot.views import quality as views
from storage import Tx
from storage import guilds as guilds_repo
from storage import items as items_repo
from storage import market as market_repo
from storage import quality as repo
from storage import work as work_repo
from storage.db import Reader
from storage.models import AssignmentRecord, TaskRecord

RETRY_AFTER = 24 * 3600


def when(epoch: int, zone: ZoneInfo) -> str:
    """A moment in the worker's time zone, as the test's notices name it."""
    return from_epoch(epoch).astimezone(zone).strftime("%Y-%m-%d %H:%M")


class Skills(Protocol):
    """What a test needs of the skills: that one may test for it, and the grant."""

    async def check_testable(self, db: Reader, user_id: int, name: str) -> None: ...

    async def grant_in(self, tx: Tx, user_id: int, name: str, source: str,
                       by: int | None) -> bool: ...


class QualificationService(Service):
    def __init__(self, deps: Deps, skills: Skills) -> None:
        super().__init__(deps)
        self._skills = skills

    async def take(self, worker_id: int, skill: str) -> ItemCard:
        """/qualify <skill>: the test's card (the one under way, or a new one)."""
        name = skill.strip().lower()
        now = self._now()
        async with self._db.transaction() as tx:
            await self._skills.check_testable(tx, worker_id, name)
            test = await repo.test_for(tx, name)
            if test is None:
                raise NoTestForSkill(skill=name)
            found = await repo.last_attempt(tx, test.id, worker_id)
            if found is not None:
                last, decided_at = found
                if last.status in OPEN_ASSIGNMENT:
                    return await self._card(tx, last, test)
                if last.status == AssignmentStatus.CANCELLED and decided_at is not None \
                        and now < decided_at + RETRY_AFTER:
                    raise TestRetryLater(skill=name, when=when(
                        decided_at + RETRY_AFTER, await self.zone_of(worker_id)))
            membership = await guilds_repo.membership(tx, worker_id)
            if membership is None:
                raise NotGuildMemberAnywhere()
            guild = membership[0]
            allocation = await market_repo.insert_allocation(
                tx, task_id=test.id, guild_id=guild.id, units=test.item_count,
                unit_price_minor=test.price_minor, source="claim", quote_id=None,
                created_by=worker_id, now=now)
            await self._hooks.emit(tx, "task.allocated", task_key(test.id), allocation_data(
                allocation, test, guild.id, test.item_count, test.price_minor, None))
            # The test's price is only stored: grading never credits (see `grade`).
            assignment_id = await work_repo.insert(
                tx, task_id=test.id, allocation_id=allocation, guild_id=guild.id,
                worker_id=worker_id, units=test.item_count, unit_price_minor=test.price_minor,
                commission_bp=0, assigned_by=worker_id, now=now, offer_expires_at=now,
                due_at=test.deadline_at)
            ids = await repo.all_items(tx, test.id)
            random.Random(f"test:{test.id}:{worker_id}").shuffle(ids)
            await items_repo.hold(tx, assignment_id, ids)
            await items_repo.set_cursor(tx, assignment_id, 1)
            offered = await self._assignments.get(tx, assignment_id)
            taken = await self._assignments.move(tx, offered, AssignmentEvent.TAKE,
                                                 Actor.WORKER, started_at=now)
            await self._audit(tx, worker_id, "skill.test", ("task", test.id), name)
            return await self._card(tx, taken, test)

    async def grade(self, tx: Tx, a: AssignmentRecord, test: TaskRecord, total: int,
                    wrong: int) -> None:
        """A test submitted: the skill at the pass mark, else closed (again in a day)."""
        assert test.qualifies is not None
        skill, now = test.qualifies, self._now()
        # Passed or not, the test closes unpaid and uncounted (no units accepted).
        await self._assignments.move(tx, a, AssignmentEvent.CLOSE_TEST, Actor.CLOCK,
                                     decided_at=now)
        if passes(total, wrong, test.threshold_pct) and total:
            await self._skills.grant_in(tx, a.worker_id, skill, "test", None)
            await self.tell(tx, a.worker_id, lambda _: views.test_passed(
                _, skill, total - wrong, total))
        else:
            again = when(now + RETRY_AFTER, await self.zone_of(a.worker_id))
            await self.tell(tx, a.worker_id, lambda _: views.test_failed(
                _, skill, total - wrong, total, test.threshold_pct, again))
        await self._audit(tx, 0, "skill.test_graded", ("assignment", a.id),
                          f"{skill} right={total - wrong}/{total}")

    async def _card(self, db: Reader, a: AssignmentRecord, test: TaskRecord) -> ItemCard:
        return ItemCard(a, test, await items_repo.held(db, a.id, a.round), a.item_cursor)
