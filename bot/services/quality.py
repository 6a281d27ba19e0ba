"""Quality control: control answers checked on submission, items answered by several workers
(overlap) aggregated, and the decisions that need no admin.

- A submission whose control answers are right less often than the task's threshold is
  rejected at once; the reason says how many were wrong, never which. A worker who fails the
  controls `CONTROL_BAN_AFTER` times in a row is kept off the task's skills (or, where it needs
  none, the task) for a day: a ban, which also returns their open work there to the pool.
- Under overlap, a submission is judged once every item it holds has its answers: it agrees
  when its items have a majority answer and its own answers match them at the threshold's
  share. One that does not is marked disputed, and the admins' review shows it first.
- With `auto_accept: quality`, what passes (and agrees) is accepted and paid without an admin;
  where the guild pre-checks, after the leader passed it on.
"""

from __future__ import annotations

from typing import Protocol

from bot.domain.quality import Aggregate, aggregate, agreement, passes, tally_items
from bot.domain.statuses import AssignmentStatus
from bot.i18n import texts_for
from bot.outcomes import ItemAnswer, TaskAnswers
from bot.services.base import Deps, Service
from bot.services.lifecycle import isolated
from bot.services.qualification import QualificationService
from bot.services.review import ReviewService
from bot.views import quality as views
from storage import Tx
from storage import quality as repo
from storage import users as users_repo
from storage.models import AssignmentRecord, TaskRecord

DAY = 24 * 3600


class Bans(Protocol):
    """What an automatic ban needs: one, inside the caller's transaction."""

    async def ban_in(self, tx: Tx, *, user_id: int, scope: str, ref: str | None, until: int,
                     reason: str, by: int | None) -> int: ...


class QualityService(Service):
    def __init__(self, deps: Deps, review: ReviewService, tests: QualificationService,
                 bans: Bans) -> None:
        super().__init__(deps)
        self._review, self._tests, self._bans = review, tests, bans

    async def after_submit(self, tx: Tx, a: AssignmentRecord) -> bool:
        """Check a submission as it arrives; True when that decided it (rejected on its
        controls, or accepted), so nobody is asked to review it."""
        task = await self._tasks.get(tx, a.task_id)
        if not task.quality:
            return False
        total, wrong = await repo.control_outcome(tx, a.id, a.round)
        if task.qualifies is not None:
            await self._tests.grade(tx, a, task, total, wrong)
            return True
        passed = passes(total, wrong, task.threshold_pct)
        if task.control_count:
            await repo.record_check(tx, assignment_id=a.id, round=a.round, worker_id=a.worker_id,
                                    guild_id=a.guild_id, task_id=task.id, total=total,
                                    wrong=wrong, passed=passed, now=self._now())
        if not passed:
            await self._reject(tx, a, task, total, wrong)
            return True
        if task.overlap == 1:
            return await self._accept_if_allowed(tx, a, task)
        mine = await repo.my_answers(tx, a.id, a.round)
        decided = False
        for other in await repo.waiting_with(tx, list(mine)):  # theirs may be complete now
            accepted = await self._judge(tx, await self._assignments.get(tx, other), task)
            decided = decided or (accepted and other == a.id)
        return decided

    async def decide_due(self) -> list[int]:
        """For the clock: submissions of tasks that accept on quality, passed on by their
        guild's pre-check since, or whose items got their answers meanwhile."""
        decided = []
        for assignment_id in await repo.undecided(self._db):
            with isolated("quality decision", assignment_id):
                async with self._db.transaction() as tx:
                    a = await self._assignments.get(tx, assignment_id)
                    if a.status != AssignmentStatus.SUBMITTED:
                        continue
                    task = await self._tasks.get(tx, a.task_id)
                    if await (self._judge(tx, a, task) if task.overlap > 1
                              else self._accept_if_allowed(tx, a, task)):
                        decided.append(assignment_id)
        return decided

    async def answers(self, admin_id: int, task_id: int) -> TaskAnswers:
        """Each ordinary item's answer from the answers it got, with its confidence."""
        self._require_admin(admin_id)
        task = await self._tasks.get(self._db, task_id)
        rows = await repo.votes(self._db, task.id, lambda found: (
            ItemAnswer(key, sample, result) for key, result, sample in tally_items(found)))
        return TaskAnswers(task, rows)

    async def _judge(self, tx: Tx, a: AssignmentRecord, task: TaskRecord) -> bool:
        """A submission under overlap, once every item it holds has its answers: disputed or
        not, and accepted where the task allows it; True when accepted."""
        if a.status != AssignmentStatus.SUBMITTED:
            return False
        mine = await repo.my_answers(tx, a.id, a.round)
        answers = await repo.answers_to(tx, list(mine))
        if any(len(given) < task.overlap for given in answers.values()):
            return False  # some item waits for another worker's answer
        items: dict[int, Aggregate] = {item: aggregate(given) for item, given in answers.items()}
        agree, agreed = agreement(mine, items)
        disputed = agreed < len(mine) or agree * 100 < task.threshold_pct * len(mine)
        await repo.set_disputed(tx, a.id, disputed)
        return not disputed and await self._accept_if_allowed(tx, a, task)

    async def _accept_if_allowed(self, tx: Tx, a: AssignmentRecord, task: TaskRecord) -> bool:
        if task.auto_accept != "quality" or (a.precheck and a.prechecked_at is None):
            return False
        await self._review.accept_on_quality(tx, a)
        return True

    async def _reject(self, tx: Tx, a: AssignmentRecord, task: TaskRecord, total: int,
                      wrong: int) -> None:
        """Back for rework, saying how many control answers were wrong (never which); kept
        off the task's skills (or, needing none, the task) for a day after failing
        `CONTROL_BAN_AFTER` checks in a row there."""
        worker = await users_repo.get(tx, a.worker_id)
        _ = texts_for(worker.lang if worker else None)
        reason = views.controls_failed(_, wrong, total, task.threshold_pct)
        after = self._settings.control_ban_after
        scopes = [("skill", name, await repo.tasks_needing(tx, name))
                  for name in task.skill_names] or [("task", str(task.id), [task.id])]
        kept_off = []
        for scope, ref, tasks in scopes if after else []:
            recent = await repo.recent_checks(tx, a.worker_id, tasks, after, scope, ref)
            if len(recent) == after and not any(recent):  # failed `after` times in a row
                kept_off.append((scope, ref))
        # Kept off: the ban's notice says why, and takes the rework back; no "answer again".
        await self._review.reject_on_quality(tx, a, reason, tell=not kept_off)
        for scope, ref in kept_off:
            await self._bans.ban_in(tx, user_id=a.worker_id, scope=scope, ref=ref,
                                    until=self._now() + DAY,
                                    reason=views.kept_off(_, after, wrong, total), by=None)
