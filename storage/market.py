"""Tasks, attachments, quotes and allocations."""

from __future__ import annotations

import json
import sqlite3
from functools import partial

from bot.domain.quality import NO_QUALITY, Quality
from bot.domain.statuses import GuildStatus, MemberStatus, QuoteStatus, TaskStatus
from storage.db import Reader, Tx, in_list, lit, record, records
from storage.models import (
    AllocationRecord,
    AttachmentRecord,
    GuildChat,
    QuoteRecord,
    TaskRecord,
)

_TASK_COLUMNS = (
    "id, title, instructions, mode, result_type, units, price_minor, allocated_units, status,"
    " deadline_at, quote_deadline_at, quote_window_closed, review_days, auto_award, skills,"
    " cancel_reason, created_by, created_at, labels, multi, item_count, control_pct,"
    " threshold_pct, overlap, overlap_guilds, auto_accept, control_count, min_score, award_by,"
    " qualifies"
)
_QUOTE_SELECT = (
    "SELECT q.id, q.task_id, q.guild_id, g.name AS guild_name, g.chat_id AS guild_chat_id,"
    " q.price_minor, q.units, q.note, q.status, q.awarded_units, q.reason, q.created_by,"
    " q.created_at FROM quotes q JOIN guilds g ON g.id = q.guild_id"
)
_ALLOCATION_SELECT = (
    "SELECT a.id, a.task_id, a.guild_id, g.name AS guild_name, a.units, a.unit_price_minor,"
    " a.source, a.quote_id, a.created_at FROM allocations a JOIN guilds g ON g.id = a.guild_id"
)
_GUILD_CHAT = ("SELECT g.id AS guild_id, g.name, g.chat_id, g.language,"
               " u.language AS leader_language, u.language_code AS leader_language_code"
               " FROM guilds g LEFT JOIN users u ON u.id = g.leader_id")
_OPEN, _ALLOCATED = lit(TaskStatus.OPEN), lit(TaskStatus.ALLOCATED)
_PENDING = lit(QuoteStatus.PENDING)


# --- tasks ------------------------------------------------------------------------------------

async def insert_task(tx: Tx, *, title: str, instructions: str, mode: str, result_type: str,
                      units: int, price_minor: int, deadline_at: int,
                      quote_deadline_at: int | None, review_days: int, auto_award: bool,
                      skills: str | None, created_by: int, now: int,
                      labels: tuple[str, ...] = (), multi: bool = False,
                      quality: Quality = NO_QUALITY) -> int:
    new_id = await tx.insert(
        "INSERT INTO tasks (title, instructions, mode, result_type, units, price_minor,"
        " deadline_at, quote_deadline_at, review_days, auto_award, skills, created_by,"
        " created_at, labels, multi, control_pct, threshold_pct, overlap, overlap_guilds,"
        " auto_accept, min_score, award_by, qualifies) VALUES (:title, :instructions, :mode,"
        " :result_type, :units, :price, :deadline, :quote_deadline, :review_days, :auto_award,"
        " :skills, :by, :now, :labels, :multi, :control, :threshold, :overlap, :across,"
        " :auto_accept, :min_score, :award_by, :qualifies)",
        {"title": title, "instructions": instructions, "mode": mode, "result_type": result_type,
         "units": units, "price": price_minor, "deadline": deadline_at,
         "quote_deadline": quote_deadline_at, "review_days": review_days,
         "auto_award": int(auto_award), "skills": skills, "by": created_by, "now": now,
         "labels": json.dumps(labels, ensure_ascii=False) if labels else None,
         "multi": int(multi), "control": quality.control_pct,
         "threshold": quality.threshold_pct, "overlap": quality.overlap,
         "across": int(quality.overlap_guilds),
         "auto_accept": "quality" if quality.auto_accept else None,
         "min_score": quality.min_score,
         "award_by": "quality" if quality.award_by_quality else "price",
         "qualifies": quality.qualifies},
    )
    assert new_id is not None
    return new_id


async def add_attachments(tx: Tx, task_id: int, attachments: list[AttachmentRecord]) -> None:
    await tx.executemany(
        "INSERT INTO task_attachments (task_id, kind, file_id, file_unique_id, file_name,"
        " position) VALUES (:task, :kind, :file_id, :unique, :name, :pos)",
        [{"task": task_id, "kind": a.kind, "file_id": a.file_id, "unique": a.file_unique_id,
          "name": a.file_name, "pos": i} for i, a in enumerate(attachments)],
    )


async def attachments(db: Reader, task_id: int) -> list[AttachmentRecord]:
    rows = await db.fetch_all(
        "SELECT kind, file_id, file_unique_id, file_name FROM task_attachments"
        " WHERE task_id = :task ORDER BY position", {"task": task_id})
    return records(AttachmentRecord, rows)


