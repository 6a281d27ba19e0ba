"""A task's items, the items each assignment holds, and the answers to them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from functools import partial

from bot.domain.items import Item
from bot.domain.statuses import OPEN_ASSIGNMENT, AssignmentStatus
from storage import market, work
from storage.db import Database, Reader, StaleWrite, Tx, lit
from storage.models import AssignmentRecord, HeldItem, TaskRecord

# An item is held while an assignment that has it (not skipped) is open or accepted.
_HOLDING = lit(*OPEN_ASSIGNMENT, AssignmentStatus.ACCEPTED)


async def replace_items(tx: Tx, task_id: int, items: Sequence[Item],
                        media_paths: Sequence[str | None] = (),
                        golden: Sequence[Sequence[str] | None] = (), *,
                        units: int | None = None, control_pct: int = 0) -> None:
    """The task's items are these (earlier ones, never handed out, are dropped); a media
    item's file is at its `media_paths` entry, a control item's accepted answers are its
    `golden` entry. The task's units become `units` (default: one per item)."""
    await tx.execute("DELETE FROM items WHERE task_id = :task", {"task": task_id})
    paths = list(media_paths) or [None] * len(items)
    answers = list(golden) or [None] * len(items)
    await tx.executemany(
        "INSERT INTO items (task_id, position, key, input, media_kind, media_path, golden)"
        " VALUES (:task, :pos, :key, :input, :kind, :path, :golden)",
        ({"task": task_id, "pos": n, "key": item.key, "kind": item.kind, "path": path,
          "input": json.dumps(item.fields, ensure_ascii=False),
          "golden": None if known is None else json.dumps(list(known), ensure_ascii=False)}
         for n, (item, path, known) in enumerate(zip(items, paths, answers, strict=True),
                                                 start=1)))
    controls = sum(1 for known in answers if known is not None)
    await tx.execute(
        "UPDATE tasks SET item_count = :n, units = :units, control_count = :controls,"
        " control_pct = :pct WHERE id = :task",
        {"task": task_id, "n": len(items), "units": len(items) if units is None else units,
         "controls": controls, "pct": control_pct})


async def media_paths(db: Reader, task_id: int) -> list[str]:
    rows = await db.fetch_all("SELECT media_path FROM items WHERE task_id = :task"
                              " AND media_path IS NOT NULL", {"task": task_id})
    return [r[0] for r in rows]


async def remember_file_id(tx: Tx, item_id: int, file_id: str) -> None:
    await tx.execute("UPDATE items SET file_id = :f WHERE id = :id AND file_id IS NULL",
                     {"id": item_id, "f": file_id})


async def handed_out(db: Reader, task_id: int) -> bool:
    return await db.fetch_value(
        "SELECT 1 FROM assignment_items ai JOIN assignments a ON a.id = ai.assignment_id"
        " WHERE a.task_id = :task LIMIT 1", {"task": task_id}) is not None


# Holding rows of an item: in an assignment that is open or accepted, not skipped.
_HOLDERS = ("SELECT {what} FROM assignment_items ai JOIN assignments a ON a.id = ai.assignment_id"
            f" WHERE ai.item_id = i.id AND ai.skipped IS NULL AND a.status IN ({_HOLDING})")
# … of this worker (or, with :across, of anyone in this guild).
_MINE = _HOLDERS.format(what="1") + (
    " AND (a.worker_id = :worker OR (:across = 1 AND a.guild_id = :guild))")


async def free_items(tx: Tx, task: TaskRecord, worker_id: int, guild_id: int, count: int
                     ) -> list[int]:
    """Up to `count` of the task's ordinary items the worker may take, first first: held by
    fewer assignments than the task's overlap, and not by this worker (or, where each answer
    must come from another guild, by anyone in theirs)."""
    params = {"task": task.id, "n": count, "worker": worker_id, "guild": guild_id,
              "across": int(task.overlap_guilds), "overlap": task.overlap}
    if task.overlap == 1:  # the common case: nobody holds it
        free = f"NOT EXISTS ({_HOLDERS.format(what='1')})"
    else:
        free = f"({_HOLDERS.format(what='COUNT(*)')}) < :overlap AND NOT EXISTS ({_MINE})"
    rows = await tx.fetch_all(
        f"SELECT id FROM items i WHERE task_id = :task AND golden IS NULL AND {free}"
        " ORDER BY position LIMIT :n", params)
    return [r[0] for r in rows]


