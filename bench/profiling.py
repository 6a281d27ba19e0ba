"""cProfile around one extra, untimed run: where the event loop's time goes.

Profiling slows everything down, so profiled runs are never the ones whose figures are
reported; `--profile` adds them after the timed runs. cProfile sees the event-loop thread only:
SQLite itself runs in aiosqlite's worker thread and shows up here as time waiting for it.
"""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
ROOT = str(Path(__file__).resolve().parents[1])


async def profiled(awaitable: Awaitable[T], top: int = 12) -> tuple[T, dict[str, Any]]:
    profile = cProfile.Profile()
    profile.enable()
    try:
        result = await awaitable
    finally:
        profile.disable()
    return result, summarize(profile, top)


def summarize(profile: cProfile.Profile, top: int = 12) -> dict[str, Any]:
    stats = pstats.Stats(profile)
    total = stats.total_tt  # type: ignore[attr-defined]
    entries = []
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in \
            stats.stats.items():  # type: ignore[attr-defined]
        entries.append({"function": f"{_short(filename)}:{line}({name})", "calls": calls,
                        "tottime_s": round(tottime, 4), "cumtime_s": round(cumtime, 4)})
    by_self = sorted(entries, key=lambda e: e["tottime_s"], reverse=True)[:top]
    ours = sorted((e for e in entries if _is_ours(e["function"])),
                  key=lambda e: e["cumtime_s"], reverse=True)[:top]
    return {"total_s": round(total, 3), "top_self": by_self, "top_ours_cumulative": ours}


def _short(filename: str) -> str:
    if filename.startswith(ROOT):
        return filename[len(ROOT) + 1:]
    for marker in ("site-packages/", "lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def _is_ours(function: str) -> bool:
    return function.startswith(("bot/", "handlers/", "storage/", "scheduler/"))
