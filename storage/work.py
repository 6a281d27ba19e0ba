"""Assignments and their results.

State changes here are the storage side of `bot.domain.lifecycle.ASSIGNMENT`: the services pass
the event's source states, and each write changes a row only if it is still in one of them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from functools import partial

from bot.domain.statuses import LIVE_TASK, OPEN_ASSIGNMENT, WORKING, AssignmentStatus
from storage.db import Reader, Row, Tx, in_list, lit, record, records
from storage.models import AssignmentRecord, ResultRecord

_OPEN = lit(*OPEN_ASSIGNMENT)
_WORKING = lit(*WORKING)
_OFFERED = lit(AssignmentStatus.OFFERED)
_SUBMITTED = lit(AssignmentStatus.SUBMITTED)
_ACCEPTED = lit(AssignmentStatus.ACCEPTED)

_SELECT = (
    "SELECT a.id, a.task_id, t.title AS task_title, t.result_type, t.review_days,"
    " t.item_count AS task_items, a.item_cursor, a.disputed,"
    " a.allocation_id, a.guild_id, g.name AS guild_name, g.chat_id AS guild_chat_id,"
    " g.leader_id, COALESCE(a.commission_bp, g.commission_bp) AS commission_bp,"
    " a.needs_precheck AS precheck, a.worker_id, a.units, a.unit_price_minor,"
    " a.status, a.accepted_units, a.reject_reason, a.rework_count, a.offered_at,"
    " a.offer_expires_at, a.due_at, a.submitted_at, a.prechecked_at, a.auto_accepted"
    " FROM assignments a JOIN tasks t ON t.id = a.task_id JOIN guilds g ON g.id = a.guild_id"
)
# Submissions an admin can review: pre-checked, when they were sent for that.
_REVIEWABLE = (f"a.status = {_SUBMITTED}"
               " AND (a.needs_precheck = 0 OR a.prechecked_at IS NOT NULL)")


def _assignment(row: Row) -> AssignmentRecord:
    return record(AssignmentRecord, row)


# Units an assignment holds of its allocation: all of them while open, the accepted part once
# accepted, none once declined, expired or cancelled (those return to the guild's pool).
_HELD = (f"CASE WHEN status = {_ACCEPTED} THEN COALESCE(accepted_units, units)"
         f" WHEN status IN ({_OPEN}) THEN units ELSE 0 END")


async def pool(db: Reader, task_id: int, guild_id: int) -> list[tuple[int, int, int]]:
    """(allocation id, unit price, units not held by any assignment) for the guild's task."""
    rows = await db.fetch_all(
        "SELECT al.id, al.unit_price_minor, al.units - COALESCE("
        f"  (SELECT SUM({_HELD}) FROM assignments WHERE allocation_id = al.id), 0) AS free"
        " FROM allocations al WHERE al.task_id = :task AND al.guild_id = :guild ORDER BY al.id",
        {"task": task_id, "guild": guild_id})
    return [(r[0], r[1], r[2]) for r in rows]


async def insert(tx: Tx, *, task_id: int, allocation_id: int, guild_id: int, worker_id: int,
                 units: int, unit_price_minor: int, commission_bp: int, assigned_by: int,
                 now: int, offer_expires_at: int, due_at: int) -> int:
    new_id = await tx.insert(
        "INSERT INTO assignments (task_id, allocation_id, guild_id, worker_id, units,"
        " unit_price_minor, commission_bp, assigned_by, offered_at, offer_expires_at, due_at)"
        " VALUES (:task, :allocation, :guild, :worker, :units, :price, :bp, :by, :now,"
        " :expires, :due)",
        {"task": task_id, "allocation": allocation_id, "guild": guild_id, "worker": worker_id,
         "units": units, "price": unit_price_minor, "bp": commission_bp, "by": assigned_by,
         "now": now, "expires": offer_expires_at, "due": due_at})
    assert new_id is not None
    return new_id


async def get(db: Reader, assignment_id: int) -> AssignmentRecord | None:
    return await db.run(partial(read, assignment_id=assignment_id))


def read(conn: sqlite3.Connection, assignment_id: int) -> AssignmentRecord | None:
    """`get` as plain sqlite3 calls (for several reads in one hop)."""
    row = conn.execute(f"{_SELECT} WHERE a.id = :id", {"id": assignment_id}).fetchone()
    return _assignment(row) if row else None


