"""Case 2 — latency-bound throughput: every Bot API call takes 50 ms (configurable).

One burst of updates from as many distinct users (default 10,000): 80 % `/start` in private
from workers the bot has not seen since it started, 20 % `/tasks` in guild chats from guild
members, ten to a chat, so that per-chat order is put to the test. The real bot with its
chat-ordered concurrent processing (256 at once) handles the whole burst; the baseline is the
same bot with PTB's default of one update at a time, fed the same burst, for a fixed time
(default 10 s: at ~19 updates/s the whole burst would take minutes), after which the updates it
has not started are dropped. Both run on their own fresh copy of the database with the 30/s
cap lifted (this case measures update handling, not Telegram's quota).

Handling time is from the moment an update gets a processing slot to the end of its handler
(a wait for an earlier update of the same chat included); "in system" adds the time it queued.
Order holds when, in every guild chat, the bot's replies quote the commands in the order they
were sent, and every private chat got exactly one reply.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from itertools import zip_longest
from pathlib import Path
from typing import Any

from bench.drive import UNLIMITED, RunningApp, Updates, group_text, start_bot, worker_user
from bench.generator import Platform
from bench.profiling import profiled
from bench.report import fmt, percentile, ratio_text
from bench.sizes import Sizes
from tgfake.api import FakeBotAPI

PER_GROUP_CHAT = 10


def burst(platform: Platform, count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                                  list[dict[str, Any]]]:
    """The updates, plus the users and group chats the fake Telegram must know."""
    updates = Updates()
    group_count = count // 5
    private_count = count - group_count
    chats_needed = -(-group_count // PER_GROUP_CHAT)
    guilds = platform.guild_list
    # Members (not leaders or deputies) of the first guilds, distinct from the private senders.
    group_senders: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for k in range(chats_needed):
        guild = guilds[k % len(guilds)]
        chat = {"id": guild.chat_id, "type": "supergroup", "title": guild.title}
        offset = 2 + (k // len(guilds)) * PER_GROUP_CHAT
        for j in range(PER_GROUP_CHAT):
            if len(group_senders) < group_count:
                index = guild.first_worker + (offset + j) % guild.size
                group_senders.append((worker_user(platform, updates, index), chat))
    used = {u["id"] for u, _ in group_senders}
    private_senders = []
    index = platform.workers - 1
    while len(private_senders) < private_count:
        user = worker_user(platform, updates, index % platform.workers)
        index -= 1
        if user["id"] not in used:
            private_senders.append(user)
    # Spread each chat's commands through the burst (round-robin over the chats), then
    # interleave: one group command after every four private ones.
    by_chat: dict[int, list[tuple[dict[str, Any], dict[str, Any]]]] = defaultdict(list)
    for user, chat in group_senders:
        by_chat[chat["id"]].append((user, chat))
    group_senders = [pair for row in zip_longest(*by_chat.values()) for pair in row
                     if pair is not None]
    out: list[dict[str, Any]] = []
    g = p = 0
    while g < len(group_senders) or p < len(private_senders):
        for _ in range(4):
            if p < len(private_senders):
                out.append(updates.command(private_senders[p], "/start"))
                p += 1
        if g < len(group_senders):
            user, chat = group_senders[g]
            out.append(updates.command(user, group_text("/tasks"), chat))
            g += 1
    users = private_senders + [u for u, _ in group_senders]
    chats = list({c["id"]: c for _, c in group_senders}.values())
    return out, users, chats


def _api_for(users: list[dict[str, Any]], chats: list[dict[str, Any]]) -> FakeBotAPI:
    api = FakeBotAPI()
    for user in users:
        api.add_user(user, started=True)
    for chat in chats:
        api.add_group(chat["id"], chat["title"])
    return api


def check_order(api: FakeBotAPI, updates: list[dict[str, Any]], done: set[int]
                ) -> dict[str, Any]:
    """Per group chat, replies quote the commands in the order sent; one reply per private."""
    handled = [u for u in updates if u["update_id"] in done]
    expected_groups: dict[int, list[int]] = defaultdict(list)
    private_expected: set[int] = set()
    for u in handled:
        chat = u["message"]["chat"]
        if chat["type"] == "private":
            private_expected.add(chat["id"])
        else:
            expected_groups[chat["id"]].append(u["message"]["message_id"])
    violations = 0
    for chat_id, expected in expected_groups.items():
        quoted = []
        for sent in api.messages(chat_id):
            ref = sent.params.get("reply_parameters")
            if isinstance(ref, str):
                ref = json.loads(ref)
            if isinstance(ref, dict) and "message_id" in ref:
                quoted.append(int(ref["message_id"]))
        if quoted != expected:
            violations += 1
    private_replies = {chat_id: len(api.messages(chat_id)) for chat_id in private_expected}
    wrong_private = sum(1 for n in private_replies.values() if n != 1)
    return {"group_chats": len(expected_groups), "group_chats_out_of_order": violations,
            "private_chats": len(private_expected), "private_chats_without_one_reply":
            wrong_private, "order_held": violations == 0 and wrong_private == 0}


async def _run_side(platform: Platform, db_path: Path, stream: list[dict[str, Any]],
                    users: list[dict[str, Any]], chats: list[dict[str, Any]], latency: float,
                    concurrency: int, seconds: float | None) -> dict[str, Any]:
    api = _api_for(users, chats)
    side: RunningApp = await start_bot(platform, db_path, api=api, latency=latency,
                                       rate=UNLIMITED, concurrency=concurrency)
    try:
        started = time.perf_counter()
        ids = side.feed(stream)
        if seconds is None:
            finished = await side.wait(timeout=600)
            dropped = 0
        else:
            await side.wait_until(started + seconds)
            dropped = side.drop_queued()
            finished = await side.wait(timeout=60)
        rec = side.recorder
        done = [i for i in ids if i in rec.ended]
        elapsed = max(rec.ended[i] for i in done) - started
        handling = rec.handling_ms(done)
        in_system = rec.in_system_ms(done)
        result = {
            "concurrency": concurrency, "updates_fed": len(ids), "updates_done": len(done),
            "dropped_unstarted": dropped, "finished": finished, "seconds": elapsed,
            "updates_per_s": len(done) / elapsed,
            "handling_ms": {"p50": percentile(handling, 50), "p99": percentile(handling, 99)},
            "in_system_ms": {"p50": percentile(in_system, 50),
                             "p99": percentile(in_system, 99)},
            "max_requests_in_flight": getattr(side.request, "max_in_flight", None),
            "order": check_order(api, stream, set(done)),
        }
    finally:
        await side.stop()
        db_path.unlink(missing_ok=True)
    return result


async def run(platform: Platform, sizes: Sizes, workdir: Path, *, profile: bool = False
              ) -> dict[str, Any]:
    latency = sizes.latency_ms / 1000
    stream, users, chats = burst(platform, sizes.c2_updates)
    sequential = await _run_side(platform, platform.fresh_copy(workdir / "case2-seq"), stream,
                                 users, chats, latency, 1, sizes.c2_sequential_seconds)
    concurrent = await _run_side(platform, platform.fresh_copy(workdir / "case2-conc"),
                                 stream, users, chats, latency, 256, None)
    result: dict[str, Any] = {
        "status": "ok", "latency_ms": sizes.latency_ms, "updates": len(stream),
        "group_chats": len(chats), "concurrent": concurrent, "sequential": sequential,
        "throughput_ratio": concurrent["updates_per_s"] / sequential["updates_per_s"],
    }
    if profile:
        _, result["profile"] = await profiled(_run_side(
            platform, platform.fresh_copy(workdir / "case2-prof"), stream, users, chats,
            latency, 256, None))
    return result


def rows(result: dict[str, Any]) -> list[dict[str, str]]:
    c, s = result["concurrent"], result["sequential"]
    order = c["order"]
    check = ("order held" if order["order_held"] else
             f"ORDER BROKEN in {order['group_chats_out_of_order']} chats")
    return [
        {"case": "2", "what": f"{result['updates']:,} updates, {result['latency_ms']:.0f} ms API",
         "measured": fmt(c["updates_per_s"], "upd/s"),
         "baseline": fmt(s["updates_per_s"], "upd/s") + " (sequential)",
         "ratio": ratio_text(result["throughput_ratio"]) + " faster",
         "goal": f"{check} ({order['group_chats']} group chats)"},
        {"case": "2", "what": "handling time p50 / p99",
         "measured": f"{fmt(c['handling_ms']['p50'])} / {fmt(c['handling_ms']['p99'])} ms",
         "baseline": f"{fmt(s['handling_ms']['p50'])} / {fmt(s['handling_ms']['p99'])} ms",
         "goal": f"in system p99 {fmt(c['in_system_ms']['p99'])} ms (whole burst queued)"},
    ]
