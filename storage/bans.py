"""Bans: of a worker or a guild, from the platform, a skill or a task, until a moment.

A ban is active while it is not lifted and its end is still ahead (`until_at > now`): it ends
by itself, nothing has to run at its end.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.statuses import UNSUBMITTED, BanScope, BanSubject
from storage.db import Reader, Tx, in_list, lit, records
from storage.models import BanRecord

_COLUMNS = ("id, subject_kind, subject_id, scope, scope_ref, until_at, reason, banned_by,"
            " created_at, lifted_at")
_ACTIVE = "lifted_at IS NULL AND until_at > :now"
_USER, _GUILD = lit(BanSubject.USER), lit(BanSubject.GUILD)
_PLATFORM, _SKILL, _TASK = lit(BanScope.PLATFORM), lit(BanScope.SKILL), lit(BanScope.TASK)
_UNSUBMITTED = lit(*UNSUBMITTED)


async def insert(tx: Tx, *, subject_kind: str, subject_id: int, scope: str, ref: str | None,
                 until: int, reason: str, by: int | None, now: int) -> int:
    new_id = await tx.insert(
        "INSERT INTO bans (subject_kind, subject_id, scope, scope_ref, until_at, reason,"
        " banned_by, created_at) VALUES (:kind, :id, :scope, :ref, :until, :reason, :by, :now)",
        {"kind": subject_kind, "id": subject_id, "scope": scope, "ref": ref, "until": until,
         "reason": reason, "by": by, "now": now})
    assert new_id is not None
    return new_id


async def active(db: Reader, now: int, limit: int = 200) -> list[BanRecord]:
    """Every active ban, the soonest to end first."""
    rows = await db.fetch_all(f"SELECT {_COLUMNS} FROM bans WHERE {_ACTIVE}"
                              " ORDER BY until_at, id LIMIT :limit", {"now": now, "limit": limit})
    return records(BanRecord, rows)


async def lift(tx: Tx, *, subject_kind: str, subject_id: int, scope: str, ref: str | None,
               by: int, now: int) -> list[BanRecord]:
    """Lift the subject's active bans of this scope; the bans lifted."""
    rows = await tx.fetch_all(
        f"UPDATE bans SET lifted_at = :now, lifted_by = :by WHERE {_ACTIVE}"
        " AND subject_kind = :kind AND subject_id = :id AND scope = :scope"
        f" AND scope_ref IS :ref RETURNING {_COLUMNS}",
        {"kind": subject_kind, "id": subject_id, "scope": scope, "ref": ref, "by": by,
         "now": now})
    return records(BanRecord, rows)


async def barring_users(db: Reader, user_ids: Iterable[int], task_id: int, now: int
                        ) -> dict[int, BanRecord]:
    """The active ban that keeps each of these workers from the task's work: from the
    platform or from the task itself (skill bans count as lacking the skill instead)."""
    marks, params = in_list(user_ids, "u")
    if not params:
        return {}
    params.update(now=now, task=str(task_id))
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM bans WHERE {_ACTIVE} AND subject_kind = {_USER}"
        f" AND subject_id IN ({marks}) AND (scope = {_PLATFORM}"
        f"  OR (scope = {_TASK} AND scope_ref = :task)) ORDER BY until_at DESC", params)
    found: dict[int, BanRecord] = {}
    for ban in records(BanRecord, rows):
        found.setdefault(ban.subject_id, ban)
    return found


async def barring_guild(db: Reader, guild_id: int, task_id: int, skills: Iterable[str],
                        now: int) -> BanRecord | None:
    """The active ban that keeps the guild from quoting for or claiming the task: from the
    platform, the task, or one of the skills it requires."""
    marks, params = in_list(skills, "s")
    params.update(now=now, guild=guild_id, task=str(task_id))
    skill_scope = f" OR (scope = {_SKILL} AND scope_ref IN ({marks}))" if marks else ""
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM bans WHERE {_ACTIVE} AND subject_kind = {_GUILD}"
        f" AND subject_id = :guild AND (scope = {_PLATFORM}"
        f" OR (scope = {_TASK} AND scope_ref = :task){skill_scope})"
        " ORDER BY until_at DESC LIMIT 1", params)
    found = records(BanRecord, rows)
    return found[0] if found else None


async def open_work_in_scope(db: Reader, user_id: int, scope: str, ref: str | None
                             ) -> list[int]:
    """The worker's assignments not yet submitted that a ban of this scope takes back. A
    rework of some items is not: the answers the review let stand are paid for when it is
    submitted or lapses (taking it back would hand those items out, and pay them, again)."""
    where = ""
    if scope == BanScope.TASK:
        where = " AND a.task_id = :ref"
    elif scope == BanScope.SKILL:
        where = " AND instr(',' || COALESCE(t.skills, '') || ',', ',' || :ref || ',') > 0"
    rows = await db.fetch_all(
        "SELECT a.id FROM assignments a JOIN tasks t ON t.id = a.task_id"
        f" WHERE a.worker_id = :worker AND a.status IN ({_UNSUBMITTED}){where}"
        " AND NOT EXISTS (SELECT 1 FROM results r WHERE r.assignment_id = a.id"
        "  AND r.round = a.rework_count AND r.carried = 1) ORDER BY a.id",
        {"worker": user_id, "ref": ref})
    return [r[0] for r in rows]


async def barring_test(db: Reader, user_id: int, skill: str, now: int) -> BanRecord | None:
    """The worker's active ban from the platform or from this skill, if any."""
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM bans WHERE {_ACTIVE} AND subject_kind = {_USER}"
        f" AND subject_id = :user AND (scope = {_PLATFORM}"
        f"  OR (scope = {_SKILL} AND scope_ref = :skill)) ORDER BY until_at DESC LIMIT 1",
        {"now": now, "user": user_id, "skill": skill})
    found = records(BanRecord, rows)
    return found[0] if found else None