async def for_worker(db: Reader, worker_id: int, statuses: Iterable[str] = OPEN_ASSIGNMENT
                     ) -> list[AssignmentRecord]:
    marks, params = in_list(statuses, "s")
    params["worker"] = worker_id
    rows = await db.fetch_all(
        f"{_SELECT} WHERE a.worker_id = :worker AND a.status IN ({marks}) ORDER BY a.id",
        params)
    return records(AssignmentRecord, rows)


async def for_task_and_guild(db: Reader, task_id: int, guild_id: int) -> list[AssignmentRecord]:
    rows = await db.fetch_all(
        f"{_SELECT} WHERE a.task_id = :task AND a.guild_id = :guild ORDER BY a.id",
        {"task": task_id, "guild": guild_id})
    return records(AssignmentRecord, rows)


async def open_count(db: Reader, worker_id: int) -> int:
    return int(await db.fetch_value(
        f"SELECT COUNT(*) FROM assignments WHERE worker_id = :w AND status IN ({_OPEN})",
        {"w": worker_id}))


async def open_units_by_worker(db: Reader, worker_ids: list[int]) -> dict[int, int]:
    if not worker_ids:
        return {}
    marks, params = in_list(worker_ids, "w")
    rows = await db.fetch_all(
        f"SELECT worker_id, SUM(units) FROM assignments WHERE status IN ({_OPEN})"
        f" AND worker_id IN ({marks}) GROUP BY worker_id", params)
    return {r[0]: r[1] for r in rows}


async def transition(tx: Tx, assignment_id: int, from_states: Iterable[str], to: str, *,
                     new_round: bool = False, **fields: object) -> bool:
    """One conditional write: the state moves only if it is one of `from_states`. A new round
    (a rejection) counts one more rework and clears the round's pre-check."""
    sets = [f"{column} = :{column}" for column in fields]
    if new_round:
        sets += ["rework_count = rework_count + 1", "prechecked_at = NULL",
                 "prechecked_by = NULL"]
    marks, params = in_list(from_states, "f")
    params.update(fields)
    params.update(id=assignment_id, to=to)
    cursor = await tx.execute(
        f"UPDATE assignments SET {', '.join(['status = :to', *sets])}"
        f" WHERE id = :id AND status IN ({marks})", params)
    return cursor.rowcount == 1


async def transition_task(tx: Tx, task_id: int, from_states: Iterable[str], to: str, now: int
                          ) -> list[tuple[int, int]]:
    """Move every assignment of the task in `from_states`; (assignment id, worker id) of each."""
    marks, params = in_list(from_states, "f")
    params.update(t=task_id, to=to, now=now)
    rows = await tx.fetch_all(
        f"UPDATE assignments SET status = :to, decided_at = :now WHERE task_id = :t"
        f" AND status IN ({marks}) RETURNING id, worker_id", params)
    return sorted((r[0], r[1]) for r in rows)


async def mark_prechecked(tx: Tx, assignment_id: int, from_states: Iterable[str],
                          by: int | None, now: int) -> bool:
    """The pre-check is done (`by` None: the clock passed it on to the admins unchecked)."""
    marks, params = in_list(from_states, "f")
    params.update(id=assignment_id, by=by, now=now)
    cursor = await tx.execute(
        "UPDATE assignments SET prechecked_at = :now, prechecked_by = :by"
        f" WHERE id = :id AND status IN ({marks}) AND prechecked_at IS NULL", params)
    return cursor.rowcount == 1


async def next_for_review(db: Reader) -> AssignmentRecord | None:
    """The oldest submission an admin can review; first those whose answers did not agree
    with the other workers' (overlap)."""
    row = await db.fetch_one(f"{_SELECT} WHERE {_REVIEWABLE}"
                             " ORDER BY a.disputed DESC, a.submitted_at, a.id LIMIT 1")
    return _assignment(row) if row else None


async def review_queue_size(db: Reader) -> int:
    return int(await db.fetch_value(f"SELECT COUNT(*) FROM assignments a WHERE {_REVIEWABLE}"))


async def accepted_units_of_task(db: Reader, task_id: int) -> int:
    return int(await db.fetch_value(
        # `+status`: without it SQLite walks assignments_decided (status, …), every accepted
        # assignment on the platform (0.46 s at 2.5 M), instead of this task's entries.
        "SELECT COALESCE(SUM(accepted_units), 0) FROM assignments"
        f" WHERE task_id = :task AND +status = {_ACCEPTED}", {"task": task_id}))


