"""Item tasks: a task's items from a file, the items an assignment holds, and answering them
one at a time in the worker's chat (a tap for a choice, a message for text or a file).

The item shown is the assignment's cursor: an answer, Back or Skip names the item it was
shown for, and one that names another (a second tap, an old message) records nothing.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import zipfile
from dataclasses import replace
from html import escape
from pathlib import Path
from typing import IO

from bot.domain.errors import (
    N_,
    ChoiceByButton,
    ItemNotShown,
    ItemsAfterAllocation,
    NoSuchLabel,
    ReworkNotSkipped,
    Said,
)
from bot.domain.items import Item, ItemFileRefused, kind_of, parse_items, read_archive
from bot.domain.lifecycle import Actor, AssignmentEvent
from bot.domain.statuses import LIVE_TASK, WORKING, AssignmentStatus
from bot.domain.work import download_limit
from bot.outcomes import ItemCard, ItemsImported, PreparedItems, ResultInput
from bot.services.base import Service
from bot.views import items as views
from storage import Tx
from storage import items as repo
from storage import users as users_repo
from storage.db import Reader
from storage.models import AssignmentRecord, HeldItem, TaskRecord

SKIP_REASONS = ("unreadable", "cannot")
_CHUNK = 1024 * 1024


def _copy_at_most(source: IO[bytes], out: IO[bytes], most: int) -> int:
    """Copy up to `most` bytes, and one more if there is one (to tell a lie)."""
    copied = 0
    while copied <= most:
        chunk = source.read(min(_CHUNK, most + 1 - copied))
        if not chunk:
            break
        out.write(chunk)
        copied += len(chunk)
    return copied


class ItemService(Service):
    # --- the admin's side ---------------------------------------------------------------------

    async def prepare(self, admin_id: int, file_name: str, path: Path) -> PreparedItems:
        """Read an item file, before any task is touched: a CSV's or JSONL's rows, or a ZIP's
        files (unpacked under DATA_DIR); refused whole, naming the line or the file."""
        self._require_admin(admin_id)
        if kind_of(file_name) != "zip":
            items = parse_items(await asyncio.to_thread(path.read_bytes), file_name)
            return PreparedItems(file_name, items, [None] * len(items), None)
        items, folder = await asyncio.to_thread(self._unpack, file_name, path)
        media: list[str | None] = [
            str(folder.relative_to(self._data) / f"{n:06d}{Path(i.key).suffix}")
            for n, i in enumerate(items, start=1)]
        return PreparedItems(file_name, items, media, folder)

    @staticmethod
    def discard(prepared: PreparedItems | None) -> None:
        """Items read but never stored (a refusal, a flow cancelled): their files go."""
        if prepared is not None and prepared.folder is not None:
            shutil.rmtree(prepared.folder, ignore_errors=True)

    async def store(self, tx: Tx, admin_id: int, task_id: int, prepared: PreparedItems
                    ) -> list[Path]:
        """The task's items are these, in the caller's transaction; the folders of the items
        they replace, to remove once it committed."""
        replaced = {Path(p).parent for p in await repo.media_paths(tx, task_id)}
        await repo.replace_items(tx, task_id, prepared.items, prepared.media)
        await self._audit(tx, admin_id, "task.items", ("task", task_id),
                          f"{len(prepared.items)} from {prepared.file_name[:100]}")
        kept = {prepared.folder.relative_to(self._data)} if prepared.folder else set()
        return [self._data / old for old in replaced - kept]

    async def import_items(self, admin_id: int, task_id: int, prepared: PreparedItems
                           ) -> ItemsImported:
        """/items: the task's items are the file's, refused once any unit is allocated
        (guilds hold units of what they saw)."""
        self._require_admin(admin_id)
        try:
            async with self._db.transaction() as tx:
                await self._taking_items(tx, task_id)
                replaced = await self.store(tx, admin_id, task_id, prepared)
                task = await self._tasks.get(tx, task_id)
        except BaseException:
            self.discard(prepared)
            raise
        for folder in replaced:
            shutil.rmtree(folder, ignore_errors=True)
        return ItemsImported(task, len(prepared.items))

    def _unpack(self, file_name: str, path: Path) -> tuple[list[Item], Path]:
        """A ZIP's files into a new folder of their own (in a thread: it may be large); each
        no larger than the ZIP said (a ZIP that lies about sizes is refused)."""
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError):
            raise ItemFileRefused(file=file_name, problem=N_("it is not a ZIP file.")) from None
        with archive:
            limit = self._settings.item_archive_max_mb * 1024 * 1024
            items = read_archive(archive, file_name, limit)
            folder = Path(tempfile.mkdtemp(prefix="task-",
                                           dir=self._ensure(self._data / "items")))
            try:
                for n, item in enumerate(items, start=1):
                    assert item.member is not None
                    target = folder / f"{n:06d}{Path(item.key).suffix}"
                    with archive.open(item.member) as source, target.open("wb") as out:
                        expected = archive.getinfo(item.member).file_size
                        copied = _copy_at_most(source, out, expected)
                    if copied != expected:
                        raise ItemFileRefused(file=file_name, problem=N_(
                            "its sizes do not match its contents; pack it again."))
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
                shutil.rmtree(folder, ignore_errors=True)
                raise ItemFileRefused(file=file_name, problem=Said(N_(
                    "it could not be unpacked ({detail})."), detail=str(exc)[:100])) from None
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
        return items, folder

    @property
    def _data(self) -> Path:
        return self._settings.data_path.resolve()

    @staticmethod
    def _ensure(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def incoming(self) -> Path:
        """Where a file being downloaded waits (under DATA_DIR)."""
        return self._ensure(self._data / "incoming")

    def media_file(self, item: HeldItem) -> Path | None:
        return self._data / item.media_path if item.media_path else None

    async def remember_file_id(self, item_id: int, file_id: str) -> None:
        """A media item uploaded once is sent by its file_id after that."""
        async with self._db.transaction() as tx:
            await repo.remember_file_id(tx, item_id, file_id)

    # --- handing out --------------------------------------------------------------------------

    @staticmethod
    async def hold(tx: Tx, task: TaskRecord, assignment_id: int, units: int) -> None:
        """An item task's new assignment takes `units` items from the pool (the first ones no
        one holds), and shows the first of them once taken."""
        if not task.has_items:
            return
        got = await repo.hold_free(tx, task.id, assignment_id, units)
        if got != units:  # the units and the items in the pool always agree
            raise AssertionError(f"assignment {assignment_id}: {got} items for {units} units")
        await repo.set_cursor(tx, assignment_id, 1)

    # --- the worker's side --------------------------------------------------------------------

    async def card(self, worker_id: int, assignment_id: int) -> ItemCard:
        """Where the worker is: the item shown, or the summary when all are answered."""
        assignment = await self._working(self._db, worker_id, assignment_id)
        return await self._card(self._db, assignment)

    async def ready_for_items(self, admin_id: int, task_id: int, file_name: str,
                              size: int | None) -> None:
        """Before the file is downloaded: an admin, a task that can still take items, and a
        file the Bot API lets a bot download."""
        self._require_admin(admin_id)
        await self._taking_items(self._db, task_id)
        self.check_download(file_name, size)

    async def _taking_items(self, db: Reader, task_id: int) -> TaskRecord:
        """The task, while it can still be given items: live, and no unit allocated."""
        task = await self._tasks.get(db, task_id)
        if task.status not in LIVE_TASK:
            raise self._tasks.refusal(task)
        if task.allocated_units or await repo.handed_out(db, task_id):
            raise ItemsAfterAllocation(task_id=task_id)
        return task

    def check_download(self, file_name: str, size: int | None) -> None:
        """A file the Bot API lets a bot download (20 MB from Telegram's own servers)."""
        limit = download_limit(self._settings.bot_api_base_url)
        if size is not None and size > limit:
            raise ItemFileRefused(file=file_name, problem=Said(N_(
                "the file is over {limit} MB, more than a bot can download."),
                limit=limit // 1048576))

    async def pick(self, worker_id: int, assignment_id: int, position: int, label: int
                   ) -> ItemCard:
        """A tap on a label under the item shown: its answer (several labels: toggled)."""
        async with self._db.transaction() as tx:
            state, shown = await self._shown(tx, worker_id, assignment_id, position)
            labels = tuple(escape(x, quote=False) for x in state.task.choices)  # HTML answers
            if not 0 <= label < len(labels):
                raise NoSuchLabel()
            if not state.task.multi:
                answered = ResultInput("text", text=labels[label])
                state = await self._record(tx, state, shown, answered)
                return await self._advance(tx, state, shown.position)
            chosen = [x for x in (shown.answer or "").split(" | ") if x]
            picked = labels[label]
            chosen = [x for x in chosen if x != picked] if picked in chosen \
                else [x for x in labels if x in chosen or x == picked]
            toggled = ResultInput("text", text=" | ".join(chosen)) if chosen else None
            return await self._record(tx, state, shown, toggled)

    async def next(self, worker_id: int, assignment_id: int, position: int) -> ItemCard:
        """Next, under a several-label item once a label is chosen."""
        async with self._db.transaction() as tx:
            state, shown = await self._shown(tx, worker_id, assignment_id, position)
            if shown.answer is None:
                raise NoSuchLabel()
            return await self._advance(tx, state, shown.position)

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
        async with self._db.transaction() as tx:
            state = await self._load(tx, await self._working(tx, worker_id, assignment_id))
            if (state.cursor or 0) != position:
                raise ItemNotShown()
            before = [i for i in state.open_items
                      if state.cursor is None or i.position < state.cursor]
            if before:
                state = await self._show(tx, state, before[-1].position)
            return state

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
            await repo.skip(tx, assignment.id, shown.position, reason)
            worker = await users_repo.get(tx, worker_id)
            if assignment.units == 1:
                returned = await self._assignments.move(
                    tx, assignment, AssignmentEvent.RETURN, Actor.WORKER,
                    decided_at=self._now())
                await self.tell(tx, returned.leader_id, lambda _: views.returned_for_leader(
                    _, returned, worker))
                return await self._card(tx, returned)
            await self.tell(tx, assignment.leader_id, lambda _: views.skipped_for_leader(
                _, assignment, worker, shown, reason))
            state = await self._load(tx, await self._assignments.get(tx, assignment.id))
            return await self._advance(tx, state, shown.position)

    # --- inside ------------------------------------------------------------------------------

    async def _working(self, tx: Reader, worker_id: int, assignment_id: int
                       ) -> AssignmentRecord:
        assignment = await self._assignments.own(tx, worker_id, assignment_id)
        if assignment.status not in WORKING:
            raise self._assignments.refusal(assignment)
        return assignment

    async def _load(self, db: Reader, assignment: AssignmentRecord) -> ItemCard:
        """The assignment with its task and items, read once; a tap works on it in memory."""
        task = await self._tasks.get(db, assignment.task_id)
        items = await repo.held(db, assignment.id, assignment.round)
        return ItemCard(assignment, task, items, assignment.item_cursor)

    async def _shown(self, tx: Tx, worker_id: int, assignment_id: int, position: int
                     ) -> tuple[ItemCard, HeldItem]:
        """The state, and the item shown, which must be the one the button was under."""
        state = await self._load(tx, await self._working(tx, worker_id, assignment_id))
        shown = state.current
        if shown is None or shown.position != position:
            raise ItemNotShown()
        return state, shown

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
        else:
            await repo.answer(
                tx, assignment_id=a.id, round=a.round, item_id=item.item_id,
                kind=result.kind, text=result.text, file_id=result.file_id,
                file_unique_id=result.file_unique_id, file_name=result.file_name,
                mime_type=result.mime_type, file_size=result.file_size,
                chat_message_id=result.message_id, now=self._now())
        answer = None if result is None else (result.text if result.kind == "text"
                                              else result.kind)
        file_id = result.file_id if result is not None else None
        return replace(state, items=[replace(i, answer=answer, answer_file_id=file_id)
                                     if i.item_id == item.item_id else i for i in state.items])

    async def _advance(self, tx: Tx, state: ItemCard, after: int) -> ItemCard:
        """Move on: the next item without an answer after this one, else the first without
        one before it, else the summary (None)."""
        waiting = [i for i in state.open_items if i.answer is None]
        later = [i for i in waiting if i.position > after]
        target = (later or waiting)[0] if later or waiting else None
        return await self._show(tx, state, target.position if target else None)

    @staticmethod
    async def _show(tx: Tx, state: ItemCard, position: int | None) -> ItemCard:
        await repo.set_cursor(tx, state.assignment.id, position)
        return replace(state, cursor=position)

    async def _card(self, db: Reader, assignment: AssignmentRecord) -> ItemCard:
        return await self._load(db, assignment)
