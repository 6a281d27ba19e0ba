"""Numbered SQL migrations (`migrations/NNNN_name.sql`), each applied once in a transaction."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from importlib import resources
from typing import Any

log = logging.getLogger(__name__)
_NAME_RE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# A migration's PostgreSQL twin, for the few that SQLite can only do by rebuilding a table.
TWIN = ".postgres.sql"
# First line of a migration that rebuilds tables (see apply_migrations).
FOREIGN_KEYS_OFF = "-- migrate: foreign keys off"


class MigrationError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def bundled_migrations(engine: str = "sqlite") -> list[Migration]:
    """The numbered history; for PostgreSQL, with each migration's twin where it has one."""
    folder = resources.files("storage.migrations")
    found = []
    for entry in folder.iterdir():
        if match := _NAME_RE.match(entry.name):
            twin = folder / entry.name.replace(".sql", TWIN)
            source = twin if engine == "postgres" and twin.is_file() else entry
            found.append(Migration(int(match[1]), match[2], source.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migrations share a number: {versions}")
    return found


async def apply_migrations(
    conn: Any, migrations: list[Migration] | None = None, engine: str = "sqlite"
) -> list[int]:
    """Apply pending migrations in order; return the versions applied now. On PostgreSQL an
    advisory lock keeps two instances starting at once from migrating together."""
    if engine != "postgres":
        return await _apply(conn, migrations, engine)
    from storage.postgres import MIGRATION_LOCK, PRELUDE

    await conn.execute(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
    try:
        await conn.executescript(PRELUDE)
        return await _apply(conn, migrations, engine)
    finally:
        await conn.execute(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})")


async def _apply(conn: Any, migrations: list[Migration] | None, engine: str) -> list[int]:
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)"
    )
    done = {row[0] for row in await conn.execute_fetchall("SELECT version FROM schema_migrations")}
    applied = []
    for migration in migrations if migrations is not None else bundled_migrations(engine):
        if migration.version in done:
            continue
        # A migration that rebuilds a table runs with foreign keys off (the documented way:
        # they can't be switched inside a transaction) and checks every reference before it
        # commits, so a broken one rolls back like any other failure.
        rebuild = migration.sql.lstrip().startswith(FOREIGN_KEYS_OFF)
        script = (
            "BEGIN IMMEDIATE;\n"
            f"{migration.sql}\n;\n"
            "INSERT INTO schema_migrations (version, name, applied_at) "
            f"VALUES ({migration.version}, '{migration.name}', {int(time.time())});\n"
        )
        try:
            if rebuild:
                await conn.execute("PRAGMA foreign_keys = OFF")
            await conn.executescript(script)
            if rebuild and (broken := list(await conn.execute_fetchall(
                    "PRAGMA foreign_key_check"))):
                raise MigrationError(f"{len(broken)} broken references, e.g. {tuple(broken[0])}")
            await conn.execute("COMMIT")
        except Exception as exc:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise MigrationError(
                f"migration {migration.version:04d}_{migration.name} failed: {exc}"
            ) from exc
        finally:
            if rebuild:
                await conn.execute("PRAGMA foreign_keys = ON")
        log.info("applied migration %04d_%s", migration.version, migration.name)
        applied.append(migration.version)
    return applied
