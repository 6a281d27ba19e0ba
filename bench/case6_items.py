"""Case 6 — item tasks: answering items by button, and importing 100,000 items.

Taps: the real bot against a bare PTB Application, both in this process with the fake Bot API
answering at once (CPU cost, as case 1). W workers each hold an item assignment of a
three-label choice task; a round is one tap per worker on the item shown (so every chat has
one update in flight, as when many people work at once), and the bot records the answer, moves
the cursor and edits the message into the next item. The floor answers the same callback
queries the way a button handler must at least: `answerCallbackQuery` and `editMessageText`
into a card of the same size, HTML and keyboard as the bot's (the fake Bot API checks HTML and
keyboards, work Telegram does on its side; both sides pay it).
Warm-up excluded on both sides, rounds alternate which side goes first, median round; good
replies are the edits that show the next item.

Import: a CSV of N text items (`key,text`, Chinese text) read by `ItemFileService.import_items`
(parse, check, store in one transaction) against reading the same file with the `csv` module
alone into a list; seconds and peak traced memory (tracemalloc) for both, in the same process.
"""

from __future__ import annotations

import asyncio
import csv
import gc
import io
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bench.drive import RunningApp, start_bare, start_bot
from bench.generator import ADMIN_ID, Platform
from bench.report import fmt, median, ratio_text
from bench.sizes import Sizes
from bot.clock import from_epoch
from storage import Database
from tgfake.api import FakeBotAPI, Sent

FIRST_WORKER = 50_000_000  # user ids of this case's workers (apart from the platform's)
LABELS = '["食品", "交通", "住宿"]'


async def _seed(db_path: Path, workers: int, items_each: int, now: int) -> list[int]:
    """A guild of `workers` members, a choice task of workers × items_each items, allocated
    to the guild, and one assignment in progress per worker (cursor on its first item).
    Returns the assignment ids, by worker."""
    db = Database(str(db_path))
    await db.open()
    try:
        async with db.transaction() as tx:
            await tx.execute("INSERT OR IGNORE INTO users (id, first_name, can_message,"
                             " created_at, updated_at) VALUES (:id, 'Admin', 1, :now, :now)",
                             {"id": ADMIN_ID, "now": now})
            leader = FIRST_WORKER
            await tx.executemany(
                "INSERT INTO users (id, first_name, language_code, can_message, created_at,"
                " updated_at) VALUES (:id, :name, 'en', 1, :now, :now)",
                ({"id": leader + n, "name": f"W{n}", "now": now} for n in range(workers)))
            cursor = await tx.execute(
                "INSERT INTO guilds (name, chat_id, leader_id, status, created_at) VALUES"
                " ('Bench items', -1009900000001, :leader, 'approved', :now)",
                {"leader": leader, "now": now})
            guild = cursor.lastrowid
            await tx.executemany(
                "INSERT INTO guild_members (guild_id, user_id, role, joined_at) VALUES"
                " (:g, :u, :role, :now)",
                ({"g": guild, "u": leader + n, "role": "leader" if n == 0 else "member",
                  "now": now} for n in range(workers)))
            total = workers * items_each
            cursor = await tx.execute(
                "INSERT INTO tasks (title, instructions, mode, result_type, units, price_minor,"
                " allocated_units, status, deadline_at, created_by, created_at, labels,"
                " item_count) VALUES ('Receipts', 'Which kind?', 'fixed', 'text', :n, 50, :n,"
                " 'allocated', :due, :admin, :now, :labels, :n)",
                {"n": total, "due": now + 30 * 86400, "admin": ADMIN_ID, "now": now,
                 "labels": LABELS})
            task = cursor.lastrowid
            await tx.executemany(
                "INSERT INTO items (task_id, position, key, input) VALUES (:t, :p, :k, :i)",
                ({"t": task, "p": p, "k": f"r{p}", "i": f'{{"text": "receipt {p}"}}'}
                 for p in range(1, total + 1)))
            cursor = await tx.execute(
                "INSERT INTO allocations (task_id, guild_id, units, unit_price_minor, source,"
                " created_by, created_at) VALUES (:t, :g, :n, 50, 'claim', :leader, :now)",
                {"t": task, "g": guild, "n": total, "leader": leader, "now": now})
            allocation = cursor.lastrowid
            await tx.executemany(
                "INSERT INTO assignments (task_id, allocation_id, guild_id, worker_id, units,"
                " unit_price_minor, status, assigned_by, offered_at, offer_expires_at, due_at,"
                " started_at, commission_bp, item_cursor) VALUES (:t, :a, :g, :w, :k, 50,"
                " 'in_progress', :leader, :now, :now, :due, :now, 0, 1)",
                ({"t": task, "a": allocation, "g": guild, "w": leader + n, "k": items_each,
                  "leader": leader, "now": now, "due": now + 30 * 86400}
                 for n in range(workers)))
            rows = await tx.fetch_all("SELECT id, worker_id FROM assignments WHERE task_id = :t"
                                      " ORDER BY worker_id", {"t": task})
            ids = [r[0] for r in rows]
            first_item = await tx.fetch_value("SELECT MIN(id) FROM items WHERE task_id = :t",
                                              {"t": task})
            await tx.executemany(
                "INSERT INTO assignment_items (assignment_id, position, item_id) VALUES"
                " (:a, :p, :i)",
                ({"a": a, "p": p, "i": first_item + n * items_each + p - 1}
                 for n, a in enumerate(ids) for p in range(1, items_each + 1)))
        return ids
    finally:
        await db.close()


