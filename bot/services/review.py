"""Review: the guild's pre-check, the admins' decision, and acceptance when nobody decided.

Acceptance credits the ledger in the same transaction (worker's share and guild commission,
once per assignment); a rejection starts a new round of results.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from bot.domain.errors import (
    NoSuchItemNumber,
    NotAllowed,
    NothingToReview,
    PrecheckLeaderUnreachable,
    ReasonRequired,
    StaleReview,
)
from bot.domain.guilds import can_manage
from bot.domain.lifecycle import ASSIGNMENT, Actor, AssignmentEvent
from bot.domain.statuses import AssignmentStatus, Role
from bot.domain.text import REASON_MAX, clean_text
from bot.domain.work import credit_for
from bot.outcomes import Decided, ReviewItem
from bot.services.base import Deps, Service
from bot.services.guilds import GuildService
from bot.views import review as views
from storage import Tx
from storage import guilds as guilds_repo
from storage import items as items_repo
from storage import ledger as ledger_repo
from storage import quality as quality_repo
from storage import users as users_repo
from storage import work as repo
from storage.db import Reader
from storage.models import AssignmentRecord, GuildRecord, OutboxRow

PRECHECK_KEY = "precheck:"  # a pre-check request's first message: assignment, round, to whom
# `3,7 blurry`: the items (or results) of numbers 3 and 7, then the reason.
_NUMBERS = re.compile(r"(\d{1,6}(?:,\d{1,6})*)(?:\s+|$)")


@dataclass(frozen=True, slots=True)
class Again:
    redo: list[str]  # the items (keys) or results (numbers) done again in the rework
    keep: list[int]  # the results that stand (carried into the rework's round)
    first_item: int | None  # an item task's first item to redo (its position)


class ReviewService(Service):
    def __init__(self, deps: Deps, guilds: GuildService) -> None:
        super().__init__(deps)
        self._guilds = guilds

    @staticmethod
    def _check_round(assignment: AssignmentRecord, round: int | None) -> None:
        """A button names the round it was shown for; a later round was not seen."""
        if round is not None and round != assignment.round:
            raise StaleReview(assignment_id=assignment.id)

    # --- the guild's pre-check ----------------------------------------------------------------

    async def set_precheck(self, chat_id: int, user_id: int, on: bool) -> GuildRecord:
        """/precheck on|off. On only while the leader can be messaged: a request nobody gets
        would keep the work from the admins' review for the whole window."""
        async with self._db.transaction() as tx:
            guild = await self._guilds.acting_guild(chat_id, user_id, db=tx)
            leader = await users_repo.get(tx, guild.leader_id)
            if on and (leader is None or not leader.can_message):
                raise PrecheckLeaderUnreachable(
                    leader=leader.mention if leader else str(guild.leader_id))
            await guilds_repo.set_precheck(tx, guild.id, on)
            await self._audit(tx, user_id, "guild.precheck", ("guild", guild.id),
                              "on" if on else "off")
        return guild

    async def ask_precheck(self, tx: Tx, a: AssignmentRecord, to: int) -> None:
        """The submission to check, for the leader (or a deputy): an item task's answers on one
        page, a count task's results as the worker sent them, then the buttons. If it can't
        be delivered, `on_unreachable` finds someone else."""
        worker = await users_repo.get(tx, a.worker_id)
        items = await items_repo.open_items(tx, a.id, a.round) if a.has_items else []
        results = [] if items else await repo.results(tx, a.id, a.round)
        await self.tell(tx, to, lambda _: views.precheck_request(_, a, worker, items),
                        dedupe_key=f"{PRECHECK_KEY}{a.id}:{a.round}:{to}")
        for found in results:
            if found.file_id is None:  # a text, kept as HTML: the same in any language
                await self._notifier.message(tx, to, found.text or "", user_id=to)
            else:
                await self._notifier.media(tx, to, found.kind, found.file_id,
                                           caption=found.text, user_id=to)
        await self.tell(tx, to, lambda _: views.precheck_footer(_, a),
                        lambda _: views.precheck_keyboard(_, a.id, a.round))

    async def on_unreachable(self, tx: Tx, row: OutboxRow) -> None:
        """A pre-check request the leader (or a deputy) could not be sent: to a deputy who can
        be messaged, else straight to the admins' review, whose window starts now."""
        key = row.dedupe_key
        if not key or not key.startswith(PRECHECK_KEY):
            return
        assignment_id, round, _to = (int(n) for n in key.removeprefix(PRECHECK_KEY).split(":"))
        a = await repo.get(tx, assignment_id)
        if a is None or a.status != AssignmentStatus.SUBMITTED or a.round != round \
                or not a.precheck or a.prechecked_at is not None:
            return
        for member in await guilds_repo.active_members(tx, a.guild_id):
            if member.role == Role.DEPUTY and member.user.can_message:
                await self.ask_precheck(tx, a, member.user.id)
                return
        passed_on = await self._assignments.move(tx, a, AssignmentEvent.PASS_PRECHECK,
                                                 Actor.CLOCK, by=None, now=self._now())
        await self._tell_admins(tx, partial(views.precheck_undeliverable_admins, a=passed_on))
        await self._audit(tx, 0, "assignment.precheck_undeliverable",
                          ("assignment", passed_on.id))

    async def check_precheck(self, leader_id: int, assignment_id: int,
                             reader: Reader | None = None, round: int | None = None
                             ) -> AssignmentRecord:
        """The submission waits for this guild's pre-check, and the caller may do it."""
        reader = reader or self._db
        assignment = await self._assignments.get(reader, assignment_id)
        if not can_manage(await guilds_repo.role_of(reader, assignment.guild_id, leader_id)):
            raise NotAllowed()
        if assignment.status != AssignmentStatus.SUBMITTED or not assignment.precheck \
                or assignment.prechecked_at is not None:
            raise self._assignments.refusal(assignment)
        self._check_round(assignment, round)
        return assignment

    async def precheck(self, leader_id: int, assignment_id: int, passed: bool,
                       reason: str | None = None, round: int | None = None
                       ) -> AssignmentRecord:
        """Pass the submission on to the admins, or send it back with what to fix."""
        now = self._now()
        async with self._db.transaction() as tx:
            assignment = await self.check_precheck(leader_id, assignment_id, tx, round)
            await self._audit(tx, leader_id, "assignment.precheck", ("assignment", assignment_id),
                              "passed" if passed else f"sent back: {reason or ''}".strip())
            if passed:
                passed_on = await self._assignments.move(
                    tx, assignment, AssignmentEvent.PASS_PRECHECK, Actor.LEADER, by=leader_id,
                    now=now)
                await self._tell_admins(tx, lambda _: views.submitted_for_admins(_, passed_on))
                return passed_on
            return await self._send_back(tx, assignment, AssignmentEvent.SEND_BACK,
                                         Actor.LEADER, reason, leader_id, now)

    # --- the admins' review -------------------------------------------------------------------

    async def next_for_review(self, admin_id: int, assignment_id: int | None = None,
                              round: int | None = None) -> ReviewItem:
        self._require_admin(admin_id)
        if assignment_id is not None:
            assignment = await self._assignments.get(self._db, assignment_id)
            if assignment.status != AssignmentStatus.SUBMITTED:
                raise self._assignments.refusal(assignment)
            self._check_round(assignment, round)
        else:
            found = await repo.next_for_review(self._db)
            if found is None:
                raise NothingToReview()
            assignment = found
        worker = await users_repo.get(self._db, assignment.worker_id)
        results = await repo.results(self._db, assignment.id, assignment.round)
        waiting = await repo.review_queue_size(self._db) - 1
        items = await items_repo.open_items(self._db, assignment.id, assignment.round) \
            if assignment.has_items else []
        controls = await quality_repo.control_outcome(self._db, assignment.id,
                                                      assignment.round) if items else (0, 0)
        return ReviewItem(assignment, worker, results, max(0, waiting), items, controls)

    async def accept(self, admin_id: int, assignment_id: int, round: int | None = None
                     ) -> Decided:
        """/accept or the Accept button: the submission whole (what needs rework is sent
        back by number instead, /reject 31 3,7 …, so nothing is paid that was not seen)."""
        self._require_admin(admin_id)
        async with self._db.transaction() as tx:
            assignment = await self._assignments.get(tx, assignment_id)
            decided = await self._accept(tx, assignment, by=admin_id, round=round)
            await self._audit(tx, admin_id, "assignment.accept", ("assignment", assignment_id),
                              f"units={decided.assignment.accepted_units}")
        return decided

    async def accept_on_quality(self, tx: Tx, assignment: AssignmentRecord) -> Decided:
        """It passed the task's quality checks, and the task accepts on them: no admin."""
        decided = await self._accept(tx, assignment, by=None, quality=True)
        await self._audit(tx, 0, "assignment.auto_accept", ("assignment", assignment.id),
                          "quality")
        return decided

    async def reject_on_quality(self, tx: Tx, assignment: AssignmentRecord, reason: str, *,
                                tell: bool = True) -> AssignmentRecord:
        """Its control answers fell below the task's threshold: back for rework, by the
        clock, with the reason (told to the worker unless another notice says it)."""
        returned = await self._send_back(tx, assignment, AssignmentEvent.REJECT, Actor.CLOCK,
                                         reason, None, self._now(), tell=tell)
        await self._audit(tx, 0, "assignment.reject", ("assignment", assignment.id),
                          f"quality: {returned.reject_reason}")
        return returned

    async def _accept(self, tx: Tx, assignment: AssignmentRecord, *,
                      by: int | None, round: int | None = None,
                      settle: int | None = None, quality: bool = False) -> Decided:
        """Accept and credit in one transaction: by an admin, or (by None) by the clock; with
        `settle`, only that many units (a part rework that never came)."""
        now = self._now()
        auto = by is None
        event = AssignmentEvent.SETTLE if settle is not None else (
            AssignmentEvent.AUTO_ACCEPT if auto else AssignmentEvent.ACCEPT)
        actor = Actor.CLOCK if auto else Actor.ADMIN
        self._assignments.check(assignment, event, actor)
        self._check_round(assignment, round)
        accepted = assignment.units if settle is None else min(settle, assignment.units)
        assignment = await self._assignments.move(
            tx, assignment, event, actor, accepted_units=accepted, decided_at=now,
            decided_by=by, auto_accepted=int(auto))
        credit = credit_for(accepted, assignment.unit_price_minor, assignment.commission_bp)
        if credit.gross_minor:
            await ledger_repo.credit(
                tx, assignment_id=assignment.id, worker_id=assignment.worker_id,
                worker_minor=credit.worker_minor, leader_id=assignment.leader_id,
                guild_id=assignment.guild_id, commission_minor=credit.commission_minor,
                by=by, now=now)
        done = assignment
        await self.tell(tx, done.worker_id, lambda _: views.accepted_for_worker(
            _, done, credit, self._settings, auto, settled=settle is not None, quality=quality))
        await self._digest_assignment(tx, done, "accept", lambda _: views.accepted_for_guild(
            _, done, credit, self._settings), leader=False)
        await self._tasks.complete_if_done(tx, done.task_id, actor, now)
        return Decided(done, credit)

    async def reject(self, admin_id: int, assignment_id: int, reason: str | None,
                     round: int | None = None, itemized: bool = False,
                     numbers: Sequence[int] = ()) -> Decided:
        """Back to the worker for rework, with the reason: all of it, or only the items (or a
        count task's results) of these `numbers` in the review's list, or of those an
        `itemized` reason starts with (`3,7 blurry`); the other answers stand."""
        self._require_admin(admin_id)
        now = self._now()
        numbers = sorted(set(numbers))
        async with self._db.transaction() as tx:
            assignment = await self._assignments.get(tx, assignment_id)
            if not numbers and itemized and reason is not None \
                    and (named := _NUMBERS.match(reason)):
                numbers = sorted({int(n) for n in named[1].split(",")})
                reason = reason[named.end():]
            if assignment.status == AssignmentStatus.SUBMITTED:
                self._check_round(assignment, round)
            returned = await self._send_back(tx, assignment, AssignmentEvent.REJECT,
                                             Actor.ADMIN, reason, admin_id, now, numbers)
            await self._audit(tx, admin_id, "assignment.reject", ("assignment", assignment_id),
                              f"items={','.join(map(str, numbers))} {returned.reject_reason}"
                              if numbers else returned.reject_reason)
            return Decided(returned, None)

    async def _send_back(self, tx: Tx, assignment: AssignmentRecord, event: AssignmentEvent,
                         actor: Actor, reason: str | None, by: int | None, now: int,
                         numbers: Sequence[int] = (), *, tell: bool = True
                         ) -> AssignmentRecord:
        why = clean_text(reason, REASON_MAX, required=ReasonRequired())
        self._assignments.check(assignment, event, actor)  # the state first, then the numbers
        again = await self._again(tx, assignment, numbers)
        returned = await self._assignments.move(tx, assignment, event, actor, reject_reason=why,
                                                decided_at=now, decided_by=by)
        await repo.carry_over(tx, returned.id, assignment.round, again.keep)
        if again.first_item is not None:
            await items_repo.set_cursor(tx, returned.id, again.first_item)
        if tell:
            await self.tell(tx, returned.worker_id, lambda _: views.rejected_for_worker(
                _, returned, why or "", again.redo if numbers else []))
        return returned

    @staticmethod
    async def _again(tx: Tx, assignment: AssignmentRecord, numbers: Sequence[int]) -> Again:
        """What is done again in the rework: the items (or a count task's results) of these
        numbers in the review's list, else all; the answers to the others stand."""
        if assignment.has_items:
            held = await items_repo.open_items(tx, assignment.id, assignment.round)
            names = [i.key for i in held]
            ids = [i.answer_id for i in held]
        else:
            results = await repo.results(tx, assignment.id, assignment.round)
            names = [str(n) for n in range(1, len(results) + 1)]
            ids = [r.id for r in results]
            held = []
        if any(not 1 <= n <= len(names) for n in numbers):
            raise NoSuchItemNumber(assignment_id=assignment.id, most=len(names))
        chosen = set(numbers) or set(range(1, len(names) + 1))
        keep = [i for n, i in enumerate(ids, 1) if n not in chosen and i is not None]
        redo = [name for n, name in enumerate(names, 1) if n in chosen]
        first = next((i.position for n, i in enumerate(held, 1) if n in chosen), None)
        return Again(redo, keep, first)

    # --- the clock ----------------------------------------------------------------------------

    async def escalate_prechecks(self) -> list[int]:
        """A submission its guild did not pre-check within the review window goes to the
        admins' review (they and the leader are told); its review window starts then, so
        nothing is ever accepted automatically unseen."""
        async def escalate(tx: Tx, waiting: AssignmentRecord) -> None:
            passed_on = await self._assignments.move(
                tx, waiting, AssignmentEvent.PASS_PRECHECK, Actor.CLOCK, by=None,
                now=self._now())
            await self._tell_admins(tx, partial(views.precheck_skipped_admins, a=passed_on))
            await self.tell(tx, passed_on.leader_id,
                            partial(views.precheck_skipped_leader, a=passed_on))
            await self._audit(tx, 0, "assignment.precheck_skipped",
                              ("assignment", passed_on.id),
                              f"review_days={passed_on.review_days}")

        due = await repo.precheck_overdue(self._db, self._now())
        return await self._assignments.each_due(self._db, due, (AssignmentStatus.SUBMITTED,),
                                                escalate)

    async def settle_lapsed_reworks(self) -> list[int]:
        """A rework of some items or results not submitted by the task's deadline: what the
        review let stand is accepted and paid (the worker is told); the rest, and whatever
        was sent again unreviewed, goes back to the guild's pool."""
        async def settle(tx: Tx, current: AssignmentRecord) -> None:
            standing = await repo.carried_count(tx, current.id, current.round)
            if current.has_items:
                await items_repo.release_unsettled(tx, current.id, current.round)
            await self._accept(tx, current, by=None, settle=standing)
            await self._audit(tx, 0, "assignment.settle", ("assignment", current.id),
                              f"units={standing}")

        due = await repo.lapsed_part_reworks(self._db, self._now())
        return await self._assignments.each_due(
            self._db, due, ASSIGNMENT.sources(AssignmentEvent.SETTLE), settle)

    async def auto_accept_due(self) -> list[int]:
        """Submissions nobody reviewed within the task's review window are accepted and paid."""
        async def accept(tx: Tx, current: AssignmentRecord) -> None:
            await self._accept(tx, current, by=None)
            await self._audit(tx, 0, "assignment.auto_accept", ("assignment", current.id),
                              f"review_days={current.review_days}")

        due = await repo.review_overdue(self._db, self._now())
        return await self._assignments.each_due(self._db, due, (AssignmentStatus.SUBMITTED,),
                                                accept)
