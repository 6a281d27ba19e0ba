"""Measurements that need a process of their own (memory): `python -m bench.child <what> …`.

Each run is a fresh interpreter, so nothing one side allocated or cached can show up in the
other side's figures. The result is one JSON line on stdout.

    python -m bench.child summaries --db X --side service|service-full|bare
    python -m bench.child footprint --db X --side bot|bare --users N --manifest M
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.report import rss_kib

# Sunday 29 Nov 2026, 20:05 in Asia/Shanghai (the default zone, summary time 20:00): the weekly
# summaries of the week that just ended are due.
SUMMARY_MOMENT = datetime(2026, 11, 29, 12, 5, tzinfo=UTC)
WEEK_END = int(datetime(2026, 11, 29, 12, 0, tzinfo=UTC).timestamp())
WEEK_START = WEEK_END - 7 * 86_400


# --- case 4 ---------------------------------------------------------------------------------


BARE_QUERIES = (
    # the same four figures the summary shows, for everyone at once: earned and paid in the
    # week, all-time balance, units accepted in the week, results waiting for review
    "SELECT user_id, SUM(CASE WHEN kind != 'payout' THEN amount_minor ELSE 0 END),"
    " SUM(CASE WHEN kind = 'payout' THEN -amount_minor ELSE 0 END) FROM ledger"
    " WHERE created_at > :s AND created_at <= :e GROUP BY user_id",
    "SELECT user_id, SUM(amount_minor) FROM ledger GROUP BY user_id",
    "SELECT worker_id, SUM(accepted_units) FROM assignments WHERE status = 'accepted'"
    " AND decided_at > :s AND decided_at <= :e GROUP BY worker_id",
    "SELECT a.worker_id, a.units * a.unit_price_minor, g.commission_bp"
    " FROM assignments a JOIN guilds g ON g.id = a.guild_id WHERE a.status = 'submitted'",
)


async def summaries(db_path: str, side: str) -> dict[str, Any]:
    from bench.generator import ADMIN_ID
    from bot.clock import ManualClock
    from bot.config import Settings
    from bot.delivery import Notifier
    from bot.services.base import Deps
    from bot.services.summaries import SummaryService
    from bot.services.users import UserService
    from storage import Database
    from tgfake.api import BOT_TOKEN

    db = Database(db_path)
    await db.open()
    gc.collect()
    before = rss_kib()
    started = time.perf_counter()
    out: dict[str, Any] = {"side": side}
    if side == "bare":
        rows = 0
        for sql in BARE_QUERIES:
            rows += len(await db.fetch_all(sql, {"s": WEEK_START, "e": WEEK_END}))
        out["rows_read"] = rows
    else:
        clock = ManualClock(SUMMARY_MOMENT)
        settings = Settings(bot_token=BOT_TOKEN, admin_ids=frozenset({ADMIN_ID}),
                            database_path=db_path)
        users = UserService(db, clock, settings.admin_ids, settings.timezone)
        await users.load()
        service = SummaryService(Deps(db, clock, Notifier(clock, lambda: None), settings, users))
        if side == "service":  # the workers' summaries only: the same figures as the bare side

            async def nothing(*args: Any, **kwargs: Any) -> None:
                return None

            service._guilds = nothing  # type: ignore[method-assign]
            service._admins = nothing  # type: ignore[method-assign]
        report = await service.run_due()
        out.update(workers=report.workers, skipped=report.skipped, guilds=report.guilds,
                   admins=report.admins, periods=report.periods)
        out["outbox_rows"] = await db.fetch_value("SELECT COUNT(*) FROM outbox")
    out["seconds"] = time.perf_counter() - started
    after = rss_kib()
    out.update(rss_before_kib=before["VmRSS"], rss_after_kib=after["VmRSS"],
               peak_kib=after["VmHWM"], peak_increase_kib=after["VmHWM"] - before["VmRSS"])
    await db.close()
    return out


# --- case 5 ---------------------------------------------------------------------------------


async def footprint(db_path: str, side: str, users: int, manifest: str, chunk: int = 2_000
                    ) -> dict[str, Any]:
    from bench.drive import LeanRequest, Updates, start_bare, start_bot, worker_user
    from bench.generator import _load_manifest

    platform = _load_manifest(Path(db_path), Path(manifest))
    request = LeanRequest()
    out: dict[str, Any] = {"side": side, "users": users}
    gc.collect()
    out["rss_before_start_kib"] = rss_kib()["VmRSS"]
    if side == "bot":
        app = await start_bot(platform, Path(db_path), request=request, timing=False)
    else:
        app = await start_bare(request=request, timing=False)
    gc.collect()
    out["rss_after_start_kib"] = rss_kib()["VmRSS"]
    updates = Updates()
    started = time.perf_counter()
    for lo in range(0, users, chunk):
        batch = [updates.command(worker_user(platform, updates, i % platform.workers), "/start")
                 for i in range(lo, min(users, lo + chunk))]
        app.feed(batch)
        del batch
        if not await app.wait(timeout=600):
            raise RuntimeError("updates did not finish")
    out["seconds"] = time.perf_counter() - started
    out["updates_per_s"] = users / out["seconds"]
    if app.is_bot:  # notices queued by the commands (none for /start) go out first
        await app.services.dispatcher.flush()
    gc.collect()
    memory = rss_kib()
    out["rss_after_users_kib"] = memory["VmRSS"]
    out["peak_kib"] = memory["VmHWM"]
    out["ptb_user_data_entries"] = len(app.app.user_data)
    out["ptb_chat_data_entries"] = len(app.app.chat_data)
    out["requests"] = request.calls
    await app.stop()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=("summaries", "footprint"))
    parser.add_argument("--db", required=True)
    parser.add_argument("--side", required=True)
    parser.add_argument("--users", type=int, default=0)
    parser.add_argument("--manifest", default="")
    args = parser.parse_args(argv)
    if args.what == "summaries":
        result = asyncio.run(summaries(args.db, args.side))
    else:
        result = asyncio.run(footprint(args.db, args.side, args.users, args.manifest))
    print(json.dumps(result, default=str))
    return 0


def run_child(*args: str, timeout: float = 900) -> dict[str, Any]:
    """Run `python -m bench.child …` and return its JSON line (raises with its stderr)."""
    import subprocess

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-m", "bench.child", *args], cwd=root,
                          capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bench.child {args[0]} failed ({done.returncode}):\n"
                           f"{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    raise SystemExit(main())
