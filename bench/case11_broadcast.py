"""Case 11 — a broadcast to every worker through the real service, outbox and rate limiter.

Every run gets a fresh copy of the platform. An admin's broadcast to `all` (220,000 workers and
the 3 admins) is drafted and sent by `BroadcastService` as /broadcast and its Send button do: the
recipients counted, the message fanned out into the outbox in one statement (timed: the Send
press's cost), then the real `OutboxDispatcher` sends it on the bulk lane through the real
`PriorityRateLimiter` and the fake Bot API, each call taking the configured latency (50 ms).

- rate: at the 30/s cap (Telegram's), after a short warm-up, every send in a window (60 s) is
  counted, as share of the cap; meanwhile users outside the audience send `/start` at 4 a second,
  whose replies count against the cap too and are shown apart.
- replies: p99 from an update's arrival to its reply sent, during the broadcast, against the same
  commands on an idle bot in the same run (case 3's contrast, for a broadcast).
- to the end: a broadcast to one guild's members at the 1,000/s cap, run until its progress
  message shows the final counts: every member got it once (lost, duplicated), the counts
  in the message match the fake's records.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.case3_push import _first_send, _Interactive, _stats, reply_run
from bench.drive import Updates, start_bot, worker_user
from bench.generator import ADMIN_ID, ADMIN_IDS, Platform
from bench.report import fmt, ratio_text
from bench.sizes import Sizes
from bot.domain.broadcasts import AudienceRef, Content
from tgfake.api import FakeBotAPI

MARK = "📣 Payouts for November go out on Friday"
TEXT = MARK + ". Check /earnings for your balance before then."


def _api(platform: Platform, count: int) -> FakeBotAPI:
    api = FakeBotAPI()
    updates = Updates()
    for i in range(count):
        api.add_user(worker_user(platform, updates, i), started=True)
    for admin_id in ADMIN_IDS:
        api.add_user(updates.user(admin_id, "Admin"), started=True)
    return api


def _deliveries(api: FakeBotAPI) -> Counter[int]:
    with api._lock:
        return Counter(params.get("chat_id") for method, params in api.calls
                       if method == "sendMessage" and str(params.get("text", "")).startswith(MARK))


def _final_edit(api: FakeBotAPI) -> str | None:
    """The progress message's last text, once it gives the final counts."""
    with api._lock:
        edits = [str(params.get("text")) for method, params in api.calls
                 if method == "editMessageText" and params.get("chat_id") == ADMIN_ID]
    return edits[-1] if edits and "done" in edits[-1] else None


async def _send(bot: Any, audience: AudienceRef) -> tuple[int, float, int]:
    """Draft and Send as the admin does; (broadcast id, seconds Send took, recipients)."""
    card = await bot.app.bot.send_message(ADMIN_ID, "preview")
    service = bot.services.broadcasts
    draft = await service.draft(ADMIN_ID, audience, Content("text", TEXT))
    started = time.perf_counter()
    state = await service.send(ADMIN_ID, draft.id, card.message_id)
    return draft.id, time.perf_counter() - started, state.recipients


async def rate_run(platform: Platform, sizes: Sizes, workdir: Path) -> dict[str, Any]:
    cap = sizes.c3_caps[0]
    db_path = platform.fresh_copy(workdir / "case11-rate")
    api = _api(platform, platform.workers)
    bot = await start_bot(platform, db_path, api=api, latency=sizes.latency_ms / 1000, rate=cap)
    try:
        _id, send_seconds, recipients = await _send(bot, AudienceRef("all"))
        first = await _first_send(api, timeout=60)
        window_start = first + sizes.c3_warmup_seconds
        await asyncio.sleep(max(0.0, window_start - time.monotonic()))
        users = _Interactive(bot, api, sizes.c3_interactive_per_second, 0)
        await users.run(sizes.c3_window_seconds)
        await asyncio.sleep(max(0.0, window_start + sizes.c3_window_seconds - time.monotonic()))
        window_end = window_start + sizes.c3_window_seconds
        replies = await users.latencies()
    finally:
        await bot.stop()
    recipients_ids = set(_deliveries(api))
    bulk = replies_n = 0
    for chat_id, sent in list(api.sent.items()):
        in_window = sum(1 for s in sent if s.method == "sendMessage"
                        and window_start <= s.at < window_end)
        if chat_id in recipients_ids:
            bulk += in_window
        else:
            replies_n += in_window
    deliveries = _deliveries(api)
    db_path.unlink(missing_ok=True)
    seconds = sizes.c3_window_seconds
    return {"cap_per_s": cap, "window_s": seconds, "recipients": recipients,
            "fan_out_seconds": send_seconds, "fan_out_rows_per_s": recipients / send_seconds,
            "bulk_per_s": bulk / seconds, "replies_per_s": replies_n / seconds,
            "total_per_s": (bulk + replies_n) / seconds,
            "share_of_cap": (bulk + replies_n) / seconds / cap,
            "delivered": sum(deliveries.values()),
            "duplicated": sum(1 for n in deliveries.values() if n > 1),
            "interactive": _stats(replies),
            "hours_for_all_at_cap": recipients / max(bulk / seconds, 1e-9) / 3600}


