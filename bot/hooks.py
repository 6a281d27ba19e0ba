"""Event hooks out: `HookEvents` queues an event in the caller's transaction, `HookSender` POSTs
the queue to HOOK_URL.

The contract (the README's "Event hooks" says it to the receiver's side):

- An event is written in the same transaction as the change it reports, so it exists exactly
  when the change does. With HOOK_URL unset nothing is written (turning hooks on later does
  not replay the past).
- Each event has an id (`evt_` and 32 hex digits) that stays the same on every delivery of it:
  delivery is at least once (an event is marked delivered only after a 2xx answer, so a crash
  or a lost answer repeats it), and a receiver recognises a repeat by its id.
- In order per ordering key: a task's events (`task:<id>`: posted, allocated, submissions and
  their reviews) in the order they happened, a guild's (`guild:<id>`), a user's payouts
  (`user:<id>`). An event waits while an earlier one of its key is undelivered; different keys
  go out concurrently.
- A failure (an answer other than 2xx, a time-out, no connection) is retried with back-off,
  10 s doubling up to an hour, for as long as it takes; `/hooks` shows what is failing.
- The body is signed: `Guildwork-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
  "<t>.<body>" with HOOK_SECRET>` (Stripe's scheme; the time lets a receiver refuse old
  replays).
- Nothing else waits for it: the sender is a task of its own with its own HTTP client and a short
  time-out, and its transactions are a few short writes, so a receiver that answers 500 or never
  answers delays no reply and no notice.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import importlib.util
import json
import logging
import ssl
import sys
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import httpx

if importlib.util.find_spec("sniffio") is None:
    # httpcore tries `import sniffio` for every lock and event it makes (~17 per request);
    # when it is not installed, each try searches sys.path again: a quarter of the sender's
    # CPU (and of every Bot API call's) went there. Marked missing, a try fails at once.
    sys.modules["sniffio"] = None  # type: ignore[assignment]

from bot.background import DueLoop
from bot.clock import Clock, to_epoch
from bot.domain.statuses import AssignmentStatus
from storage import Database, Tx
from storage import hooks as repo
from storage.models import AssignmentRecord, HookEventRow, TaskRecord

log = logging.getLogger(__name__)

EVENT_TYPES = ("task.posted", "task.allocated", "submission.submitted", "submission.accepted",
               "submission.rejected", "payout.recorded", "guild.approved", "guild.suspended")
SIGNATURE_HEADER = "Guildwork-Signature"
FIRST_RETRY = 10  # seconds after the first failure; doubling after each further one
LAST_RETRY = 3600  # at most this long between tries


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The `Guildwork-Signature` header's value for this body sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(secret: str, body: bytes, header: str, now: int | None = None,
           tolerance: int = 300) -> bool:
    """What a receiver does (the README's example, tested): the signature matches the body,
    and (given `now`) it was made at most `tolerance` seconds ago."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if not fields.get("t", "").isdecimal() or "v1" not in fields:
        return False
    timestamp = int(fields["t"])
    if now is not None and abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields["v1"])


def retry_after(attempts: int) -> int:
    """Seconds to wait after the failure of try number `attempts + 1`."""
    return min(LAST_RETRY, FIRST_RETRY * 2 ** min(attempts, 20))


def task_key(task_id: int) -> str:
    return f"task:{task_id}"


def task_data(task: TaskRecord) -> dict[str, Any]:
    return {"task_id": task.id, "title": task.title, "mode": task.mode,
            "result_type": task.result_type, "units": task.units,
            "price_minor": task.price_minor, "allocated_units": task.allocated_units,
            "status": task.status, "deadline_at": task.deadline_at,
            "quote_deadline_at": task.quote_deadline_at,
            "skills": task.skill_names, "qualification_test": task.qualifies is not None}


def allocation_data(allocation_id: int, task: TaskRecord, guild_id: int, units: int,
                    unit_price_minor: int, quote_id: int | None) -> dict[str, Any]:
    """Units of a task that became a guild's (a claim, or an awarded quote); `task` as it is
    after it."""
    return {"allocation_id": allocation_id, "task_id": task.id, "guild_id": guild_id,
            "units": units, "unit_price_minor": unit_price_minor,
            "source": "claim" if quote_id is None else "quote", "quote_id": quote_id,
            "task_units": task.units, "task_allocated_units": task.allocated_units,
            "task_status": task.status}


def submission_data(before: AssignmentRecord, after: AssignmentRecord, by: object, actor: str
                    ) -> dict[str, Any]:
    """A submission (an assignment's round of results) as its events carry it: `actor` is
    who moved it (worker, leader, admin, clock), `by` the user id of the one who decided."""
    data: dict[str, Any] = {
        "assignment_id": after.id, "task_id": after.task_id, "guild_id": after.guild_id,
        "worker_id": after.worker_id, "round": before.round, "units": after.units,
        "unit_price_minor": after.unit_price_minor, "status": after.status}
    if after.status == AssignmentStatus.ACCEPTED:
        data["accepted_units"] = after.accepted_units
        data["auto_accepted"] = after.auto_accepted
    if after.reject_reason is not None and after.status == AssignmentStatus.REJECTED:
        data["reason"] = after.reject_reason
    data["actor"] = str(actor)
    data["decided_by"] = by if isinstance(by, int) else None
    return data