async def pending_gross(db: Reader, worker_id: int) -> list[tuple[int, int]]:
    """(gross, commission bp) of the worker's submitted, not yet accepted assignments."""
    rows = await db.fetch_all(
        "SELECT a.units * a.unit_price_minor, COALESCE(a.commission_bp, g.commission_bp)"
        " FROM assignments a JOIN guilds g ON g.id = a.guild_id"
        f" WHERE a.worker_id = :w AND a.status = {_SUBMITTED}",
        {"w": worker_id})
    return [(r[0], r[1]) for r in rows]


async def guild_pending_gross(db: Reader, guild_id: int) -> int:
    return int(await db.fetch_value(
        "SELECT COALESCE(SUM(units * unit_price_minor), 0) FROM assignments"
        f" WHERE guild_id = :g AND status = {_SUBMITTED}", {"g": guild_id}))


# --- results -------------------------------------------------------------------------------

async def _file_taken(tx: Tx, file_unique_id: str | None, assignment_id: int, round: int,
                      except_result: int | None = None) -> bool:
    """The file was already sent for another assignment, or in this round of this one. (A
    later round of the same assignment may take it again.)"""
    if file_unique_id is None:
        return False
    return await tx.fetch_value(
        "SELECT 1 FROM results WHERE file_unique_id = :f"
        " AND (assignment_id != :a OR round = :round) AND id IS NOT :except LIMIT 1",
        {"f": file_unique_id, "a": assignment_id, "round": round,
         "except": except_result}) is not None


async def _text_taken(tx: Tx, kind: str, text: str | None, assignment_id: int, round: int
                      ) -> bool:
    """The same text is already a result of this round: sent twice, it counts once."""
    if kind != "text" or text is None:
        return False
    return await tx.fetch_value(
        "SELECT 1 FROM results WHERE assignment_id = :a AND round = :round AND kind = 'text'"
        " AND text = :text LIMIT 1", {"a": assignment_id, "round": round, "text": text}
    ) is not None


async def add_result(tx: Tx, *, assignment_id: int, round: int, kind: str,
                     file_id: str | None, file_unique_id: str | None, file_name: str | None,
                     mime_type: str | None, file_size: int | None, text: str | None,
                     chat_message_id: int | None, now: int) -> int | None:
    """Store a result; None when its file was already taken (see `_file_taken`), or the
    same text is already one of this round's."""
    if await _file_taken(tx, file_unique_id, assignment_id, round) \
            or await _text_taken(tx, kind, text, assignment_id, round):
        return None
    return await tx.insert(
        "INSERT INTO results (assignment_id, round, kind, file_id, file_unique_id,"
        " file_name, mime_type, file_size, text, chat_message_id, created_at) VALUES (:a,"
        " :round, :kind, :fid, :fuid, :name, :mime, :size, :text, :message, :now)",
        {"a": assignment_id, "round": round, "kind": kind, "fid": file_id,
         "fuid": file_unique_id, "name": file_name, "mime": mime_type, "size": file_size,
         "text": text, "message": chat_message_id, "now": now})


async def result_of_message(db: Reader, worker_id: int, chat_message_id: int
                            ) -> tuple[int, int, int] | None:
    """(result id, assignment id, round) of the result a worker sent as that message."""
    row = await db.fetch_one(
        "SELECT r.id, r.assignment_id, r.round FROM results r"
        " JOIN assignments a ON a.id = r.assignment_id"
        " WHERE r.chat_message_id = :m AND a.worker_id = :w ORDER BY r.id DESC LIMIT 1",
        {"m": chat_message_id, "w": worker_id})
    return (row[0], row[1], row[2]) if row else None


async def replace_result(tx: Tx, result_id: int, *, assignment_id: int, round: int, kind: str,
                         file_id: str | None, file_unique_id: str | None,
                         file_name: str | None, mime_type: str | None, file_size: int | None,
                         text: str | None) -> bool:
    """The result as its edited message now is; False when the new file was already taken."""
    if await _file_taken(tx, file_unique_id, assignment_id, round, except_result=result_id):
        return False
    await tx.execute(
        "UPDATE results SET kind = :kind, file_id = :fid, file_unique_id = :fuid,"
        " file_name = :name, mime_type = :mime, file_size = :size, text = :text"
        " WHERE id = :id",
        {"id": result_id, "kind": kind, "fid": file_id, "fuid": file_unique_id,
         "name": file_name, "mime": mime_type, "size": file_size, "text": text})
    return True


