"""Delivery of queued notices: the `Notifier` writes the outbox, the `OutboxDispatcher` sends it.

The outbox row is written in the same transaction as the change it reports, so a notice exists
exactly when the change does. The dispatcher sends due rows through the bot's rate limiter on the
bulk lane (replies to the person acting go first), in order per chat, concurrently across chats:

- `RetryAfter`: the row waits the flood time and is tried again (not counted as a failure);
- network errors and time-outs: retried with growing back-off, up to `max_attempts`;
- `Forbidden` (never started the bot, or blocked it): the row and the rest queued for that chat
  are closed as unreachable, the user is marked so, and `unreachable_hooks` run in that same
  transaction so that, e.g., a guild leader can be told;
- other errors (`BadRequest`): the row is closed as failed and logged.

Each row is marked sent as soon as its send returns (sends that finish while that commit runs are
marked together by the next one), so a crash can repeat only the sends still in flight when it
struck, never a whole batch; a clean stop lets those finish and be marked first. Unsent rows are
picked up again after a restart. (Telegram has no idempotency key, so a send in flight at a crash
is either repeated or lost; repeating it is the safe side.)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import warnings
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.ext import ExtBot
from telegram.warnings import PTBUserWarning

from bot.clock import Clock, to_epoch
from bot.ratelimit import Lane
from bot.views.common import Keyboard
from storage import Database, Tx
from storage import outbox as outbox_repo
from storage import users as users_repo
from storage.models import OutboxRow

log = logging.getLogger(__name__)
# The outbox stores Bot API calls by method name and sends them generically, on purpose.
warnings.filterwarnings("ignore", message="Please use 'Bot.", category=PTBUserWarning)

UnreachableHook = Callable[[Tx, OutboxRow], Awaitable[None]]


class Notifier:
    """Queues messages for people other than the one acting, inside the caller's transaction."""

    def __init__(self, clock: Clock, wake: Callable[[], None]) -> None:
        self._clock = clock
        self._wake = wake

    async def message(
        self,
        tx: Tx,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        keyboard: Keyboard | None = None,
        dedupe_key: str | None = None,
        delay_seconds: int = 0,
    ) -> int | None:
        payload: dict[str, Any] = {
            "text": text,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }
        if keyboard:
            payload["reply_markup"] = keyboard
        return await self._queue(tx, chat_id, user_id, "sendMessage", payload, dedupe_key,
                                 delay_seconds)

    def message_row(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        dedupe_key: str | None = None,
        now: int,
    ) -> dict[str, object]:
        """One message as a row for `storage.outbox.enqueue_many` (large fan-outs)."""
        payload = {"text": text, "parse_mode": "HTML",
                   "link_preview_options": {"is_disabled": True}}
        return {"chat": chat_id, "user": user_id, "method": "sendMessage",
                "payload": json.dumps(payload, ensure_ascii=False), "key": dedupe_key,
                "now": now}

    def wake(self) -> None:
        """Tell the dispatcher that rows were queued (call after the commit)."""
        self._wake()

    async def media(
        self,
        tx: Tx,
        chat_id: int,
        kind: str,
        file_id: str,
        *,
        caption: str | None = None,
        user_id: int | None = None,
        dedupe_key: str | None = None,
    ) -> int | None:
        """Re-send a stored file by its `file_id` (kind: document, photo, voice, audio, video)."""
        method = "send" + kind.capitalize()
        payload: dict[str, Any] = {kind: file_id}
        if caption:
            payload.update(caption=caption, parse_mode="HTML")
        return await self._queue(tx, chat_id, user_id, method, payload, dedupe_key, 0)

    async def _queue(
        self,
        tx: Tx,
        chat_id: int,
        user_id: int | None,
        method: str,
        payload: dict[str, Any],
        dedupe_key: str | None,
        delay_seconds: int,
    ) -> int | None:
        now = to_epoch(self._clock.now())
        outbox_id = await outbox_repo.enqueue(
            tx, chat_id=chat_id, user_id=user_id, method=method,
            payload=json.dumps(payload, ensure_ascii=False), dedupe_key=dedupe_key, now=now,
            not_before=now + delay_seconds,
        )
        tx.after_commit(self._wake)
        return outbox_id


@dataclass(slots=True)
class _Outcome:
    row: OutboxRow
    kind: str  # sent | flood | retry | unreachable | failed | skipped
    error: str = ""
    wait: float = 0.0


