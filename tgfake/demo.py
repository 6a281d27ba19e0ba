"""`make demo`: try the bot without Telegram.

Starts the fake Bot API on loopback, the real bot (`python -m bot`) against it with a fresh
database, seeds a cast through the bot itself (an admin, two approved guilds with their leaders,
a few workers who joined by invite link), and serves a small web page where one picks a person
and a chat, reads what the bot sent there (buttons to press, photos shown) and types as them.
No token, no network: everything listens on 127.0.0.1.

    python -m tgfake.demo              # page on http://127.0.0.1:8080
    python -m tgfake.demo --port 0     # any free port (printed)

The page's HTTP endpoints (what the page and tests/test_demo.py use):

    GET  /api/cast                         people and chats
    GET  /api/chat?user=<id>&chat=<id>     the chat as that person sees it
    POST /api/send   {"user", "chat", "text"}                  type as them
    POST /api/press  {"user", "chat", "message_id", "data"}    press a button
    GET  /api/file?id=<file_id>            a file's bytes (photos)

A send or a press answers once the bot has gone quiet (everything it does in answer sent),
with the chat as it is then, and the alert a pressed button showed, if any.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tgfake.api import BOT_TOKEN, FakeBotAPI, Sent
from tgfake.server import run_until_interrupted, start_server

ADMIN = {"id": 900_001, "first_name": "Ada", "username": "ada_admin"}
CAST = (
    ADMIN,
    {"id": 100_001, "first_name": "Lee", "username": "lee"},
    {"id": 100_002, "first_name": "Mei", "username": "mei"},
    {"id": 100_003, "first_name": "Wu", "username": "wu"},
    {"id": 100_004, "first_name": "Xi", "username": "xi"},
    {"id": 100_005, "first_name": "Yan", "username": "yan"},
)
# (guild name, group chat id, leader, members)
GUILDS = (("Alpha Dubbers", -1_001_000_000_001, 100_001, (100_003, 100_004)),
          ("Beta Labs", -1_001_000_000_002, 100_002, (100_005,)))
QUIET = 0.25  # seconds without a Bot API call: the bot has done what it does in answer


@dataclass
class Typed:
    """A message a person sent through the page."""

    chat_id: int
    message_id: int
    user: dict[str, Any]
    text: str
    at: float = field(default_factory=time.monotonic)


class Demo:
    """The fake Telegram, the bot against it, and what people typed."""

    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api
        self.typed: list[Typed] = []
        self.people = {p["id"]: dict(p, is_bot=False, language_code="en") for p in CAST}
        self._lock = threading.Lock()  # one person acts at a time: answers stay apart
        self.roles: dict[int, str] = {ADMIN["id"]: "platform admin"}
        for name, _chat, leader, members in GUILDS:
            self.roles[leader] = f"leader of {name}"
            for member in members:
                self.roles[member] = f"member of {name}"

    # --- acting ----------------------------------------------------------------------------

    def send(self, user_id: int, chat_id: int, text: str) -> None:
        user = self.people[user_id]
        chat = self.api.chats[chat_id]
        message_id = self.api.next_message_id(chat_id)
        message: dict[str, Any] = {"message_id": message_id, "date": int(time.time()),
                                   "chat": chat, "from": user, "text": text}
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(command)}]
        with self._lock:
            if chat_id == user_id:
                self.api.mark_started(user_id)
            self.typed.append(Typed(chat_id, message_id, user, text))
            self._act({"update_id": self.api.next_update_id(), "message": message})

    def press(self, user_id: int, chat_id: int, message_id: int, data: str) -> str | None:
        """Press a button under one of the bot's messages; the alert it showed, if any."""
        target = self._latest(chat_id, message_id)
        if target is None:
            raise LookupError(f"no message {message_id} in chat {chat_id}")
        query_id = f"q{self.api.next_update_id()}"
        message = {"message_id": message_id, "date": int(time.time()),
                   "chat": self.api.chats[chat_id], "from": self.api.bot_user,
                   **self.api.shown(target)}
        if (target.params.get("reply_markup") or {}).get("inline_keyboard"):
            message["reply_markup"] = target.params["reply_markup"]
        with self._lock:
            self._act({"update_id": self.api.next_update_id(), "callback_query": {
                "id": query_id, "from": self.people[user_id], "chat_instance": str(chat_id),
                "message": message, "data": data}})
        for method, params in reversed(self.api.calls):
            if method == "answerCallbackQuery" and params.get("callback_query_id") == query_id:
                return str(params.get("text") or "") or None
        return None

    def _act(self, update: dict[str, Any], timeout: float = 20.0) -> None:
        """Queue the update and wait until the bot took it and went quiet."""
        update_id = self.api.push_update(update)
        deadline = time.monotonic() + timeout
        seen, since = len(self.api.calls), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            taken = all(u["update_id"] > update_id for u in self.api.pending_updates)
            calls = self.api.calls[seen:]
            seen += len(calls)
            if any(method != "getUpdates" for method, _ in calls):  # (polls end idle)
                since = time.monotonic()
            elif taken and time.monotonic() - since >= QUIET:
                return

    # --- reading ---------------------------------------------------------------------------

    def _latest(self, chat_id: int, message_id: int) -> Sent | None:
        for sent in reversed(self.api.messages(chat_id)):
            if sent.message_id == message_id and sent.method != "deleteMessage":
                return sent
        return None

    def chat(self, user_id: int, chat_id: int) -> list[dict[str, Any]]:
        """The chat's messages in order, each as it looks now (edits applied)."""
        shown: dict[int, dict[str, Any]] = {}
        for sent in self.api.messages(chat_id):
            if sent.message_id is None:
                continue
            if sent.method == "deleteMessage":
                shown.pop(sent.message_id, None)
                continue
            entry = shown.setdefault(sent.message_id, {"id": sent.message_id, "from": "bot",
                                                       "name": "Guildwork", "at": sent.at})
            if sent.method == "editMessageReplyMarkup":
                entry["buttons"] = _buttons(sent.params)
                continue
            content = self.api.shown(sent)
            entry.update(html=str(sent.params.get("text") or sent.params.get("caption") or ""),
                         buttons=_buttons(sent.params))
            if "photo" in content:
                entry["photo"] = content["photo"][-1]["file_id"]
            for kind in ("document", "voice", "audio", "video"):
                if kind in content:
                    file_id = content[kind]["file_id"]
                    entry["file"] = {"kind": kind, "file_id": file_id,
                                     "name": self.api.uploaded_names.get(file_id, kind)}
        for typed in self.typed:
            if typed.chat_id == chat_id:
                shown[typed.message_id + 10**9] = {
                    "id": typed.message_id, "from": "you" if typed.user["id"] == user_id
                    else "member", "name": typed.user["first_name"], "text": typed.text,
                    "at": typed.at}
        return sorted(shown.values(), key=lambda m: m["at"])

    def cast(self) -> dict[str, Any]:
        chats = [{"id": chat_id, "title": name, "type": "group",
                  "members": sorted(self.api.members[chat_id])}
                 for name, chat_id, _, _ in GUILDS]
        people = [{"id": p["id"], "name": p["first_name"], "username": p["username"],
                   "role": self.roles.get(p["id"], "")} for p in CAST]
        return {"people": people, "chats": chats}

    # --- the cast, seeded through the bot ----------------------------------------------------

    def seed(self) -> None:
        for person in CAST:
            self.api.add_user(self.people[person["id"]], started=False)
        self.send(ADMIN["id"], ADMIN["id"], "/start")
        for name, chat_id, leader, members in GUILDS:
            self.api.add_group(chat_id, f"{name} chat")
            self.api.set_member(chat_id, leader, "creator")
            self.send(leader, leader, "/start")
            self.send(leader, chat_id, f"/register {name}")
            asked = self._last_text(ADMIN["id"])
            guild = re.search(r"Guild G(\d+)", asked)
            if guild is None:
                raise RuntimeError(f"the admin was not asked to approve {name}: {asked!r}")
            self.send(ADMIN["id"], ADMIN["id"], f"/approve {guild[1]}")
            self.send(leader, chat_id, "/invite")
            code = re.search(r"start=(join_[\w-]+)", self._last_text(chat_id))
            if code is None:
                raise RuntimeError(f"no invite link in {name}'s group")
            for member in members:
                self.api.set_member(chat_id, member, "member")
                self.send(member, member, f"/start {code[1]}")

    def _last_text(self, chat_id: int) -> str:
        texts = [s.text for s in self.api.messages(chat_id) if s.text]
        return texts[-1] if texts else ""