async def same_task_since(db: Reader, *, created_by: int, title: str, instructions: str,
                          units: int, price_minor: int, deadline_at: int, since: int
                          ) -> TaskRecord | None:
    """The newest task the admin posted since `since` with the same title, instructions,
    units, price and deadline (the same form sent again)."""
    row = await db.fetch_one(
        f"SELECT {_TASK_COLUMNS} FROM tasks WHERE created_by = :by AND title = :title"
        " AND instructions = :instructions AND units = :units AND price_minor = :price"
        " AND deadline_at = :deadline AND created_at >= :since ORDER BY id DESC LIMIT 1",
        {"by": created_by, "title": title, "instructions": instructions, "units": units,
         "price": price_minor, "deadline": deadline_at, "since": since})
    return record(TaskRecord, row) if row else None


async def get_task(db: Reader, task_id: int) -> TaskRecord | None:
    return await db.run(partial(read_task, task_id=task_id))


def read_task(conn: sqlite3.Connection, task_id: int) -> TaskRecord | None:
    """`get_task` as plain sqlite3 calls (for several reads in one hop)."""
    row = conn.execute(f"SELECT {_TASK_COLUMNS} FROM tasks WHERE id = :id",
                       {"id": task_id}).fetchone()
    return record(TaskRecord, row) if row else None


async def tasks_in(db: Reader, statuses: tuple[str, ...], limit: int = 50) -> list[TaskRecord]:
    marks, params = in_list(statuses, "s")
    params["limit"] = limit
    rows = await db.fetch_all(
        f"SELECT {_TASK_COLUMNS} FROM tasks WHERE status IN ({marks}) ORDER BY id DESC"
        " LIMIT :limit", params)
    return records(TaskRecord, rows)


async def count_tasks_in(db: Reader, statuses: tuple[str, ...]) -> int:
    marks, params = in_list(statuses, "s")
    return int(await db.fetch_value(f"SELECT COUNT(*) FROM tasks WHERE status IN ({marks})",
                                    params))


async def take_units(tx: Tx, task_id: int, units: int) -> bool:
    """Allocate `units` of an open task if that many are left; one conditional write."""
    cursor = await tx.execute(
        "UPDATE tasks SET allocated_units = allocated_units + :n,"
        f" status = CASE WHEN allocated_units + :n = units THEN {_ALLOCATED} ELSE status END"
        f" WHERE id = :id AND status = {_OPEN} AND allocated_units + :n <= units",
        {"id": task_id, "n": units},
    )
    return cursor.rowcount == 1


async def close_task(tx: Tx, task_id: int, *, from_states: tuple[str, ...], status: str,
                     reason: str | None, now: int) -> bool:
    marks, params = in_list(from_states, "f")
    params.update(id=task_id, status=status, reason=reason, now=now)
    cursor = await tx.execute(
        f"UPDATE tasks SET status = :status, cancel_reason = :reason, closed_at = :now"
        f" WHERE id = :id AND status IN ({marks})", params)
    return cursor.rowcount == 1


async def close_quote_window(tx: Tx, task_id: int) -> bool:
    cursor = await tx.execute(
        "UPDATE tasks SET quote_window_closed = 1 WHERE id = :id AND quote_window_closed = 0",
        {"id": task_id})
    return cursor.rowcount == 1


async def tasks_with_quote_window_due(db: Reader, now: int) -> list[TaskRecord]:
    rows = await db.fetch_all(
        f"SELECT {_TASK_COLUMNS} FROM tasks WHERE status = {_OPEN} AND quote_window_closed = 0"
        " AND quote_deadline_at IS NOT NULL AND quote_deadline_at <= :now ORDER BY id",
        {"now": now})
    return records(TaskRecord, rows)


# --- quotes -----------------------------------------------------------------------------------

async def withdraw_pending(tx: Tx, task_id: int, guild_id: int, reason: str, now: int
                           ) -> int | None:
    """Withdraw the guild's live quote on the task, if any; returns its id."""
    quote_id: int | None = await tx.fetch_value(
        f"UPDATE quotes SET status = {lit(QuoteStatus.WITHDRAWN)}, reason = :reason,"
        " decided_at = :now WHERE task_id = :task AND guild_id = :guild"
        f" AND status = {_PENDING} RETURNING id",
        {"task": task_id, "guild": guild_id, "reason": reason, "now": now})
    return quote_id