async def complete_run(platform: Platform, sizes: Sizes, workdir: Path) -> dict[str, Any]:
    """One guild's members at the 1,000/s cap, to the final progress message."""
    db_path = platform.fresh_copy(workdir / "case11-complete")
    api = _api(platform, platform.workers)
    bot = await start_bot(platform, db_path, api=api, latency=sizes.latency_ms / 1000,
                          rate=sizes.c3_caps[-1])
    try:
        broadcast_id, _seconds, recipients = await _send(bot, AudienceRef("guild", 1))
        started = time.perf_counter()
        db = bot.services.db
        status, final = "sending", None
        while final is None and time.perf_counter() - started < 120:  # the final edit seen
            await asyncio.sleep(0.05)
            final = _final_edit(api)
        seconds = time.perf_counter() - started
        status = await db.fetch_value("SELECT status FROM broadcasts WHERE id = :id",
                                      {"id": broadcast_id})
        row = await db.fetch_one("SELECT sent, failed FROM broadcasts WHERE id = :id",
                                 {"id": broadcast_id})
        members = {r[0] for r in await db.fetch_all(
            "SELECT user_id FROM guild_members WHERE guild_id = 1 AND status = 'active'")}
    finally:
        await bot.stop()
    deliveries = _deliveries(api)
    db_path.unlink(missing_ok=True)
    return {"recipients": recipients, "status": status, "seconds": seconds,
            "sent": row[0], "failed": row[1],
            "lost": sum(1 for m in members if deliveries[m] == 0),
            "duplicated": sum(1 for n in deliveries.values() if n > 1),
            "final_message": final}


async def run(platform: Platform, sizes: Sizes, workdir: Path, *, profile: bool = False
              ) -> dict[str, Any]:
    rate = await rate_run(platform, sizes, workdir)
    idle = await reply_run(platform, sizes, workdir, fanout=False, limiter=None,
                           label="case11-idle")
    under = rate["interactive"]
    ratio = under["p99_ms"] / idle["p99_ms"] if under["p99_ms"] and idle["p99_ms"] else None
    return {"status": "ok", "latency_ms": sizes.latency_ms, "rate": rate,
            "replies": {"idle": idle, "during_broadcast": under, "ratio": ratio},
            "complete": await complete_run(platform, sizes, workdir)}


def rows(result: dict[str, Any]) -> list[dict[str, str]]:
    r, rep, c = result["rate"], result["replies"], result["complete"]
    return [
        {"case": "11", "what": f"broadcast to {r['recipients']:,} at {r['cap_per_s']:,.0f}/s cap, "
                               f"{r['window_s']:.0f} s",
         "measured": f"{r['total_per_s']:,.1f}/s (replies {r['replies_per_s']:.1f}/s)",
         "baseline": f"cap {r['cap_per_s']:,.0f}/s",
         "ratio": f"{r['share_of_cap'] * 100:.1f}% of cap",
         "goal": f"Send (fan-out) {r['fan_out_seconds']:.2f} s; duplicated {r['duplicated']}"},
        {"case": "11", "what": "reply p99 during the broadcast",
         "measured": fmt(rep["during_broadcast"]["p99_ms"], "ms"),
         "baseline": fmt(rep["idle"]["p99_ms"], "ms") + " idle",
         "ratio": ratio_text(rep["ratio"]), "goal": "≤ 2×"},
        {"case": "11", "what": f"guild broadcast to the end ({c['recipients']:,})",
         "measured": f"{c['status']} in {c['seconds']:.1f} s",
         "baseline": f"sent {c['sent']}, failed {c['failed']}",
         "goal": f"lost {c['lost']}, duplicated {c['duplicated']}"},
    ]
