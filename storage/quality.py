"""Quality control's reads and writes: control checks, the answers an item got from several
workers (overlap), and the votes per item a task's aggregation reads."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from bot.domain.statuses import LIVE_TASK, AssignmentStatus
from storage import market, work
from storage.db import Reader, Tx, in_list, lit
from storage.models import AssignmentRecord, TaskRecord

R = TypeVar("R")
_COUNTED = lit(AssignmentStatus.SUBMITTED, AssignmentStatus.ACCEPTED)
# The answers that count for an item: this round's, of a submitted or accepted assignment
# that still holds the item.
_COUNTED_ANSWERS = (
    "FROM results r JOIN assignments a ON a.id = r.assignment_id AND r.round = a.rework_count"
    " JOIN assignment_items ai ON ai.assignment_id = a.id AND ai.item_id = r.item_id"
    f" AND ai.skipped IS NULL WHERE a.status IN ({_COUNTED})")


async def control_outcome(db: Reader, assignment_id: int, round: int) -> tuple[int, int]:
    """(control items answered, of them wrong) in the assignment's round."""
    row = await db.fetch_one(
        "SELECT COUNT(*), COALESCE(SUM(1 - correct), 0) FROM results r"
        " JOIN assignment_items ai ON ai.assignment_id = r.assignment_id"
        " AND ai.item_id = r.item_id AND ai.skipped IS NULL"
        " WHERE r.assignment_id = :a AND r.round = :round AND r.correct IS NOT NULL",
        {"a": assignment_id, "round": round})
    assert row is not None
    return int(row[0]), int(row[1])


async def record_check(tx: Tx, *, assignment_id: int, round: int, worker_id: int,
                       guild_id: int, task_id: int, total: int, wrong: int, passed: bool,
                       now: int) -> bool:
    """The submission's control check, once per round (False: recorded before)."""
    cursor = await tx.execute(
        "INSERT INTO control_checks (assignment_id, round, worker_id, guild_id, task_id, total,"
        " wrong, passed, checked_at) VALUES (:a, :round, :worker, :guild, :task, :total,"
        " :wrong, :passed, :now) ON CONFLICT DO NOTHING",
        {"a": assignment_id, "round": round, "worker": worker_id, "guild": guild_id,
         "task": task_id, "total": total, "wrong": wrong, "passed": int(passed), "now": now})
    return cursor.rowcount == 1


async def recent_checks(db: Reader, worker_id: int, task_ids: Sequence[int], count: int,
                        scope: str, ref: str) -> list[bool]:
    """Whether each of the worker's last `count` control checks on these tasks passed,
    newest first; only those since their last ban of this scope (a ban starts afresh)."""
    if not task_ids:
        return []
    marks, params = in_list(task_ids, "t")
    params.update(worker=worker_id, n=count, scope=scope, ref=ref)
    rows = await db.fetch_all(
        f"SELECT passed FROM control_checks WHERE worker_id = :worker AND task_id IN ({marks})"
        " AND checked_at > COALESCE((SELECT MAX(created_at) FROM bans"
        "  WHERE subject_kind = 'user' AND subject_id = :worker AND scope = :scope"
        "  AND scope_ref = :ref), -1)"
        " ORDER BY checked_at DESC, assignment_id DESC, round DESC LIMIT :n", params)
    return [bool(r[0]) for r in rows]


async def tasks_needing(db: Reader, skill: str) -> list[int]:
    """The tasks that require the skill (their `skills`: names joined by commas)."""
    rows = await db.fetch_all(
        "SELECT id FROM tasks WHERE instr(',' || skills || ',', ',' || :skill || ',') > 0",
        {"skill": skill})
    return [r[0] for r in rows]


async def my_answers(db: Reader, assignment_id: int, round: int) -> dict[int, str | None]:
    """The assignment's answers to its ordinary items (item id → normalised answer)."""
    rows = await db.fetch_all(
        "SELECT ai.item_id, r.norm FROM assignment_items ai JOIN items i ON i.id = ai.item_id"
        " LEFT JOIN results r ON r.assignment_id = ai.assignment_id AND r.item_id = ai.item_id"
        " AND r.round = :round WHERE ai.assignment_id = :a AND ai.skipped IS NULL"
        " AND i.golden IS NULL", {"a": assignment_id, "round": round})
    return {r[0]: r[1] for r in rows}


