"""Delivery of queued notices: the `Notifier` writes the outbox, the `OutboxDispatcher` sends it.

The outbox row is written in the same transaction as the change it reports, so a notice exists
exactly when the change does. The dispatcher sends due rows through the bot's rate limiter on the
bulk lane (replies to the person acting go first), in order per chat, concurrently across chats:

- `RetryAfter`: the row waits the flood time and is tried again (not counted as a failure);
- network errors and time-outs: retried with growing back-off, up to `max_attempts`;
- `Forbidden` (never started the bot, or blocked it): the row and the rest queued for that chat
  are closed as unreachable, the user is marked so, and `unreachable_hooks` run in that same
  transaction so that, e.g., a guild leader can be told;
- `ChatMigrated` (a group became a supergroup): `migrated_hooks` move the guild, and the row and
  the rest queued for that chat move to the new chat id and go out there;
- other errors (`BadRequest`): the row is closed as failed and logged.

A broadcast's rows (an admin's message to many, `bot.services.broadcasts`) take only the room
a batch has left after every other due notice, so a notice queued during a broadcast of
220,000 goes out with the next batch rather than hours later. After each batch the
`batch_hooks` run (a broadcast's progress message, the next broadcast's start).

A summary's chart is queued as its data (a `sendPhoto` row whose payload holds `chart`, a few
hundred bytes of JSON), never as an image: the dispatcher draws the PNG just before the send, in
a thread of its own, and uploads it. So queueing 220,000 summaries costs no drawing, the outbox
stays small, and a retry draws again rather than keeping bytes around. A chart that cannot be
drawn closes its row as failed (the same data would fail again).

A digest (informational notices of a few minutes, see `Notifier.digest_line`) is queued as its
lines, each keyed by its event, and one row of method `digest` due when its window ends; the
dispatcher renders that row from its lines just before the send, in the chat's language, and
marks the lines delivered with the row. A digest waiting for its window holds back none of the
chat's other rows (they would wait minutes behind it); a retry renders it again, with any line
that joined it meanwhile.

Each row is marked sent as soon as its send returns (sends that finish while that commit runs are
marked together by the next one), so a crash can repeat only the sends still in flight when it
struck, never a whole batch; a clean stop lets those finish and be marked first. Unsent rows are
picked up again after a restart. When marking fails (the database is read-only or full), sending
stops: rows sent but not marked are remembered and never sent again by this process, and the
dispatcher backs off (1 s, doubling to a minute) until they can be marked. (Telegram has no
idempotency key, so a send in flight at a crash is either repeated or lost; repeating it is the
safe side.)
"""

from __future__ import annotations

import asyncio
import json
import logging
import warnings
from collections import defaultdict
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from telegram import InputFile
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ExtBot
from telegram.warnings import PTBUserWarning

from bot.background import DueLoop
from bot.charts import Chart, render_png
from bot.clock import Clock, to_epoch
from bot.domain.broadcasts import CAPTION_LIMIT
from bot.i18n import shown_length, texts_for
from bot.ratelimit import Lane
from bot.views.common import Keyboard
from bot.views.digest import digest_text
from storage import Database, Tx
from storage import digests as digests_repo
from storage import outbox as outbox_repo
from storage import users as users_repo
from storage.models import OutboxRow
from storage.outbox import DIGEST_METHOD

log = logging.getLogger(__name__)
# The outbox stores Bot API calls by method name and sends them generically, on purpose.
warnings.filterwarnings("ignore", message="Please use 'Bot.", category=PTBUserWarning)

UnreachableHook = Callable[[Tx, OutboxRow], Awaitable[None]]
# A group became a supergroup: (transaction, old chat id, new chat id).
MigratedHook = Callable[[Tx, int, int], Awaitable[object]]
# Run after every batch (a broadcast's progress); returns how many rows it queued meanwhile.
BatchHook = Callable[[], Awaitable[int]]
DRAWING_THREADS = 2  # the machine's cores; Agg and PNG coding let go of the GIL part of the time
# How long a batch taken by one of several instances is its own: far longer than a batch
# takes at the cap; an instance that dies holding one delays those rows this long.
LEASE_SECONDS = 60
CHART = "chart"  # a sendPhoto payload's key for the chart's data, drawn when it is sent


