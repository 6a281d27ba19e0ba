"""Item files: an admin gives a task its items (a CSV, JSONL or ZIP file), and the bot keeps
their media on its own disk (DATA_DIR), sending each by its Telegram file_id once uploaded."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import IO

from bot.domain.errors import N_, ItemsAfterAllocation, Said
from bot.domain.items import Item, ItemFileRefused, kind_of, parse_items, read_archive
from bot.domain.quality import plan_items
from bot.domain.statuses import LIVE_TASK
from bot.domain.work import download_limit
from bot.outcomes import ItemsImported, PreparedItems
from bot.services.base import Service
from storage import Tx
from storage import items as repo
from storage.db import Reader
from storage.models import HeldItem, TaskRecord

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


class ItemFileService(Service):
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
        task = await self._tasks.get(tx, task_id)
        plan = plan_items(prepared.items, task.choices, task.multi, task.control_pct,
                          task.overlap, prepared.file_name, test=task.qualifies is not None,
                          text_answers=task.result_type == "text")
        await repo.replace_items(tx, task_id, prepared.items, prepared.media, plan.golden,
                                 units=plan.units, control_pct=plan.control_pct)
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

