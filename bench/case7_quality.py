"""Case 7 — quality control: a task's answers aggregated under overlap, and a tap's answer
checked against control items.

Aggregation: a choice task of N ordinary items, overlap 3, each item answered by three
different workers (3 N answers in `results`, from assignments of P items each, submitted or
accepted, a few reworked once: their answers are of round 1), answers mostly agreeing with
some disagreements and ties. `QualityService.answers` (the votes' one grouped query, the
tally per item) plus `bot.views.quality.answers_csv` (the file `/answers` sends), against one
bare `SELECT item_id, norm, COUNT(*) FROM results … GROUP BY item_id, norm` over the same rows
read into a list, both through the same running bot's `Database` reader, in the same run:
sides alternate (ABBA) after a warm-up each, median of the timed runs (untraced); then one run
per side under tracemalloc for the peak of traced memory.

Control checking: case 6's tap rounds (its seeding, cards, taps, rounds) on two real bots in
this process, one whose task has control items (golden answers on 10 % of the items,
`control_pct` 10, so every tap's answer is normalised and, on a control item, compared) and
one on the same task without (overlap 1: no checking); same updates, rounds alternating
which side goes first, median round.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Awaitable, Callable
from html import escape
from pathlib import Path
from typing import Any

from bench.case6_items import (
    LABELS,
    _cards,
    _measured,
    _seed,
    alternate,
    next_item,
)
from bench.drive import RunningApp, start_bot
from bench.generator import ADMIN_ID, Platform
from bench.report import fmt, median, ratio_text
from bench.sizes import Sizes
from bot.domain.quality import golden_answers, norm_of
from bot.views.quality import answers_csv
from storage import Database
from tgfake.api import FakeBotAPI

BARE_VOTES = ("SELECT item_id, norm, COUNT(*) FROM results WHERE item_id IS NOT NULL"
              " GROUP BY item_id, norm")
AGREE = 0.85  # the chance that a worker's answer is the item's true label


# --- aggregation ------------------------------------------------------------------------------


async def _seed_answers(db_path: Path, items: int, overlap: int, per_assignment: int,
                        now: int, seed: int) -> tuple[int, int]:
    """Case 6's task of `items` items, turned into one answered under overlap: assignments of
    `per_assignment` items (assignment k holds the items k·P … k·P + P − 1, modulo the item
    count, so each item is in `overlap` different assignments), 80 % accepted and 20 %
    submitted, 2 % reworked once (their answers are round 1's); every held item answered.
    Returns (task id, answers)."""
    slots = items * overlap
    assignments = -(-slots // per_assignment)
    # One worker per assignment, each holding a chunk of 1 item (replaced below).
    await _seed(db_path, assignments, items // assignments + 1, now)
    db = Database(str(db_path))
    await db.open()
    rng = random.Random(seed)
    labels = [escape(x, quote=False) for x in json.loads(LABELS)]  # answers are kept as HTML
    try:
        async with db.transaction() as tx:
            task = await tx.fetch_value("SELECT id FROM tasks WHERE title = 'Receipts'")
            await tx.execute("DELETE FROM assignment_items")
            await tx.execute("DELETE FROM items WHERE task_id = :t AND position > :n",
                             {"t": task, "n": items})
            first = await tx.fetch_value("SELECT MIN(id) FROM items WHERE task_id = :t",
                                         {"t": task})
            shape = {"o": overlap, "u": slots, "n": items, "t": task}
            for sql in ("UPDATE tasks SET overlap = :o, units = :u, allocated_units = :u,"
                        " item_count = :n WHERE id = :t",
                        "UPDATE allocations SET units = :u WHERE task_id = :t"):
                await tx.execute(sql, shape)
            ids = [r[0] for r in await tx.fetch_all(
                "SELECT id FROM assignments WHERE task_id = :t ORDER BY id", {"t": task})]
            held: list[tuple[int, int, int, int]] = []  # assignment, round, position, item
            for k, a in enumerate(ids):
                units = min(per_assignment, slots - k * per_assignment)
                status = "submitted" if rng.random() < 0.2 else "accepted"
                rework = 1 if rng.random() < 0.02 else 0
                await tx.execute(
                    "UPDATE assignments SET units = :u, status = :s, rework_count = :r,"
                    " item_cursor = NULL, submitted_at = :now, decided_at = :decided,"
                    " accepted_units = :accepted WHERE id = :a",
                    {"a": a, "u": units, "s": status, "r": rework, "now": now,
                     "decided": now if status == "accepted" else None,
                     "accepted": units if status == "accepted" else None})
                held.extend((a, rework, p, first + (k * per_assignment + p - 1) % items)
                            for p in range(1, units + 1))
            await tx.executemany(
                "INSERT INTO assignment_items (assignment_id, position, item_id) VALUES"
                " (?, ?, ?)", ((a, p, i) for a, _r, p, i in held))
            truth = [rng.randrange(len(labels)) for _ in range(items)]

            def answer(item: int) -> str:
                right = truth[item - first]
                if rng.random() < AGREE:
                    return labels[right]
                return labels[(right + rng.randrange(1, len(labels))) % len(labels)]

            rows = []
            for a, r, _p, i in held:
                text = answer(i)
                rows.append((a, r, i, text, norm_of(text, True), now))
            await tx.executemany(
                "INSERT INTO results (assignment_id, round, item_id, kind, text, norm,"
                " created_at) VALUES (?, ?, ?, 'text', ?, ?, ?)", rows)
        return int(task), len(rows)
    finally:
        await db.close()


def _bare(conn: sqlite3.Connection) -> list[tuple[int, str, int]]:
    return conn.execute(BARE_VOTES).fetchall()


async def _aggregation(platform: Platform, sizes: Sizes, workdir: Path) -> dict[str, Any]:
    db_path = workdir / "case7-answers.db"
    db_path.unlink(missing_ok=True)
    started = time.perf_counter()
    task, answers = await _seed_answers(db_path, sizes.c7_items, sizes.c7_overlap,
                                        sizes.c7_per_assignment, platform.now, sizes.seed)
    seed_seconds = time.perf_counter() - started
    bot = await start_bot(platform, db_path, api=FakeBotAPI())
    try:
        services = bot.services

        async def service() -> tuple[int, int, int, int]:
            found = await services.quality.answers(ADMIN_ID, task)
            data = answers_csv(found)
            return len(found.items), found.agreed, found.answered, len(data)

        async def bare() -> tuple[int, int, int, int]:
            rows = await services.db.run(_bare)
            return len(rows), 0, sum(r[2] for r in rows), 0

        sides = {"service": service, "bare": bare}
        seconds: dict[str, list[float]] = {"service": [], "bare": []}
        for work in sides.values():  # warm-up: the pages in SQLite's and the OS's cache
            await work()
        for n in range(sizes.c7_runs):
            order = ["service", "bare"] if n % 2 == 0 else ["bare", "service"]
            for name in order:
                seconds[name].append(await _timed(sides[name]))
        (items, agreed, complete, csv_bytes), traced_s, service_peak = await _measured(service)
        (groups, _z, counted, _c), traced_b, bare_peak = await _measured(bare)
        votes = await services.db.fetch_all(BARE_VOTES)
    finally:
        await bot.stop()
        db_path.unlink(missing_ok=True)
    per_item: dict[int, list[int]] = {}
    for item, _norm, count in votes:
        per_item.setdefault(item, []).append(count)
    ties = sum(1 for counts in per_item.values()
               if len(counts) > 1 and sorted(counts)[-1] == sorted(counts)[-2])
    service_s, bare_s = median(seconds["service"]), median(seconds["bare"])
    assert service_s is not None and bare_s is not None
    return {"items": items, "answers": answers, "answers_counted_bare": counted,
            "groups": groups, "agreed": agreed, "complete": complete, "ties": ties,
            "csv_bytes": csv_bytes, "seed_seconds": seed_seconds, "runs": seconds,
            "service_seconds": service_s, "bare_seconds": bare_s,
            "time_ratio": service_s / bare_s,
            "service_peak_bytes": service_peak, "bare_peak_bytes": bare_peak,
            "memory_ratio": service_peak / bare_peak if bare_peak else None,
            "traced_seconds": {"service": traced_s, "bare": traced_b}}


async def _timed(work: Callable[[], Awaitable[object]]) -> float:
    """Seconds of `work()`, untraced (tracemalloc slows Python code, not SQLite's)."""
    started = time.perf_counter()
    await work()
    return time.perf_counter() - started


# --- a tap with control checking ---------------------------------------------------------------


async def _with_controls(db_path: Path) -> int:
    """Case 6's task with golden answers on every tenth item (one of the labels, so taps are
    right or wrong), `control_pct` 10: each tap's answer is normalised and compared."""
    db = Database(str(db_path))
    await db.open()
    try:
        labels = json.loads(LABELS)
        async with db.transaction() as tx:
            rows = await tx.fetch_all("SELECT id, position FROM items WHERE position % 10 = 0")
            await tx.executemany("UPDATE items SET golden = ? WHERE id = ?", (
                (json.dumps(golden_answers(labels[p // 10 % 3], True), ensure_ascii=False), i)
                for i, p in rows))
            await tx.execute("UPDATE tasks SET control_count = :n, control_pct = 10"
                             " WHERE title = 'Receipts'", {"n": len(rows)})
        return len(rows)
    finally:
        await db.close()


async def _taps(platform: Platform, sizes: Sizes, workdir: Path) -> dict[str, Any]:
    workers, rounds = sizes.c7_workers, sizes.c7_rounds
    bots: dict[str, RunningApp] = {}
    paths = {name: workdir / f"case7-{name}.db" for name in ("checked", "plain")}
    controls = 0
    assignments: list[int] = []
    try:
        for name, path in paths.items():
            path.unlink(missing_ok=True)
            # Items enough that every round's tap shows a next item: warm-up + rounds + 1.
            seeded = await _seed(path, workers, rounds + 2, platform.now)
            assert not assignments or seeded == assignments  # the same taps on both sides
            assignments = seeded
            if name == "checked":
                controls = await _with_controls(path)
            api = FakeBotAPI()
            _cards(api, workers)
            bots[name] = await start_bot(platform, path, api=api)
        per_side = await alternate([(name, bot, next_item) for name, bot in bots.items()],
                                   assignments, rounds)
        stored = {name: await bot.services.db.fetch_value(
            "SELECT COUNT(*) FROM results WHERE item_id IS NOT NULL") for name, bot in
            bots.items()}
        checked = await bots["checked"].services.db.fetch_all(
            "SELECT COUNT(norm), COUNT(correct), COALESCE(SUM(correct), 0) FROM results")
    finally:
        for bot in bots.values():
            await bot.stop()
        for path in paths.values():
            path.unlink(missing_ok=True)
    ups = {name: median([r["ups"] for r in per_side[name]]) for name in per_side}
    with_checks, without = ups["checked"], ups["plain"]
    return {"workers": workers, "rounds": per_side, "control_items": controls,
            "checked_updates_per_s": with_checks, "plain_updates_per_s": without,
            "cost_ratio": without / with_checks if with_checks and without else None,
            "good_replies": {n: sum(r["good_replies"] for r in per_side[n]) for n in per_side},
            "taps": sum(r["updates"] for r in per_side["checked"]),
            "answers_stored": stored, "answers_expected": workers * (rounds + 1),
            "normalised": checked[0][0], "control_answers": checked[0][1],
            "control_right": checked[0][2]}


async def run(platform: Platform, sizes: Sizes, workdir: Path, *, profile: bool = False
              ) -> dict[str, Any]:
    aggregation = await _aggregation(platform, sizes, workdir)
    taps = await _taps(platform, sizes, workdir)
    return {"status": "ok", "aggregation": aggregation, "taps": taps}


def rows(result: dict[str, Any]) -> list[dict[str, str]]:
    agg, taps = result["aggregation"], result["taps"]
    mib = 1024 * 1024
    good = taps["good_replies"]
    return [
        {"case": "7", "what": f"/answers of {agg['items']:,} items × 3 "
                              f"({agg['answers']:,} answers): aggregate + CSV",
         "measured": f"{agg['service_seconds']:.2f} s",
         "baseline": f"{agg['bare_seconds']:.2f} s bare GROUP BY",
         "ratio": ratio_text(agg["time_ratio"]) + " time",
         "goal": f"peak {agg['service_peak_bytes'] / mib:.1f} MiB vs "
                 f"{agg['bare_peak_bytes'] / mib:.1f} MiB "
                 f"({agg['memory_ratio']:.1f}×); {agg['agreed']:,} agreed, "
                 f"{agg['ties']:,} ties"},
        {"case": "7", "what": f"item answer with control checking ({taps['workers']:,} "
                              "workers at once)",
         "measured": fmt(taps["checked_updates_per_s"], "upd/s"),
         "baseline": fmt(taps["plain_updates_per_s"], "upd/s") + " without",
         "ratio": ratio_text(taps["cost_ratio"]) + " cost",
         "goal": f"{good['checked']}/{taps['taps']} and {good['plain']}/{taps['taps']} good, "
                 f"{taps['answers_stored']['checked']}/{taps['answers_expected']} stored, "
                 f"{taps['control_answers']} control answers checked"},
    ]