class Notifier:
    """Queues messages for people other than the one acting, inside the caller's transaction."""

    def __init__(self, clock: Clock, wake: Callable[[], None], digest_seconds: int = 0
                 ) -> None:
        self._clock = clock
        self._wake = wake
        self._digest_seconds = digest_seconds

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

    async def digest_line(self, tx: Tx, chat_id: int, text: str, *, guild: tuple[int, str],
                          language: str, event_key: str, user_id: int | None = None) -> None:
        """Add an informational notice to the chat's digest of the guild (`guild`: id, name):
        the digest goes out once its window ends, with every line queued in it; the event
        (`event_key`) adds its line once, however often it is seen."""
        now = to_epoch(self._clock.now())
        payload = json.dumps({"guild": guild[1], "language": language}, ensure_ascii=False)
        if await digests_repo.add_line(tx, chat_id=chat_id, user_id=user_id, guild_id=guild[0],
                                       event_key=event_key, text=text, payload=payload,
                                       now=now, window=self._digest_seconds):
            tx.after_commit(self._wake)

    def summary_rows(
        self,
        chat_id: int,
        text: str,
        chart: Chart | None,
        *,
        user_id: int | None = None,
        dedupe_key: str,
        now: int,
    ) -> list[dict[str, object]]:
        """A summary with its chart (if any) as rows for `storage.outbox.enqueue_many`: the
        chart's data, not its image (the dispatcher draws it just before sending)."""
        return [{"chat": chat_id, "user": user_id, "method": method,
                 "payload": json.dumps(payload, ensure_ascii=False), "key": dedupe_key + suffix,
                 "now": now} for method, payload, suffix in _summary_calls(text, chart)]

    async def summary(self, tx: Tx, chat_id: int, text: str, chart: Chart | None, *,
                      user_id: int | None = None, dedupe_key: str) -> None:
        """Queue a summary with its chart (see `summary_rows`) inside the caller's
        transaction."""
        for method, payload, suffix in _summary_calls(text, chart):
            await self._queue(tx, chat_id, user_id, method, payload, dedupe_key + suffix, 0)

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


def _summary_calls(text: str, chart: Chart | None) -> list[tuple[str, dict[str, Any], str]]:
    """(method, payload, dedupe key suffix) per call: the text alone when there is no chart;
    the chart with the text as its caption when the text fits one; else the text, then the
    chart (one chat's rows go out in the order queued)."""
    message = {"text": text, "parse_mode": "HTML", "link_preview_options": {"is_disabled": True}}
    if chart is None:
        return [("sendMessage", message, "")]
    if shown_length(text) <= CAPTION_LIMIT:
        return [("sendPhoto", {CHART: chart, "caption": text, "parse_mode": "HTML"}, "")]
    return [("sendMessage", message, ""), ("sendPhoto", {CHART: chart}, ":chart")]


@dataclass(slots=True)
class _Outcome:
    row: OutboxRow
    kind: str  # sent | flood | retry | unreachable | migrated | failed | skipped
    error: str = ""
    wait: float = 0.0
    new_chat_id: int = 0


