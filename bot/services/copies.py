"""The platform's own copy of every result file (RESULTS_DIR, off by default).

Each new result's file is noted in the same table the exports read (one copy per Telegram
file_unique_id, however many results carry it) and downloaded in the background, soon after it
arrives: a worker's message wakes the copier, and it looks again every minute. A try that fails
on a fault is retried with growing back-off; a file Telegram won't give (too big, gone) is
marked failed with the reason, and exports list that reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from pathlib import Path

from bot.domain.exports import FileSource, FileUnavailable, extension, safe_part
from bot.services.base import Deps, Service
from storage import exports as repo
from storage.models import FileToKeep

log = logging.getLogger(__name__)
BATCH = 20
RETRIES = 8  # tries before a file that keeps failing is given up (and listed as failed)
LOOK_AGAIN = 60.0  # seconds between looks when nothing wakes the copier
_CHUNK = 1024 * 1024


def _back_off(attempts: int) -> int:
    return min(3600, 30 * 2 ** attempts)


def _sha256(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


class CopyService(Service):
    def __init__(self, deps: Deps, files: FileSource) -> None:
        super().__init__(deps)
        self._files = files
        self._seen = 0  # the newest result whose file was noted
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # one pass at a time (the loop's, or a caller's)

    @property
    def folder(self) -> Path | None:
        raw = self._settings.results_dir
        return Path(raw).expanduser() if raw else None

    def wake(self) -> None:
        """A result just arrived: copy its file soon."""
        if self._task is not None:
            self._wake.set()

    def start(self) -> None:
        if self.folder is not None and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._loop(), name="copies")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), LOOK_AGAIN)
            self._wake.clear()
            try:
                while await self.copy_due():
                    pass
            except Exception:  # the next look tries again
                log.exception("copying result files failed")

    async def copy_due(self) -> int:
        """Note new result files and copy those due; how many were tried."""
        folder = self.folder
        if folder is None:
            return 0
        async with self._lock:
            now = self._now()
            async with self._db.transaction() as tx:
                self._seen = await repo.note_new_files(tx, self._seen, now)
            due = await repo.files_due(self._db, now, BATCH)
            for found in due:
                await self._copy(folder, found)
            return len(due)

    async def _copy(self, folder: Path, found: FileToKeep) -> None:
        name = safe_part(found.file_unique_id) + extension(found.kind, found.file_name,
                                                            found.mime_type)
        relative = Path(name[:2]) / name
        target = folder / relative
        part = target.with_name(target.name + ".part")
        try:
            await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
            await self._files.download(found.file_id, part)
            size, sha = await asyncio.to_thread(_sha256, part)
            await asyncio.to_thread(part.replace, target)
        except FileUnavailable as problem:
            again = problem.retry and found.attempts + 1 < RETRIES
            await self._failed(found, f"{problem.problem}: {problem.detail}",
                               self._now() + _back_off(found.attempts) if again else None)
            return
        except OSError as exc:  # the disk: full, or not writable
            again = found.attempts + 1 < RETRIES
            await self._failed(found, f"disk: {exc}",
                               self._now() + _back_off(found.attempts) if again else None)
            return
        async with self._db.transaction() as tx:
            await repo.kept(tx, found.file_unique_id, relative.as_posix(), size, sha)

    async def _failed(self, found: FileToKeep, error: str, next_at: int | None) -> None:
        log.warning("result file %s not copied: %s", found.file_unique_id, error)
        async with self._db.transaction() as tx:
            await repo.not_kept(tx, found.file_unique_id, error, next_at)