async def insert_quote(tx: Tx, *, task_id: int, guild_id: int, price_minor: int, units: int,
                       note: str | None, created_by: int, now: int) -> int:
    new_id = await tx.insert(
        "INSERT INTO quotes (task_id, guild_id, price_minor, units, note, created_by,"
        " created_at) VALUES (:task, :guild, :price, :units, :note, :by, :now)",
        {"task": task_id, "guild": guild_id, "price": price_minor, "units": units,
         "note": note, "by": created_by, "now": now})
    assert new_id is not None
    return new_id


async def get_quote(db: Reader, quote_id: int) -> QuoteRecord | None:
    row = await db.fetch_one(f"{_QUOTE_SELECT} WHERE q.id = :id", {"id": quote_id})
    return record(QuoteRecord, row) if row else None


async def quotes_for_task(db: Reader, task_id: int, statuses: tuple[str, ...] | None = None
                          ) -> list[QuoteRecord]:
    params: dict[str, object] = {"task": task_id}
    where = "q.task_id = :task"
    if statuses:
        marks, wanted = in_list(statuses, "s")
        where += f" AND q.status IN ({marks})"
        params.update(wanted)
    rows = await db.fetch_all(
        f"{_QUOTE_SELECT} WHERE {where} ORDER BY q.price_minor, q.created_at, q.id", params)
    return records(QuoteRecord, rows)


async def decide_quote(tx: Tx, quote_id: int, *, status: str, awarded_units: int | None,
                       reason: str | None, by: int | None, now: int) -> bool:
    cursor = await tx.execute(
        "UPDATE quotes SET status = :status, awarded_units = :awarded, reason = :reason,"
        f" decided_by = :by, decided_at = :now WHERE id = :id AND status = {_PENDING}",
        {"id": quote_id, "status": status, "awarded": awarded_units, "reason": reason,
         "by": by, "now": now})
    return cursor.rowcount == 1


async def close_pending_quotes(tx: Tx, task_id: int, *, status: str, reason: str, now: int
                               ) -> list[int]:
    rows = await tx.fetch_all(
        "UPDATE quotes SET status = :status, reason = :reason, decided_at = :now"
        f" WHERE task_id = :task AND status = {_PENDING} RETURNING id",
        {"task": task_id, "status": status, "reason": reason, "now": now})
    return sorted(r[0] for r in rows)


# --- allocations ------------------------------------------------------------------------------

async def insert_allocation(tx: Tx, *, task_id: int, guild_id: int, units: int,
                            unit_price_minor: int, source: str, quote_id: int | None,
                            created_by: int, now: int) -> int:
    new_id = await tx.insert(
        "INSERT INTO allocations (task_id, guild_id, units, unit_price_minor, source, quote_id,"
        " created_by, created_at) VALUES (:task, :guild, :units, :price, :source, :quote,"
        " :by, :now)",
        {"task": task_id, "guild": guild_id, "units": units, "price": unit_price_minor,
         "source": source, "quote": quote_id, "by": created_by, "now": now})
    assert new_id is not None
    return new_id


async def allocations_for_task(db: Reader, task_id: int) -> list[AllocationRecord]:
    rows = await db.fetch_all(f"{_ALLOCATION_SELECT} WHERE a.task_id = :task ORDER BY a.id",
                              {"task": task_id})
    return records(AllocationRecord, rows)


async def allocations_for_guild(db: Reader, guild_id: int, task_id: int | None = None
                                ) -> list[AllocationRecord]:
    params: dict[str, object] = {"guild": guild_id}
    where = "a.guild_id = :guild"
    if task_id is not None:
        where += " AND a.task_id = :task"
        params["task"] = task_id
    rows = await db.fetch_all(f"{_ALLOCATION_SELECT} WHERE {where} ORDER BY a.id", params)
    return records(AllocationRecord, rows)


async def approved_guild_chats(db: Reader) -> list[GuildChat]:
    rows = await db.fetch_all(
        f"{_GUILD_CHAT} WHERE g.status = {lit(GuildStatus.APPROVED)} ORDER BY g.id")
    return records(GuildChat, rows)


async def guild_chats(db: Reader, guild_ids: list[int]) -> list[GuildChat]:
    if not guild_ids:
        return []
    marks, params = in_list(guild_ids, "g")
    rows = await db.fetch_all(f"{_GUILD_CHAT} WHERE g.id IN ({marks}) ORDER BY g.id", params)
    return records(GuildChat, rows)


async def guild_sizes(db: Reader, guild_ids: list[int]) -> dict[int, int]:
    if not guild_ids:
        return {}
    marks, params = in_list(guild_ids, "g")
    rows = await db.fetch_all(
        f"SELECT guild_id, COUNT(*) FROM guild_members WHERE status = {lit(MemberStatus.ACTIVE)}"
        f" AND guild_id IN ({marks}) GROUP BY guild_id", params)
    return {r[0]: r[1] for r in rows}
