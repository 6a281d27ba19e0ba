"""Case 12 — event hooks out: events per second delivered to a receiver that answers in 50 ms.

- queue: `c12_events` events written by `HookEvents.emit`, each in a transaction of its own (as
  the services write them, beside the change), over `c12_keys` tasks (ordering keys), into a
  fresh migrated database: events queued per second.
- delivery: the real `HookSender` (signing, its HTTP client, batches, per-key order, marking)
  delivers them to `tgfake.hooks.HookReceiver` on loopback, which answers each POST after the
  fake latency (50 ms): events delivered per second, from the first POST to the last mark.
- baseline (same run, same receiver, same process): bare `httpx` POSTs of the same bodies by as
  many workers as the sender sends at once (each with a client of one connection, as the
  sender's), no database, no signing, no order: the pace the receiver, the concurrency and
  this machine allow. The ratio is the share of it the sender reaches.
- one key: `c12_one_key_events` events of a single task, which must go one after another:
  the floor is 1 / latency (20/s at 50 ms).

Checked: every event arrived once (none lost, none repeated), every signature verifies, each
key's events arrived in the order queued.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from bench.generator import Platform
from bench.report import fmt
from bench.sizes import Sizes
from bot.clock import SystemClock
from bot.hooks import HookEvents, HookSender, task_key
from storage import Database
from tgfake.hooks import HookReceiver

SECRET = "bench-secret"
CONCURRENCY = 32  # HookSender's default


async def _queue(db: Database, count: int, keys: int) -> float:
    events = HookEvents(SystemClock())
    started = time.perf_counter()
    for index in range(count):
        async with db.transaction() as tx:
            await events.emit(tx, "submission.accepted", task_key(index % keys + 1), {
                "assignment_id": index + 1, "task_id": index % keys + 1, "guild_id": 7,
                "worker_id": 100_000 + index, "round": 0, "units": 2,
                "unit_price_minor": 240, "status": "accepted", "accepted_units": 2,
                "auto_accepted": False, "actor": "admin", "decided_by": 900_001})
    return time.perf_counter() - started


async def _deliver(db: Database, receiver: HookReceiver) -> float:
    sender = HookSender(db, SystemClock(), receiver.url, SECRET, concurrency=CONCURRENCY)
    started = time.perf_counter()
    try:
        await sender.flush()
    finally:
        await sender.stop()
    return time.perf_counter() - started


async def _bare(bodies: list[bytes], receiver: HookReceiver) -> float:
    """The same bodies POSTed by `CONCURRENCY` workers, each with a client of one connection
    (as the sender's are: one shared pool of 32 costs several times the CPU per request)."""
    todo = iter(bodies)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [httpx.AsyncClient(timeout=5.0, limits=limits) for _ in range(CONCURRENCY)]

    async def worker(client: httpx.AsyncClient) -> None:
        for body in todo:
            await client.post(receiver.url, content=body,
                              headers={"Content-Type": "application/json"})

    try:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for client in clients))
        return time.perf_counter() - started
    finally:
        for client in clients:
            await client.aclose()


async def _one_run(workdir: Path, label: str, count: int, keys: int, latency: float
                   ) -> dict[str, Any]:
    db = Database(str(workdir / f"hooks-{label}.db"))
    await db.open()
    receiver = await HookReceiver(SECRET, delay=latency).start()
    try:
        queue_s = await _queue(db, count, keys)
        deliver_s = await _deliver(db, receiver)
        queued: dict[str, list[str]] = defaultdict(list)
        bodies = []
        for key, event_id, payload in await db.fetch_all(
                "SELECT ordering_key, event_id, payload FROM hook_events ORDER BY id"):
            queued[key].append(event_id)
            bodies.append(payload.encode())
        arrived: dict[str, list[str]] = defaultdict(list)
        for r in receiver.delivered:
            arrived[task_key(r.data["task_id"])].append(r.event_id)
        result = {
            "events": count, "keys": keys, "queue_seconds": queue_s,
            "queued_per_s": count / queue_s, "deliver_seconds": deliver_s,
            "delivered_per_s": count / deliver_s,
            "delivered": len(receiver.events()),
            "lost": count - len(receiver.events()),
            "repeated": len(receiver.delivered) - len(receiver.events()),
            "signed": sum(r.signed for r in receiver.requests),
            "order_held": arrived == queued,
        }
        receiver.requests.clear()
        bare_s = await _bare(bodies, receiver)
        result["bare_seconds"] = bare_s
        result["bare_per_s"] = count / bare_s
        result["share_of_bare"] = bare_s / deliver_s
        return result
    finally:
        await receiver.stop()
        await db.close()


async def run(platform: Platform, sizes: Sizes, workdir: Path, *, profile: bool = False
              ) -> dict[str, Any]:
    latency = sizes.latency_ms / 1000
    return {"status": "ok", "latency_ms": sizes.latency_ms, "concurrency": CONCURRENCY,
            "many_keys": await _one_run(workdir, "many", sizes.c12_events, sizes.c12_keys,
                                        latency),
            "one_key": await _one_run(workdir, "one", sizes.c12_one_key_events, 1, latency)}


def rows(result: dict[str, Any]) -> list[dict[str, str]]:
    out = []
    for name, what in (("many_keys", "events over {keys:,} tasks"),
                       ("one_key", "events of one task (in order)")):
        r = result[name]
        if name == "one_key":  # one after another: the bare side's concurrency is no match
            floor = 1000 / result["latency_ms"]
            ratio = f"{r['delivered_per_s'] / floor * 100:.0f}% of the floor {floor:.0f}/s"
        else:
            ratio = (f"{r['share_of_bare'] * 100:.0f}% of bare; cap "
                     f"{CONCURRENCY * 1000 / result['latency_ms']:,.0f}/s")
        out.append({
            "case": "12",
            "what": f"hooks: {r['events']:,} " + what.format(keys=r["keys"])
                    + f", receiver {result['latency_ms']:.0f} ms",
            "measured": fmt(r["delivered_per_s"], "events/s", 1),
            "baseline": fmt(r["bare_per_s"], "POST/s bare httpx", 1),
            "ratio": ratio,
            "goal": f"lost {r['lost']}, repeated {r['repeated']}, signed "
                    f"{r['signed']}/{r['events']}, order "
                    f"{'held' if r['order_held'] else 'BROKEN'}; "
                    f"queued {r['queued_per_s']:,.0f}/s"})
    return out