def _cards(api: FakeBotAPI, workers: int) -> None:
    """Each worker's chat holds the item card their taps are on (message 1)."""
    for n in range(workers):
        user_id = FIRST_WORKER + n
        if user_id not in api.users:
            api.add_user({"id": user_id, "is_bot": False, "first_name": f"W{n}"},
                         started=True)
        api.sent[user_id].append(Sent("sendMessage", user_id, 1, {
            "chat_id": user_id, "text": "item", "reply_markup": {"inline_keyboard": []}}))


def _taps(assignments: list[int], position: int, next_id: list[int]) -> list[dict[str, Any]]:
    updates = []
    for n, assignment in enumerate(assignments):
        user = {"id": FIRST_WORKER + n, "is_bot": False, "first_name": f"W{n}"}
        next_id[0] += 1
        updates.append({"update_id": next_id[0], "callback_query": {
            "id": f"tap{next_id[0]}", "from": user, "chat_instance": "bench",
            "data": f"i1:p{n % 3}:{assignment}:{position}",
            "message": {"message_id": 1, "date": 0, "text": "item",
                        "chat": {"id": user["id"], "type": "private", "first_name": "W"},
                        "from": {"id": 1, "is_bot": True, "first_name": "bot"}}}})
    return updates


# What the floor edits the message into: a card of the same size and markup as the bot's (the
# fake Bot API checks HTML and keyboards, work Telegram does on its side, so both sides pay it).
_FLOOR_CARD = ("<b>Assignment A1</b> · Receipts · item 2 of 7\nItem r2\n\nreceipt 2\n\n"
               "Tap the answer.\n1 / 7 ▰▱▱▱▱▱▱▱▱▱")
_FLOOR_KEYBOARD = InlineKeyboardMarkup([
    [InlineKeyboardButton("食品", callback_data="i1:p0:1:2"),
     InlineKeyboardButton("交通", callback_data="i1:p1:1:2")],
    [InlineKeyboardButton("住宿", callback_data="i1:p2:1:2")],
    [InlineKeyboardButton("Back", callback_data="i1:back:1:2"),
     InlineKeyboardButton("Skip: unreadable", callback_data="i1:skip_unreadable:1:2"),
     InlineKeyboardButton("Skip: can't do it", callback_data="i1:skip_cannot:1:2")]])


async def _bare_tap(update: Update, context: Any) -> None:
    """The floor: answer the query and edit the message into a card like the bot's."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(f"{_FLOOR_CARD} {query.data}", parse_mode="HTML",
                                  reply_markup=_FLOOR_KEYBOARD)


def _edits(api: FakeBotAPI, start: int, needle: str) -> int:
    return sum(1 for s in api.calls[start:] if s[0] == "editMessageText"
               and needle in str(s[1].get("text", "")))


async def _round(side: RunningApp, batch: list[dict[str, Any]], needle: str) -> dict[str, Any]:
    assert side.api is not None
    calls = len(side.api.calls)
    gc.collect()
    started = time.perf_counter()
    side.feed(batch)
    await side.wait()
    seconds = time.perf_counter() - started
    return {"updates": len(batch), "seconds": seconds, "ups": len(batch) / seconds,
            "good_replies": _edits(side.api, calls, needle)}


def next_item(r: int) -> str:
    """What the bot's edit after round `r`'s tap shows: the next item."""
    return f"item {r + 3} of"


async def alternate(sides: list[tuple[str, RunningApp, Callable[[int], str]]],
                    assignments: list[int], rounds: int) -> dict[str, list[dict[str, Any]]]:
    """A warm-up tap on item 1 on every side, then `rounds` rounds of one tap per worker
    (item r + 2), the sides' order alternating (ABBA); `needle(r)` is what a good reply of
    that side shows. Each side's rounds, by name."""
    next_id = [10_000_000]
    warm = _taps(assignments, 1, next_id)  # item 1: the warm-up, on every side
    for _name, side, _needle in sides:
        side.feed(warm)
        await side.wait()
    per_side: dict[str, list[dict[str, Any]]] = {name: [] for name, _side, _needle in sides}
    for r in range(rounds):
        batch = _taps(assignments, r + 2, next_id)
        for name, side, needle in sides if r % 2 == 0 else sides[::-1]:
            per_side[name].append(await _round(side, batch, needle(r)))
    return per_side


