"""/export: a task's results out of the bot as ZIP files, with a manifest of every result.

The export runs in the background (one per task at a time): it reads the results page by page,
fetches each file (the bot's own copy under RESULTS_DIR, or a download through the Bot API, a
few at a time), and streams them into ZIP parts on disk that stay under the upload limit; each
part is handed over as soon as it is full. The manifest (CSV with a BOM, so Excel reads Chinese,
and JSON lines) is written as it goes and closes the last part. A file that can't be had is in
the manifest with the reason, never silently left out. Memory stays flat: nothing is held but
the few files in flight, on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import hashlib
import json
import logging
import shutil
import tempfile
import time
import zipfile
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bot.domain.errors import N_, ExportRunning, NothingToExport
from bot.domain.exports import (
    FAILED,
    MANIFEST_COLUMNS,
    PART_MARGIN,
    SCOPES,
    FileSource,
    FileUnavailable,
    extension,
    iso,
    manifest_csv_row,
    member_name,
    part_name,
)
from bot.domain.work import upload_limit
from bot.outcomes import ExportDone, ExportJob, ItemAnswer
from bot.services.base import Deps, Service
from bot.services.quality import QualityService
from storage import exports as repo
from storage.models import ExportRow

log = logging.getLogger(__name__)
Progress = Callable[[int, int], Awaitable[None]]  # (results done, results in all)
Deliver = Callable[[Path, str, int], Awaitable[None]]  # (a full part, its name, its number)
Finished = Callable[[ExportDone | None, Exception | None], Awaitable[None]]
IN_FLIGHT = 4  # downloads at a time
PROGRESS_EVERY = 1.5  # seconds between progress edits, at least
_CHUNK = 1024 * 1024


@dataclass(slots=True)
class _Fetched:
    row: ExportRow
    path: Path | None  # the file on disk, when there is one to add
    temporary: bool  # downloaded for this export (deleted once added)
    problem: FileUnavailable | None = None


class _Parts:
    """ZIP parts on disk, each closed (and handed over) before it grows past `limit`. Used
    on a worker thread, one call at a time."""

    def __init__(self, folder: Path, names: Callable[[int], str], limit: int) -> None:
        self.folder, self._names, self.limit = folder, names, limit
        self.number, self.size = 0, 0
        self._zip: zipfile.ZipFile | None = None
        self._path: Path | None = None
        self.taken: set[str] = set()

    def _open(self) -> zipfile.ZipFile:
        if self._zip is None:
            self.number += 1
            self._path = self.folder / (self._names(self.number) + ".part")
            self._zip = zipfile.ZipFile(self._path, "w", zipfile.ZIP_STORED, allowZip64=True)
            self.size = 0
        return self._zip

    def full_for(self, size: int) -> bool:
        return self._zip is not None and self.size > 0 and self.size + size + 512 > self.limit

    def add(self, name: str, source: IO[bytes], deflate: bool = False) -> tuple[int, str]:
        """Stream `source` into the part as `name`; returns its size and SHA-256."""
        zf = self._open()
        digest, size = hashlib.sha256(), 0
        info = zipfile.ZipInfo(name, time.gmtime()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
        with zf.open(info, "w", force_zip64=True) as out:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
        self.size += size + len(name) * 2 + 128
        return size, digest.hexdigest()

    def unique(self, name: str) -> str:
        base, n = name, 1
        while name in self.taken:
            n += 1
            stem, dot, ext = base.rpartition(".")
            name = f"{stem}-{n}.{ext}" if dot else f"{base}-{n}"
        self.taken.add(name)
        return name

    def close(self) -> tuple[Path, str] | None:
        """The part, closed under its own name (None: nothing was in it)."""
        if self._zip is None or self._path is None:
            return None
        self._zip.close()
        final = self._path.with_suffix("")
        self._path.replace(final)
        self._zip = self._path = None
        return final, final.name


class ExportService(Service):
    def __init__(self, deps: Deps, files: FileSource, quality: QualityService) -> None:
        super().__init__(deps)
        self._files, self._quality = files, quality
        self._running: dict[int, list[int]] = {}  # task id → [done, total]
        self._jobs: set[asyncio.Task[None]] = set()

    async def begin(self, admin_id: int, task_id: int, scope: str) -> ExportJob:
        """/export <task> [accepted|all]: checked, and marked as running for that task."""
        self._require_admin(admin_id)
        assert scope in SCOPES
        task = await self._tasks.get(self._db, task_id)
        running = self._running.get(task.id)
        if running is not None:
            raise ExportRunning(task_id=task.id,
                                percent=f"{running[0] * 100 // max(running[1], 1)} %")
        total = await repo.export_count(self._db, task.id, accepted_only=scope == "accepted")
        if total == 0:
            which = N_("accepted results") if scope == "accepted" else N_("results")
            raise NothingToExport(task_id=task.id, which=which)
        self._running[task.id] = [0, total]
        return ExportJob(admin_id, task, scope, total)

    def launch(self, job: ExportJob, progress: Progress, deliver: Deliver,
               finished: Finished) -> None:
        """Run the export in the background; `finished` hears how it ended."""
        async def run() -> None:
            try:
                done = await self._run(job, progress, deliver)
            except Exception as exc:  # told to the admin, who may try again
                log.exception("export of task %s failed", job.task.id)
                await finished(None, exc)
            else:
                await finished(done, None)
            finally:
                self._running.pop(job.task.id, None)

        task = asyncio.get_running_loop().create_task(run(), name=f"export-{job.task.id}")
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    async def stop(self) -> None:
        """A stop: exports under way end (the admin exports again after the restart)."""
        for task in list(self._jobs):
            task.cancel()
        await self.wait_idle()

    async def wait_idle(self) -> None:
        """Until every export under way has ended (tests, and a clean stop)."""
        while self._jobs:
            await asyncio.gather(*list(self._jobs), return_exceptions=True)

    # --- the run ---------------------------------------------------------------------------

    def _part_limit(self) -> int:
        configured = self._settings.export_part_bytes
        return configured or upload_limit(self._settings.bot_api_base_url) - PART_MARGIN

    async def _run(self, job: ExportJob, progress: Progress, deliver: Deliver) -> ExportDone:
        done = ExportDone(job)
        stamp = self._clock.now()
        kept, work = await asyncio.to_thread(self._folders)
        done.kept_in = str(kept) if kept else None
        parts = _Parts(kept or work, lambda n: part_name(job.task.id, job.scope, stamp, n),
                       self._part_limit())
        answers = await self._item_answers(job)
        csv_file, jsonl_file = await asyncio.to_thread(_manifests, work)
        writer = csv.writer(csv_file)
        writer.writerow(MANIFEST_COLUMNS)
        last_told = 0.0
        in_flight: deque[asyncio.Task[_Fetched]] = deque()
        try:
            await progress(0, job.total)
            async def hand_over(closed: tuple[Path, str] | None) -> None:
                if closed is None:
                    return
                path, name = closed
                done.parts.append(name)
                await deliver(path, name, len(done.parts))
                if kept is None:
                    await asyncio.to_thread(path.unlink, True)

            after = 0
            while rows := await repo.export_rows(self._db, job.task.id, after=after,
                                                 accepted_only=job.scope == "accepted"):
                after = rows[-1].assignment_id
                for row in [*rows, None]:
                    if row is not None:
                        in_flight.append(asyncio.ensure_future(self._fetch(row, work)))
                    while in_flight and (row is None or len(in_flight) >= IN_FLIGHT):
                        fetched = await in_flight.popleft()
                        record = await self._add(parts, fetched, job, answers, done,
                                                 hand_over)
                        writer.writerow(manifest_csv_row(record))
                        jsonl_file.write(json.dumps(record, ensure_ascii=False) + "\n")
                        done.results += 1
                        self._running[job.task.id][0] = done.results
                        if time.monotonic() - last_told >= PROGRESS_EVERY:
                            last_told = time.monotonic()
                            await progress(done.results, job.total)
            csv_file.close()
            jsonl_file.close()
            await asyncio.to_thread(_add_manifests, parts, work)
            await hand_over(await asyncio.to_thread(parts.close))
            await progress(job.total, job.total)
        finally:
            for left in in_flight:  # an export that stopped half-way: no download outlives it
                left.cancel()
            await asyncio.gather(*in_flight, return_exceptions=True)
            csv_file.close()
            jsonl_file.close()
            with contextlib.suppress(Exception):
                await asyncio.to_thread(parts.close)
            await asyncio.to_thread(shutil.rmtree, work, True)
        return done

    def _folders(self) -> tuple[Path | None, Path]:
        """EXPORT_DIR (None: not kept), and a scratch folder of this run under DATA_DIR."""
        kept = Path(self._settings.export_dir).expanduser() if self._settings.export_dir else None
        if kept is not None:
            kept.mkdir(parents=True, exist_ok=True)
        scratch = self._settings.data_path / "exports"
        scratch.mkdir(parents=True, exist_ok=True)
        return kept, Path(tempfile.mkdtemp(dir=scratch))

    def _copy_of(self, row: ExportRow) -> Path | None:
        """The bot's own copy of the row's file (RESULTS_DIR), if it is there."""
        if not (row.copy_path and self._settings.results_dir):
            return None
        copy = Path(self._settings.results_dir).expanduser() / row.copy_path
        return copy if copy.is_file() else None

    async def _item_answers(self, job: ExportJob) -> dict[str, ItemAnswer]:
        if not job.task.item_count:
            return {}
        found = await self._quality.answers(job.admin_id, job.task.id)
        return {item.key: item for item in found.items}

    async def _fetch(self, row: ExportRow, work: Path) -> _Fetched:
        """A result's file on disk: the bot's copy, or downloaded now."""
        if row.file_id is None:
            return _Fetched(row, None, False)
        copy = await asyncio.to_thread(self._copy_of, row)
        if copy is not None:
            return _Fetched(row, copy, False)
        target = work / f"r{row.result_id}"
        try:
            await self._files.download(row.file_id, target)
        except FileUnavailable as problem:
            return _Fetched(row, None, False, problem)
        except Exception as exc:  # a network fault: listed, not fatal to the export
            return _Fetched(row, None, False, FileUnavailable(FAILED, str(exc) or repr(exc)))
        return _Fetched(row, target, True)

    async def _add(self, parts: _Parts, fetched: _Fetched, job: ExportJob,
                   answers: dict[str, ItemAnswer], done: ExportDone,
                   hand_over: Callable[[tuple[Path, str] | None], Awaitable[None]]
                   ) -> dict[str, Any]:
        """The result into the ZIP (its file, if there is one) and its manifest record."""
        row = fetched.row
        record = _record(job, row, answers.get(row.item_key or ""))
        if fetched.problem is not None:
            done.missing += 1
            record.update(problem=fetched.problem.problem, problem_detail=fetched.problem.detail)
            return record
        if fetched.path is None:
            return record
        size = (await asyncio.to_thread(fetched.path.stat)).st_size
        if parts.full_for(size):
            await hand_over(await asyncio.to_thread(parts.close))
        folder = row.item_key or f"{row.unit:03d}"
        name = parts.unique(member_name(folder, row.assignment_id, row.worker_id,
                                        extension(row.kind, row.file_name, row.mime_type)))

        def add() -> tuple[int, str]:
            assert fetched.path is not None
            with open(fetched.path, "rb") as source:
                return parts.add(name, source)

        size, sha = await asyncio.to_thread(add)
        if fetched.temporary:
            await asyncio.to_thread(fetched.path.unlink, True)
        done.files += 1
        done.bytes += size
        record.update(file=name, part=parts.number, size=size, sha256=sha)
        return record


def _manifests(work: Path) -> tuple[IO[str], IO[str]]:
    """The manifest's two files, written as the export goes: CSV with a BOM, JSON lines."""
    return (open(work / "manifest.csv", "w", encoding="utf-8-sig", newline=""),
            open(work / "manifest.jsonl", "w", encoding="utf-8"))