class OutboxDispatcher(DueLoop):
    name = "outbox dispatcher"

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
        super().__init__(clock, idle_poll_seconds)
        self._db = db
        self._bot = bot
        self._batch_size = batch_size
        self._concurrency = asyncio.Semaphore(concurrency)
        self._max_attempts = max_attempts
        self._lock = asyncio.Lock()
        self._unmarked: list[int] = []  # sent, waiting for the commit that marks them
        self._sent: set[int] = set()  # sent and not yet marked in the database: never resent
        self._digests: set[int] = set()  # digests among them, whose lines are marked too
        self._marking_failed = False
        self._lease: int | None = None  # the lease of the batch in hand (several instances)
        self._mark_lock = asyncio.Lock()
        self.unreachable_hooks: list[UnreachableHook] = []
        self.migrated_hooks: list[MigratedHook] = []
        self.batch_hooks: list[BatchHook] = []
        self.sent_total = 0
        self._drawing: ThreadPoolExecutor | None = None

    async def stop(self, grace: float = 5.0) -> None:
        """Start no new send; let those in flight finish and be marked (up to `grace` seconds,
        then cancel them), so that a clean restart repeats nothing."""
        await super().stop(grace)
        if self._drawing is not None:
            self._drawing.shutdown(wait=False)
            self._drawing = None

    async def next_due_at(self) -> int | None:
        return await outbox_repo.next_due_at(self._db)

    async def run_once(self, *, background: bool = False) -> int:
        """Send one batch of due rows; returns how many rows it took care of. In the
        background loop, a stop leaves the rows it has not started on pending."""
        async with self._lock:
            if self._sent:  # sends whose marking failed before: mark them first, send nothing
                await self._mark_now(sorted(self._sent))
            self._marking_failed = False
            rows = [row for row in await self._due() if row.id not in self._sent]
            if not rows:
                return await self._after_batch()
            by_chat: dict[int, list[OutboxRow]] = defaultdict(list)
            for row in rows:
                by_chat[row.chat_id].append(row)
            results = await asyncio.gather(*(self._send_chat(chat, background)
                                             for chat in by_chat.values()))
            outcomes = [outcome for chat in results for outcome in chat]
            await self._record(outcomes)
            if self._lease is not None:
                await self._release(rows, outcomes, self._lease)
            return len(outcomes) + await self._after_batch()

    async def _after_batch(self) -> int:
        queued = 0
        for hook in self.batch_hooks:
            try:
                queued += await hook()
            except Exception:  # the sends go on whatever a hook finds
                log.exception("outbox: a batch hook failed")
        return queued

    async def edit_text(self, chat_id: int, message_id: int, text: str) -> None:
        """Show another text in a message the bot sent (a broadcast's progress): best effort,
        the next showing corrects a lost one."""
        try:
            await self._bot.edit_message_text(text, chat_id=chat_id, message_id=message_id)
        except TelegramError as exc:
            log.warning("could not edit message %s in chat %s: %s", message_id, chat_id, exc)

    async def _release(self, rows: list[OutboxRow], outcomes: list[_Outcome], lease: int
                       ) -> None:
        """Rows this instance took but neither sent nor rescheduled (held behind a failed one
        of their chat, moved to a migrated chat, or not reached before a stop) are due again
        at once, for whichever instance comes first, rather than when the lease ends."""
        done = {o.row.id for o in outcomes if o.kind not in ("skipped", "migrated")}
        left = [row.id for row in rows if row.id not in done and row.id not in self._sent]
        if left:
            async with self._db.transaction(for_update=False) as tx:
                await outbox_repo.release(tx, left, lease, to_epoch(self._clock.now()))

    async def _due(self) -> list[OutboxRow]:
        """The next batch; on PostgreSQL (where several instances may share the outbox) each
        takes its batch under a lease, so that every row goes out from one of them."""
        now = to_epoch(self._clock.now())
        if self._db.engine != "postgres":
            self._lease = None
            return await outbox_repo.due(self._db, now, self._batch_size)
        self._lease = now + LEASE_SECONDS
        async with self._db.transaction(for_update=False) as tx:
            return await outbox_repo.claim_due(tx, now, self._batch_size, self._lease)

    async def _send_chat(self, rows: list[OutboxRow], background: bool = False
                         ) -> list[_Outcome]:
        """Send one chat's rows in order; after a failure the rest of them wait with it."""
        outcomes: list[_Outcome] = []
        async with self._concurrency:
            for index, row in enumerate(rows):
                if (background and self._stopping) or self._marking_failed:
                    break  # the rest stay pending, untouched, for the next start or try
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
        method = row.method
        if method == DIGEST_METHOD:
            # Drawn from its lines now: every line queued in its window, in the chat's
            # language; a retry draws it again.
            lines = await digests_repo.lines(self._db, row.id)
            if not lines:
                return _Outcome(row, "failed", "a digest without lines")
            method, payload = "sendMessage", {
                "text": digest_text(texts_for(payload["language"]), payload["guild"], lines),
                "parse_mode": "HTML", "link_preview_options": {"is_disabled": True}}
        payload["chat_id"] = row.chat_id
        if CHART in payload:
            try:
                payload["photo"] = InputFile(await self._draw(payload.pop(CHART)),
                                             filename="chart.png")
            except Exception as exc:  # the same data would fail the same way again
                log.exception("outbox %s: the chart could not be drawn", row.id)
                return _Outcome(row, "failed", f"chart: {exc!r}")
        try:
            await self._bot.do_api_request(method, api_kwargs=payload,
                                           rate_limit_args=Lane.BULK)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
            return _Outcome(row, "flood", str(exc), seconds)
        except Forbidden as exc:
            return _Outcome(row, "unreachable", exc.message)
        except ChatMigrated as exc:
            return _Outcome(row, "migrated", f"chat migrated to {exc.new_chat_id}",
                            new_chat_id=exc.new_chat_id)
        except BadRequest as exc:
            return _Outcome(row, "failed", exc.message)
        except NetworkError as exc:  # includes TimedOut
            return _Outcome(row, "retry", exc.message)
        except Exception as exc:
            log.exception("outbox %s: unexpected error", row.id)
            return _Outcome(row, "retry", repr(exc))
        if row.method == DIGEST_METHOD:
            self._digests.add(row.id)
        return _Outcome(row, "sent")

    async def _draw(self, chart: Chart) -> bytes:
        """The chart's PNG, drawn off the event loop (by a small pool of its own, so that
        the drawing threads keep their figures and never crowd the loop's default executor)."""
        if self._drawing is None:
            self._drawing = ThreadPoolExecutor(DRAWING_THREADS, thread_name_prefix="chart")
        return await asyncio.get_running_loop().run_in_executor(self._drawing, render_png,
                                                                chart)

    async def _mark_sent(self, row_id: int) -> None:
        """Mark a row sent now. Sends that finish while a commit runs wait for it and are marked
        together by the next one, so at high rates a commit covers several rows."""
        self._sent.add(row_id)
        self._unmarked.append(row_id)
        async with self._mark_lock:
            if not self._unmarked:
                return  # the commit that just ended took this row with it
            ids, self._unmarked = self._unmarked, []
            try:
                await self._mark_now(ids)
            except Exception:
                # Still pending in the database, but sent: remembered in `_sent`, marked by a
                # later try, never sent again. Nothing more is sent until marking works.
                self._marking_failed = True
                log.exception("outbox: %s sent notices could not be marked", len(ids))

    async def _mark_now(self, ids: list[int]) -> None:
        async with self._db.transaction() as tx:
            await self._mark_in(tx, ids, to_epoch(self._clock.now()))
        self._sent.difference_update(ids)
        self._digests.difference_update(ids)

    async def _mark_in(self, tx: Tx, ids: list[int], now: int) -> None:
        """Mark rows sent, and the lines of the digests among them delivered with them."""
        await outbox_repo.mark_sent(tx, ids, now)
        if digests := [i for i in ids if i in self._digests]:
            await digests_repo.mark_delivered(tx, digests, now)

    async def _record(self, outcomes: list[_Outcome]) -> None:
        """Write what the sends found. Rows sent were marked as they went; rows held up behind
        a failed one of their chat stay pending as they are (the due query keeps a chat's rows
        in order), so a batch that went well writes nothing here."""
        now = to_epoch(self._clock.now())
        unmarked = sorted(self._sent)  # sent, but their own commit failed
        changes = [o for o in outcomes if o.kind not in ("sent", "skipped")]
        self.sent_total += sum(o.kind == "sent" for o in outcomes)
        if unmarked or changes:
            async with self._db.transaction() as tx:
                await self._mark_in(tx, unmarked, now)
                await self._apply(tx, changes, now)
            self._sent.difference_update(unmarked)
            self._digests.difference_update(unmarked)

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
            elif o.kind == "migrated":
                # The row stays pending: the hooks move it (and the guild) to the new id, and
                # it goes out there with the next batch. A chat no guild lives in moves too.
                for migrated in self.migrated_hooks:
                    await migrated(tx, o.row.chat_id, o.new_chat_id)
                await outbox_repo.move_chat(tx, o.row.chat_id, o.new_chat_id)
        marked: set[int] = set()
        for o in outcomes:
            if o.kind != "unreachable":
                continue
            if o.row.user_id is not None and o.row.user_id not in marked:
                marked.add(o.row.user_id)
                await users_repo.mark_unreachable(tx, o.row.user_id, now)
            for hook in self.unreachable_hooks:
                await hook(tx, o.row)