async def any_free_item(tx: Tx, task: TaskRecord) -> bool:
    """Is any ordinary item of the task held by fewer assignments than its overlap?"""
    return await tx.fetch_value(
        "SELECT 1 FROM items i WHERE task_id = :task AND golden IS NULL"
        f" AND ({_HOLDERS.format(what='COUNT(*)')}) < :overlap LIMIT 1",
        {"task": task.id, "overlap": task.overlap}) is not None


async def free_controls(tx: Tx, task: TaskRecord, worker_id: int, count: int) -> list[int]:
    """Up to `count` control items the worker has not been given, the least given first."""
    rows = await tx.fetch_all(
        f"SELECT id FROM items i WHERE task_id = :task AND golden IS NOT NULL"
        f" AND NOT EXISTS ({_MINE}) ORDER BY ({_HOLDERS.format(what='COUNT(*)')}), position"
        " LIMIT :n", {"task": task.id, "n": count, "worker": worker_id, "guild": 0,
                      "across": 0})
    return [r[0] for r in rows]


async def controls_held(tx: Tx, task_id: int) -> int:
    """Control items in the task's assignments that are open or accepted."""
    # From the control items (CROSS JOIN keeps that order: a task has few of them), not from
    # the task's assignments, whose items may be 100,000s.
    return int(await tx.fetch_value(
        "SELECT COUNT(*) FROM items i CROSS JOIN assignment_items ai ON ai.item_id = i.id"
        " JOIN assignments a ON a.id = ai.assignment_id WHERE i.task_id = :task"
        f" AND i.golden IS NOT NULL AND ai.skipped IS NULL AND a.status IN ({_HOLDING})",
        {"task": task_id}))


async def hold(tx: Tx, assignment_id: int, item_ids: Sequence[int]) -> None:
    """The assignment holds these items, in this order."""
    await tx.executemany(
        "INSERT INTO assignment_items (assignment_id, position, item_id) VALUES (:a, :pos, :i)",
        ({"a": assignment_id, "pos": n, "i": item} for n, item in enumerate(item_ids, start=1)))


_HELD_ITEMS = (
    "SELECT ai.position, i.id, i.key, i.input, ai.skipped,"
    " COALESCE(r.text, r.kind) AS answer, i.media_kind, i.media_path, i.file_id,"
    " r.file_id AS answer_file_id, r.id AS answer_id, i.golden FROM assignment_items ai"
    " JOIN items i ON i.id = ai.item_id"
    " LEFT JOIN results r ON r.assignment_id = ai.assignment_id AND r.round = :round"
    "  AND r.item_id = i.id"
    " WHERE ai.assignment_id = :a ORDER BY ai.position")


async def held(db: Reader, assignment_id: int, round: int) -> list[HeldItem]:
    return await db.run(partial(read_held, assignment_id=assignment_id, round=round))


def read_held(conn: sqlite3.Connection, assignment_id: int, round: int) -> list[HeldItem]:
    """`held` as plain sqlite3 calls (for several reads in one hop)."""
    rows = conn.execute(_HELD_ITEMS, {"a": assignment_id, "round": round}).fetchall()
    return [HeldItem(*r) for r in rows]


async def card_state(db: Reader, assignment_id: int
                     ) -> tuple[AssignmentRecord, TaskRecord, list[HeldItem]] | None:
    """An item assignment with its task and the items it holds (with their answers this
    round), in one hop: what a tap needs. None when there is no such assignment."""

    def read(conn: sqlite3.Connection
             ) -> tuple[AssignmentRecord, TaskRecord, list[HeldItem]] | None:
        assignment = work.read(conn, assignment_id)
        if assignment is None:
            return None
        task = market.read_task(conn, assignment.task_id)
        if task is None:
            return None
        return assignment, task, read_held(conn, assignment_id, assignment.round)

    return await db.run(read)


async def open_items(db: Reader, assignment_id: int, round: int) -> list[HeldItem]:
    """The items the assignment still holds (not skipped), with their answers this round."""
    return [i for i in await held(db, assignment_id, round) if i.skipped is None]


async def set_cursor(tx: Tx, assignment_id: int, position: int | None) -> None:
    await tx.execute("UPDATE assignments SET item_cursor = :p WHERE id = :a",
                     {"a": assignment_id, "p": position})


async def skip(tx: Tx, assignment_id: int, position: int, reason: str) -> bool:
    """The worker gives the item back: out of the assignment (one unit less), into the pool."""
    cursor = await tx.execute(
        "UPDATE assignment_items SET skipped = :why WHERE assignment_id = :a"
        " AND position = :p AND skipped IS NULL", {"a": assignment_id, "p": position,
                                                   "why": reason})
    if cursor.rowcount != 1:
        return False
    await tx.execute("UPDATE assignments SET units = units - 1 WHERE id = :a AND units > 1",
                     {"a": assignment_id})
    return True


