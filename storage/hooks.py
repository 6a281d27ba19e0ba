"""The hook queue: events for the platform's receiver, queued inside the transaction that
caused them, delivered at least once and in order per ordering key."""

from __future__ import annotations

from storage.db import Reader, Tx, records
from storage.models import HookEventRow

_COLUMNS = ("id, event_id, type, ordering_key, payload, attempts, next_attempt_at, last_error,"
            " created_at")


async def add(tx: Tx, *, event_id: str, type: str, ordering_key: str, payload: str,
              now: int) -> None:
    await tx.execute(
        "INSERT INTO hook_events (event_id, type, ordering_key, payload, next_attempt_at,"
        " created_at) VALUES (:event_id, :type, :key, :payload, :now, :now)",
        {"event_id": event_id, "type": type, "key": ordering_key, "payload": payload,
         "now": now})


async def due(db: Reader, now: int, limit: int) -> list[HookEventRow]:
    """Pending events due now, oldest first, none behind an earlier one of its key that waits
    for a later try (so a key's events are never delivered out of order)."""
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM hook_events h"
        " WHERE status = 'pending' AND next_attempt_at <= :now"
        " AND NOT EXISTS (SELECT 1 FROM hook_events e WHERE e.ordering_key = h.ordering_key"
        " AND e.status = 'pending' AND e.id < h.id AND e.next_attempt_at > :now)"
        " ORDER BY id LIMIT :limit",
        {"now": now, "limit": limit})
    return records(HookEventRow, rows)


async def next_due_at(db: Reader) -> int | None:
    return await db.fetch_value(
        "SELECT MIN(next_attempt_at) FROM hook_events WHERE status = 'pending'")


async def mark_delivered(tx: Tx, ids: list[int], now: int) -> None:
    await tx.executemany(
        "UPDATE hook_events SET status = 'delivered', delivered_at = :now,"
        " attempts = attempts + 1 WHERE id = :id AND status = 'pending'",
        [{"id": i, "now": now} for i in ids])


async def postpone(tx: Tx, rows: list[tuple[int, int, str]]) -> None:
    """(id, next attempt at, error) for each event whose delivery failed."""
    await tx.executemany(
        "UPDATE hook_events SET next_attempt_at = :next, last_error = :error,"
        " attempts = attempts + 1 WHERE id = :id AND status = 'pending'",
        [{"id": i, "next": at, "error": error} for i, at, error in rows])


async def counts(db: Reader) -> tuple[int, int, int]:
    """(queued, delivered and kept, failing): failing are queued events tried at least
    once."""
    row = await db.fetch_one(
        "SELECT COUNT(*) FILTER (WHERE status = 'pending'),"
        " COUNT(*) FILTER (WHERE status = 'delivered'),"
        " COUNT(*) FILTER (WHERE status = 'pending' AND attempts > 0) FROM hook_events")
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


async def failing(db: Reader, limit: int) -> list[HookEventRow]:
    """Queued events whose last try failed, the most recently failed first."""
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM hook_events WHERE status = 'pending' AND attempts > 0"
        " ORDER BY next_attempt_at DESC, id DESC LIMIT :limit", {"limit": limit})
    return records(HookEventRow, rows)


async def forget_delivered(tx: Tx, before: int, limit: int) -> int:
    """Delete up to `limit` events delivered before `before`; how many were."""
    cursor = await tx.execute(
        "DELETE FROM hook_events WHERE id IN (SELECT id FROM hook_events"
        " WHERE status = 'delivered' AND delivered_at < :before ORDER BY delivered_at"
        " LIMIT :limit)", {"before": before, "limit": limit})
    return cursor.rowcount
