"""Case 10 — results out: /export of a task with many photo results.

A task of N accepted photo results of ~300 KB each (sizes vary ±20 %), seeded into a fresh
database; the fake Bot API serves each file's bytes on download (`getFile`, then the file URL,
through PTB and the in-process request layer). The bot's side is `ExportService`'s whole run as
`/export` starts it (pages of rows, downloads a few at a time, SHA-256, ZIP parts on disk under
the upload limit, the manifest in CSV and JSON lines), with parts handed over and deleted as a
send would; the baseline writes the same bytes, taken straight from the fake, into one
`zipfile` (stored, as the export stores media) in the same run. Each side's peak RSS is read
from /proc (VmHWM, reset before each side through /proc/self/clear_refs where the kernel
allows it; otherwise the process's peak so far, said so).
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from bench.drive import start_bot
from bench.generator import ADMIN_ID, Platform
from bench.report import ratio_text
from bench.sizes import Sizes
from storage import Database
from tgfake.api import FakeBotAPI

PER_ASSIGNMENT = 50
FIRST_WORKER = 60_000_000  # user ids of this case's workers


def _peak_rss() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


async def _seed(db_path: Path, api: FakeBotAPI, files: int, size: int, now: int,
                seed: int) -> int:
    """The schema (the bot's migrations), then the task's rows in one plain transaction."""
    db = Database(str(db_path))
    await db.open()
    await db.close()
    rng = random.Random(seed)
    workers = max(1, files // PER_ASSIGNMENT)
    values = {"now": now, "due": now + 86400, "admin": ADMIN_ID, "leader": FIRST_WORKER,
              "n": files}
    with contextlib.closing(sqlite3.connect(db_path)) as conn, conn:
        conn.execute("INSERT INTO users (id, first_name, can_message, created_at, updated_at)"
                     " VALUES (:admin, 'Admin', 1, :now, :now)", values)
        conn.executemany(
            "INSERT INTO users (id, first_name, language_code, can_message, created_at,"
            " updated_at) VALUES (?, ?, 'en', 1, ?, ?)",
            [(FIRST_WORKER + n, f"W{n}", now, now) for n in range(workers)])
        values["g"] = conn.execute(
            "INSERT INTO guilds (name, chat_id, leader_id, status, created_at) VALUES"
            " ('Bench photos', -1009900000002, :leader, 'approved', :now)", values).lastrowid
        values["t"] = conn.execute(
            "INSERT INTO tasks (title, instructions, mode, result_type, units, price_minor,"
            " allocated_units, status, deadline_at, created_by, created_at) VALUES"
            " ('Shop fronts', 'One photo each', 'fixed', 'photo', :n, 50, :n, 'allocated',"
            " :due, :admin, :now)", values).lastrowid
        values["al"] = conn.execute(
            "INSERT INTO allocations (task_id, guild_id, units, unit_price_minor, source,"
            " created_by, created_at) VALUES (:t, :g, :n, 50, 'claim', :leader, :now)",
            values).lastrowid
        results = []
        for n in range(workers):
            units = PER_ASSIGNMENT if n < workers - 1 else files - PER_ASSIGNMENT * n
            a = conn.execute(
                "INSERT INTO assignments (task_id, allocation_id, guild_id, worker_id, units,"
                " unit_price_minor, status, assigned_by, offered_at, offer_expires_at, due_at,"
                " started_at, submitted_at, decided_at, decided_by, accepted_units,"
                " commission_bp) VALUES (:t, :al, :g, :w, :k, 50, 'accepted', :leader, :now,"
                " :now, :due, :now, :now, :now, :admin, :k, 0)",
                {**values, "w": FIRST_WORKER + n, "k": units}).lastrowid
            for u in range(units):
                file_id, unique = f"bench-photo-{a}-{u}", f"bu-{a}-{u}"
                bytes_ = int(size * rng.uniform(0.8, 1.2))
                api.files[file_id] = {"file_unique_id": unique, "file_size": bytes_}
                results.append((a, file_id, unique, bytes_, now))
        conn.executemany(
            "INSERT INTO results (assignment_id, round, kind, file_id, file_unique_id,"
            " mime_type, file_size, created_at) VALUES (?, 0, 'photo', ?, ?, 'image/jpeg', ?,"
            " ?)", results)
    return int(values["t"])


def _bare_zip(api: FakeBotAPI, file_ids: list[str], folder: Path) -> int:
    """The same bytes into one stored ZIP, straight from the fake: the floor."""
    written = 0
    with zipfile.ZipFile(folder / "bare.zip", "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for n, file_id in enumerate(file_ids):
            content = api.download(f"files/{file_id}")
            assert content is not None
            zf.writestr(f"{n:06d}/{file_id}.jpg", content)
            written += len(content)
    return written


async def run(platform: Platform, sizes: Sizes, workdir: Path, *, profile: bool = False
              ) -> dict[str, Any]:
    files, size = sizes.c10_files, sizes.c10_file_kb * 1024
    folder = Path(tempfile.mkdtemp(prefix="case10-", dir=workdir))
    db_path = folder / "export.db"
    api = FakeBotAPI()
    task = await _seed(db_path, api, files, size, platform.now, sizes.seed)
    file_ids = sorted(api.files, key=lambda f: (int(f.split("-")[2]), int(f.split("-")[3])))

    reset = _reset_peak()
    before = _peak_rss()
    started = time.perf_counter()
    written = _bare_zip(api, file_ids, folder)
    bare_seconds = time.perf_counter() - started
    bare_peak = _peak_rss()
    (folder / "bare.zip").unlink()

    running = await start_bot(platform, db_path, api=api)
    parts: list[int] = []
    try:
        service = running.services.exports

        async def progress(done: int, total: int) -> None:
            return None

        async def deliver(path: Path, name: str, number: int) -> None:
            parts.append(path.stat().st_size)

        outcome: dict[str, Any] = {}

        async def finished(done: Any, error: Exception | None) -> None:
            outcome.update(done=done, error=error)

        _reset_peak()
        job = await service.begin(ADMIN_ID, task, "accepted")
        started = time.perf_counter()
        service.launch(job, progress, deliver, finished)
        await service.wait_idle()
        bot_seconds = time.perf_counter() - started
        bot_peak = _peak_rss()
    finally:
        await running.stop()
    if outcome.get("error") is not None:
        raise outcome["error"]
    done = outcome["done"]
    mb = written / 1e6
    return {
        "status": "ok", "files": files, "file_kb": sizes.c10_file_kb,
        "megabytes": round(mb, 1), "parts": len(parts), "largest_part_bytes": max(parts),
        "files_in_zip": done.files, "missing": done.missing,
        "bot_seconds": round(bot_seconds, 2), "bare_seconds": round(bare_seconds, 2),
        "bot_mb_per_s": round(mb / bot_seconds, 1), "bare_mb_per_s": round(mb / bare_seconds, 1),
        "speed_ratio": round(bare_seconds / bot_seconds, 3),
        "rss_before_bytes": before, "bare_peak_rss_bytes": bare_peak,
        "bot_peak_rss_bytes": bot_peak, "peak_reset": reset,
    }


def rows(result: dict[str, Any]) -> list[dict[str, str]]:
    mib = 1024 * 1024
    note = "" if result["peak_reset"] else " (peaks not resettable: process peak so far)"
    return [{
        "case": "10",
        "what": f"/export of {result['files']:,} photos of ~{result['file_kb']} KB "
                f"({result['megabytes']:,} MB, {result['parts']} parts)",
        "measured": f"{result['bot_mb_per_s']} MB/s",
        "baseline": f"{result['bare_mb_per_s']} MB/s bare zipfile",
        "ratio": ratio_text(result["speed_ratio"]) + " speed",
        "goal": f"peak RSS {result['bot_peak_rss_bytes'] / mib:.0f} MiB vs "
                f"{result['bare_peak_rss_bytes'] / mib:.0f} MiB bare{note}; "
                f"{result['files_in_zip']:,} files in the ZIP, {result['missing']} missing",
    }]
