"""Results out: the rows an export lists, and the bot's own copies of result files."""

from __future__ import annotations

from bot.domain.statuses import AssignmentStatus
from storage.db import Reader, Tx, lit, records
from storage.models import ExportRow, FileToKeep

# An assignment's latest round with results: the current one, or, sent back and not yet
# reworked, the one the review rejected (older rounds are history).
_LATEST = "(SELECT MAX(x.round) FROM results x WHERE x.assignment_id = a.id)"
_EXPORT = (
    "SELECT r.id AS result_id, r.kind, r.file_id, r.file_unique_id, r.file_name, r.mime_type,"
    " r.file_size, r.text, r.created_at, r.correct, a.id AS assignment_id,"
    " ROW_NUMBER() OVER (PARTITION BY a.id ORDER BY r.id) AS unit, a.status, a.submitted_at,"
    " a.decided_at, a.decided_by, rv.first_name AS reviewer_first_name,"
    " rv.username AS reviewer_username, a.reject_reason, a.auto_accepted,"
    " a.worker_id, u.first_name AS worker_first_name, u.last_name AS worker_last_name,"
    " u.username AS worker_username, a.guild_id, g.name AS guild_name, i.key AS item_key,"
    " i.input AS item_input, i.golden IS NOT NULL AS control, f.path AS copy_path,"
    " f.sha256 AS copy_sha256"
    f" FROM assignments a JOIN results r ON r.assignment_id = a.id AND r.round = {_LATEST}"
    " JOIN users u ON u.id = a.worker_id JOIN guilds g ON g.id = a.guild_id"
    " LEFT JOIN users rv ON rv.id = a.decided_by"
    " LEFT JOIN items i ON i.id = r.item_id"
    " LEFT JOIN result_files f ON f.file_unique_id = r.file_unique_id AND f.status = 'kept'"
    " WHERE a.id IN (SELECT id FROM assignments WHERE task_id = :task AND id > :after"
    " {status} ORDER BY id LIMIT :n)"
    " ORDER BY a.id, r.id")
_ACCEPTED = f" AND status = {lit(AssignmentStatus.ACCEPTED)}"


async def export_rows(db: Reader, task_id: int, *, accepted_only: bool, after: int,
                      assignments: int = 200) -> list[ExportRow]:
    """The latest round's results of the task's assignments after `after` (by id), the next
    `assignments` of them: an export reads a task page by page."""
    sql = _EXPORT.format(status=_ACCEPTED if accepted_only else "")
    rows = await db.fetch_all(sql, {"task": task_id, "after": after, "n": assignments})
    return records(ExportRow, rows)


async def export_count(db: Reader, task_id: int, *, accepted_only: bool) -> int:
    """How many results an export of the task lists."""
    status = _ACCEPTED.replace("status", "a.status") if accepted_only else ""
    return int(await db.fetch_value(
        "SELECT COUNT(*) FROM assignments a JOIN results r ON r.assignment_id = a.id"
        f" AND r.round = {_LATEST} WHERE a.task_id = :task{status}", {"task": task_id}))


# --- the bot's own copies (RESULTS_DIR) ----------------------------------------------------

_NOTE_NEW = (
    "INSERT INTO result_files (file_unique_id, file_id, next_at, created_at)"
    " SELECT file_unique_id, MAX(file_id), :now, :now FROM results"
    " WHERE id > :after AND file_unique_id IS NOT NULL GROUP BY file_unique_id"
    " ON CONFLICT DO NOTHING")


async def note_new_files(tx: Tx, after: int, now: int) -> int:
    """Files of results newer than `after` that have no copy yet wait for one; returns the
    newest result id seen."""
    await tx.execute(_NOTE_NEW, {"after": after, "now": now})
    return int(await tx.fetch_value("SELECT COALESCE(MAX(id), :after) FROM results",
                                    {"after": after}))


async def files_due(db: Reader, now: int, limit: int) -> list[FileToKeep]:
    rows = await db.fetch_all(
        "SELECT f.file_unique_id, f.file_id, f.attempts, r.kind, r.file_name, r.mime_type"
        " FROM result_files f JOIN results r ON r.id = (SELECT MIN(id) FROM results"
        "  WHERE file_unique_id = f.file_unique_id)"
        " WHERE f.status = 'pending' AND f.next_at <= :now ORDER BY f.next_at LIMIT :n",
        {"now": now, "n": limit})
    return records(FileToKeep, rows)


async def kept(tx: Tx, file_unique_id: str, path: str, size: int, sha256: str) -> None:
    await tx.execute(
        "UPDATE result_files SET status = 'kept', path = :path, size = :size, sha256 = :sha,"
        " attempts = attempts + 1, error = NULL WHERE file_unique_id = :u",
        {"u": file_unique_id, "path": path, "size": size, "sha": sha256})


async def not_kept(tx: Tx, file_unique_id: str, error: str, next_at: int | None) -> None:
    """A try that failed: again at `next_at`, or never (None: the file can't be had)."""
    await tx.execute(
        "UPDATE result_files SET attempts = attempts + 1, error = :error,"
        " status = CASE WHEN :next IS NULL THEN 'failed' ELSE 'pending' END,"
        " next_at = COALESCE(:next, next_at) WHERE file_unique_id = :u",
        {"u": file_unique_id, "error": error, "next": next_at})

