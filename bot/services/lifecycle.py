"""The owners of the assignment and task lifecycles: the only code that moves their states.

Each move asks `bot.domain.lifecycle` whether the event may happen in the state found and who
may trigger it, then makes it one conditional write from the event's source states. Services
call these; the sweep and the market only orchestrate.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager

from bot.domain.errors import (
    AssignmentInState,
    AssignmentNotFound,
    NotYourAssignment,
    TaskNotFound,
    TaskNotOpen,
)
from bot.domain.lifecycle import ASSIGNMENT, TASK, Actor, AssignmentEvent, TaskEvent
from bot.domain.statuses import ASSIGNMENT_NAMES, TASK_NAMES, TaskStatus
from bot.hooks import HookEvents, submission_data, task_key
from storage import Database, Tx
from storage import market as market_repo
from storage import work as repo
from storage.db import Reader
from storage.models import AssignmentRecord, TaskRecord

log = logging.getLogger(__name__)


@contextmanager
def isolated(what: str, item: object) -> Iterator[None]:
    """One item of a clock run: if it fails, it is logged and skipped (it comes up again next
    time), and the run goes on with the others."""
    try:
        yield
    except Exception:
        log.exception("clock: %s %s failed; skipped", what, item)


# The moves the hook receiver hears of, as the event each is (a guild's pre-check sending a
# submission back is a rejection too; a settled part rework is an acceptance of what stood).
_HOOKED = {AssignmentEvent.SUBMIT: "submission.submitted",
           AssignmentEvent.ACCEPT: "submission.accepted",
           AssignmentEvent.AUTO_ACCEPT: "submission.accepted",
           AssignmentEvent.SETTLE: "submission.accepted",
           AssignmentEvent.REJECT: "submission.rejected",
           AssignmentEvent.SEND_BACK: "submission.rejected"}


class Assignments:
    def __init__(self, hooks: HookEvents | None = None) -> None:
        self._hooks = hooks or HookEvents()

    async def get(self, db: Reader, assignment_id: int) -> AssignmentRecord:
        found = await repo.get(db, assignment_id)
        if found is None:
            raise AssignmentNotFound(assignment_id=assignment_id)
        return found

    async def own(self, db: Reader, worker_id: int, assignment_id: int) -> AssignmentRecord:
        """The worker's own assignment (anyone else's is refused as not theirs)."""
        return self.mine(await repo.get(db, assignment_id), worker_id, assignment_id)

    @staticmethod
    def mine(found: AssignmentRecord | None, worker_id: int, assignment_id: int
             ) -> AssignmentRecord:
        """`found` (read by the caller), if it is the worker's own assignment."""
        if found is None:
            raise AssignmentNotFound(assignment_id=assignment_id)
        if found.worker_id != worker_id:
            raise NotYourAssignment(assignment_id=assignment_id)
        return found

    @staticmethod
    def refusal(assignment: AssignmentRecord) -> AssignmentInState:
        return AssignmentInState(assignment_id=assignment.id,
                                 status=ASSIGNMENT_NAMES[assignment.status])

    @staticmethod
    def check(assignment: AssignmentRecord, event: AssignmentEvent, actor: Actor) -> None:
        """Refuse an event the assignment's state (or the actor) does not allow, before any
        other work is done for it."""
        ASSIGNMENT.apply(event, assignment.status, actor, lambda: Assignments.refusal(assignment))

    async def move(self, tx: Tx, assignment: AssignmentRecord, event: AssignmentEvent,
                   actor: Actor, **fields: object) -> AssignmentRecord:
        """Apply `event` to the assignment as read in this transaction; the record after it."""
        self.check(assignment, event, actor)
        sources = ASSIGNMENT.sources(event)
        if event is AssignmentEvent.PASS_PRECHECK:  # the state stays; the pre-check is noted
            by, now = fields["by"], fields["now"]
            assert (by is None or isinstance(by, int)) and isinstance(now, int)
            moved = await repo.mark_prechecked(tx, assignment.id, sources, by, now)
        else:
            # A rejection, by the admins or the guild, starts a new round of results.
            new_round = event in (AssignmentEvent.REJECT, AssignmentEvent.SEND_BACK)
            moved = await repo.transition(tx, assignment.id, sources, ASSIGNMENT.target(event),
                                          new_round=new_round, **fields)
        if not moved:
            raise self.refusal(assignment)
        after = await self.get(tx, assignment.id)
        if (hooked := _HOOKED.get(event)) is not None:
            await self._hooks.emit(tx, hooked, task_key(after.task_id), submission_data(
                assignment, after, fields.get("decided_by"), actor))
        return after

    async def each_due(self, db: Database, ids: Iterable[int], states: Iterable[str],
                       step: Callable[[Tx, AssignmentRecord], Awaitable[None]]) -> list[int]:
        """For the clock: `step` on each assignment still in one of `states`, each in a
        transaction of its own; the ids it was done for."""
        wanted = tuple(states)
        done = []
        for assignment_id in ids:
            with isolated("assignment", assignment_id):
                async with db.transaction() as tx:
                    found = await self.get(tx, assignment_id)
                    if found.status not in wanted:
                        continue  # answered, submitted or reviewed meanwhile
                    await step(tx, found)
                done.append(assignment_id)
        return done

    async def move_all_of_task(self, tx: Tx, task_id: int, event: AssignmentEvent,
                               actor: Actor, now: int) -> list[tuple[int, int]]:
        """Apply `event` to every assignment of the task it applies to; (id, worker) of each."""
        if not ASSIGNMENT.may(event, actor):
            raise AssertionError(f"{actor} may not {event}")
        return await repo.transition_task(tx, task_id, ASSIGNMENT.sources(event),
                                          ASSIGNMENT.target(event), now)


class Tasks:
    async def get(self, db: Reader, task_id: int) -> TaskRecord:
        task = await market_repo.get_task(db, task_id)
        if task is None:
            raise TaskNotFound(task_id=task_id)
        return task

    @staticmethod
    def refusal(task: TaskRecord) -> TaskNotOpen:
        return TaskNotOpen(task_id=task.id, status=TASK_NAMES[task.status])

    async def move(self, tx: Tx, task: TaskRecord, event: TaskEvent, actor: Actor, now: int,
                   reason: str | None = None) -> bool:
        """Apply `event` (COMPLETE, CANCEL or EXPIRE: it closes the task); False when another
        change got there first."""
        TASK.apply(event, task.status, actor, lambda: self.refusal(task))
        return await market_repo.close_task(tx, task.id, from_states=TASK.sources(event),
                                            status=TASK.target(event), reason=reason, now=now)

    async def complete_if_done(self, tx: Tx, task_id: int, actor: Actor, now: int) -> bool:
        """A fully allocated task whose every unit was accepted is completed."""
        task = await self.get(tx, task_id)
        if task.status != TaskStatus.ALLOCATED:
            return False
        if await repo.accepted_units_of_task(tx, task.id) < task.units:
            return False
        return await self.move(tx, task, TaskEvent.COMPLETE, actor, now)
