"""Broadcasts: the audiences, the drafts and their states, the fan-out into the outbox, and the
progress read back from the outbox rows each broadcast owns."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.statuses import BroadcastStatus, GuildStatus, MemberStatus, Role
from storage.db import Reader, Tx, lit, record
from storage.models import BroadcastRecord

_COLUMNS = ("id, admin_id, audience, audience_ref, method, payload, status, recipients, sent,"
            " failed, progress_message_id")
_MEMBERS = (f" FROM guild_members m JOIN users u ON u.id = m.user_id"
            f" AND u.can_message = 1 WHERE m.status = {lit(MemberStatus.ACTIVE)}")
_APPROVED = (" AND m.guild_id IN (SELECT id FROM guilds"
             f" WHERE status = {lit(GuildStatus.APPROVED)})")
# Each audience as the query of its recipients' ids (`:ref`: the guild's id or the skill's
# name): people the bot may message (they started it, and never blocked it since).
_AUDIENCES = {
    "all": "SELECT u.id AS id FROM users u WHERE u.can_message = 1",
    "workers": f"SELECT m.user_id AS id{_MEMBERS}{_APPROVED} AND m.role = {lit(Role.MEMBER)}",
    "leaders": f"SELECT m.user_id AS id{_MEMBERS}{_APPROVED}"
               f" AND m.role IN ({lit(Role.LEADER, Role.DEPUTY)})",
    "guild": f"SELECT m.user_id AS id{_MEMBERS} AND m.guild_id = CAST(:ref AS INTEGER)",
    "skill": "SELECT s.user_id AS id FROM worker_skills s JOIN users u ON u.id = s.user_id"
             " AND u.can_message = 1 WHERE s.skill = :ref",
}
_OPEN = lit(BroadcastStatus.QUEUED, BroadcastStatus.SENDING)


async def count_audience(db: Reader, audience: str, ref: str | None) -> int:
    return int(await db.fetch_value(
        f"SELECT COUNT(DISTINCT id) FROM ({_AUDIENCES[audience]}) a",
                                    {"ref": ref}))


async def add_draft(tx: Tx, *, admin_id: int, audience: str, ref: str | None, method: str,
                    payload: str, recipients: int, now: int) -> int:
    new_id = await tx.insert(
        "INSERT INTO broadcasts (admin_id, audience, audience_ref, method, payload, recipients,"
        " created_at) VALUES (:admin, :audience, :ref, :method, :payload, :recipients, :now)",
        {"admin": admin_id, "audience": audience, "ref": ref, "method": method,
         "payload": payload, "recipients": recipients, "now": now})
    assert new_id is not None
    return new_id


async def get(db: Reader, broadcast_id: int) -> BroadcastRecord | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM broadcasts WHERE id = :id",
                             {"id": broadcast_id})
    return None if row is None else record(BroadcastRecord, row)


async def first_open(db: Reader) -> BroadcastRecord | None:
    """The broadcast sending, else the one queued longest (they go one at a time, in order)."""
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM broadcasts WHERE status IN ({_OPEN})"
        f" ORDER BY status = {lit(BroadcastStatus.QUEUED)}, id LIMIT 1")
    return None if row is None else record(BroadcastRecord, row)


async def move(tx: Tx, broadcast_id: int, expected: str, status: str, now: int, *,
               progress_message_id: int | None = None) -> bool:
    """One conditional step of a broadcast's life; False when it was not in `expected`."""
    cursor = await tx.execute(
        "UPDATE broadcasts SET status = :status,"
        " progress_message_id = COALESCE(:message, progress_message_id),"
        " started_at = CASE WHEN :status = 'sending' THEN :now ELSE started_at END,"
        " finished_at = CASE WHEN :status IN ('done', 'cancelled') THEN :now"
        " ELSE finished_at END WHERE id = :id AND status = :expected",
        {"id": broadcast_id, "expected": expected, "status": status, "now": now,
         "message": progress_message_id})
    return cursor.rowcount == 1


async def fan_out(tx: Tx, broadcast: BroadcastRecord, now: int) -> int:
    """Queue the message for every recipient of its audience now, in one statement (no row
    goes through Python: 220,000 cost one pass), each keyed by the broadcast and recipient so a
    retry queues nobody twice; the recipients counted. Its state becomes sending."""
    cursor = await tx.execute(
        "INSERT OR IGNORE INTO outbox (chat_id, user_id, method, payload, dedupe_key,"
        " not_before, created_at, broadcast_id)"
        " SELECT r.id, r.id, :method, :payload, 'broadcast:' || :b || ':' || r.id, :now, :now, :b"
        f" FROM (SELECT DISTINCT id FROM ({_AUDIENCES[broadcast.audience]}) a) r ORDER BY r.id",
        {"method": broadcast.method, "payload": broadcast.payload, "b": broadcast.id,
         "now": now, "ref": broadcast.audience_ref})
    queued = max(cursor.rowcount, 0)
    await tx.execute("UPDATE broadcasts SET recipients = :n WHERE id = :id",
                     {"n": queued, "id": broadcast.id})
    return queued


@dataclass(frozen=True, slots=True)
class Progress:
    sent: int = 0
    failed: int = 0  # unreachable (blocked, never started) or refused by Telegram
    left: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.left


async def progress(db: Reader, broadcast_id: int) -> Progress:
    rows = await db.fetch_all(
        "SELECT status, COUNT(*) FROM outbox WHERE broadcast_id = :id GROUP BY status",
        {"id": broadcast_id})
    counts = {row[0]: row[1] for row in rows}
    return Progress(sent=counts.get("sent", 0),
                    failed=counts.get("failed", 0) + counts.get("unreachable", 0),
                    left=counts.get("pending", 0))


async def any_left(db: Reader, broadcast_id: int) -> bool:
    """Whether any of the broadcast's rows is still to go (one seek, whatever its size)."""
    return await db.fetch_value(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE broadcast_id = :id AND status = 'pending')",
        {"id": broadcast_id}) == 1


async def finish(tx: Tx, broadcast_id: int, done: Progress, now: int) -> bool:
    """sending → done, with its final counts."""
    if not await move(tx, broadcast_id, BroadcastStatus.SENDING, BroadcastStatus.DONE, now):
        return False
    await tx.execute("UPDATE broadcasts SET sent = :sent, failed = :failed WHERE id = :id",
                     {"sent": done.sent, "failed": done.failed, "id": broadcast_id})
    return True
