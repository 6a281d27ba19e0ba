"""Running the real bot, or a bare PTB Application, in this process and feeding it updates.

Both sides are fed the same way: each update is decoded with `Update.de_json` and put on the
Application's `update_queue` (what polling does after `getUpdates`), and a `Recorder` wrapped
around the update processor notes when each update was queued, started and finished. The same
recorder code runs on both sides of every ratio.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    BaseUpdateProcessor,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, RequestData

from bench.generator import ADMIN_ID, Platform
from bot.app import build_application
from bot.clock import ManualClock, from_epoch
from bot.config import Settings
from bot.processor import ChatOrderedUpdateProcessor
from bot.services import Services
from tgfake.api import BOT_ID, BOT_TOKEN, BOT_USERNAME, FakeBotAPI
from tgfake.harness import start_application, stop_application
from tgfake.request import FakeRequest, OfflineRequest

UNLIMITED = 1e9  # a rate cap that never binds: the limiter's code still runs on every call


# --- timing -----------------------------------------------------------------------------------


class Recorder:
    """When each update was queued, started (got a processing slot) and finished."""

    def __init__(self, timing: bool = True) -> None:
        self.timing = timing  # False: only count (memory runs keep nothing per update)
        self.queued: dict[int, float] = {}
        self.started: dict[int, float] = {}
        self.ended: dict[int, float] = {}
        self.completed = 0
        self._target = 0
        self._reached = asyncio.Event()

    def wrap(self, inner: Callable[[object, Awaitable[Any]], Awaitable[None]]
             ) -> Callable[[object, Awaitable[Any]], Awaitable[None]]:
        async def timed(update: object, coroutine: Awaitable[Any]) -> None:
            uid = getattr(update, "update_id", -1)
            self.started[uid] = time.perf_counter()
            try:
                await inner(update, coroutine)
            finally:
                self.ended[uid] = time.perf_counter()
                self.completed += 1
                if self.completed >= self._target:
                    self._reached.set()

        async def counted(update: object, coroutine: Awaitable[Any]) -> None:
            try:
                await inner(update, coroutine)
            finally:
                self.completed += 1
                if self.completed >= self._target:
                    self._reached.set()
        return timed if self.timing else counted

    async def wait(self, count: int, timeout: float) -> bool:
        """Until `count` updates in all have finished; False when `timeout` passed first."""
        self._target = count
        if self.completed >= count:
            return True
        self._reached.clear()
        try:
            await asyncio.wait_for(self._reached.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def handling_ms(self, ids: Iterable[int]) -> list[float]:
        """Start of processing to its end (chat-order waits included), per finished update."""
        return [(self.ended[i] - self.started[i]) * 1000 for i in ids if i in self.ended]

    def in_system_ms(self, ids: Iterable[int]) -> list[float]:
        """Queued to finished: what the user waits for, queueing included."""
        return [(self.ended[i] - self.queued[i]) * 1000 for i in ids
                if i in self.ended and i in self.queued]


class BareProcessor(BaseUpdateProcessor):
    """PTB's SimpleUpdateProcessor with the recorder around it (for the bare Application)."""

    def __init__(self, max_concurrent_updates: int, recorder: Recorder) -> None:
        super().__init__(max_concurrent_updates)
        self._run = recorder.wrap(self._plain)

    @staticmethod
    async def _plain(update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await self._run(update, coroutine)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


class ErrorCounter(logging.Handler):
    """Counts ERROR records while a case runs, so a broken side cannot pass as a fast one."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0
        self.first: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if self.first is None:
            self.first = record.getMessage()[:300]


# --- a lean request layer for memory runs -------------------------------------------------------


class LeanRequest(OfflineRequest):
    """Answers the few methods a run needs with minimal JSON and keeps nothing (for RSS runs)."""

    def __init__(self) -> None:
        self.calls = 0
        self._message_id = 0

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None,
                         connect_timeout: Any = None, pool_timeout: Any = None
                         ) -> tuple[int, bytes]:
        import json

        self.calls += 1
        api_method = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data is not None else {}
        if api_method == "getMe":
            result: Any = {"id": BOT_ID, "is_bot": True, "first_name": "Guildwork",
                           "username": BOT_USERNAME}
        elif api_method.startswith("send"):
            self._message_id += 1
            chat_id = params.get("chat_id")
            result = {"message_id": self._message_id, "date": 0,
                      "chat": {"id": chat_id, "type": "private" if int(chat_id or 0) > 0
                               else "supergroup"},
                      "text": params.get("text", "")}
        elif api_method == "getUpdates":
            result = []
        else:
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()


# --- the two sides ------------------------------------------------------------------------------


@dataclass
class RunningApp:
    app: Application
    recorder: Recorder
    api: FakeBotAPI | None
    request: BaseRequest
    is_bot: bool
    fed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def services(self) -> Services:
        services = self.app.bot_data.services
        assert services is not None
        return services

    def feed(self, updates: Iterable[dict[str, Any]]) -> list[int]:
        """Decode and queue updates (what polling does); returns their update ids."""
        app, queued = self.app, self.recorder.queued
        ids = []
        timing = self.recorder.timing
        for data in updates:
            update = Update.de_json(data, app.bot)
            if timing:
                queued[update.update_id] = time.perf_counter()
            app.update_queue.put_nowait(update)
            ids.append(update.update_id)
        self.fed += len(ids)
        return ids

    async def wait(self, timeout: float = 600) -> bool:
        return await self.recorder.wait(self.fed, timeout)

    async def wait_until(self, deadline: float) -> None:
        """Until perf_counter() reaches `deadline`, or everything fed has finished."""
        left = deadline - time.perf_counter()
        if left > 0:
            await self.recorder.wait(self.fed, left)

    def drop_queued(self) -> int:
        """Throw away updates not yet taken from the queue (ends a time-boxed run)."""
        dropped = 0
        while not self.app.update_queue.empty():
            self.app.update_queue.get_nowait()
            self.app.update_queue.task_done()
            dropped += 1
        self.fed -= dropped
        return dropped

    async def stop(self) -> None:
        await stop_application(self.app)


def bot_settings(platform: Platform, db_path: Path, rate: float, database_url: str = ""
                 ) -> Settings:
    return Settings(bot_token=BOT_TOKEN, admin_ids=frozenset({ADMIN_ID}),
                    database_path=str(db_path), rate_limit_per_second=rate,
                    database_url=database_url)


async def start_bot(platform: Platform, db_path: Path, *, api: FakeBotAPI | None = None,
                    request: BaseRequest | None = None, latency: float = 0.0,
                    rate: float = UNLIMITED, concurrency: int = 256,
                    rate_limiter: BaseRateLimiter | None = None, timing: bool = True,
                    database_url: str = "") -> RunningApp:
    """The real Application (build_application, post_init, start) on `db_path` (or on the
    PostgreSQL database at `database_url`)."""
    if request is None:
        api = api or FakeBotAPI()
        request = FakeRequest(api, latency or None)
    settings = bot_settings(platform, db_path, rate, database_url)
    app = build_application(settings, request=request,
                            clock=ManualClock(from_epoch(platform.now)),
                            max_concurrent_updates=concurrency)
    if rate_limiter is not None:
        # A contrast run with another limiter (PTB's stock one): swapped before initialize.
        app.bot._rate_limiter = rate_limiter  # type: ignore[attr-defined]
    recorder = Recorder(timing)
    processor = app.update_processor
    assert isinstance(processor, ChatOrderedUpdateProcessor)
    processor.do_process_update = recorder.wrap(processor.do_process_update)  # type: ignore
    await start_application(app)
    return RunningApp(app, recorder, api, request, is_bot=True)


async def _bare_reply(update: Update, context: Any) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text("ok")


async def start_bare(*, api: FakeBotAPI | None = None, request: BaseRequest | None = None,
                     latency: float = 0.0, concurrency: int = 256, timing: bool = True
                     ) -> RunningApp:
    """The floor: a stock PTB Application whose only handler replies."""
    if request is None:
        api = api or FakeBotAPI()
        request = FakeRequest(api, latency or None)
    recorder = Recorder(timing)
    app = (ApplicationBuilder().token(BOT_TOKEN).request(request).get_updates_request(request)
           .concurrent_updates(BareProcessor(concurrency, recorder))
           .context_types(ContextTypes()).build())
    app.add_handler(MessageHandler(filters.ALL, _bare_reply))
    await start_application(app)
    return RunningApp(app, recorder, api, request, is_bot=False)


class StockRateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter, unchanged, except that it ignores the outbox's lane argument
    (it expects a retry count there)."""

    async def process_request(self, callback, args, kwargs, endpoint, data,  # type: ignore
                              rate_limit_args):
        return await super().process_request(callback, args, kwargs, endpoint, data, None)


# --- updates ------------------------------------------------------------------------------------


@dataclass
class Updates:
    """Builds Telegram updates as they would arrive (ids unique within one run)."""

    api: FakeBotAPI | None = None
    next_update: int = 1
    next_message: int = 1
    private_chats: dict[int, dict[str, Any]] = field(default_factory=dict)

    def user(self, user_id: int, first_name: str, language: str = "en") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": first_name,
                "username": f"u{user_id}", "language_code": language}

    def introduce(self, user: dict[str, Any]) -> None:
        """Make the user known to the fake Telegram, as having started the bot."""
        if self.api is not None and user["id"] not in self.api.users:
            self.api.add_user(user, started=True)

    def group(self, chat_id: int, title: str) -> dict[str, Any]:
        chat = {"id": chat_id, "type": "supergroup", "title": title}
        if self.api is not None and chat_id not in self.api.chats:
            self.api.add_group(chat_id, title)
        return chat

    def command(self, user: dict[str, Any], text: str,
                chat: dict[str, Any] | None = None) -> dict[str, Any]:
        if chat is None:
            chat = {"id": user["id"], "type": "private", "first_name": user["first_name"],
                    "username": user["username"]}
        head = text.split()[0]
        update_id, message_id = self.next_update, self.next_message
        self.next_update += 1
        self.next_message += 1
        return {"update_id": update_id, "message": {
            "message_id": message_id, "date": int(time.time()), "chat": chat, "from": user,
            "text": text, "entities": [{"type": "bot_command", "offset": 0,
                                        "length": len(head)}]}}


    def upload(self, user: dict[str, Any], kind: str, unique: str) -> dict[str, Any]:
        """A result as a worker sends it in private: a file of `kind`, or a text."""
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"],
                "username": user["username"]}
        file = {"file_id": f"file-{unique}", "file_unique_id": unique, "file_size": 48_000}
        content: dict[str, Any]
        if kind == "document":
            content = {"document": {**file, "file_name": "result.pdf",
                                    "mime_type": "application/pdf"}}
        elif kind == "photo":
            content = {"photo": [{**file, "width": 1280, "height": 960}]}
        elif kind in ("voice", "audio"):
            content = {kind: {**file, "duration": 7, "mime_type": "audio/ogg"}}
        elif kind == "video":
            content = {"video": {**file, "duration": 7, "width": 640, "height": 480}}
        else:
            content = {"text": f"Result text {unique}: the sentence, translated."}
        update_id, message_id = self.next_update, self.next_message
        self.next_update += 1
        self.next_message += 1
        return {"update_id": update_id, "message": {
            "message_id": message_id, "date": int(time.time()), "chat": chat, "from": user,
            **content}}


def worker_user(platform: Platform, updates: Updates, index: int) -> dict[str, Any]:
    user = updates.user(platform.worker_id(index), platform.worker_name(index).split()[0],
                        platform.worker_language(index))
    user["username"] = f"w{index}"
    return user


def group_text(command: str) -> str:
    head, _, rest = command.partition(" ")
    return f"{head}@{BOT_USERNAME}" + (f" {rest}" if rest else "")
