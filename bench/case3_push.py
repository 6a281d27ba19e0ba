"""Case 3 — push rate: a summary for every worker through the real outbox, at Telegram's caps.

Every run gets a fresh copy of the platform and queues one summary per worker (220,000) with
`storage.outbox.enqueue_many` in transactions of 5,000 rows, as a summary job would; then the
real `OutboxDispatcher` sends them through the real rate limiter and the fake Bot API, each call
taking the configured latency (50 ms).

- rate: the cap at 30/s (Telegram's limit for messages to different users) and at 1,000/s (paid
  broadcasts). After a short warm-up (the limiter's bucket starts full), every `sendMessage` in
  a 60 s window is counted: achieved rate as a share of the cap. Meanwhile users keep sending
  `/start` (4 a second, from users outside the fan-out) on the 30/s run; their replies count
  against the cap too, and are shown apart. Lost = rows the database calls sent that the fake
  never received; duplicated = recipients who got more than one.
- replies under fan-out: the same commands at the same pace on an idle bot (nothing queued), and
  on a fan-out run with PTB's stock `AIORateLimiter` in place of the two-lane limiter: p99 of
  the time from the update's arrival to the end of its handler (the reply sent).
- kill and restart: the real entry point (`python -m bot`) in a child process against the fake
  Bot API over HTTP on loopback (tgfake.server), at the 1,000/s cap, with a fan-out of
  `c3_crash_recipients` (20,000) summaries queued; SIGKILL when 40 % have arrived, start again on
  the same database, and let it finish. Every recipient's deliveries are counted from the fake's
  records: lost = none, duplicated = more than one.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from telegram.ext import BaseRateLimiter

from bench.drive import RunningApp, StockRateLimiter, Updates, start_bot, worker_user
from bench.generator import ADMIN_ID, Platform
from bench.generator import ROOT as BENCH_ROOT
from bench.profiling import profiled
from bench.report import fmt, percentile, ratio_text
from bench.sizes import Sizes
from bot.charts import Chart, chart
from bot.clock import ManualClock
from bot.delivery import Notifier
from storage import Database
from storage import outbox as outbox_repo
from tgfake.api import BOT_TOKEN, FakeBotAPI
from tgfake.server import serve

PROJECT = BENCH_ROOT.parent
ROWS_PER_TX = 5_000
INTERACTIVE_BASE = 60_000_000  # ids of the users who send commands (not fan-out recipients)


MARK = "<b>Your week, 23–29 Nov</b>"  # tells the fan-out apart from the bot's other notices


def summary_text(index: int) -> str:
    units = (index * 7) % 23
    return (f"{MARK}\nAccepted units: {units}\n"
            f"Earned: ¥{units * 1.35:.2f}\nBalance: ¥{(index % 997) * 0.85:.2f}\n"
            "Details: /earnings")


SENDS = ("sendMessage", "sendPhoto")  # a summary goes out as text, or as a chart (case 9)


WEEKS = ["10-11", "10-18", "10-25", "11-01", "11-08", "11-15", "11-22", "11-29"]


def summary_chart(index: int) -> Chart | None:
    """Eight weeks of earnings for worker `index` (case 9: summaries with charts); one week's
    run gives everyone of a time zone the same eight weeks."""
    return chart(WEEKS, ([(index * (k + 3) * 37) % 4_000 for k in range(8)], 100))


async def enqueue_fanout(db_path: Path, platform: Platform, count: int, now: int, *,
                         charts: bool = False) -> dict[str, Any]:
    """Queue one summary per worker, the way a summary job would (batched transactions); with
    `charts`, each with its chart's data as the summary job queues it (drawn at sending)."""
    db = Database(str(db_path))
    await db.open()
    notifier = Notifier(ManualClock(), lambda: None)
    started = time.perf_counter()
    try:
        for lo in range(0, count, ROWS_PER_TX):
            rows: list[dict[str, object]] = []
            for i in range(lo, min(count, lo + ROWS_PER_TX)):
                uid = platform.worker_id(i)
                rows += notifier.summary_rows(
                    uid, summary_text(i), summary_chart(i) if charts else None, user_id=uid,
                    dedupe_key=f"summary:worker:{uid}:2026-W48", now=now)
            async with db.transaction() as tx:
                await outbox_repo.enqueue_many(tx, rows)
    finally:
        await db.close()
    seconds = time.perf_counter() - started
    return {"rows": count, "seconds": seconds, "rows_per_s": count / seconds}


