"""A consistent copy of the SQLite database while the bot runs, checked before it is kept.

SQLite's online backup API copies the pages of one snapshot: done in one step (all pages at
once) it holds a read transaction for the copy, which in WAL mode never blocks the bot's writer,
and a write that lands meanwhile is simply not in the copy. The copy is written beside the
destination under a temporary name, checked (`PRAGMA integrity_check`, the migration version
equal to the source's), and only then renamed into place, so a destination is either a good
backup or untouched.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path


class BackupError(Exception):
    """The backup can't be made or failed its check; the message says why."""


@dataclass(frozen=True, slots=True)
class BackupReport:
    source: Path
    destination: Path
    migration_version: int
    size_bytes: int
    seconds: float


def _version(conn: sqlite3.Connection) -> int:
    try:
        row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()
    except sqlite3.OperationalError:  # no such table: never started by the bot
        return 0
    return int(row[0])


def backup(source: str | Path, destination: str | Path, *, force: bool = False) -> BackupReport:
    """Copy the database at `source` to `destination` (refused when it exists, unless `force`)
    and check the copy."""
    src_path, dest = Path(source).expanduser(), Path(destination).expanduser()
    if str(source) == ":memory:" or not src_path.is_file():
        raise BackupError(f"the database {source} does not exist: check DATABASE_PATH (or "
                          f"--database).")
    if dest.is_dir():
        raise BackupError(f"{destination} is a folder: give the backup's file name, e.g. "
                          f"{dest / 'guildwork-backup.db'}.")
    if not dest.parent.is_dir():
        raise BackupError(f"the folder {dest.parent} does not exist: create it first.")
    if dest.exists() and not force:
        raise BackupError(f"{destination} already exists: choose another name, or add --force "
                          f"to replace it.")
    with contextlib.suppress(OSError):
        if dest.exists() and dest.samefile(src_path):
            raise BackupError("the destination is the database itself.")
    temporary = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
    started = time.monotonic()
    try:
        # mode=rw: a missing file is an error, never a new empty database.
        src = sqlite3.connect(f"file:{src_path}?mode=rw", uri=True, timeout=30)
        try:
            version = _version(src)
            copy = sqlite3.connect(temporary)
            try:
                src.backup(copy)  # one step: one snapshot, whatever the bot writes meanwhile
                check = copy.execute("PRAGMA integrity_check").fetchall()
                copied_version = _version(copy)
                # The copy stands alone: one file, no WAL beside it.
                copy.execute("PRAGMA journal_mode = DELETE")
            finally:
                copy.close()
        finally:
            src.close()
        if [tuple(row) for row in check] != [("ok",)]:
            raise BackupError(f"the copy failed its integrity check: {check[:3]}")
        if copied_version != version:
            raise BackupError(f"the copy is at migration {copied_version}, the database at "
                              f"{version}")
        os.replace(temporary, dest)
    except sqlite3.Error as exc:
        raise BackupError(f"the database {source} can't be copied: {exc}") from exc
    except OSError as exc:
        raise BackupError(f"{destination} can't be written: {exc}") from exc
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()
    return BackupReport(src_path, dest, version, dest.stat().st_size,
                        time.monotonic() - started)
