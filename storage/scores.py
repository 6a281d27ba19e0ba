"""The counts behind workers' and guilds' scores (bot/domain/scores.py), over a window."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from bot.domain.scores import Score
from bot.domain.statuses import AssignmentStatus
from storage.db import Reader, in_list, lit

_ACCEPTED, _EXPIRED = lit(AssignmentStatus.ACCEPTED), lit(AssignmentStatus.EXPIRED)
By = Literal["worker_id", "guild_id"]
_TESTS = "SELECT id FROM tasks WHERE qualifies IS NOT NULL"  # qualification tests: not work


async def scores(db: Reader, by: By, ids: Sequence[int], since: int) -> dict[int, Score]:
    """Each worker's (by "worker_id") or guild's (by "guild_id") counts since `since`."""
    if not ids:
        return {}
    marks, params = in_list(ids, "x")
    params["since"] = since
    work = await db.fetch_all(
        f"SELECT {by}, SUM(CASE WHEN status = {_ACCEPTED} THEN COALESCE(accepted_units, units)"
        f" ELSE 0 END), SUM(units), SUM(CASE WHEN status = {_ACCEPTED}"
        " AND submitted_at <= due_at THEN 1 ELSE 0 END), COUNT(*) FROM assignments"
        f" WHERE {by} IN ({marks}) AND started_at IS NOT NULL AND decided_at >= :since"
        f" AND status IN ({_ACCEPTED}, {_EXPIRED}) AND task_id NOT IN ({_TESTS})"
        f" GROUP BY {by}", params)
    checks = await db.fetch_all(
        f"SELECT {by}, SUM(total - wrong), SUM(total) FROM control_checks"
        f" WHERE {by} IN ({marks}) AND checked_at >= :since GROUP BY {by}", params)
    found: dict[int, dict[str, int]] = {}
    for key, accepted, units, on_time, ended in work:
        found.setdefault(key, {}).update(accepted=accepted, units=units, on_time=on_time,
                                         ended=ended)
    for key, right, controls in checks:
        found.setdefault(key, {}).update(right=right, controls=controls)
    return {key: Score(**counts) for key, counts in found.items()}
