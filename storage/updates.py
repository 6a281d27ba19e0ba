"""Updates already handled (see storage.db: the first transaction of a handling claims it)."""

from __future__ import annotations

from storage.db import Reader, Tx


async def handled(db: Reader, update_id: int) -> bool:
    return await db.fetch_value("SELECT 1 FROM processed_updates WHERE update_id = :u",
                                {"u": update_id}) is not None


async def record(tx: Tx, update_id: int, now: int) -> None:
    """An update handled that wrote nothing of its own is handled all the same."""
    await tx.execute("INSERT OR IGNORE INTO processed_updates (update_id, handled_at)"
                     " VALUES (:u, :now)", {"u": update_id, "now": now})


async def newest(db: Reader) -> int:
    """The highest update id claimed (0: none)."""
    return await db.fetch_value("SELECT COALESCE(MAX(update_id), 0) FROM processed_updates")


async def forget_older_than(tx: Tx, moment: int) -> int:
    """Drop records Telegram can no longer need (it redelivers for 24 hours at most)."""
    cursor = await tx.execute("DELETE FROM processed_updates WHERE handled_at < :m",
                              {"m": moment})
    return cursor.rowcount
