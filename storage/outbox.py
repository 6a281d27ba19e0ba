"""The outbox: notices for other people, queued inside the transaction that caused them."""

from __future__ import annotations

from storage.db import Reader, Tx, in_list, records
from storage.models import OutboxRow

DIGEST_METHOD = "digest"  # a row rendered from its digest lines when it is sent


async def enqueue(
    tx: Tx,
    *,
    chat_id: int,
    user_id: int | None,
    method: str,
    payload: str,
    dedupe_key: str | None,
    now: int,
    not_before: int | None = None,
) -> int | None:
    """Queue one message; returns its id, or None when `dedupe_key` was queued before."""
    return await tx.insert(
        "INSERT OR IGNORE INTO outbox"
        " (chat_id, user_id, method, payload, dedupe_key, not_before, created_at)"
        " VALUES (:chat, :user, :method, :payload, :key, :not_before, :now)",
        {"chat": chat_id, "user": user_id, "method": method, "payload": payload,
         "key": dedupe_key, "not_before": now if not_before is None else not_before,
         "now": now},
    )


async def enqueue_many(tx: Tx, rows: list[dict[str, object]]) -> None:
    """Batch form of `enqueue` for fan-outs (keys: chat, user, method, payload, key, now)."""
    await tx.executemany(
        "INSERT OR IGNORE INTO outbox"
        " (chat_id, user_id, method, payload, dedupe_key, not_before, created_at)"
        " VALUES (:chat, :user, :method, :payload, :key, :now, :now)",
        rows,
    )


async def due(db: Reader, now: int, limit: int) -> list[OutboxRow]:
    """Rows due now, a chat's in the order queued. A broadcast's rows take what a batch has
    room for after every other notice: a notice queued during a 220,000-row broadcast goes out
    in the next batch, not two hours later (each kind has its own partial index)."""
    rows = await db.fetch_all(_DUE.format(kind="IS NULL"), {"now": now, "limit": limit})
    if len(rows) < limit:
        rows += await db.fetch_all(_DUE.format(kind="IS NOT NULL"),
                                   {"now": now, "limit": limit - len(rows)})
    return records(OutboxRow, rows)


_DUE = (
    "SELECT id, chat_id, user_id, method, payload, attempts, dedupe_key FROM outbox o"
    " WHERE status = 'pending' AND broadcast_id {kind} AND not_before <= :now"
    # a chat's rows in the order queued: none overtakes an earlier one still waiting,
    # except a digest, which waits for its window on purpose
    " AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.chat_id = o.chat_id"
    " AND e.status = 'pending' AND e.id < o.id AND e.not_before > :now"
    f" AND e.method != '{DIGEST_METHOD}')"
    " ORDER BY id LIMIT :limit")


async def claim_due(tx: Tx, now: int, limit: int, lease_until: int) -> list[OutboxRow]:
    """`due`, for one of several instances: the rows this one takes are leased to it (not due
    again before `lease_until`, and a chat's later rows wait behind them as behind any row
    not yet due), so no other instance sends them; the lease of an instance that dies before
    marking them ends, and then they go out from another (at least once, as after a crash)."""
    rows = await due(tx, now, limit)
    if rows:
        marks, params = in_list((row.id for row in rows), "r")
        # The error of an earlier try is cleared too: a digest taken is closed (storage.digests).
        await tx.execute(f"UPDATE outbox SET not_before = :lease, last_error = NULL"
                         f" WHERE id IN ({marks})",
                         {**params, "lease": lease_until})
    return rows


async def release(tx: Tx, ids: list[int], lease_until: int, now: int) -> None:
    """Rows taken under `lease_until` and still pending under it are due again at `now`."""
    marks, params = in_list(ids, "r")
    await tx.execute(f"UPDATE outbox SET not_before = :now WHERE id IN ({marks})"
                     " AND status = 'pending' AND not_before = :lease",
                     {**params, "lease": lease_until, "now": now})


async def next_due_at(db: Reader) -> int | None:
    return await db.fetch_value("SELECT MIN(not_before) FROM outbox WHERE status = 'pending'")


async def mark_sent(tx: Tx, ids: list[int], now: int) -> None:
    await tx.executemany(
        "UPDATE outbox SET status = 'sent', sent_at = :now, attempts = attempts + 1"
        " WHERE id = :id AND status = 'pending'",
        [{"id": i, "now": now} for i in ids],
    )


async def postpone(tx: Tx, outbox_id: int, not_before: int, error: str, count: bool) -> None:
    await tx.execute(
        "UPDATE outbox SET not_before = :nb, last_error = :err,"
        " attempts = attempts + :inc WHERE id = :id AND status = 'pending'",
        {"id": outbox_id, "nb": not_before, "err": error, "inc": int(count)},
    )


async def close(tx: Tx, outbox_id: int, status: str, error: str) -> None:
    await tx.execute(
        "UPDATE outbox SET status = :status, last_error = :err, attempts = attempts + 1"
        " WHERE id = :id AND status = 'pending'",
        {"id": outbox_id, "status": status, "err": error},
    )


async def close_pending_for_chat(tx: Tx, chat_id: int, status: str, error: str) -> int:
    cursor = await tx.execute(
        "UPDATE outbox SET status = :status, last_error = :err"
        " WHERE chat_id = :chat AND status = 'pending'",
        {"chat": chat_id, "status": status, "err": error},
    )
    return cursor.rowcount


async def counts(db: Reader) -> dict[str, int]:
    rows = await db.fetch_all("SELECT status, COUNT(*) FROM outbox GROUP BY status")
    return {row[0]: row[1] for row in rows}


async def move_chat(tx: Tx, old_chat_id: int, new_chat_id: int) -> None:
    await tx.execute(
        "UPDATE outbox SET chat_id = :new WHERE chat_id = :old AND status = 'pending'",
        {"old": old_chat_id, "new": new_chat_id})
