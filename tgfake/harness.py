"""Drive the real Application offline, from the users' side.

    h = Harness(tmp_path, admin_ids={...}); await h.start()
    alice = h.user("Alice"); await alice.send("/start")
    assert "Welcome" in alice.last_message().text

Each action builds the update Telegram would send, feeds it to the running Application (so the
update processor's concurrency and ordering apply), waits until every update so far has been
handled, then lets the outbox send whatever became due.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.app import build_application
from bot.clock import ManualClock
from bot.config import Settings
from bot.processor import ChatOrderedUpdateProcessor
from bot.services import Services
from tgfake import pgtest
from tgfake.api import BOT_TOKEN, BOT_USERNAME, FakeBotAPI, Sent
from tgfake.request import FakeRequest

_user_ids = itertools.count(100_001)


async def start_application(app: Application) -> None:
    """What run_polling does before it polls (tests and benchmarks feed updates themselves)."""
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.start()


async def stop_application(app: Application) -> None:
    """What run_polling does when it stops."""
    await app.stop()
    if app.post_stop:
        await app.post_stop(app)
    await app.shutdown()
    if app.post_shutdown:
        await app.post_shutdown(app)
_group_ids = itertools.count(1)


class Harness:
    def __init__(
        self,
        database_path: str | Path,
        *,
        admin_ids: set[int] | frozenset[int] = frozenset(),
        settings: Settings | None = None,
        clock: ManualClock | None = None,
        api: FakeBotAPI | None = None,
        latency: float | Callable[[str], float] | None = None,
        max_concurrent_updates: int = 256,
        clock_jobs: bool = False,
        group_messages_per_minute: float = 20,
    ) -> None:
        base = settings or Settings(bot_token=BOT_TOKEN)
        self.settings = replace(base, bot_token=BOT_TOKEN, database_path=str(database_path),
                                admin_ids=frozenset(admin_ids) | base.admin_ids)
        if pgtest.server_url() and not self.settings.database_url:
            self.settings = replace(self.settings,
                                    database_url=pgtest.database_for(database_path))
        self.clock = clock or ManualClock()
        self.api = api or FakeBotAPI()
        self.latency = latency
        self.max_concurrent_updates = max_concurrent_updates
        self.group_messages_per_minute = group_messages_per_minute
        # The JobQueue runs on real time; tests drive the clock's services directly instead.
        self.clock_jobs = clock_jobs
        self.app: Application | None = None
        self.request: FakeRequest | None = None
        self._fed = 0
        self.fed_updates: list[dict[str, Any]] = []
        # Deliver every update twice, and edit every command once after it was sent.
        self.replay = False

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> Harness:
        self.request = FakeRequest(self.api, self.latency)
        app = build_application(self.settings, request=self.request, clock=self.clock,
                                max_concurrent_updates=self.max_concurrent_updates,
                                clock_jobs=self.clock_jobs,
                                group_messages_per_minute=self.group_messages_per_minute)
        await start_application(app)
        self.app = app
        self._fed = 0
        return self

    async def stop(self) -> None:
        app = self.app
        if app is None:
            return
        await self.settle()
        await stop_application(app)
        self.app = None

    async def restart(self) -> None:
        """Stop and start a new Application on the same database and the same fake Telegram."""
        await self.stop()
        await self.start()

    async def __aenter__(self) -> Harness:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def services(self) -> Services:
        assert self.app is not None and self.app.bot_data.services is not None
        return self.app.bot_data.services

    @property
    def processor(self) -> ChatOrderedUpdateProcessor:
        assert self.app is not None
        processor = self.app.update_processor
        assert isinstance(processor, ChatOrderedUpdateProcessor)
        return processor

    # --- people and chats --------------------------------------------------------------------

    def user(self, first_name: str, *, username: str | None = None, language: str = "en",
             started: bool = True, last_name: str | None = None,
             user_id: int | None = None) -> FakeUser:
        """A Telegram user; `started=False` means the bot may not message them yet."""
        uid = user_id or next(_user_ids)
        data: dict[str, Any] = {"id": uid, "is_bot": False, "first_name": first_name,
                                "language_code": language}
        if username is None:
            username = first_name.lower().replace(" ", "_")
        if username:
            data["username"] = username
        if last_name:
            data["last_name"] = last_name
        self.api.add_user(data, started=started)
        return FakeUser(self, data)

    def group(self, title: str, *, admins: tuple[FakeUser, ...] = (),
              members: tuple[FakeUser, ...] = (), chat_id: int | None = None) -> FakeGroup:
        chat_id = chat_id or -1_000_000_000_000 - next(_group_ids)
        chat = self.api.add_group(chat_id, title)
        group = FakeGroup(self, chat)
        for person in admins:
            self.api.set_member(chat_id, person.id, "administrator")
        for person in members:
            self.api.set_member(chat_id, person.id, "member")
        return group

    # --- feeding updates ---------------------------------------------------------------------

    async def feed(self, update: dict[str, Any], *, settle: bool = True) -> None:
        assert self.app is not None, "start the harness first"
        await self.app.update_queue.put(Update.de_json(update, self.app.bot))
        self._fed += 1
        self.fed_updates.append(update)
        if self.replay:  # Telegram delivering it again (a crash, a webhook retry)
            await self.app.update_queue.put(Update.de_json(update, self.app.bot))
            self._fed += 1
            text = (update.get("message") or {}).get("text") or ""
            if text.startswith("/"):  # and its sender editing the command afterwards
                edited = {**update["message"], "text": text + " 7", "edit_date": 1}
                await self.app.update_queue.put(Update.de_json(
                    {"update_id": self.api.next_update_id(), "edited_message": edited},
                    self.app.bot))
                self._fed += 1
        if settle:
            await self.settle()

    async def redeliver(self, update: dict[str, Any] | None = None, *, settle: bool = True
                        ) -> None:
        """Deliver an update again, as Telegram does after a crash (default: the last one)."""
        update = update or self.fed_updates[-1]
        assert self.app is not None
        await self.app.update_queue.put(Update.de_json(update, self.app.bot))
        self._fed += 1
        if settle:
            await self.settle()

    async def settle(self) -> None:
        """Wait until every fed update is handled and everything due in the outbox is sent."""
        if self.app is None:
            return
        for _ in range(100):
            await asyncio.wait_for(self.processor.wait_completed(self._fed), 30)
            if not await self.services.dispatcher.flush():
                await asyncio.sleep(0)
                if self.processor.completed >= self._fed:
                    return
        raise AssertionError("the bot did not settle")

    def new_message(self, sender: FakeUser, chat: dict[str, Any], **content: Any
                    ) -> dict[str, Any]:
        message_id = self.api.next_message_id(chat["id"])
        message = {"message_id": message_id, "date": int(time.time()), "chat": chat,
                   "from": sender.data, **content}
        text = content.get("text")
        if isinstance(text, str) and text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return message


class FakeUser:
    def __init__(self, harness: Harness, data: dict[str, Any]) -> None:
        self.h = harness
        self.data = data
        self.id: int = data["id"]
        self.first_name: str = data["first_name"]
        self.username: str | None = data.get("username")
        self.sent: dict[int, dict[str, Any]] = {}  # the last message sent in each chat
        self._files = 0

    def __repr__(self) -> str:
        return f"<FakeUser {self.first_name} {self.id}>"

    @property
    def private_chat(self) -> dict[str, Any]:
        return self.h.api.chats[self.id]

    # --- acting ------------------------------------------------------------------------

    async def send(self, text: str, *, chat: FakeGroup | None = None,
                   reply_to: dict[str, Any] | None = None, settle: bool = True) -> list[Sent]:
        """Send a text message (or command) in private, or in `chat`; returns the bot's answers
        in that chat."""
        return await self._message(chat, {"text": text, **(
            {"reply_to_message": reply_to} if reply_to else {})}, settle=settle)

    async def reply(self, to: Sent, text: str, *, chat: FakeGroup | None = None) -> list[Sent]:
        """Reply to a message the bot sent (as answering a ForceReply prompt does)."""
        chat_data = chat.chat if chat else self.private_chat
        replied = {"message_id": to.message_id, "date": int(time.time()), "chat": chat_data,
                   "from": self.h.api.bot_user, **self.h.api.shown(to)}
        return await self.send(text, chat=chat, reply_to=replied)

    def said(self, text: str, *, chat: FakeGroup | None = None) -> dict[str, Any]:
        """A message by this user that the bot never saw (privacy mode), for `reply_to`."""
        chat_data = chat.chat if chat else self.private_chat
        return {"message_id": self.h.api.next_message_id(chat_data["id"]),
                "date": int(time.time()), "chat": chat_data, "from": self.data, "text": text}

    async def send_document(self, file_name: str = "result.pdf", *, mime_type: str =
                            "application/pdf", file_size: int = 20_000,
                            file_unique_id: str | None = None, caption: str | None = None,
                            content: bytes | None = None,
                            reply_to: dict[str, Any] | None = None) -> list[Sent]:
        """A file; the bot downloads `content` (`getFile`), or `file_size` bytes made up."""
        body = self._file(file_unique_id, file_size, content)
        body.update(file_name=file_name, mime_type=mime_type)
        replied = {"reply_to_message": reply_to} if reply_to else {}
        return await self._message(None, {"document": body, **_caption(caption), **replied})

    async def send_photo(self, *, file_size: int = 200_000, file_unique_id: str | None = None,
                         caption: str | None = None, content: bytes | None = None
                         ) -> list[Sent]:
        body = self._file(file_unique_id, file_size, content)
        small = {**body, "file_id": body["file_id"] + "-s", "file_unique_id":
                 body["file_unique_id"] + "-s", "width": 320, "height": 240,
                 "file_size": file_size // 10}
        self.h.api.files[small["file_id"]] = {"file_unique_id": small["file_unique_id"],
                                              "file_size": small["file_size"]}
        sizes = [small, {**body, "width": 1280, "height": 960}]
        return await self._message(None, {"photo": sizes, **_caption(caption)})

    async def send_voice(self, *, duration: int = 5, file_size: int = 30_000,
                         file_unique_id: str | None = None, content: bytes | None = None
                         ) -> list[Sent]:
        body = self._file(file_unique_id, file_size, content)
        body.update(duration=duration, mime_type="audio/ogg")
        return await self._message(None, {"voice": body})

    async def send_audio(self, *, duration: int = 60, file_size: int = 900_000,
                         file_unique_id: str | None = None, file_name: str = "take.mp3",
                         content: bytes | None = None) -> list[Sent]:
        body = self._file(file_unique_id, file_size, content)
        body.update(duration=duration, mime_type="audio/mpeg", file_name=file_name)
        return await self._message(None, {"audio": body})

    async def send_video(self, *, duration: int = 10, file_size: int = 2_000_000,
                         file_unique_id: str | None = None, content: bytes | None = None
                         ) -> list[Sent]:
        body = self._file(file_unique_id, file_size, content)
        body.update(duration=duration, width=640, height=480, mime_type="video/mp4")
        return await self._message(None, {"video": body})

    async def press(self, button: str, *, chat: FakeGroup | None = None,
                    message: Sent | None = None, settle: bool = True) -> list[Sent]:
        """Press the inline button whose text contains `button` on the newest message that has
        it (or on `message`); returns the bot's answers in that chat, alerts included (none
        without `settle`: the press is then still being handled)."""
        chat_id = chat.id if chat else self.id
        candidates = [message] if message else list(reversed(self.h.api.messages(chat_id)))
        for sent in candidates:
            for b in sent.buttons:
                if button in b["text"] and "callback_data" in b:
                    return await self.press_data(b["callback_data"], chat=chat, message=sent,
                                                 settle=settle)
        raise AssertionError(f"no button {button!r} in chat {chat_id}")

    async def press_data(self, data: str, *, chat: FakeGroup | None = None,
                         message: Sent | None = None, settle: bool = True) -> list[Sent]:
        """Send a callback query with raw `data` (as a crafted or stale client could)."""
        chat_id = chat.id if chat else self.id
        target = message or self.h.api.messages(chat_id)[-1]
        before = len(self.h.api.messages(chat_id)), len(self.h.api.messages(0))
        query_id = str(self.h.api.next_update_id() * 1000 + 7)
        msg = {"message_id": target.message_id, "date": int(time.time()),
               "chat": self.h.api.chats[chat_id], "from": self.h.api.bot_user,
               **self.h.api.shown(target)}
        if (target.params.get("reply_markup") or {}).get("inline_keyboard"):
            msg["reply_markup"] = target.params["reply_markup"]
        await self.h.feed({"update_id": self.h.api.next_update_id(), "callback_query": {
            "id": query_id, "from": self.data, "chat_instance": str(chat_id),
            "message": msg, "data": data}}, settle=settle)
        if not settle:
            return []
        answers = [s for s in self.h.api.messages(0)[before[1]:]
                   if s.params.get("callback_query_id") == query_id]
        return answers + self.h.api.messages(chat_id)[before[0]:]

    # --- reading -----------------------------------------------------------------------

    def messages(self) -> list[Sent]:
        """Everything the bot sent to this user's private chat, edits included."""
        return self.h.api.messages(self.id)

    def last_message(self) -> Sent:
        sent = [s for s in self.messages() if s.method != "editMessageText"]
        assert sent, f"{self.first_name} has received nothing"
        return sent[-1]

    def texts(self) -> list[str]:
        return [s.text for s in self.messages()]

    def last_alert(self) -> str:
        answers = [s for s in self.h.api.messages(0) if s.method == "answerCallbackQuery"]
        return str(answers[-1].params.get("text", "")) if answers else ""

    # --- internals ---------------------------------------------------------------------

    def _file(self, file_unique_id: str | None, file_size: int, content: bytes | None = None
              ) -> dict[str, Any]:
        """A file this user sends: known to the fake, with its bytes when given (a file_size
        of 0 leaves the size out of the message, as Telegram now and then does)."""
        self._files += 1
        n = self._files  # per sender, so two runs of the same day name files alike
        unique = file_unique_id or f"uniq-{self.id}-{n}"
        file_id = f"file-{unique}-{n}"
        size = len(content) if content is not None else file_size
        self.h.api.files[file_id] = {"file_unique_id": unique, "file_size": size}
        if content is not None:
            self.h.api.file_content[file_id] = content
        body: dict[str, Any] = {"file_id": file_id, "file_unique_id": unique}
        if file_size:
            body["file_size"] = size
        return body

    async def _message(self, chat: FakeGroup | None, content: dict[str, Any], *,
                       settle: bool = True) -> list[Sent]:
        chat_data = chat.chat if chat else self.private_chat
        if chat is None:
            self.h.api.mark_started(self.id)
        before = len(self.h.api.messages(chat_data["id"]))
        message = self.h.new_message(self, chat_data, **content)
        self.sent[chat_data["id"]] = message
        await self.h.feed({"update_id": self.h.api.next_update_id(), "message": message},
                          settle=settle)
        return self.h.api.messages(chat_data["id"])[before:]

    async def edit(self, text: str, *, chat: FakeGroup | None = None) -> list[Sent]:
        """Edit the last message this user sent in the chat (its text, or its caption)."""
        chat_id = chat.id if chat else self.id
        original = self.sent[chat_id]
        edited = {**original, "edit_date": int(time.time())}
        key = "caption" if "caption" in original or "text" not in original else "text"
        edited[key] = text
        if key == "text" and text.startswith("/"):
            edited["entities"] = [{"type": "bot_command", "offset": 0,
                                   "length": len(text.split()[0])}]
        else:
            edited.pop("entities", None)
        before = len(self.h.api.messages(chat_id))
        await self.h.feed({"update_id": self.h.api.next_update_id(), "edited_message": edited})
        return self.h.api.messages(chat_id)[before:]


class FakeGroup:
    def __init__(self, harness: Harness, chat: dict[str, Any]) -> None:
        self.h = harness
        self.chat = chat
        self.id: int = chat["id"]
        self.title: str = chat["title"]

    def add(self, user: FakeUser, status: str = "member") -> None:
        self.h.api.set_member(self.id, user.id, status)

    def messages(self) -> list[Sent]:
        return self.h.api.messages(self.id)

    def last_message(self) -> Sent:
        sent = [s for s in self.messages() if s.method != "editMessageText"]
        assert sent, f"nothing was sent to {self.title}"
        return sent[-1]

    def texts(self) -> list[str]:
        return [s.text for s in self.messages()]


def command_for(text: str) -> str:
    """'/start@bot' form of a command, as privacy-mode groups send it."""
    head, _, rest = text.partition(" ")
    return f"{head}@{BOT_USERNAME}" + (f" {rest}" if rest else "")


def _caption(caption: str | None) -> dict[str, str]:
    return {"caption": caption} if caption else {}
