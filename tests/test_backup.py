"""`python -m bot backup`: a consistent, checked copy of the SQLite database, even while the bot
writes; clear refusals of a destination that would lose or mislay a file."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from storage import Database
from storage.backup import BackupError, backup
from storage.migrate import bundled_migrations
from tests.test_main import USER, RunningBot, clean_env, command_update
from tgfake.api import BOT_TOKEN, FakeBotAPI
from tgfake.server import serve

LATEST = bundled_migrations()[-1].version


def run_backup(cwd: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "backup", *args], cwd=cwd,
                          env=clean_env(**settings), capture_output=True, text=True,
                          timeout=60, check=False)


async def fresh_database(path: Path) -> None:
    db = Database(str(path))
    await db.open()  # every migration applied, as the bot's start does
    await db.close()


def audit_rows(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT id, actor_id, action, created_at FROM audit_log ORDER BY id"
                            ).fetchall()


def version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0])


def test_copies_taken_while_the_database_is_written_are_consistent_snapshots(
        tmp_path: Path) -> None:
    source = tmp_path / "guildwork.db"
    asyncio.run(fresh_database(source))
    stop = threading.Event()
    written = 0

    def writer() -> None:  # another process's writer, as the running bot's is
        nonlocal written
        conn = sqlite3.connect(source, isolation_level=None, timeout=10)
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA synchronous = OFF")  # as fast as it goes: the copies race it
        while not stop.is_set() and written < 20_000:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT INTO audit_log (actor_id, action, created_at)"
                             " VALUES (?, 'test', ?)", [(written, written)] * 10)
            conn.execute("COMMIT")
            written += 1
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        copies = []
        for n in range(5):
            while written < (n + 1) * 20 and thread.is_alive():
                time.sleep(0.01)
            dest = tmp_path / f"copy-{n}.db"
            report = backup(source, dest)
            assert report.migration_version == LATEST and report.destination == dest
            copies.append(dest)
    finally:
        stop.set()
        thread.join()
    final = audit_rows(source)
    for copy in copies:
        rows = audit_rows(copy)
        # A snapshot between two commits: whole transactions (of 10 rows), exactly as written.
        assert rows and len(rows) % 10 == 0
        assert rows == final[:len(rows)]
        assert version(copy) == LATEST
        with sqlite3.connect(copy) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one file
    assert len(audit_rows(copies[-1])) > len(audit_rows(copies[0]))  # taken as it grew
    last = backup(source, tmp_path / "after.db")
    assert audit_rows(last.destination) == final


def test_python_m_bot_backup_copies_the_running_bots_database(tmp_path: Path) -> None:
    api = FakeBotAPI()
    api.add_user(USER, started=True)
    database = tmp_path / "guildwork.db"
    log = tmp_path / "bot.log"
    with serve(api) as base_url, log.open("w") as out:
        env = clean_env(BOT_TOKEN=BOT_TOKEN, BOT_API_BASE_URL=base_url,
                        DATABASE_PATH=str(database))
        process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=tmp_path, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, text=True)
        try:
            api.push_update(command_update(api, api.chats[USER["id"]], "/start"))
            RunningBot(process, log).wait_for("the welcome", lambda: api.messages(USER["id"]))
            # DATABASE_PATH as the bot reads it (from .env here), the bot still running.
            (tmp_path / ".env").write_text(f"DATABASE_PATH={database}\n")
            result = run_backup(tmp_path, "backups/first.db")
            assert result.returncode == 1 and "does not exist" in result.stderr
            (tmp_path / "backups").mkdir()
            result = run_backup(tmp_path, "backups/first.db")
            assert process.poll() is None
        finally:
            process.kill()
            process.wait(10)
    assert result.returncode == 0, result.stderr
    copy = tmp_path / "backups" / "first.db"
    assert result.stdout.startswith(f"backup: copied {database} to backups/first.db (")
    assert f"migration {LATEST}, integrity ok" in result.stdout
    with sqlite3.connect(copy) as conn:
        users = conn.execute("SELECT id, first_name FROM users").fetchall()
    assert users == [(USER["id"], "Alice")]  # what the bot had written: the user of /start
    assert version(copy) == LATEST
    assert not [p.name for p in copy.parent.iterdir() if p.name != "first.db"], "no leftovers"


async def test_a_destination_that_would_lose_or_mislay_a_file_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "guildwork.db"
    await fresh_database(source)
    existing = tmp_path / "old.db"
    existing.write_bytes(b"yesterday's backup")

    result = run_backup(tmp_path, str(existing), DATABASE_PATH=str(source))
    assert result.returncode == 1
    assert result.stderr.strip() == (f"guildwork: backup refused: {existing} already exists: "
                                     "choose another name, or add --force to replace it.")
    assert existing.read_bytes() == b"yesterday's backup"
    for dest, says in ((tmp_path / "nowhere" / "b.db", "does not exist: create it first"),
                       (tmp_path, "is a folder")):
        result = run_backup(tmp_path, str(dest), DATABASE_PATH=str(source))
        assert result.returncode == 1 and says in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    with pytest.raises(BackupError, match="the database itself"):
        backup(source, source, force=True)
    with pytest.raises(BackupError, match="does not exist: check DATABASE_PATH"):
        backup(tmp_path / "missing.db", tmp_path / "b.db")
    assert not (tmp_path / "missing.db").exists(), "no empty database made in passing"

    result = run_backup(tmp_path, str(existing), "--force", DATABASE_PATH=str(source))
    assert result.returncode == 0, result.stderr
    assert version(existing) == LATEST

    result = run_backup(tmp_path, "b.db", DATABASE_URL="postgresql://guildwork@127.0.0.1/gw")
    assert result.returncode == 2 and "pg_dump -Fc" in result.stderr
    assert not (tmp_path / "b.db").exists()


def test_a_file_that_is_no_database_is_refused_and_nothing_is_left(tmp_path: Path) -> None:
    source = tmp_path / "guildwork.db"
    source.write_bytes(b"this is no SQLite file " * 100)
    with pytest.raises(BackupError, match="can't be copied"):
        backup(source, tmp_path / "b.db")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["guildwork.db"]
