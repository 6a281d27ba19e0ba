"""Skills: the registry admins define, and the skills each worker holds.

A skill a worker is banned from (an active skill ban, `storage.bans`) counts as not held
wherever work is handed out.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.statuses import BanScope, BanSubject
from storage.db import Reader, Tx, in_list, lit, record, records
from storage.models import SkillRecord

_COLUMNS = "name, title, leaders_grant, created_by, created_at"
_USER, _SKILL = lit(BanSubject.USER), lit(BanScope.SKILL)


async def get(db: Reader, name: str) -> SkillRecord | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM skills WHERE name = :n", {"n": name})
    return record(SkillRecord, row) if row else None


async def all_skills(db: Reader) -> list[SkillRecord]:
    return records(SkillRecord, await db.fetch_all(f"SELECT {_COLUMNS} FROM skills ORDER BY name"))


async def insert(tx: Tx, *, name: str, title: str, by: int, now: int) -> bool:
    """A new skill; False when the name is taken."""
    cursor = await tx.execute(
        "INSERT INTO skills (name, title, created_by, created_at) VALUES (:n, :t, :by, :now)"
        " ON CONFLICT (name) DO NOTHING", {"n": name, "t": title, "by": by, "now": now})
    return cursor.rowcount == 1


async def set_leaders_grant(tx: Tx, name: str, on: bool) -> bool:
    cursor = await tx.execute("UPDATE skills SET leaders_grant = :on WHERE name = :n",
                              {"n": name, "on": int(on)})
    return cursor.rowcount == 1


async def titles(db: Reader, names: Iterable[str]) -> dict[str, str]:
    """The titles of these skills, by name (names not registered are left out)."""
    marks, params = in_list(names, "n")
    if not params:
        return {}
    rows = await db.fetch_all(f"SELECT name, title FROM skills WHERE name IN ({marks})", params)
    return {r[0]: r[1] for r in rows}


async def holders(db: Reader) -> dict[str, int]:
    """How many workers hold each skill."""
    rows = await db.fetch_all("SELECT skill, COUNT(*) FROM worker_skills GROUP BY skill")
    return {r[0]: r[1] for r in rows}


async def grant(tx: Tx, *, user_id: int, skill: str, source: str, by: int | None, now: int
                ) -> bool:
    """The worker holds the skill from now; False when they held it already."""
    cursor = await tx.execute(
        "INSERT INTO worker_skills (user_id, skill, source, granted_by, granted_at)"
        " VALUES (:u, :s, :src, :by, :now) ON CONFLICT (user_id, skill) DO NOTHING",
        {"u": user_id, "s": skill, "src": source, "by": by, "now": now})
    return cursor.rowcount == 1


async def revoke(tx: Tx, *, user_id: int, skill: str) -> bool:
    cursor = await tx.execute("DELETE FROM worker_skills WHERE user_id = :u AND skill = :s",
                              {"u": user_id, "s": skill})
    return cursor.rowcount == 1


async def of_users(db: Reader, user_ids: Iterable[int]) -> dict[int, list[str]]:
    """The skills each of these workers holds (banned or not), by name."""
    marks, params = in_list(user_ids, "u")
    if not params:
        return {}
    rows = await db.fetch_all(
        f"SELECT user_id, skill FROM worker_skills WHERE user_id IN ({marks})"
        " ORDER BY user_id, skill", params)
    found: dict[int, list[str]] = {}
    for user_id, skill in rows:
        found.setdefault(user_id, []).append(skill)
    return found


async def missing_many(db: Reader, user_ids: Iterable[int], names: Iterable[str],
                       now: int | None) -> dict[int, list[str]]:
    """For each worker, the skills of `names` they lack: not held, or held and banned
    (an active skill ban; `now` None: every ban not lifted counts). Workers who lack none are
    left out."""
    wanted = list(dict.fromkeys(names))
    ids = list(dict.fromkeys(user_ids))
    users, user_params = in_list(ids, "u")
    if not wanted or not ids:
        return {}
    skills, params = in_list(wanted, "s")
    params.update(user_params, now=now)
    rows = await db.fetch_all(
        f"SELECT user_id, skill FROM worker_skills WHERE user_id IN ({users})"
        f" AND skill IN ({skills}) AND NOT EXISTS (SELECT 1 FROM bans b"
        f"  WHERE b.subject_kind = {_USER} AND b.subject_id = worker_skills.user_id"
        f"  AND b.scope = {_SKILL} AND b.scope_ref = worker_skills.skill"
        "   AND b.lifted_at IS NULL AND (:now IS NULL OR b.until_at > :now))", params)
    held: dict[int, set[str]] = {}
    for user_id, skill in rows:
        held.setdefault(user_id, set()).add(skill)
    lacking = {}
    for user_id in ids:
        gaps = [name for name in wanted if name not in held.get(user_id, set())]
        if gaps:
            lacking[user_id] = gaps
    return lacking


async def missing(db: Reader, user_id: int, names: Iterable[str], *, now: int | None = None
                  ) -> list[str]:
    """The skills of `names` the worker lacks, in the order given: not held, or banned (an
    active skill ban counts as lacking). Pass the clock's `now` so that bans past their end
    no longer count; without it every ban not lifted does."""
    return (await missing_many(db, [user_id], names, now)).get(user_id, [])