class OutboxDispatcher:
    def __init__(
        self,
        db: Database,
        bot: ExtBot[Any],
        clock: Clock,
        *,
        batch_size: int = 64,
        concurrency: int = 8,
        max_attempts: int = 10,
        idle_poll_seconds: float = 30.0,
    ) -> None:
        self._db = db
        self._bot = bot
        self._clock = clock
        self._batch_size = batch_size
        self._concurrency = asyncio.Semaphore(concurrency)
        self._max_attempts = max_attempts
        self._idle_poll = idle_poll_seconds
        self._event = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._unmarked: list[int] = []  # sent, waiting for the commit that marks them
        self._mark_lock = asyncio.Lock()
        self.unreachable_hooks: list[UnreachableHook] = []
        self.sent_total = 0

    def wake(self) -> None:
        self._event.set()

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="outbox-dispatcher")

    async def stop(self, grace: float = 5.0) -> None:
        """Start no new send; let those in flight finish and be marked (up to `grace` seconds,
        then cancel them), so that a clean restart repeats nothing."""
        task = self._task
        if task is None:
            return
        self._stopping = True
        self._event.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), grace)
        except TimeoutError:
            task.cancel()
        except Exception:
            log.exception("outbox dispatcher failed while stopping")
        with contextlib.suppress(asyncio.CancelledError):
            await task
        self._task = None

    async def _run(self) -> None:
        while not self._stopping:
            try:
                processed = await self.run_once(background=True)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox dispatcher failed; retrying shortly")
                processed = 0
                await asyncio.sleep(1)
            if processed or self._stopping:
                continue
            self._event.clear()
            timeout = self._idle_poll
            next_due = await outbox_repo.next_due_at(self._db)
            if next_due is not None:
                timeout = min(timeout, max(0.05, next_due - to_epoch(self._clock.now())))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), timeout)

    async def flush(self) -> int:
        """Send everything due now; returns how many rows were processed."""
        total = 0
        while processed := await self.run_once():
            total += processed
        return total

    async def run_once(self, *, background: bool = False) -> int:
        """Send one batch of due rows; returns how many rows it took care of. In the
        background loop, a stop leaves the rows it has not started on pending."""
        async with self._lock:
            rows = await outbox_repo.due(self._db, to_epoch(self._clock.now()),
                                         self._batch_size)
            if not rows:
                return 0
            by_chat: dict[int, list[OutboxRow]] = defaultdict(list)
            for row in rows:
                by_chat[row.chat_id].append(row)
            results = await asyncio.gather(*(self._send_chat(chat, background)
                                             for chat in by_chat.values()))
            outcomes = [outcome for chat in results for outcome in chat]
            await self._record(outcomes)
            return len(outcomes)

    async def _send_chat(self, rows: list[OutboxRow], background: bool = False
                         ) -> list[_Outcome]:
        """Send one chat's rows in order; after a failure the rest of them wait with it."""
        outcomes: list[_Outcome] = []
        async with self._concurrency:
            for index, row in enumerate(rows):
                if background and self._stopping:
                    break  # the rest stay pending, untouched, for the next start
                outcome = await self._send(row)
                outcomes.append(outcome)
                if outcome.kind == "sent":
                    await self._mark_sent(row.id)
                else:
                    rest = "unreachable" if outcome.kind == "unreachable" else "skipped"
                    outcomes.extend(_Outcome(r, rest, outcome.error) for r in rows[index + 1:])
                    break
        return outcomes

    async def _send(self, row: OutboxRow) -> _Outcome:
        payload = json.loads(row.payload)
        payload["chat_id"] = row.chat_id
        try:
            await self._bot.do_api_request(row.method, api_kwargs=payload,
                                           rate_limit_args=Lane.BULK)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
            return _Outcome(row, "flood", str(exc), seconds)
        except Forbidden as exc:
            return _Outcome(row, "unreachable", exc.message)
        except ChatMigrated as exc:
            return _Outcome(row, "failed", f"chat migrated to {exc.new_chat_id}")
        except BadRequest as exc:
            return _Outcome(row, "failed", exc.message)
        except NetworkError as exc:  # includes TimedOut
            return _Outcome(row, "retry", exc.message)
        except Exception as exc:
            log.exception("outbox %s: unexpected error", row.id)
            return _Outcome(row, "retry", repr(exc))
        return _Outcome(row, "sent")

    async def _mark_sent(self, row_id: int) -> None:
        """Mark a row sent now. Sends that finish while a commit runs wait for it and are marked
        together by the next one, so at high rates a commit covers several rows."""
        self._unmarked.append(row_id)
        async with self._mark_lock:
            if not self._unmarked:
                return  # the commit that just ended took this row with it
            ids, self._unmarked = self._unmarked, []
            try:
                async with self._db.transaction() as tx:
                    await outbox_repo.mark_sent(tx, ids, to_epoch(self._clock.now()))
            except BaseException:
                self._unmarked[:0] = ids  # still pending in the database: the next try takes them
                raise

    async def _record(self, outcomes: list[_Outcome]) -> None:
        """Write what the sends found. Rows sent were marked as they went; rows held up behind
        a failed one of their chat stay pending as they are (the due query keeps a chat's rows
        in order), so a batch that went well writes nothing here."""
        now = to_epoch(self._clock.now())
        unmarked, self._unmarked = self._unmarked, []  # sent, but their own commit failed
        changes = [o for o in outcomes if o.kind not in ("sent", "skipped")]
        if unmarked or changes:
            async with self._db.transaction() as tx:
                await outbox_repo.mark_sent(tx, unmarked, now)
                await self._apply(tx, changes, now)
        self.sent_total += sum(o.kind == "sent" for o in outcomes)

    async def _apply(self, tx: Tx, outcomes: list[_Outcome], now: int) -> None:
        for o in outcomes:
            if o.kind == "flood":
                await outbox_repo.postpone(tx, o.row.id, now + int(o.wait + 0.999), o.error,
                                           count=False)
            elif o.kind == "retry":
                if o.row.attempts + 1 >= self._max_attempts:
                    log.error("outbox %s: giving up after %s attempts: %s", o.row.id,
                              o.row.attempts + 1, o.error)
                    await outbox_repo.close(tx, o.row.id, "failed", o.error)
                else:
                    backoff = min(600, 5 * 2**o.row.attempts)
                    await outbox_repo.postpone(tx, o.row.id, now + backoff, o.error,
                                               count=True)
            elif o.kind == "failed":
                log.warning("outbox %s to chat %s failed: %s", o.row.id, o.row.chat_id,
                            o.error)
                await outbox_repo.close(tx, o.row.id, "failed", o.error)
            elif o.kind == "unreachable":
                await outbox_repo.close(tx, o.row.id, "unreachable", o.error)
        marked: set[int] = set()
        for o in outcomes:
            if o.kind != "unreachable":
                continue
            if o.row.user_id is not None and o.row.user_id not in marked:
                marked.add(o.row.user_id)
                await users_repo.mark_unreachable(tx, o.row.user_id, now)
            for hook in self.unreachable_hooks:
                await hook(tx, o.row)
