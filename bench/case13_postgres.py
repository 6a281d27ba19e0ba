"""Case 13: the bot on PostgreSQL against the bot on SQLite, in the same run.

Case 1's command cost (`bench/case1_commands.py`: updates/s of each command through the real
Application against a stock PTB one) twice: once on a fresh SQLite copy of the platform, once
on a PostgreSQL database loaded from another fresh copy (every table by `COPY`, the identity
sequences moved past the ids copied). The ratio that matters is PostgreSQL's updates/s over
SQLite's for the same command; each side's own ratio to the stock bot says what share of the
cost is the bot's. PostgreSQL is a throwaway server on loopback (`tgfake.pgserver`, durability
off as for the tests: this measures the engine's CPU and round trips, not a disk), unless
GUILDWORK_TEST_POSTGRES names one.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg

from bench import case1_commands
from bench.generator import Platform
from bench.report import fmt, ratio_text
from bench.sizes import Sizes
from storage import Database
from tgfake import pgserver, pgtest


@contextlib.contextmanager
def _server() -> Iterator[str]:
    if pgtest.server_url():
        yield pgtest.server_url()
    else:
        with pgserver.server() as url:
            yield url


def load_into_postgres(db_path: Path, server: str, name: str) -> str:
    """A PostgreSQL database `name` holding what the SQLite file holds; its URL."""

    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    url = pgtest.with_database(server, name)

    async def migrate() -> None:
        db = Database(url)
        await db.open()
        await db.close()

    pgtest.run_aside(migrate)
    source = sqlite3.connect(db_path)
    tables = [r[0] for r in source.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND name != 'schema_migrations'")]
    with psycopg.connect(url, autocommit=False) as conn:
        conn.execute("SET session_replication_role = replica")  # references: checked by SQLite
        for table in tables:
            columns = [r[1] for r in source.execute(f"PRAGMA table_info({table})")]
            listed = ", ".join(columns)
            with conn.cursor().copy(f"COPY {table} ({listed}) FROM STDIN") as copy:
                for row in source.execute(f"SELECT {listed} FROM {table}"):
                    copy.write_row(row)
            if "id" in columns:
                conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                             f" GREATEST((SELECT MAX(id) FROM {table}), 1))")
        conn.commit()
        conn.execute("ANALYZE")  # PostgreSQL plans from statistics; a restore runs it too
        conn.commit()
    source.close()
    return url


async def run(platform: Platform, sizes: Sizes, workdir: Path, *, profile: bool = False
              ) -> dict[str, Any]:
    with _server() as server:
        sqlite_side = await case1_commands.run(platform, sizes, workdir)
        postgres_side = await case1_commands.run(
            platform, sizes, workdir,
            database_url=lambda path: load_into_postgres(path, server, "bench13"))
    by_name = {r["command"]: r for r in sqlite_side["commands"] if r["status"] == "ok"}
    commands = []
    for r in postgres_side["commands"]:
        other = by_name.get(r["command"])
        if r["status"] != "ok" or other is None:
            continue
        commands.append({
            "command": r["command"], "postgres_updates_per_s": r["bot_updates_per_s"],
            "sqlite_updates_per_s": other["bot_updates_per_s"],
            "postgres_over_sqlite": r["bot_updates_per_s"] / other["bot_updates_per_s"],
            "good_replies": f"{r['bot_good_replies']}/{r['bot_updates']}"})
    mix = (postgres_side["mix"]["bot_updates_per_s"] / sqlite_side["mix"]["bot_updates_per_s"])
    return {"status": "ok", "commands": commands, "mix_postgres_over_sqlite": mix,
            "sqlite": sqlite_side, "postgres": postgres_side}


def rows(result: dict[str, Any]) -> list[dict[str, str]]:
    out = [{"case": "13", "what": f"{r['command']} on PostgreSQL",
            "measured": fmt(r["postgres_updates_per_s"], "upd/s"),
            "baseline": fmt(r["sqlite_updates_per_s"], "upd/s") + " SQLite",
            "ratio": ratio_text(r["postgres_over_sqlite"]),
            "goal": r["good_replies"] + " good replies"} for r in result["commands"]]
    out.append({"case": "13", "what": "mix on PostgreSQL (harmonic)",
                "measured": "", "baseline": "",
                "ratio": ratio_text(result["mix_postgres_over_sqlite"])})
    return out