class HookEvents:
    """Queues events for the hook receiver inside the caller's transaction (nothing while
    hooks are off)."""

    def __init__(self, clock: Clock | None = None, wake: Callable[[], None] = lambda: None
                 ) -> None:
        self._clock = clock
        self._wake = wake
        self.on = clock is not None  # hooks off: built without a clock, as `Deps` does

    async def emit(self, tx: Tx, type: str, key: str, data: dict[str, Any]) -> None:
        assert type in EVENT_TYPES, type
        if self._clock is None:
            return
        now = to_epoch(self._clock.now())
        event_id = f"evt_{uuid.uuid4().hex}"
        body = json.dumps({"id": event_id, "type": type, "created_at": now, "data": data},
                          ensure_ascii=False, separators=(",", ":"))
        await repo.add(tx, event_id=event_id, type=type, ordering_key=key, payload=body,
                       now=now)
        tx.after_commit(self._wake)


class HookSender(DueLoop):
    """POSTs due events, each key's in order, keys concurrently; marks what was delivered and
    postpones what failed, in one short transaction per batch."""

    name = "hook sender"

    def __init__(self, db: Database, clock: Clock, url: str, secret: str, *,
                 timeout: float = 5.0, concurrency: int = 32, batch_size: int = 256,
                 idle_poll_seconds: float = 30.0) -> None:
        super().__init__(clock, idle_poll_seconds)
        self._db = db
        self._url = url
        self._secret = secret
        self._timeout = timeout
        self._width = concurrency
        self._batch_size = batch_size
        # `concurrency` clients of one connection each, lent to one send at a time: httpcore's
        # pool walks all its connections on every request, so one pool of 32 cost several
        # times the CPU per event of 32 pools of one (bench case 12).
        self._clients: list[httpx.AsyncClient] = []
        self._idle: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()
        self._tls: ssl.SSLContext | None = None
        self._lock = asyncio.Lock()
        self.delivered_total = 0

    async def stop(self, grace: float = 2.0) -> None:
        """Start no new delivery; those in flight may finish (up to `grace` seconds, then they
        are cut off and stay queued: delivered again after a restart)."""
        await super().stop(grace)
        clients, self._clients = self._clients, []
        self._idle = asyncio.Queue()
        for client in clients:
            await client.aclose()

    async def next_due_at(self) -> int | None:
        return await repo.next_due_at(self._db)

    async def run_once(self, *, background: bool = False) -> int:
        """One batch of due events; how many were tried (what failed is postponed, so a
        `flush` ends)."""
        async with self._lock:
            if not await self._db.lead():  # with several instances, one sends (in order)
                return 0
            rows = await repo.due(self._db, to_epoch(self._clock.now()), self._batch_size)
            if not rows:
                return 0
            by_key: dict[str, list[HookEventRow]] = defaultdict(list)
            for row in rows:
                by_key[row.ordering_key].append(row)
            outcomes = await asyncio.gather(*(self._deliver_key(key_rows)
                                              for key_rows in by_key.values()))
            delivered = [i for done, _ in outcomes for i in done]
            failed = [f for _, failure in outcomes if failure for f in failure]
            now = to_epoch(self._clock.now())
            async with self._db.transaction() as tx:
                await repo.mark_delivered(tx, delivered, now)
                await repo.postpone(tx, [(row.id, now + retry_after(row.attempts), error)
                                         for row, error in failed])
            self.delivered_total += len(delivered)
            return len(delivered) + len(failed)

    async def _deliver_key(self, rows: list[HookEventRow]
                           ) -> tuple[list[int], list[tuple[HookEventRow, str]]]:
        """One key's events in order; after a failure the rest wait behind it."""
        delivered: list[int] = []
        client = await self._lend()
        try:
            for row in rows:
                if self._stopping:
                    break
                error = await self._post(client, row)
                if error is not None:
                    log.warning("hook event %s (%s) not delivered: %s", row.event_id, row.type,
                                error)
                    return delivered, [(row, error)]
                delivered.append(row.id)
        finally:
            if client in self._clients:  # not closed by a stop meanwhile
                self._idle.put_nowait(client)
        return delivered, []

    async def _lend(self) -> httpx.AsyncClient:
        """A client no other send is using (made when fewer than `concurrency` exist)."""
        if self._idle.empty() and len(self._clients) < self._width:
            if self._tls is None:  # one for all: loading the CA certificates takes ~50 ms
                self._tls = httpx.create_ssl_context()  # what each client would make
            limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
            client = httpx.AsyncClient(timeout=self._timeout, limits=limits, verify=self._tls,
                                       follow_redirects=False)
            self._clients.append(client)
            return client
        return await self._idle.get()

    async def _post(self, client: httpx.AsyncClient, row: HookEventRow) -> str | None:
        """POST one event; None when the receiver took it, else what went wrong."""
        body = row.payload.encode()
        headers = {"Content-Type": "application/json",
                   "User-Agent": "Guildwork-Hooks/1",
                   SIGNATURE_HEADER: sign(self._secret, body, to_epoch(self._clock.now())),
                   "Guildwork-Event-Id": row.event_id, "Guildwork-Event-Type": row.type}
        try:
            answer = await client.post(self._url, content=body, headers=headers)
        except httpx.TimeoutException:
            return f"no answer within {self._timeout:g} s"
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"[:300] or type(exc).__name__
        if not 200 <= answer.status_code < 300:
            return f"HTTP {answer.status_code} {answer.text[:200]}".strip()
        return None
