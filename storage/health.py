"""What readiness asks of the database."""

from __future__ import annotations

from storage.db import Database


async def check_writable(db: Database) -> None:
    """Take the write lock and let it go (BEGIN IMMEDIATE, COMMIT): raises when the database
    is closed, read-only or locked by another process past its busy timeout."""
    async with db.transaction(for_update=False):
        pass
