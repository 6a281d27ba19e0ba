"""Case 4 — summaries: build every worker's weekly summary, against the bare SQL aggregate.

The clock is set to Sunday 20:05 in the default zone, when the week's summaries are due. The
measured side is the real `SummaryService.run_due()` (what the scheduler's job calls): find the
due workers, read their figures in batches, render each summary, and queue it in the outbox in
the transaction that records the run. Its guild and admin parts are switched off for the ratio,
so that both sides produce the same figures (a second run with them on is shown for the record).
The baseline reads the same four figures for everyone with four bare `GROUP BY` queries
(`bench.child.BARE_QUERIES`) through the same `Database` reader, and nothing else.

Each side runs in a fresh process on a fresh copy of the database: seconds, and peak memory as
the rise of the process's high-water mark (VmHWM) over its RSS just before the work.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.child import run_child
from bench.generator import Platform
from bench.report import fmt, ratio_text
from bench.sizes import Sizes


async def run(platform: Platform, sizes: Sizes, workdir: Path, *, profile: bool = False
              ) -> dict[str, Any]:
    result: dict[str, Any] = {"status": "ok"}
    for side in ("bare", "service", "service-full"):
        db_path = platform.fresh_copy(workdir / f"case4-{side}")
        try:
            result[side] = run_child("summaries", "--db", str(db_path), "--side", side)
        finally:
            db_path.unlink(missing_ok=True)
    bare, service = result["bare"], result["service"]
    result["time_ratio"] = service["seconds"] / bare["seconds"]
    result["memory_ratio"] = (service["peak_increase_kib"] / bare["peak_increase_kib"]
                              if bare["peak_increase_kib"] > 0 else None)
    return result


def rows(result: dict[str, Any]) -> list[dict[str, str]]:
    bare, service, full = result["bare"], result["service"], result["service-full"]
    return [
        {"case": "4", "what": f"weekly summaries, {service['workers']:,} queued "
                              f"(+{service['skipped']:,} empty)",
         "measured": fmt(service["seconds"], "s", 1), "baseline": fmt(bare["seconds"], "s", 1)
         + " bare SQL", "ratio": ratio_text(result["time_ratio"]) + " time",
         "goal": f"with guilds+admins: {fmt(full['seconds'], 's', 1)}"},
        {"case": "4", "what": "peak memory (rise over start)",
         "measured": fmt(service["peak_increase_kib"] / 1024, "MiB", 1),
         "baseline": fmt(bare["peak_increase_kib"] / 1024, "MiB", 1),
         "ratio": ratio_text(result["memory_ratio"])},
    ]
