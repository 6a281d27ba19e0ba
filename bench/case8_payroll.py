"""Case 8 — payroll: `/payroll` over the whole platform (every worker, the whole ledger),
against one bare `GROUP BY` over the ledger.

The synthetic platform's 220,000 workers and 5,000,000 ledger rows (26 weeks of accepted work,
commissions and payouts). The measured side is the real `MoneyOutService.payroll` (the
ledger's one pass with CASE sums for earnings, payouts and the balance at the period's end,
the accepted work's units, gross and commission from the `assignments_payroll` covering index,
names and guilds joined per user, records built), for the last full month of the history
(`2026-11` in the admin's zone) and for the whole history (`2026-06-01 2026-11-30`); the
per-worker CSV it sends is timed on its own. The baseline is
`SELECT user_id, SUM(amount_minor) FROM ledger GROUP BY user_id` read into a list. Both run
through the same running bot's `Database` reader in the same run: a warm-up each, then the
sides alternate (ABBA), median of the timed runs.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.drive import start_bot
from bench.generator import ADMIN_ID, Platform
from bench.report import median, ratio_text
from bench.sizes import Sizes
from bot.i18n import texts_for
from bot.views.money_out import payroll_workers_csv
from tgfake.api import FakeBotAPI

BARE = "SELECT user_id, SUM(amount_minor) FROM ledger GROUP BY user_id"
PERIODS = {"month": ["2026-11"], "history": ["2026-06-01", "2026-11-30"]}


async def _timed(work: Callable[[], Awaitable[object]]) -> tuple[float, object]:
    started = time.perf_counter()
    value = await work()
    return time.perf_counter() - started, value


async def run(platform: Platform, sizes: Sizes, workdir: Path, *, profile: bool = False
              ) -> dict[str, Any]:
    db_path = platform.fresh_copy(workdir / "case8")
    bot = await start_bot(platform, db_path, api=FakeBotAPI())
    result: dict[str, Any] = {"status": "ok", "periods": {}}
    try:
        services = bot.services
        _ = texts_for("en")

        async def bare() -> int:
            return len(await services.db.run(lambda conn: conn.execute(BARE).fetchall()))

        for name, args in PERIODS.items():
            async def payroll(args: list[str] = args) -> int:
                return len((await services.money_out.payroll(ADMIN_ID, args)).workers)

            sides = {"payroll": payroll, "bare": bare}
            seconds: dict[str, list[float]] = {"payroll": [], "bare": []}
            counts: dict[str, object] = {}
            for side, work in sides.items():  # warm-up: the pages in SQLite's and the OS's cache
                counts[side] = await work()
            for n in range(sizes.c8_runs):
                order = ["payroll", "bare"] if n % 2 == 0 else ["bare", "payroll"]
                for side in order:
                    seconds[side].append((await _timed(sides[side]))[0])
            found = await services.money_out.payroll(ADMIN_ID, args)
            csv_seconds, data = await _timed(_csv(_, found, services.settings))
            payroll_s, bare_s = median(seconds["payroll"]), median(seconds["bare"])
            assert payroll_s is not None and bare_s is not None
            result["periods"][name] = {
                "args": args, "workers": counts["payroll"], "bare_groups": counts["bare"],
                "guilds": len(found.guilds), "runs": seconds, "payroll_seconds": payroll_s,
                "bare_seconds": bare_s, "time_ratio": payroll_s / bare_s,
                "csv_seconds": csv_seconds, "csv_bytes": len(data)}  # type: ignore[arg-type]
        result["ledger_rows"] = await services.db.fetch_value("SELECT COUNT(*) FROM ledger")
    finally:
        await bot.stop()
        db_path.unlink(missing_ok=True)
    return result


def _csv(_: Any, found: Any, settings: Any) -> Callable[[], Awaitable[bytes]]:
    async def work() -> bytes:
        return payroll_workers_csv(_, found, settings)
    return work


def rows(result: dict[str, Any]) -> list[dict[str, str]]:
    found = []
    for name, period in result["periods"].items():
        found.append({
            "case": "8", "what": f"/payroll {' '.join(period['args'])} ({name}): "
                                 f"{period['workers']:,} workers, "
                                 f"{result['ledger_rows']:,} ledger rows",
            "measured": f"{period['payroll_seconds']:.2f} s",
            "baseline": f"{period['bare_seconds']:.2f} s bare GROUP BY",
            "ratio": ratio_text(period["time_ratio"]) + " time",
            "goal": f"CSV {period['csv_seconds']:.2f} s, {period['csv_bytes'] / 1e6:.1f} MB; "
                    f"{period['guilds']:,} guilds"})
    return found
