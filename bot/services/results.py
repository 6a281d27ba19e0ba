"""Results: what a worker sends for an assignment, until it is submitted; the deadlines' clock.
"""

from __future__ import annotations

from functools import partial

from bot.clock import from_epoch
from bot.domain.counts import Count
from bot.domain.errors import (
    AssignmentFull,
    AssignmentIncomplete,
    DuplicateResult,
    DuplicateText,
    NothingOpen,
    NothingToUndo,
    OfferNotAcceptedYet,
    ResultTooLarge,
    ResultTypeMismatch,
    WhichAssignment,
)
from bot.domain.ids import Kind, shown_all
from bot.domain.lifecycle import ASSIGNMENT, Actor, AssignmentEvent
from bot.domain.statuses import WORKING, AssignmentStatus
from bot.domain.tasks import RESULT_NAMES
from bot.domain.work import download_limit, result_kind_allowed
from bot.domain.zones import in_quiet
from bot.outcomes import ItemCard, ResultEdited, ResultInput, ResultTaken, TextToConfirm
from bot.services.base import Deps, Service
from bot.services.items import ItemService
from bot.services.lifecycle import isolated
from bot.services.quality import QualityService
from bot.services.review import ReviewService
from bot.views import results as views
from bot.views import review as review_views
from storage import Database, Tx
from storage import guilds as guilds_repo
from storage import users as users_repo
from storage import work as repo
from storage.models import AssignmentRecord

HOUR = 3600
# (column that records it, due no sooner than, due at the latest, hours said)
_REMINDERS = (("reminded_24h_at", HOUR, 24 * HOUR, 24), ("reminded_1h_at", 0, HOUR, 1))