async def result_position(db: Reader, result_id: int, assignment_id: int, round: int) -> int:
    """Which result of its round this one is: 1, 2, …"""
    return int(await db.fetch_value(
        "SELECT COUNT(*) FROM results WHERE assignment_id = :a AND round = :r AND id <= :id",
        {"a": assignment_id, "r": round, "id": result_id}))


async def removable_result(db: Reader, worker_id: int, result_id: int | None = None,
                           assignment_id: int | None = None) -> tuple[int, int] | None:
    """(result id, assignment id) of a result the worker may still take back: sent by them in
    the current round of an assignment still taking results (not one the review let stand);
    the given one, or the newest of the assignment."""
    row = await db.fetch_one(
        "SELECT r.id, a.id FROM results r JOIN assignments a ON a.id = r.assignment_id"
        f" AND r.round = a.rework_count WHERE a.worker_id = :w AND a.status IN ({_WORKING})"
        " AND r.carried = 0 AND r.item_id IS NULL AND (:r IS NULL OR r.id = :r)"
        " AND (:a IS NULL OR a.id = :a) ORDER BY r.id DESC LIMIT 1",
        {"w": worker_id, "r": result_id, "a": assignment_id})
    return (row[0], row[1]) if row else None


async def remove_result(tx: Tx, result_id: int) -> bool:
    cursor = await tx.execute("DELETE FROM results WHERE id = :r AND carried = 0",
                              {"r": result_id})
    return cursor.rowcount == 1


async def result_count(db: Reader, assignment_id: int, round: int) -> int:
    return int(await db.fetch_value(
        "SELECT COUNT(*) FROM results WHERE assignment_id = :a AND round = :r",
        {"a": assignment_id, "r": round}))


async def result_counts(db: Reader, assignment_ids: list[int]) -> dict[int, int]:
    """Results in each assignment's current round, in one query."""
    if not assignment_ids:
        return {}
    marks, params = in_list(assignment_ids, "a")
    rows = await db.fetch_all(
        "SELECT r.assignment_id, COUNT(*) FROM results r JOIN assignments a"
        " ON a.id = r.assignment_id AND r.round = a.rework_count"
        f" WHERE r.assignment_id IN ({marks}) GROUP BY r.assignment_id", params)
    return {r[0]: r[1] for r in rows}


async def results(db: Reader, assignment_id: int, round: int) -> list[ResultRecord]:
    rows = await db.fetch_all(
        "SELECT id, assignment_id, kind, file_id, file_unique_id, file_name, mime_type,"
        " file_size, text FROM results WHERE assignment_id = :a AND round = :r ORDER BY id",
        {"a": assignment_id, "r": round})
    return records(ResultRecord, rows)


# --- the clock -------------------------------------------------------------------------------

async def offers_past_window(db: Reader, now: int, limit: int = 500) -> list[int]:
    rows = await db.fetch_all(
        f"SELECT id FROM assignments WHERE status = {_OFFERED} AND offer_expires_at <= :now"
        " ORDER BY offer_expires_at LIMIT :limit", {"now": now, "limit": limit})
    return [r[0] for r in rows]


REMINDER_COLUMNS = ("reminded_24h_at", "reminded_1h_at")


async def due_for_reminder(db: Reader, now: int, column: str, earliest: int, latest: int,
                           limit: int = 500) -> list[int]:
    """Working assignments due in (now + earliest, now + latest] not yet reminded."""
    assert column in REMINDER_COLUMNS
    rows = await db.fetch_all(
        f"SELECT id FROM assignments WHERE status IN ({_WORKING})"
        f" AND due_at > :low AND due_at <= :high AND {column} IS NULL ORDER BY due_at"
        " LIMIT :limit", {"low": now + earliest, "high": now + latest, "limit": limit})
    return [r[0] for r in rows]


async def mark_reminded(tx: Tx, assignment_id: int, column: str, now: int) -> bool:
    assert column in REMINDER_COLUMNS
    cursor = await tx.execute(
        f"UPDATE assignments SET {column} = :now WHERE id = :id AND {column} IS NULL"
        f" AND status IN ({_WORKING})", {"id": assignment_id, "now": now})
    return cursor.rowcount == 1


async def overdue(db: Reader, now: int, from_states: Iterable[str], limit: int = 500
                  ) -> list[int]:
    marks, params = in_list(from_states, "f")
    params.update(now=now, limit=limit)
    rows = await db.fetch_all(
        f"SELECT id FROM assignments WHERE status IN ({marks})"
        " AND due_at <= :now ORDER BY due_at LIMIT :limit", params)
    return [r[0] for r in rows]