_ANSWER = (
    "INSERT INTO results (assignment_id, round, item_id, kind, file_id, file_unique_id,"
    " file_name, mime_type, file_size, text, chat_message_id, created_at, norm, correct)"
    " VALUES (:a, :round, :item, :kind, :fid, :fuid, :name, :mime, :size, :text, :message,"
    " :now, :norm, :correct)"
    " ON CONFLICT (assignment_id, round, item_id) WHERE item_id IS NOT NULL DO UPDATE SET"
    " kind = excluded.kind, file_id = excluded.file_id,"
    " file_unique_id = excluded.file_unique_id, file_name = excluded.file_name,"
    " mime_type = excluded.mime_type, file_size = excluded.file_size,"
    " text = excluded.text, chat_message_id = excluded.chat_message_id,"
    " created_at = excluded.created_at, carried = 0, norm = excluded.norm,"
    " correct = excluded.correct")
_UNANSWER = ("DELETE FROM results WHERE assignment_id = :a AND round = :round"
             " AND item_id = :item")


async def answer(tx: Tx, *, assignment_id: int, round: int, item_id: int, kind: str,
                 text: str | None, file_id: str | None, file_unique_id: str | None,
                 file_name: str | None, mime_type: str | None, file_size: int | None,
                 chat_message_id: int | None, now: int, norm: str | None = None,
                 correct: bool | None = None) -> None:
    """The item's answer in this round: a new one, or the one it replaces (Back); `norm` is
    it as compared, `correct` whether a control item's is right."""
    await tx.execute(_ANSWER, {
        "a": assignment_id, "round": round, "item": item_id, "kind": kind, "fid": file_id,
        "fuid": file_unique_id, "name": file_name, "mime": mime_type, "size": file_size,
        "text": text, "message": chat_message_id, "now": now, "norm": norm,
        "correct": None if correct is None else int(correct)})


async def tap(db: Database, *, assignment_id: int, round: int, status: str,
              shown: int | None, cursor: int | None, item_id: int | None = None,
              before: str | None = None, text: str | None = None, norm: str | None = None,
              correct: bool | None = None, now: int) -> None:
    """A tap under the item shown, as one grouped write (see Database.group): the cursor
    moves from `shown` to `cursor` and, given `item_id`, that item's answer goes from `before`
    to `text` (None: no answer). Raises StaleWrite, writing nothing, unless the assignment is
    still in `status` and `round` with the cursor on `shown` and the answer still `before`."""

    def write(conn: sqlite3.Connection) -> None:
        moved = conn.execute(
            "UPDATE assignments SET item_cursor = :to WHERE id = :a AND rework_count = :round"
            " AND status = :status AND item_cursor IS :shown",
            {"a": assignment_id, "round": round, "status": status, "shown": shown,
             "to": cursor}).rowcount
        if moved != 1:
            raise StaleWrite(assignment_id)
        if item_id is None:
            return
        key = {"a": assignment_id, "round": round, "item": item_id}
        row = conn.execute("SELECT COALESCE(text, kind) FROM results WHERE assignment_id = :a"
                           " AND round = :round AND item_id = :item", key).fetchone()
        if (row[0] if row else None) != before:
            raise StaleWrite(assignment_id)
        if text is None:
            conn.execute(_UNANSWER, key)
        else:
            conn.execute(_ANSWER, key | {
                "kind": "text", "fid": None, "fuid": None, "name": None, "mime": None,
                "size": None, "text": text, "message": None, "now": now, "norm": norm,
                "correct": None if correct is None else int(correct)})

    await db.group(write)


async def unanswer(tx: Tx, assignment_id: int, round: int, item_id: int) -> None:
    await tx.execute(_UNANSWER, {"a": assignment_id, "round": round, "item": item_id})


async def release_unsettled(tx: Tx, assignment_id: int, round: int) -> None:
    """The items of an assignment whose answer in this round the review did not let stand go
    back to the pool."""
    await tx.execute(
        "UPDATE assignment_items SET skipped = 'lapsed' WHERE assignment_id = :a"
        " AND skipped IS NULL AND item_id NOT IN (SELECT item_id FROM results"
        " WHERE assignment_id = :a AND round = :round AND item_id IS NOT NULL"
        " AND carried = 1)", {"a": assignment_id, "round": round})