def _add_manifests(parts: _Parts, work: Path) -> None:
    for name in ("manifest.csv", "manifest.jsonl"):
        with open(work / name, "rb") as manifest:
            parts.add(name, manifest, deflate=True)


def _record(job: ExportJob, row: ExportRow, item: ItemAnswer | None) -> dict[str, Any]:
    worker = " ".join(p for p in (row.worker_first_name, row.worker_last_name) if p)
    return {
        "task": job.task.id, "result": row.result_id, "assignment": row.assignment_id,
        "unit": row.unit, "item": row.item_key,
        "input": json.loads(row.item_input) if row.item_input else None,
        "control": row.control if row.item_key is not None else None,
        "control_correct": None if row.correct is None else bool(row.correct),
        "item_answer": item.answer if item else None,
        "item_confidence": round(item.result.confidence, 3) if item else None,
        "kind": row.kind, "answer": row.text, "file": None, "part": None,
        "file_name": row.file_name, "mime_type": row.mime_type, "size": row.file_size,
        "sha256": None, "problem": None, "problem_detail": None,
        "worker_id": row.worker_id, "worker_name": worker,
        "worker_username": row.worker_username, "guild_id": row.guild_id,
        "guild": row.guild_name, "status": row.status,
        "submitted_at": iso(row.submitted_at) or None, "decided_at": iso(row.decided_at) or None,
        "reviewer_id": row.decided_by,
        "reviewer": row.reviewer_username or row.reviewer_first_name,
        "auto_accepted": row.auto_accepted, "reason": row.reject_reason,
    }
