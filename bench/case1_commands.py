"""Case 1 — command cost: updates/s of typical commands, real bot against a bare PTB Application.

Both sides run in this process with the fake Bot API answering at once (no latency: this is the
CPU cost of an update). The bare floor is a stock PTB `Application` whose only handler replies.
Each command is sent the same way to both: the same update dicts, decoded and queued the same
way, the same concurrency (256 updates at once), a warm-up excluded on both sides, then rounds
that alternate which side goes first; the figure is the median round.

What the bot does and the floor does not is the point: the user gate (record the user), the
suspended-guild gate, the service call with its SQL, rendering, the rate limiter (cap lifted so
it never waits), and the outbox notices some commands write (the dispatcher drains them between
rounds, outside the timing, so they cannot slow the next side's round).

Private commands come from workers the bot has not seen since it started (so each includes the
first-contact write of the user); guild-chat commands come from the guild's leader, cycling
through every guild so that no chat nears Telegram's 20 messages a minute per group.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.drive import RunningApp, Updates, group_text, start_bare, start_bot, worker_user
from bench.generator import ADMIN_IDS, Platform
from bench.profiling import profiled
from bench.report import fmt, median, ratio_text
from bench.sizes import Sizes
from tgfake.api import FakeBotAPI

ROUND_LIMIT_SECONDS = 30.0


@dataclass
class _Senders:
    platform: Platform
    updates: Updates
    apis: list[FakeBotAPI]
    next_worker: int = 0
    next_guild: int = 0
    next_in_progress: int = 0
    next_submitted: int = 0

    def fresh_worker(self) -> dict[str, Any]:
        self.next_worker += 1
        return self.worker(self.next_worker % self.platform.workers)

    def worker(self, index: int) -> dict[str, Any]:
        user = worker_user(self.platform, self.updates, index)
        for api in self.apis:
            if user["id"] not in api.users:
                api.add_user(user, started=True)
        return user

    def admin(self, admin_id: int) -> dict[str, Any]:
        user = self.updates.user(admin_id, f"Admin {admin_id - ADMIN_IDS[0] + 1}")
        for api in self.apis:
            if admin_id not in api.users:
                api.add_user(user, started=True)
        return user

    def leader_in_guild(self) -> tuple[dict[str, Any], dict[str, Any]]:
        guild = self.platform.guild_list[self.next_guild % len(self.platform.guild_list)]
        self.next_guild += 1
        index = guild.first_worker
        user = worker_user(self.platform, self.updates, index)
        chat = {"id": guild.chat_id, "type": "supergroup", "title": guild.title}
        for api in self.apis:
            if guild.chat_id not in api.chats:
                api.add_group(guild.chat_id, guild.title)
            if user["id"] not in api.users:
                api.add_user(user, started=True)
        return user, chat


@dataclass(frozen=True)
class Command:
    name: str
    expect: tuple[str, ...]  # one of these, English or Chinese, is in every good reply
    build: Callable[[_Senders, int], dict[str, Any]]
    requires: str | None = None  # a module that must exist (features still being built)
    pending_reason: str = ""
    # How many updates the platform can take (each uses up an assignment); None: unlimited.
    supply: Callable[[Platform], int] | None = None

    def available(self) -> bool:
        return self.requires is None or importlib.util.find_spec(self.requires) is not None


def _private(text: str) -> Callable[[_Senders, int], dict[str, Any]]:
    def build(s: _Senders, i: int) -> dict[str, Any]:
        return s.updates.command(s.fresh_worker(), text)
    return build


def _in_guild(text: Callable[[_Senders, int], str]) -> Callable[[_Senders, int], dict[str, Any]]:
    def build(s: _Senders, i: int) -> dict[str, Any]:
        user, chat = s.leader_in_guild()
        return s.updates.command(user, group_text(text(s, i)), chat)
    return build


def commands(platform: Platform) -> list[Command]:
    fixed = platform.open_fixed_tasks
    quoted = platform.open_quote_tasks
    return [
        Command("/start (worker, first contact)", ("Welcome", "欢迎"), _private("/start")),
        Command("/tasks (worker, private)", ("assignment", "派单"), _private("/tasks")),
        Command("/tasks (guild chat)", ("Open tasks", "开放中的任务"),
                _in_guild(lambda s, i: "/tasks")),
        Command("/claim (guild chat)", ("Claimed", "已领取"),
                _in_guild(lambda s, i: f"/claim {fixed[i % len(fixed)]} 1")),
        Command("/quote (guild chat)", ("Quote Q", "报价 Q"),
                _in_guild(lambda s, i: f"/quote {quoted[i % len(quoted)]} 2.00 10")),
        # (A text task's first text is asked about, "is it a result?": a good reply too.)
        Command("result upload (worker)", ("received", "已收到", "Is this text result",
                                           "这条文字是"), _upload,
                requires="handlers.results",
                pending_reason="needs the work loop (handlers/work.py)",
                supply=lambda p: len(p.open_in_progress)),
        Command("/accept <assignment> (admin)", ("accepted", "已通过"), _accept,
                requires="handlers.review",
                pending_reason="needs the work loop (handlers/work.py)",
                supply=lambda p: len(p.open_submitted)),
    ]


def _upload(s: _Senders, i: int) -> dict[str, Any]:
    """A worker with one accepted assignment sends one result of the kind its task wants."""
    index, _assignment, kind = s.platform.open_in_progress[s.next_in_progress]
    s.next_in_progress += 1
    user = s.worker(int(index))  # type: ignore[arg-type]
    return s.updates.upload(user, str(kind), f"bench-{s.next_in_progress}")


def _accept(s: _Senders, i: int) -> dict[str, Any]:
    """An admin accepts a submitted assignment (three admins take turns)."""
    assignment = s.platform.open_submitted[s.next_submitted]
    s.next_submitted += 1
    admin_id = ADMIN_IDS[s.next_submitted % len(ADMIN_IDS)]
    return s.updates.command(s.admin(admin_id), f"/accept {assignment}")


def _sent_with(api: FakeBotAPI, start: int, needles: tuple[str, ...], chats: set[int]) -> int:
    """Replies in the batch's chats that contain one of `needles` (notices to others do not
    count)."""
    with api._lock:
        calls = api.calls[start:]
    return sum(1 for method, params in calls
               if method == "sendMessage" and params.get("chat_id") in chats
               and any(needle in str(params.get("text", "")) for needle in needles))


async def _drain_outbox(bot: RunningApp, limit: float) -> None:
    """Let the outbox notices go out before the other side's round starts, so that their
    sending cannot slow it. Notices to a group wait for its 20-a-minute cap: after `limit`
    seconds the rest may wait (the dispatcher only sleeps then, costing no CPU)."""
    t0 = time.perf_counter()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(bot.services.dispatcher.flush(), limit)
    bot.extra["drain_seconds"] = bot.extra.get("drain_seconds", 0) + time.perf_counter() - t0


async def _timed_round(side: RunningApp, batch: list[dict[str, Any]], expect: tuple[str, ...],
                       drain: float) -> dict[str, Any]:
    assert side.api is not None
    calls_before = len(side.api.calls)
    gc.collect()
    started = time.perf_counter()
    ids = side.feed(batch)
    # Time-boxed, so that one pathologically slow command cannot eat the whole run: what has
    # not started by then is dropped and the rate is taken over what finished.
    finished = await side.wait(timeout=ROUND_LIMIT_SECONDS)
    if not finished:
        side.drop_queued()
        await side.wait(timeout=120)
    done = [i for i in ids if i in side.recorder.ended]
    elapsed = max(side.recorder.ended[i] for i in done) - started
    chats = {u["message"]["chat"]["id"] for u in batch}
    good = _sent_with(side.api, calls_before, expect, chats)
    if side.is_bot:
        await _drain_outbox(side, drain)
    return {"updates": len(done), "seconds": elapsed, "ups": len(done) / elapsed,
            "finished": finished, "good_replies": good}


async def run(platform: Platform, sizes: Sizes, workdir: Path, *, profile: bool = False,
              database_url: Callable[[Path], str] | None = None) -> dict[str, Any]:
    """`database_url`: the bot runs on PostgreSQL, on the database this makes of the copy."""
    db_path = platform.fresh_copy(workdir / "case1")
    bare_api, bot_api = FakeBotAPI(), FakeBotAPI()
    updates = Updates()
    senders = _Senders(platform, updates, [bare_api, bot_api])
    for admin_id in ADMIN_IDS:
        senders.admin(admin_id)
    bot = await start_bot(platform, db_path, api=bot_api,
                          database_url=database_url(db_path) if database_url else "")
    bare = await start_bare(api=bare_api)
    results: list[dict[str, Any]] = []
    profiles: dict[str, Any] = {}
    try:
        for command in commands(platform):
            if not command.available():
                results.append({"command": command.name, "status": "pending",
                                "reason": command.pending_reason})
                continue
            per_round, warmup = sizes.c1_updates, sizes.c1_warmup
            if command.supply is not None:  # each update uses up an assignment
                supply = command.supply(platform) - (sizes.c1_updates if profile else 0)
                warmup = min(warmup, supply // (2 * sizes.c1_rounds + 2))
                per_round = min(per_round, (supply - warmup) // sizes.c1_rounds)
            warm = [command.build(senders, i) for i in range(warmup)]
            for side in (bare, bot):
                side.feed(warm)
                await side.wait()
            await _drain_outbox(bot, sizes.c1_drain_seconds)
            rounds: dict[str, list[dict[str, Any]]] = {"bare": [], "bot": []}
            for r in range(sizes.c1_rounds):
                batch = [command.build(senders, i) for i in range(per_round)]
                order = [("bare", bare), ("bot", bot)]
                if r % 2:
                    order.reverse()
                for name, side in order:
                    expect = command.expect if side.is_bot else ("ok",)
                    rounds[name].append(await _timed_round(side, batch, expect,
                                                           sizes.c1_drain_seconds))
            bot_ups = median([r["ups"] for r in rounds["bot"]])
            bare_ups = median([r["ups"] for r in rounds["bare"]])
            good = sum(r["good_replies"] for r in rounds["bot"])
            sent = sum(r["updates"] for r in rounds["bot"])
            results.append({
                "command": command.name, "status": "ok", "bot_updates_per_s": bot_ups,
                "bare_updates_per_s": bare_ups,
                "cost_ratio": (bare_ups / bot_ups) if bot_ups and bare_ups else None,
                "bot_good_replies": good, "bot_updates": sent, "rounds": rounds})
            if profile:
                batch = [command.build(senders, i) for i in range(per_round)]
                _, profiles[command.name] = await profiled(
                    _timed_round(bot, batch, command.expect, sizes.c1_drain_seconds))
    finally:
        await bot.stop()
        await bare.stop()
        db_path.unlink(missing_ok=True)
    measured = [r for r in results if r["status"] == "ok"]
    mix_bot = len(measured) / sum(1 / r["bot_updates_per_s"] for r in measured)
    mix_bare = len(measured) / sum(1 / r["bare_updates_per_s"] for r in measured)
    return {"status": "ok", "commands": results, "mix": {
        "bot_updates_per_s": mix_bot, "bare_updates_per_s": mix_bare,
        "cost_ratio": mix_bare / mix_bot}, "profiles": profiles,
        "pending": [r["command"] for r in results if r["status"] == "pending"]}


def rows(result: dict[str, Any]) -> list[dict[str, str]]:
    out = []
    for r in result["commands"]:
        if r["status"] != "ok":
            out.append({"case": "1", "what": r["command"], "measured": "pending",
                        "goal": r.get("reason", "")})
            continue
        out.append({"case": "1", "what": r["command"],
                    "measured": fmt(r["bot_updates_per_s"], "upd/s"),
                    "baseline": fmt(r["bare_updates_per_s"], "upd/s"),
                    "ratio": ratio_text(r["cost_ratio"]) + " cost",
                    "goal": f"{r['bot_good_replies']}/{r['bot_updates']} good replies"})
    mix = result["mix"]
    out.append({"case": "1", "what": "mix of the above (harmonic)",
                "measured": fmt(mix["bot_updates_per_s"], "upd/s"),
                "baseline": fmt(mix["bare_updates_per_s"], "upd/s"),
                "ratio": ratio_text(mix["cost_ratio"]) + " cost"})
    return out