async def _taps_case(platform: Platform, sizes: Sizes, workdir: Path) -> dict[str, Any]:
    workers, rounds = sizes.c6_workers, sizes.c6_rounds
    db_path = workdir / "case6.db"
    db_path.unlink(missing_ok=True)
    # Items enough that every round's tap shows a next item: warm-up + rounds + 1.
    assignments = await _seed(db_path, workers, rounds + 2, platform.now)
    bare_api, bot_api = FakeBotAPI(), FakeBotAPI()
    _cards(bare_api, workers)
    _cards(bot_api, workers)
    bot = await start_bot(platform, db_path, api=bot_api)
    bare = await start_bare(api=bare_api)
    bare.app.add_handler(CallbackQueryHandler(_bare_tap), group=-1)
    try:
        per_side = await alternate([("bare", bare, lambda r: "i1:"), ("bot", bot, next_item)],
                                   assignments, rounds)
        answers = await bot.services.db.fetch_value(
            "SELECT COUNT(*) FROM results WHERE item_id IS NOT NULL")
    finally:
        await bot.stop()
        await bare.stop()
        db_path.unlink(missing_ok=True)
    bot_ups = median([r["ups"] for r in per_side["bot"]])
    bare_ups = median([r["ups"] for r in per_side["bare"]])
    return {"workers": workers, "rounds": per_side, "bot_updates_per_s": bot_ups,
            "bare_updates_per_s": bare_ups,
            "floor_share": bot_ups / bare_ups if bot_ups and bare_ups else None,
            "good_replies": sum(r["good_replies"] for r in per_side["bot"]),
            "taps": sum(r["updates"] for r in per_side["bot"]),
            "answers_stored": answers, "answers_expected": workers * (rounds + 1)}


def _csv(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["key", "text"])
        for n in range(1, count + 1):
            writer.writerow([f"line-{n}", f"第 {n} 句：店铺九点开门，请取号。"])


def _read_with_csv(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as source:
        return len(list(csv.reader(io.StringIO(source.read(), newline=""))))


async def _measured(work: Any) -> tuple[Any, float, int]:
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    value = await work() if asyncio.iscoroutinefunction(work) else work()
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return value, seconds, peak


async def run(platform: Platform, sizes: Sizes, workdir: Path, *, profile: bool = False
              ) -> dict[str, Any]:
    taps = await _taps_case(platform, sizes, workdir)
    imported = await _import(platform, sizes, workdir)
    return {"status": "ok", "taps": taps, "import": imported}


async def _import(platform: Platform, sizes: Sizes, workdir: Path) -> dict[str, Any]:
    """`/items` on a 100,000-line CSV, through the real service on a running bot."""
    count = sizes.c6_import_items
    source = workdir / "items.csv"
    _csv(source, count)
    rows, csv_seconds, csv_peak = await _measured(lambda: _read_with_csv(source))
    db_path = workdir / "case6-import.db"
    db_path.unlink(missing_ok=True)
    await _seed(db_path, 1, 1, platform.now)
    bot = await start_bot(platform, db_path, api=FakeBotAPI())
    try:
        services = bot.services
        async with services.db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT INTO tasks (title, mode, result_type, units, price_minor, deadline_at,"
                " created_by, created_at) VALUES ('Lines', 'fixed', 'text', 1, 100, :due,"
                " :admin, :now)", {"due": platform.now + 86400 * 30, "admin": ADMIN_ID,
                                   "now": platform.now})
            task = cursor.lastrowid
        assert task is not None

        async def bot_import() -> int:
            prepared = await services.item_files.prepare(ADMIN_ID, "items.csv", source)
            done = await services.item_files.import_items(ADMIN_ID, task, prepared)
            return done.count

        items, bot_seconds, bot_peak = await _measured(bot_import)
    finally:
        await bot.stop()
        db_path.unlink(missing_ok=True)
        source.unlink(missing_ok=True)
    return {"items": items, "csv_rows": rows - 1, "bot_seconds": bot_seconds,
            "csv_seconds": csv_seconds, "bot_peak_bytes": bot_peak,
            "csv_peak_bytes": csv_peak, "time_ratio": bot_seconds / csv_seconds,
            "memory_ratio": bot_peak / csv_peak, "at": str(from_epoch(platform.now))}


def rows(result: dict[str, Any]) -> list[dict[str, str]]:
    taps, imported = result["taps"], result["import"]
    mib = 1024 * 1024
    return [
        {"case": "6", "what": f"item answer by button ({taps['workers']:,} workers at once)",
         "measured": fmt(taps["bot_updates_per_s"], "upd/s"),
         "baseline": fmt(taps["bare_updates_per_s"], "upd/s"),
         "ratio": ratio_text(taps["floor_share"] and 1 / taps["floor_share"]) + " cost",
         "goal": f"≥ 0.5 of the floor: {taps['floor_share']:.2f}; "
                 f"{taps['good_replies']}/{taps['taps']} good, "
                 f"{taps['answers_stored']}/{taps['answers_expected']} stored"},
        {"case": "6", "what": f"import {imported['items']:,} CSV items (/items)",
         "measured": f"{imported['bot_seconds']:.2f} s",
         "baseline": f"{imported['csv_seconds']:.2f} s csv module",
         "ratio": ratio_text(imported["time_ratio"]) + " time",
         "goal": f"peak {imported['bot_peak_bytes'] / mib:.0f} MiB vs "
                 f"{imported['csv_peak_bytes'] / mib:.0f} MiB "
                 f"({imported['memory_ratio']:.1f}×)"},
    ]
