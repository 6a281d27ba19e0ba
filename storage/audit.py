"""The audit trail as admins read it (/audit): newest first, about everything or one guild,
user or task, with the names of who acted and what it touched. Written by
storage.users.add_audit."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Reader, in_list
from storage.money_out import CHUNK


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    created_at: int
    actor_id: int
    action: str
    target_type: str | None
    target_id: int | None
    detail: str | None


# What belongs to a guild, a task or a user besides the row itself: the quotes, allocations and
# assignments that are theirs (a user's: the assignments they worked on, and what they did).
_OF = {
    "guild": "guild_id = :id",
    "task": "task_id = :id",
}
_PARTS = ("quotes", "allocations", "assignments")


def _scope(kind: str | None) -> str:
    if kind is None:
        return ""
    if kind == "user":
        return (" AND (actor_id = :id OR (target_type = 'user' AND target_id = :id)"
                " OR (target_type = 'assignment' AND target_id IN"
                " (SELECT id FROM assignments WHERE worker_id = :id)))")
    where = _OF[kind]
    parts = " OR ".join(f"(target_type = '{table[:-1]}' AND target_id IN"
                        f" (SELECT id FROM {table} WHERE {where}))" for table in _PARTS)
    return f" AND ((target_type = '{kind}' AND target_id = :id) OR {parts})"


async def entries(db: Reader, kind: str | None, id: int | None, since: int, *,
                  limit: int, offset: int = 0) -> list[AuditEntry]:
    """The trail since `since`, newest first: `limit` entries after the first `offset`."""
    rows = await db.fetch_all(
        "SELECT id, created_at, actor_id, action, target_type, target_id, detail"
        f" FROM audit_log WHERE created_at >= :since{_scope(kind)}"
        " ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset",
        {"since": since, "id": id, "limit": limit, "offset": offset})
    return [AuditEntry(*row) for row in rows]


async def names(db: Reader, table: str, ids: list[int]) -> dict[int, str]:
    """Guilds' names or tasks' titles by id."""
    column = {"guilds": "name", "tasks": "title"}[table]
    found: dict[int, str] = {}
    distinct = sorted(set(ids))
    for at in range(0, len(distinct), CHUNK):
        marks, params = in_list(distinct[at:at + CHUNK], "i")
        found.update((row[0], row[1]) for row in await db.fetch_all(
            f"SELECT id, {column} FROM {table} WHERE id IN ({marks})", params))
    return found
