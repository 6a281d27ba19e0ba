"""Item tasks: the items an assignment holds, and answering them one at a time in the worker's
chat (a tap for a choice, a message for text or a file).

The item shown is the assignment's cursor: an answer, Back or Skip names the item it was
shown for, and one that names another (a second tap, an old message) records nothing.
"""

from __future__ import annotations

import random
from dataclasses import replace
from html import escape

from bot.domain.errors import (
    ChoiceByButton,
    ItemNotShown,
    NoSuchLabel,
    ReworkNotSkipped,
    TestNotSkipped,
)
from bot.domain.lifecycle import Actor, AssignmentEvent
from bot.domain.quality import controls_for, is_correct, norm_of
from bot.domain.statuses import WORKING, AssignmentStatus
from bot.outcomes import ItemCard, ResultInput
from bot.services.base import Service
from bot.views import items as views
from storage import Tx
from storage import items as repo
from storage import users as users_repo
from storage.db import Reader, StaleWrite
from storage.models import AssignmentRecord, HeldItem, TaskRecord

SKIP_REASONS = ("unreadable", "cannot")


class ItemService(Service):
    # --- handing out --------------------------------------------------------------------------

    @staticmethod
    async def hold(tx: Tx, assignment_id: int, items: list[int]) -> None:
        """A new assignment of an item task holds these items (from `items_for`), and shows
        the first of them once taken."""
        await repo.hold(tx, assignment_id, items)
        await repo.set_cursor(tx, assignment_id, 1)

    @staticmethod
    async def items_for(tx: Tx, task: TaskRecord, worker_id: int, guild_id: int, units: int
                        ) -> list[int]:
        """Up to `units` items for the worker, in the order shown: the first ones in the pool
        they may take and, where the task has control items, its share of those (each worker
        sees a control item once), mixed in where nobody can tell them apart. Once no ordinary
        item is left for anyone, the units left are control items only."""
        if not task.control_count:
            return await repo.free_items(tx, task, worker_id, guild_id, units)
        budget = task.units - (task.item_count - task.control_count) * task.overlap \
            - await repo.controls_held(tx, task.id)
        wanted = controls_for(units, task.control_pct, budget)
        # A worker who has seen every control item gets ordinary ones in their place.
        controls = await repo.free_controls(tx, task, worker_id, wanted)
        ordinary = await repo.free_items(tx, task, worker_id, guild_id, units - len(controls))
        if len(controls) + len(ordinary) < units:
            if not await repo.any_free_item(tx, task):  # the task's last units: controls
                controls = await repo.free_controls(tx, task, worker_id, units - len(ordinary))
            else:  # fewer for this worker: their controls at the share of those
                controls = controls[:controls_for(
                    len(ordinary) * 100 // (100 - task.control_pct), task.control_pct, budget)]
        picked = ordinary + controls
        random.Random(f"{task.id}:{worker_id}:{len(picked)}").shuffle(picked)
        return picked

    # --- the worker's side --------------------------------------------------------------------

    async def card(self, worker_id: int, assignment_id: int) -> ItemCard:
        """Where the worker is: the item shown, or the summary when all are answered."""
        return await self._working(self._db, worker_id, assignment_id)

    async def pick(self, worker_id: int, assignment_id: int, position: int, label: int
                   ) -> ItemCard:
        """A tap on a label under the item shown: its answer (several labels: toggled)."""
        state, shown = await self._shown(self._db, worker_id, assignment_id, position)
        labels = tuple(escape(x, quote=False) for x in state.task.choices)  # HTML answers
        if not 0 <= label < len(labels):
            raise NoSuchLabel()
        if not state.task.multi:
            return await self._tap(state, shown, labels[label], advance=True)
        chosen = [x for x in (shown.answer or "").split(" | ") if x]
        picked = labels[label]
        chosen = [x for x in chosen if x != picked] if picked in chosen \
            else [x for x in labels if x in chosen or x == picked]
        return await self._tap(state, shown, " | ".join(chosen) or None, advance=False)

    async def next(self, worker_id: int, assignment_id: int, position: int) -> ItemCard:
        """Next, under a several-label item once a label is chosen."""
        state, shown = await self._shown(self._db, worker_id, assignment_id, position)
        if shown.answer is None:
            raise NoSuchLabel()
        return await self._move(state, self._following(state, shown.position))

    async def answer_with(self, tx: Tx, assignment: AssignmentRecord, result: ResultInput
                          ) -> ItemCard:
        """A message from the worker answers the item shown (a text task's text, a file)."""
        state = await self._load(tx, assignment)
        if state.task.choices:
            raise ChoiceByButton()
        shown = state.current
        if shown is None:  # every item is answered: the message is one too many
            raise ItemNotShown()
        state = await self._record(tx, state, shown, result)
        return await self._advance(tx, state, shown.position)

    async def back(self, worker_id: int, assignment_id: int, position: int) -> ItemCard:
        """Show the item before the one shown (or the last, from the summary): its answer
        stands until a new one replaces it."""
        state = await self._working(self._db, worker_id, assignment_id)
        if (state.cursor or 0) != position:
            raise ItemNotShown()
        before = [i for i in state.open_items
                  if state.cursor is None or i.position < state.cursor]
        return await self._move(state, before[-1].position) if before else state

    async def skip(self, worker_id: int, assignment_id: int, position: int, reason: str
                   ) -> ItemCard:
        """The worker can't do the item shown: it goes back to the guild's pool, one unit
        less for them. The last item returns the whole assignment (the leader is told)."""
        if reason not in SKIP_REASONS:
            raise NoSuchLabel()
        async with self._db.transaction() as tx:
            state, shown = await self._shown(tx, worker_id, assignment_id, position)
            assignment = state.assignment
            if assignment.round > 0:  # a rework: the admins asked for this item again
                raise ReworkNotSkipped(assignment_id=assignment.id)
            if state.task.qualifies is not None:  # a test is graded on every item
                raise TestNotSkipped()
            await repo.skip(tx, assignment.id, shown.position, reason)
            worker = await users_repo.get(tx, worker_id)
            if assignment.units == 1:
                returned = await self._assignments.move(
                    tx, assignment, AssignmentEvent.RETURN, Actor.WORKER,
                    decided_at=self._now())
                await self.tell(tx, returned.leader_id, lambda _: views.returned_for_leader(
                    _, returned, worker))
                return await self._load(tx, returned)
            await self.tell(tx, assignment.leader_id, lambda _: views.skipped_for_leader(
                _, assignment, worker, shown, reason))
            state = await self._load(tx, await self._assignments.get(tx, assignment.id))
            return await self._advance(tx, state, shown.position)

    # --- inside ------------------------------------------------------------------------------

    async def _working(self, db: Reader, worker_id: int, assignment_id: int) -> ItemCard:
        """The worker's assignment while they work on it, with its task and items: one read."""
        found = await repo.card_state(db, assignment_id)
        assignment = self._assignments.mine(found and found[0], worker_id, assignment_id)
        if assignment.status not in WORKING:
            raise self._assignments.refusal(assignment)
        assert found is not None
        return ItemCard(assignment, found[1], found[2], assignment.item_cursor)

    async def _load(self, db: Reader, assignment: AssignmentRecord) -> ItemCard:
        """The assignment with its task and items, read once; a tap works on it in memory."""
        task = await self._tasks.get(db, assignment.task_id)
        items = await repo.held(db, assignment.id, assignment.round)
        return ItemCard(assignment, task, items, assignment.item_cursor)

    async def _shown(self, db: Reader, worker_id: int, assignment_id: int, position: int
                     ) -> tuple[ItemCard, HeldItem]:
        """The state, and the item shown, which must be the one the button was under."""
        state = await self._working(db, worker_id, assignment_id)
        shown = state.current
        if shown is None or shown.position != position:
            raise ItemNotShown()
        return state, shown

    async def _tap(self, state: ItemCard, shown: HeldItem, answer: str | None, *,
                   advance: bool) -> ItemCard:
        """A tap's answer to the item shown (None: a several-label item emptied), and on to the
        next item when `advance`: one grouped write, made only if nothing changed since the
        state was read (else the tap was for an item no longer shown)."""
        if state.assignment.status == AssignmentStatus.REJECTED:
            return await self._rework_tap(state, shown, answer, advance=advance)
        changed = self._answered(state, shown, answer, None)
        cursor = self._following(changed, shown.position) if advance else shown.position
        return await self._move(changed, cursor, shown, answer)

    async def _rework_tap(self, state: ItemCard, shown: HeldItem, answer: str | None, *,
                          advance: bool) -> ItemCard:
        """The first answer of a rework also starts it (a lifecycle move): a transaction."""
        a = state.assignment
        async with self._db.transaction() as tx:
            fresh, item = await self._shown(tx, a.worker_id, a.id, shown.position)
            if item.answer != shown.answer:
                raise ItemNotShown()
            fresh = await self._record(tx, fresh, item, None if answer is None
                                       else ResultInput("text", text=answer))
            return await self._show(tx, fresh, self._following(fresh, item.position)
                                    if advance else item.position)

    async def _move(self, state: ItemCard, cursor: int | None, shown: HeldItem | None = None,
                    answer: str | None = None) -> ItemCard:
        """The cursor from the item shown to another (Next, Back, after a tap) and, given the
        item `shown`, its new `answer` (`state` has it already): one grouped write, made only
        if nothing changed since `shown` was read."""
        a = state.assignment
        norm, correct = self._checked(state.task, shown, answer)
        try:
            await repo.tap(self._db, assignment_id=a.id, round=a.round, status=a.status,
                           shown=state.cursor, cursor=cursor,
                           item_id=shown.item_id if shown else None,
                           before=shown.answer if shown else None, text=answer, norm=norm,
                           correct=correct, now=self._now())
        except StaleWrite:
            raise ItemNotShown() from None
        return replace(state, cursor=cursor)

    async def _record(self, tx: Tx, state: ItemCard, item: HeldItem,
                      result: ResultInput | None) -> ItemCard:
        """The item's answer in this round (None: no answer, a several-label item emptied);
        the first answer of a rework starts it."""
        if state.assignment.status == AssignmentStatus.REJECTED:
            state = replace(state, assignment=await self._assignments.move(
                tx, state.assignment, AssignmentEvent.REWORK, Actor.WORKER))
        a = state.assignment
        if result is None:
            await repo.unanswer(tx, a.id, a.round, item.item_id)
            return self._answered(state, item, None, None)
        norm, correct = self._checked(state.task, item, result.text
                                      if result.kind == "text" else None)
        await repo.answer(
            tx, assignment_id=a.id, round=a.round, item_id=item.item_id,
            kind=result.kind, text=result.text, file_id=result.file_id,
            file_unique_id=result.file_unique_id, file_name=result.file_name,
            mime_type=result.mime_type, file_size=result.file_size,
            chat_message_id=result.message_id, now=self._now(), norm=norm, correct=correct)
        return self._answered(state, item, result.text if result.kind == "text"
                              else result.kind, result.file_id)

    @staticmethod
    def _checked(task: TaskRecord, item: HeldItem | None, answer: str | None
                 ) -> tuple[str | None, bool | None]:
        """An answer as compared, and whether it is right where the item is a control item:
        checked as it arrives."""
        if item is None or not task.quality:
            return None, None
        norm = norm_of(answer, bool(task.choices))
        return norm, is_correct(norm, item.accepted_answers) if item.control else None

    @staticmethod
    def _answered(state: ItemCard, item: HeldItem, answer: str | None, file_id: str | None
                  ) -> ItemCard:
        """The state with the item's answer changed."""
        return replace(state, items=[replace(i, answer=answer, answer_file_id=file_id)
                                     if i.item_id == item.item_id else i for i in state.items])

    async def _advance(self, tx: Tx, state: ItemCard, after: int) -> ItemCard:
        return await self._show(tx, state, self._following(state, after))

    @staticmethod
    def _following(state: ItemCard, after: int) -> int | None:
        """Where to go on: the next item without an answer after this one, else the first
        without one before it, else the summary (None)."""
        waiting = [i for i in state.open_items if i.answer is None]
        later = [i for i in waiting if i.position > after]
        target = (later or waiting)[0] if later or waiting else None
        return target.position if target else None

    @staticmethod
    async def _show(tx: Tx, state: ItemCard, position: int | None) -> ItemCard:
        await repo.set_cursor(tx, state.assignment.id, position)
        return replace(state, cursor=position)