def _buttons(params: dict[str, Any]) -> list[list[dict[str, str]]]:
    markup = params.get("reply_markup") or {}
    return [[{k: v for k, v in b.items() if k in ("text", "callback_data", "url")} for b in row]
            for row in markup.get("inline_keyboard") or []]


class _Page(BaseHTTPRequestHandler):
    server: _PageServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query))
        demo = self.server.demo
        try:
            if url.path == "/":
                page = resources.files("tgfake").joinpath("demo.html").read_bytes()
                self._send(200, page, "text/html; charset=utf-8")
            elif url.path == "/api/cast":
                self._json(200, demo.cast())
            elif url.path == "/api/chat":
                self._json(200, {"messages": demo.chat(int(query["user"]),
                                                       int(query["chat"]))})
            elif url.path == "/api/file":
                content = demo.api.download(f"files/{query['id']}")
                if content is None:
                    self._json(404, {"error": "no such file"})
                else:
                    self._send(200, content, "application/octet-stream")
            else:
                self._json(404, {"error": "not found"})
        except (KeyError, ValueError) as exc:
            self._json(400, {"error": f"bad request: {exc}"})

    def do_POST(self) -> None:
        demo = self.server.demo
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            user, chat = int(body["user"]), int(body["chat"])
            if user not in demo.people or chat not in demo.api.chats:
                raise ValueError("unknown person or chat")
            if self.path == "/api/send":
                text = str(body["text"]).strip()
                if not text:
                    raise ValueError("nothing to send")
                demo.send(user, chat, text)
                self._json(200, {"messages": demo.chat(user, chat)})
            elif self.path == "/api/press":
                alert = demo.press(user, chat, int(body["message_id"]), str(body["data"]))
                self._json(200, {"messages": demo.chat(user, chat), "alert": alert})
            else:
                self._json(404, {"error": "not found"})
        except (KeyError, ValueError, LookupError) as exc:
            self._json(400, {"error": f"bad request: {exc}"})

    def _json(self, status: int, body: Any) -> None:
        self._send(status, json.dumps(body, ensure_ascii=False).encode(),
                   "application/json; charset=utf-8")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _PageServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], demo: Demo) -> None:
        super().__init__(address, _Page)
        self.demo = demo


