"""Workers' and guilds' scores over the last 90 days (rules: bot/domain/scores.py), for the
services that show or use them."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.scores import WINDOW_DAYS, Score
from storage import scores as repo
from storage.db import Reader

DAY = 24 * 3600


async def worker_scores(db: Reader, worker_ids: Sequence[int], now: int) -> dict[int, Score]:
    return await repo.scores(db, "worker_id", worker_ids, now - WINDOW_DAYS * DAY)


async def guild_scores(db: Reader, guild_ids: Sequence[int], now: int) -> dict[int, Score]:
    return await repo.scores(db, "guild_id", sorted(set(guild_ids)), now - WINDOW_DAYS * DAY)
