"""Digest lines: informational notices gathered into one message per chat, guild and window."""

from __future__ import annotations

from storage import outbox as outbox_repo
from storage.db import Reader, Tx
from storage.outbox import DIGEST_METHOD

_OPEN_WINDOW = (
    # The newest line's digest, while it still waits for its window to end: only the newest
    # can be open (a later window is opened only when the one before it is due). It waits for
    # its window's end, or for a send tried again after a failure (then it is made again from
    # its lines); a row taken under a lease (several instances: its due time moved to the
    # lease's end, its last error cleared) is being sent, and a line that joined it now would
    # be marked delivered with it, unsent.
    "SELECT o.id FROM outbox o WHERE o.id = (SELECT d.outbox_id FROM digest_lines d"
    " WHERE d.chat_id = :chat AND d.guild_id = :guild ORDER BY d.id DESC LIMIT 1)"
    " AND o.status = 'pending' AND o.not_before > :now"
    " AND (o.not_before = o.created_at + :window OR o.last_error IS NOT NULL)")


async def add_line(tx: Tx, *, chat_id: int, user_id: int | None, guild_id: int,
                   event_key: str, text: str, payload: str, now: int, window: int) -> bool:
    """Add the event's line to the chat's open digest of the guild, or open one that goes out
    `window` seconds from now. False when the event has a line in this chat already."""
    row = await tx.fetch_one(
        "INSERT OR IGNORE INTO digest_lines"
        " (outbox_id, chat_id, guild_id, event_key, text, created_at)"
        f" VALUES (({_OPEN_WINDOW}), :chat, :guild, :key, :text, :now)"
        " RETURNING id, outbox_id",
        {"chat": chat_id, "guild": guild_id, "key": event_key, "text": text, "now": now,
         "window": window})
    if row is None:
        return False
    line_id, outbox_id = row
    if outbox_id is None:
        outbox_id = await outbox_repo.enqueue(
            tx, chat_id=chat_id, user_id=user_id, method=DIGEST_METHOD, payload=payload,
            dedupe_key=f"digest:{chat_id}:{guild_id}:{line_id}", now=now,
            not_before=now + window)
        await tx.execute("UPDATE digest_lines SET outbox_id = :outbox WHERE id = :id",
                         {"outbox": outbox_id, "id": line_id})
    return True


async def lines(db: Reader, outbox_id: int) -> list[str]:
    """A digest's lines, in the order their events happened."""
    rows = await db.fetch_all(
        "SELECT text FROM digest_lines WHERE outbox_id = :outbox ORDER BY id",
        {"outbox": outbox_id})
    return [row[0] for row in rows]


async def mark_delivered(tx: Tx, outbox_ids: list[int], now: int) -> None:
    await tx.executemany(
        "UPDATE digest_lines SET delivered_at = :now"
        " WHERE outbox_id = :outbox AND delivered_at IS NULL",
        [{"outbox": i, "now": now} for i in outbox_ids])