async def review_overdue(db: Reader, now: int, limit: int = 500) -> list[int]:
    """Submissions the admins could review for their task's whole review window, counted from
    when they could first see them (after the guild's pre-check, where there is one)."""
    rows = await db.fetch_all(
        "SELECT a.id FROM assignments a JOIN tasks t ON t.id = a.task_id"
        f" WHERE {_REVIEWABLE} AND COALESCE(a.prechecked_at, a.submitted_at)"
        " + t.review_days * 86400 <= :now ORDER BY a.submitted_at LIMIT :limit",
        {"now": now, "limit": limit})
    return [r[0] for r in rows]


async def precheck_overdue(db: Reader, now: int, limit: int = 500) -> list[int]:
    """Submissions still waiting for their guild's pre-check after the task's review window."""
    rows = await db.fetch_all(
        "SELECT a.id FROM assignments a JOIN tasks t ON t.id = a.task_id"
        f" WHERE a.status = {_SUBMITTED} AND a.needs_precheck = 1 AND a.prechecked_at IS NULL"
        " AND a.submitted_at + t.review_days * 86400 <= :now ORDER BY a.submitted_at"
        " LIMIT :limit", {"now": now, "limit": limit})
    return [r[0] for r in rows]


async def tasks_to_close(db: Reader, now: int, limit: int = 200) -> list[tuple[int, int]]:
    """(task id, units) of open or allocated tasks past their deadline with no assignment
    still open. Tasks still waiting on a review are left out here, not skipped by the caller:
    a page of those would otherwise hide every later task from the sweep for good."""
    rows = await db.fetch_all(
        f"SELECT t.id, t.units FROM tasks t WHERE t.status IN ({lit(*LIVE_TASK)})"
        " AND t.deadline_at <= :now AND NOT EXISTS (SELECT 1 FROM assignments a"
        f" WHERE a.task_id = t.id AND a.status IN ({_OPEN}))"
        " ORDER BY t.deadline_at, t.id LIMIT :limit", {"now": now, "limit": limit})
    return [(r[0], r[1]) for r in rows]


async def open_count_for_task(db: Reader, task_id: int) -> int:
    return int(await db.fetch_value(
        f"SELECT COUNT(*) FROM assignments WHERE task_id = :t AND status IN ({_OPEN})",
        {"t": task_id}))


async def carry_over(tx: Tx, assignment_id: int, from_round: int, keep: Iterable[int]) -> None:
    """A rework of some items or results: these results (ids) stand in the new round."""
    ids = sorted({int(result_id) for result_id in keep})
    if not ids:
        return
    marks, params = in_list(ids, "r")
    await tx.execute(
        "INSERT INTO results (assignment_id, round, item_id, kind, file_id, file_unique_id,"
        " file_name, mime_type, file_size, text, chat_message_id, created_at, carried, norm,"
        " correct) SELECT assignment_id, round + 1, item_id, kind, file_id, file_unique_id,"
        " file_name, mime_type, file_size, text, NULL, created_at, 1, norm, correct FROM results"
        f" WHERE assignment_id = :a AND round = :round AND id IN ({marks})",
        {"a": assignment_id, "round": from_round, **params})


_REWORKING = lit(AssignmentStatus.REJECTED, AssignmentStatus.IN_PROGRESS)


async def lapsed_part_reworks(db: Reader, now: int, limit: int = 500) -> list[int]:
    """Reworks of part of a submission not submitted by the deadline: those with results the
    review let stand (carried into the rework's round)."""
    rows = await db.fetch_all(
        "SELECT DISTINCT a.id, a.due_at FROM assignments a JOIN results r"
        " ON r.assignment_id = a.id AND r.round = a.rework_count AND r.carried = 1"
        f" WHERE a.status IN ({_REWORKING}) AND a.rework_count > 0 AND a.due_at <= :now"
        " ORDER BY a.due_at LIMIT :limit", {"now": now, "limit": limit})
    return [r[0] for r in rows]


async def carried_count(db: Reader, assignment_id: int, round: int) -> int:
    return int(await db.fetch_value(
        "SELECT COUNT(*) FROM results WHERE assignment_id = :a AND round = :round"
        " AND carried = 1", {"a": assignment_id, "round": round}))