@dataclass
class Running:
    demo: Demo
    url: str
    bot: subprocess.Popen[bytes]
    folder: Path
    _servers: list[ThreadingHTTPServer]

    def stop(self) -> None:
        if self.bot.poll() is None:
            self.bot.send_signal(signal.SIGINT)
            try:
                self.bot.wait(15)
            except subprocess.TimeoutExpired:
                self.bot.kill()
                self.bot.wait()
        for server in self._servers:
            server.shutdown()
            server.server_close()


def start(port: int = 8080, folder: Path | None = None) -> Running:
    """The fake Bot API, the bot and the page, seeded; `port` 0: any free one."""
    api = FakeBotAPI()
    api_server, base_url = start_server(api)
    folder = folder or Path(tempfile.mkdtemp(prefix="guildwork-demo-"))
    env = {**os.environ, "BOT_TOKEN": BOT_TOKEN, "BOT_API_BASE_URL": base_url,
           "BOT_API_BASE_FILE_URL": base_url.removesuffix("/bot") + "/file/bot",
           "DATABASE_PATH": str(folder / "demo.db"), "ADMIN_IDS": str(ADMIN["id"]),
           "DATA_DIR": str(folder / "data"), "LOG_LEVEL": "WARNING",
           # A digest a minute, so that someone trying the bot sees the group's digest soon.
           "DIGEST_MINUTES": "1"}
    with open(folder / "bot.log", "wb") as log:  # the bot keeps its own copy of the file
        bot = subprocess.Popen([sys.executable, "-m", "bot"], env=env,
                               stdout=subprocess.DEVNULL, stderr=log)
    demo = Demo(api)
    page = _PageServer(("127.0.0.1", port), demo)
    threading.Thread(target=page.serve_forever, daemon=True, name="demo-page").start()
    running = Running(demo, f"http://127.0.0.1:{page.server_address[1]}", bot, folder,
                      [page, api_server])
    try:
        _wait_for_bot(api, bot)
        demo.seed()
    except BaseException:
        running.stop()
        raise
    return running


def _wait_for_bot(api: FakeBotAPI, bot: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not any(method == "getUpdates" for method, _ in api.calls):
        if bot.poll() is not None:
            raise RuntimeError(f"the bot stopped at start (exit code {bot.returncode})")
        if time.monotonic() > deadline:
            raise RuntimeError("the bot did not start polling in time")
        time.sleep(0.1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Try Guildwork without Telegram.")
    parser.add_argument("--port", type=int, default=8080, help="the page's port (0: any)")
    args = parser.parse_args(argv)
    print("guildwork demo: starting the fake Bot API and the bot, seeding the cast …",
          flush=True)
    running = start(args.port)
    print(f"guildwork demo: open {running.url} (Ctrl+C stops; the bot's log and database are "
          f"in {running.folder})", flush=True)
    run_until_interrupted(running.stop)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