def _fanout_api(platform: Platform, count: int) -> FakeBotAPI:
    api = FakeBotAPI()
    updates = Updates()
    for i in range(count):
        api.add_user(worker_user(platform, updates, i), started=True)
    return api


def _outbox_state(db_path: Path) -> tuple[dict[str, int], set[int]]:
    """Rows per status and the chats of the rows marked sent (read after the bot stopped)."""
    conn = sqlite3.connect(db_path)
    try:
        counts = dict(conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status"))
        sent = {row[0] for row in conn.execute(
            "SELECT chat_id FROM outbox WHERE status = 'sent' AND dedupe_key LIKE 'summary:%'")}
    finally:
        conn.close()
    return counts, sent


def _deliveries(api: FakeBotAPI, recipients: set[int]) -> Counter[int]:
    """Fan-out messages received per recipient (other notices the bot sends them, e.g. the
    clock's reminders, are not counted)."""
    with api._lock:
        return Counter(params.get("chat_id") for method, params in api.calls
                       if method in SENDS and params.get("chat_id") in recipients
                       and str(params.get("text") or params.get("caption") or ""
                               ).startswith(MARK))


class _Interactive:
    """Users outside the fan-out sending /start at a steady pace; arrival to reply, per update."""

    def __init__(self, bot: RunningApp, api: FakeBotAPI, per_second: float, first: int) -> None:
        self.bot = bot
        self.api = api
        self.interval = 1 / per_second
        self.updates = Updates(next_update=10_000_000)
        self.next_user = first
        self.ids: list[int] = []

    async def run(self, seconds: float) -> None:
        start = time.perf_counter()
        k = 0
        while True:
            due = start + k * self.interval
            if due - start >= seconds:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            user = self.updates.user(INTERACTIVE_BASE + self.next_user, "Visitor")
            self.next_user += 1
            self.api.add_user(user, started=True)
            self.ids += self.bot.feed([self.updates.command(user, "/start")])
            k += 1

    async def latencies(self) -> list[float]:
        await self.bot.wait(timeout=120)
        return self.bot.recorder.in_system_ms(self.ids)


def _stats(values: list[float]) -> dict[str, Any]:
    return {"count": len(values), "p50_ms": percentile(values, 50),
            "p99_ms": percentile(values, 99), "max_ms": max(values) if values else None}


async def rate_run(platform: Platform, sizes: Sizes, workdir: Path, cap: float, *,
                   interactive: bool, label: str, charts: bool = False,
                   count: int | None = None) -> dict[str, Any]:
    """The fan-out at `cap`: sends per second over the window, lost and duplicated (with
    `charts`, summaries that carry a chart; the process's CPU time over the window too)."""
    db_path = platform.fresh_copy(workdir / f"case3-{label}")
    count = platform.workers if count is None else count
    enqueue = await enqueue_fanout(db_path, platform, count, platform.now, charts=charts)
    api = _fanout_api(platform, count)
    recipients = {platform.worker_id(i) for i in range(count)}
    bot = await start_bot(platform, db_path, api=api, latency=sizes.latency_ms / 1000, rate=cap)
    users = None
    try:
        # The dispatcher starts with the bot; the window opens after the warm-up.
        first = await _first_send(api, timeout=30)
        window_start = first + sizes.c3_warmup_seconds
        await asyncio.sleep(max(0.0, window_start - time.monotonic()))
        cpu_start = time.process_time()
        if interactive:
            users = _Interactive(bot, api, sizes.c3_interactive_per_second, 0)
            await users.run(sizes.c3_window_seconds)
        await asyncio.sleep(max(0.0, window_start + sizes.c3_window_seconds - time.monotonic()))
        window_end = window_start + sizes.c3_window_seconds
        cpu_seconds = time.process_time() - cpu_start
        replies = await users.latencies() if users else []
    finally:
        await bot.stop()
    bulk = replies_n = 0
    for chat_id, sent in list(api.sent.items()):
        in_window = sum(1 for s in sent if s.method in SENDS
                        and window_start <= s.at < window_end)
        if chat_id in recipients:
            bulk += in_window
        else:
            replies_n += in_window
    deliveries = _deliveries(api, recipients)
    counts, marked = _outbox_state(db_path)
    db_path.unlink(missing_ok=True)
    seconds = sizes.c3_window_seconds
    return {
        "cap_per_s": cap, "window_s": seconds, "warmup_s": sizes.c3_warmup_seconds,
        "enqueue": enqueue,
        "bulk_per_s": bulk / seconds, "replies_per_s": replies_n / seconds,
        "total_per_s": (bulk + replies_n) / seconds,
        "share_of_cap": (bulk + replies_n) / seconds / cap,
        "delivered": sum(deliveries.values()), "outbox": counts,
        "lost": sum(1 for chat in marked if deliveries[chat] == 0),
        "duplicated": sum(1 for n in deliveries.values() if n > 1),
        "sent_not_marked_at_stop": sum(1 for chat in deliveries if chat not in marked),
        "interactive": _stats(replies) if interactive else None,
        "cpu_cores": cpu_seconds / seconds,
    }


async def _first_send(api: FakeBotAPI, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with api._lock:
            times = [s[0].at for s in api.sent.values() if s]
        if times:
            return min(times)
        await asyncio.sleep(0.01)
    raise RuntimeError("the dispatcher sent nothing")


async def reply_run(platform: Platform, sizes: Sizes, workdir: Path, *, fanout: bool,
                    limiter: BaseRateLimiter | None, label: str) -> dict[str, Any]:
    """Commands at the interactive pace at the 30/s cap, with or without a fan-out queued."""
    db_path = platform.fresh_copy(workdir / f"case3-{label}")
    count = platform.workers if fanout else 0
    if fanout:
        await enqueue_fanout(db_path, platform, count, platform.now)
    api = _fanout_api(platform, count)
    bot = await start_bot(platform, db_path, api=api, latency=sizes.latency_ms / 1000,
                          rate=sizes.c3_caps[0], rate_limiter=limiter)
    try:
        if fanout:
            await _first_send(api, timeout=30)
        await asyncio.sleep(sizes.c3_warmup_seconds)
        users = _Interactive(bot, api, sizes.c3_interactive_per_second, 0)
        await users.run(sizes.c3_contrast_seconds)
        replies = await users.latencies()
    finally:
        await bot.stop()
        db_path.unlink(missing_ok=True)
    return _stats(replies)


# --- kill and restart: the real process against the HTTP fake -----------------------------------


def _bot_env(base_url: str, db_path: Path, cap: float) -> dict[str, str]:
    env = {key: os.environ[key] for key in ("PATH", "TMPDIR") if key in os.environ}
    env.update(LANG="C.UTF-8", PYTHONUNBUFFERED="1", PYTHONPATH=str(PROJECT),
               BOT_TOKEN=BOT_TOKEN, BOT_API_BASE_URL=base_url,
               BOT_API_BASE_FILE_URL=base_url.removesuffix("/bot") + "/file/bot",
               ADMIN_IDS=str(ADMIN_ID), DATABASE_PATH=str(db_path),
               RATE_LIMIT_PER_SECOND=str(cap), LOG_LEVEL="WARNING",
               # What the start's sweep tells groups and leaders goes out at once, not in a
               # digest minutes later: the case ends when the outbox is empty.
               DIGEST_MINUTES="0")
    return env


def _count_sends(api: FakeBotAPI) -> int:
    with api._lock:
        return sum(1 for method, params in api.calls if method == "sendMessage"
                   and str(params.get("text", "")).startswith(MARK))


async def crash_run(platform: Platform, sizes: Sizes, workdir: Path) -> dict[str, Any]:
    count = min(sizes.c3_crash_recipients, platform.workers)
    folder = workdir / "case3-crash"
    db_path = platform.fresh_copy(folder)
    # `python -m bot` runs on the system clock: the rows are due now.
    await enqueue_fanout(db_path, platform, count, int(time.time()))
    api = _fanout_api(platform, count)
    api.latency = sizes.latency_ms / 1000
    recipients = {platform.worker_id(i) for i in range(count)}
    log_path = folder / "bot.log"
    kill_at = int(count * 0.4)
    result: dict[str, Any] = {"recipients": count, "cap_per_s": sizes.c3_crash_cap,
                              "kill_after": kill_at}
    with serve(api) as base_url, log_path.open("w") as log:
        env = _bot_env(base_url, db_path, sizes.c3_crash_cap)
        cmd = [sys.executable, "-m", "bot"]
        first = subprocess.Popen(cmd, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
        started = time.monotonic()
        try:
            await _wait_for(lambda: _count_sends(api) >= kill_at, first, 60 + count / 50)
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        killed = time.monotonic()
        # Requests already at the fake are recorded when their simulated latency ends.
        await asyncio.sleep(1.0 + api.latency)
        at_kill = _count_sends(api)
        counts_at_kill, marked_at_kill = _outbox_state(db_path)
        result.update(delivered_at_kill=at_kill, outbox_at_kill=counts_at_kill,
                      sent_but_not_marked_at_kill=at_kill - len(marked_at_kill),
                      rate_before_kill_per_s=at_kill / (killed - started))
        second = subprocess.Popen(cmd, cwd=folder, env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
        restarted = time.monotonic()
        try:
            await _wait_for(lambda: len(_deliveries(api, recipients)) >= count, second,
                            60 + 3 * count / 50)
            finished = time.monotonic()
            second.send_signal(signal.SIGINT)
            second.wait(30)
        finally:
            if second.poll() is None:
                second.kill()
    deliveries = _deliveries(api, recipients)
    counts, _ = _outbox_state(db_path)
    result.update(
        seconds_after_restart=finished - restarted,
        outbox_at_end=counts,
        lost=sum(1 for chat in recipients if deliveries[chat] == 0),
        duplicated=sum(1 for n in deliveries.values() if n > 1),
        extra_sends=sum(n - 1 for n in deliveries.values() if n > 1),
        exit_code_after_sigint=second.returncode,
        log_tail=log_path.read_text()[-2000:],
    )
    db_path.unlink(missing_ok=True)
    return result


async def _wait_for(check: Any, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if process.poll() is not None:
            raise RuntimeError(f"the bot exited early with {process.returncode}")
        await asyncio.sleep(0.05)
    raise TimeoutError("the bot did not get there in time")


async def run(platform: Platform, sizes: Sizes, workdir: Path, *, profile: bool = False
              ) -> dict[str, Any]:
    result: dict[str, Any] = {"status": "ok", "latency_ms": sizes.latency_ms,
                              "fanout_recipients": platform.workers, "rates": []}
    for k, cap in enumerate(sizes.c3_caps):
        result["rates"].append(await rate_run(platform, sizes, workdir, cap,
                                              interactive=k == 0, label=f"rate{int(cap)}"))
    under = result["rates"][0]["interactive"]
    idle = await reply_run(platform, sizes, workdir, fanout=False, limiter=None, label="idle")
    stock = await reply_run(platform, sizes, workdir, fanout=True,
                            limiter=StockRateLimiter(overall_max_rate=sizes.c3_caps[0]),
                            label="stock")
    result["replies"] = {
        "idle": idle, "fanout_priority_limiter": under, "fanout_stock_limiter": stock,
        "ratio_priority": _ratio(under["p99_ms"], idle["p99_ms"]),
        "ratio_stock": _ratio(stock["p99_ms"], idle["p99_ms"]),
    }
    result["crash"] = await crash_run(platform, sizes, workdir)
    if profile:
        _, result["profile"] = await profiled(rate_run(
            platform, sizes, workdir, sizes.c3_caps[-1], interactive=False, label="prof"))
    return result


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def rows(result: dict[str, Any]) -> list[dict[str, str]]:
    out = []
    for r in result["rates"]:
        extra = (f", replies {r['replies_per_s']:.1f}/s" if r["interactive"] else "")
        out.append({
            "case": "3", "what": f"fan-out at {r['cap_per_s']:,.0f}/s cap, {r['window_s']:.0f} s",
            "measured": f"{r['total_per_s']:,.1f}/s" + extra,
            "baseline": f"cap {r['cap_per_s']:,.0f}/s",
            "ratio": f"{r['share_of_cap'] * 100:.1f}% of cap",
            "goal": f"lost {r['lost']}, duplicated {r['duplicated']}"})
    rep = result["replies"]
    out.append({"case": "3", "what": "reply p99 under fan-out (two lanes)",
                "measured": fmt(rep["fanout_priority_limiter"]["p99_ms"], "ms"),
                "baseline": fmt(rep["idle"]["p99_ms"], "ms") + " idle",
                "ratio": ratio_text(rep["ratio_priority"]),
                "goal": "≤ 2×"})
    out.append({"case": "3", "what": "reply p99 under fan-out (PTB stock)",
                "measured": fmt(rep["fanout_stock_limiter"]["p99_ms"], "ms"),
                "baseline": fmt(rep["idle"]["p99_ms"], "ms") + " idle",
                "ratio": ratio_text(rep["ratio_stock"]), "goal": "contrast"})
    c = result["crash"]
    out.append({"case": "3", "what": f"SIGKILL at 40% of {c['recipients']:,}, restart",
                "measured": f"lost {c['lost']}, duplicated {c['duplicated']}",
                "baseline": f"{c['sent_but_not_marked_at_kill']} unmarked at kill",
                "goal": "0 lost, 0 duplicated"})
    return out