class ResultService(Service):
    def __init__(self, deps: Deps, items: ItemService, quality: QualityService,
                 review: ReviewService) -> None:
        super().__init__(deps)
        self._items = items
        self._quality = quality
        self._review = review

    async def my_assignments(self, worker_id: int) -> list[tuple[AssignmentRecord, int]]:
        found = await repo.for_worker(self._db, worker_id)
        counts = await repo.result_counts(self._db, [a.id for a in found])
        return [(a, counts.get(a.id, 0)) for a in found]

    async def start_submission(self, worker_id: int, assignment_id: int) -> ResultTaken:
        """/submit <assignment>: the assignment the next results are for, if it takes them."""
        assignment = await self._working(self._db, worker_id, assignment_id)
        return ResultTaken(assignment,
                           await repo.result_count(self._db, assignment.id, assignment.round))

    async def add_result(self, worker_id: int, preferred_id: int | None, result: ResultInput,
                         *, confirmed: bool = False) -> ResultTaken | ItemCard | TextToConfirm:
        """Store one result for the assignment the worker chose with /submit, while it still
        takes results; otherwise for their only assignment that does. A text not sent for a
        chosen assignment is only a result once the worker says so (`confirmed`): "hello?"
        is a message, not result 1 of 2."""
        now = self._now()
        async with self._db.transaction() as tx:
            assignment = None
            if preferred_id is not None:
                chosen = await repo.get(tx, preferred_id)
                if chosen is not None and chosen.worker_id == worker_id \
                        and chosen.status in WORKING:
                    assignment = chosen
            if assignment is None:
                assignment = await self._only_working(tx, worker_id)
            self._check_result(assignment, result)
            if assignment.has_items:  # the answer to the item shown
                return await self._items.answer_with(tx, assignment, result)
            have = await repo.result_count(tx, assignment.id, assignment.round)
            if have >= assignment.units:
                raise AssignmentFull(assignment_id=assignment.id, units=assignment.units)
            if result.kind == "text" and not confirmed and assignment.id != preferred_id:
                return TextToConfirm(assignment, have)
            if assignment.status == AssignmentStatus.REJECTED:  # the first result of a rework
                assignment = await self._assignments.move(tx, assignment, AssignmentEvent.REWORK,
                                                          Actor.WORKER)
            stored = await repo.add_result(
                tx, assignment_id=assignment.id, round=assignment.round, kind=result.kind,
                file_id=result.file_id, file_unique_id=result.file_unique_id,
                file_name=result.file_name, mime_type=result.mime_type,
                file_size=result.file_size, text=result.text, chat_message_id=result.message_id,
                now=now)
            if stored is None:
                raise DuplicateText() if result.kind == "text" else DuplicateResult()
        return ResultTaken(assignment, have + 1, stored)

    async def take_back(self, worker_id: int, result_id: int | None = None,
                        assignment_id: int | None = None) -> ResultTaken:
        """Remove button or /undo: a result sent for an assignment still taking results goes
        (the given one, or the newest); a review's carried results and item answers stay."""
        async with self._db.transaction() as tx:
            found = await repo.removable_result(tx, worker_id, result_id, assignment_id)
            if found is None or not await repo.remove_result(tx, found[0]):
                raise NothingToUndo()
            assignment = await self._assignments.get(tx, found[1])
            have = await repo.result_count(tx, assignment.id, assignment.round)
        return ResultTaken(assignment, have)

    async def replace_edited(self, worker_id: int, message_id: int, result: ResultInput
                             ) -> ResultEdited | None:
        """A worker edited a message they sent as a result: before Submit the result becomes
        what the message says now (same checks as a new one); after it, nothing changes.
        None when the message was no result."""
        async with self._db.transaction() as tx:
            found = await repo.result_of_message(tx, worker_id, message_id)
            if found is None:
                return None
            result_id, assignment_id, round = found
            assignment = await self._assignments.get(tx, assignment_id)
            position = await repo.result_position(tx, result_id, assignment_id, round)
            if assignment.status not in WORKING or assignment.round != round:
                return ResultEdited(assignment, position, replaced=False)
            self._check_result(assignment, result)
            if not await repo.replace_result(
                    tx, result_id, assignment_id=assignment_id, round=round, kind=result.kind,
                    file_id=result.file_id, file_unique_id=result.file_unique_id,
                    file_name=result.file_name, mime_type=result.mime_type,
                    file_size=result.file_size, text=result.text):
                raise DuplicateResult()
        return ResultEdited(assignment, position, replaced=True)

    async def submit(self, worker_id: int, assignment_id: int | None) -> AssignmentRecord:
        """/done or Submit: with every result in, the assignment goes to review (to the
        guild's pre-check first, where the guild asks for one)."""
        now = self._now()
        async with self._db.transaction() as tx:
            if assignment_id is None:
                assignment = await self._only_working(tx, worker_id)
            else:
                assignment = await self._assignments.own(tx, worker_id, assignment_id)
            self._assignments.check(assignment, AssignmentEvent.SUBMIT, Actor.WORKER)
            have = await repo.result_count(tx, assignment.id, assignment.round)
            if have < assignment.units:
                raise AssignmentIncomplete(assignment_id=assignment.id, have=have,
                                           units=Count(assignment.units, "result"))
            guild = await guilds_repo.get(tx, assignment.guild_id)
            assignment = await self._assignments.move(
                tx, assignment, AssignmentEvent.SUBMIT, Actor.WORKER, submitted_at=now,
                needs_precheck=int(bool(guild and guild.precheck)))
            worker = await users_repo.get(tx, worker_id)
            # The leader who pre-checks it is asked at once instead (with the buttons).
            await self._digest_assignment(
                tx, assignment, "submit",
                partial(review_views.submitted_for_guild, a=assignment, worker=worker),
                leader=not assignment.precheck)
            if await self._quality.after_submit(tx, assignment):  # decided on its checks
                return await self._assignments.get(tx, assignment.id)
            submitted = assignment
            if submitted.precheck:
                await self._review.ask_precheck(tx, submitted, submitted.leader_id)
            else:
                await self._tell_admins(
                    tx, lambda _: review_views.submitted_for_admins(_, submitted))
        return assignment

    async def _working(self, tx: Tx | Database, worker_id: int, assignment_id: int
                       ) -> AssignmentRecord:
        assignment = await self._assignments.own(tx, worker_id, assignment_id)
        if assignment.status == AssignmentStatus.OFFERED:
            raise OfferNotAcceptedYet(assignment_id=assignment_id)
        if assignment.status not in WORKING:
            raise self._assignments.refusal(assignment)
        return assignment

    async def _only_working(self, tx: Tx, worker_id: int) -> AssignmentRecord:
        """The worker's one assignment that takes results (several: they must choose)."""
        working = await repo.for_worker(tx, worker_id, WORKING)
        if not working:
            offered = await repo.for_worker(tx, worker_id, (AssignmentStatus.OFFERED,))
            if offered:
                raise OfferNotAcceptedYet(assignment_id=offered[0].id)
            raise NothingOpen()
        if len(working) > 1:
            raise WhichAssignment(ids=shown_all(Kind.ASSIGNMENT, (a.id for a in working)))
        return working[0]

    def _check_result(self, assignment: AssignmentRecord, result: ResultInput) -> None:
        if not result_kind_allowed(assignment.result_type, result.kind, result.mime_type):
            raise ResultTypeMismatch(task_id=assignment.task_id,
                                     expected=RESULT_NAMES[assignment.result_type],
                                     got=RESULT_NAMES[result.kind])
        limit = download_limit(self._settings.bot_api_base_url)
        if result.file_size is not None and result.file_size > limit:
            raise ResultTooLarge(size=f"{result.file_size / 1048576:.1f}",
                                 limit=limit // 1048576)

    # --- the clock ----------------------------------------------------------------------------

    async def remind_due(self) -> list[tuple[int, int]]:
        """One reminder 24 h and one 1 h before the deadline: (assignment, hours) sent."""
        sent = []
        now = self._now()
        for column, earliest, latest, hours in _REMINDERS:
            for assignment_id in await repo.due_for_reminder(self._db, now, column, earliest,
                                                             latest):
                with isolated("reminder", assignment_id):
                    async with self._db.transaction() as tx:
                        a = await self._assignments.get(tx, assignment_id)
                        zone = await self.zone_of(a.worker_id)
                        if in_quiet(from_epoch(now), self._settings.quiet_hours, zone):
                            continue  # not at night: a later sweep sends it, if still due
                        if not await repo.mark_reminded(tx, assignment_id, column, now):
                            continue
                        have = await repo.result_count(tx, a.id, a.round)
                        await self.tell(
                            tx, a.worker_id,
                            partial(views.reminder, a=a, have=have, hours=hours, zone=zone),
                            dedupe_key=f"reminder:{column}:{assignment_id}")
                    sent.append((assignment_id, hours))
        return sent

    async def expire_overdue(self) -> list[int]:
        """Work not submitted by the deadline: expired, units back, worker and leader told."""
        async def expire(tx: Tx, found: AssignmentRecord) -> None:
            a = await self._assignments.move(tx, found, AssignmentEvent.OVERDUE, Actor.CLOCK,
                                             decided_at=self._now())
            worker = await users_repo.get(tx, a.worker_id)
            await self.tell(tx, a.worker_id, partial(views.overdue_worker, a=a))
            await self.tell(tx, a.leader_id, partial(views.overdue_leader, a=a, worker=worker))

        sources = ASSIGNMENT.sources(AssignmentEvent.OVERDUE)
        due = await repo.overdue(self._db, self._now(), sources)
        return await self._assignments.each_due(self._db, due, sources, expire)
