"""Conversation scratch, one row per person and key (see migration 0025)."""

from __future__ import annotations

from collections.abc import Iterable

from storage.db import Reader, Tx


async def of_user(db: Reader, user_id: int) -> dict[str, bytes]:
    rows = await db.fetch_all("SELECT key, value FROM scratch WHERE user_id = :u",
                              {"u": user_id})
    return {row["key"]: bytes(row["value"]) for row in rows}


async def everyone(db: Reader) -> list[tuple[int, str, bytes]]:
    rows = await db.fetch_all("SELECT user_id, key, value FROM scratch")
    return [(row["user_id"], row["key"], bytes(row["value"])) for row in rows]


async def keep(tx: Tx, user_id: int, changed: dict[str, bytes], gone: Iterable[str],
               now: int) -> None:
    if changed:
        await tx.executemany(
            "INSERT INTO scratch (user_id, key, value, updated_at) VALUES (:u, :k, :v, :now)"
            " ON CONFLICT (user_id, key) DO UPDATE SET value = excluded.value,"
            " updated_at = excluded.updated_at",
            [{"u": user_id, "k": key, "v": value, "now": now} for key, value in changed.items()])
    if gone := list(gone):
        await tx.executemany("DELETE FROM scratch WHERE user_id = :u AND key = :k",
                             [{"u": user_id, "k": key} for key in gone])


async def forget_older_than(tx: Tx, moment: int) -> int:
    cursor = await tx.execute("DELETE FROM scratch WHERE updated_at < :m", {"m": moment})
    return cursor.rowcount