async def answers_to(db: Reader, item_ids: Sequence[int]) -> dict[int, list[str]]:
    """The answers that count for each of these items (normalised)."""
    found: dict[int, list[str]] = {item: [] for item in item_ids}
    if not item_ids:
        return found
    marks, params = in_list(item_ids, "i")
    rows = await db.fetch_all(
        f"SELECT r.item_id, r.norm {_COUNTED_ANSWERS} AND r.item_id IN ({marks})"
        " AND r.norm IS NOT NULL", params)
    for item, norm in rows:
        found[item].append(norm)
    return found


async def waiting_with(db: Reader, item_ids: Sequence[int]) -> list[int]:
    """Submitted assignments that hold any of these items: their agreement may have changed."""
    if not item_ids:
        return []
    marks, params = in_list(item_ids, "i")
    rows = await db.fetch_all(
        "SELECT DISTINCT ai.assignment_id FROM assignment_items ai"
        " JOIN assignments a ON a.id = ai.assignment_id"
        f" WHERE ai.item_id IN ({marks}) AND ai.skipped IS NULL"
        f" AND a.status = {lit(AssignmentStatus.SUBMITTED)} ORDER BY ai.assignment_id", params)
    return [r[0] for r in rows]


async def set_disputed(tx: Tx, assignment_id: int, disputed: bool) -> None:
    await tx.execute("UPDATE assignments SET disputed = :d WHERE id = :a",
                     {"a": assignment_id, "d": int(disputed)})


async def undecided(db: Reader, limit: int = 200) -> list[int]:
    """Submissions of tasks that accept on quality whose guild's pre-check passed them on,
    not disputed: for the clock to decide (the others were decided as they arrived)."""
    rows = await db.fetch_all(
        "SELECT a.id FROM assignments a JOIN tasks t ON t.id = a.task_id"
        f" WHERE a.status = {lit(AssignmentStatus.SUBMITTED)} AND t.auto_accept = 'quality'"
        " AND a.disputed = 0 AND a.needs_precheck = 1 AND a.prechecked_at IS NOT NULL"
        " ORDER BY a.id LIMIT :n", {"n": limit})
    return [r[0] for r in rows]


_VOTES = (
    "SELECT i.key, v.norm, v.n, v.sample FROM items i LEFT JOIN ("
    f" SELECT r.item_id, r.norm, COUNT(*) AS n, MIN(r.text) AS sample {_COUNTED_ANSWERS}"
    "  AND r.norm IS NOT NULL AND a.task_id = :task GROUP BY r.item_id, r.norm"
    ") v ON v.item_id = i.id WHERE i.task_id = :task AND i.golden IS NULL"
    " ORDER BY i.position")


Votes = Iterable[tuple[str, str | None, int | None, str | None]]


async def votes(db: Reader, task_id: int, reduce: Callable[[Votes], Iterable[R]]) -> list[R]:
    """`reduce` over the answers the task's ordinary items got that count, grouped and in item
    order: (key, normalised answer, how many gave it, one of them as given), a row with no
    answer for an item without one. On the reader's thread, in one hop, as rows arrive."""

    def read(conn: sqlite3.Connection) -> list[R]:
        return list(reduce(conn.execute(_VOTES, {"task": task_id})))

    return await db.run(read)


# --- qualification tests ----------------------------------------------------------------------

async def test_for(db: Reader, skill: str) -> TaskRecord | None:
    """The newest live qualification test of the skill that has its items."""
    task_id = await db.fetch_value(
        f"SELECT id FROM tasks WHERE qualifies = :skill AND status IN ({lit(*LIVE_TASK)})"
        " AND item_count > 0 ORDER BY id DESC LIMIT 1", {"skill": skill})
    return None if task_id is None else await market.get_task(db, task_id)


async def last_attempt(db: Reader, task_id: int, worker_id: int
                       ) -> tuple[AssignmentRecord, int | None] | None:
    """The worker's latest assignment of the test, and when it was decided."""
    row = await db.fetch_one(
        "SELECT id, decided_at FROM assignments WHERE task_id = :task AND worker_id = :worker"
        " ORDER BY id DESC LIMIT 1", {"task": task_id, "worker": worker_id})
    if row is None:
        return None
    found = await work.get(db, row[0])
    assert found is not None
    return found, row[1]


async def all_items(db: Reader, task_id: int) -> list[int]:
    rows = await db.fetch_all("SELECT id FROM items WHERE task_id = :task ORDER BY position",
                              {"task": task_id})
    return [r[0] for r in rows]
