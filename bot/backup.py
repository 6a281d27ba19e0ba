"""`python -m bot backup <file>`: a checked copy of the SQLite database, made while the bot runs
(storage.backup says how)."""

from __future__ import annotations

import argparse
import sys

from bot.config import ConfigError, load_values
from storage.backup import BackupError, backup


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot backup",
        description="Copy the SQLite database (consistent while the bot runs) and check the "
                    "copy.")
    parser.add_argument("destination", help="the backup file to write")
    parser.add_argument("--force", action="store_true", help="replace the file if it exists")
    parser.add_argument("--database", help="the database to copy (default: DATABASE_PATH)")
    args = parser.parse_args(argv)
    try:
        values = load_values()
    except ConfigError as exc:
        print(f"guildwork: configuration error: {exc}", file=sys.stderr)
        return 2
    if not args.database and values.get("DATABASE_URL", "").strip().startswith("postgres"):
        print("guildwork: DATABASE_URL is a PostgreSQL database: back it up with "
              "`pg_dump -Fc` (see the README's Backups section).", file=sys.stderr)
        return 2
    source = args.database or values.get("DATABASE_PATH", "").strip() or "guildwork.db"
    try:
        report = backup(source, args.destination, force=args.force)
    except BackupError as exc:
        print(f"guildwork: backup refused: {exc}", file=sys.stderr)
        return 1
    print(f"backup: copied {report.source} to {report.destination} "
          f"({report.size_bytes:,} bytes, migration {report.migration_version}, "
          f"integrity ok) in {report.seconds:.2f} s")
    return 0
