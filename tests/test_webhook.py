"""Webhook mode: the real `python -m bot` serving its webhook on a loopback port, with the fake Bot
API (over HTTP) as Telegram; and the graceful stop, in webhook and polling mode."""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_main import (
    ADMIN_ID,
    GROUP_ID,
    USER,
    RunningBot,
    assert_config_error,
    clean_env,
    command_update,
    run_bot,
)
from tgfake.api import BOT_TOKEN, FakeBotAPI
from tgfake.server import serve

SECRET = "s3cret_Token-for-tests"
ADMIN = {"id": ADMIN_ID, "is_bot": False, "first_name": "Ada", "username": "ada",
         "language_code": "en"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Hold:
    """The fake Telegram holds its answer to `method` (to `chat_id`, if given) until released,
    so a test can act while that call is in flight."""

    def __init__(self, api: FakeBotAPI, method: str, chat_id: int | None = None) -> None:
        self.entered = threading.Event()
        self.released = threading.Event()
        self.answered = threading.Event()  # the held call was carried out, after its release
        original = api.handle

        def handle(name: str, params: dict[str, Any]) -> dict[str, Any]:
            if name == method and chat_id in (None, params.get("chat_id")) \
                    and not self.released.is_set():
                self.entered.set()
                self.released.wait(15)
                try:
                    return original(name, params)
                finally:
                    self.answered.set()
            return original(name, params)

        api.handle = handle  # type: ignore[method-assign]


class WebhookBot(RunningBot):
    """`python -m bot` in webhook mode on a free loopback port (polling when `webhook` is
    False), started again on the same database by `start`."""

    def __init__(self, workdir: Path, base_url: str, *, webhook: bool = True) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"https://bot.example.invalid/telegram/{SECRET[:4]}"
        self.settings = dict(
            BOT_TOKEN=BOT_TOKEN, BOT_API_BASE_URL=base_url,
            BOT_API_BASE_FILE_URL=base_url.removesuffix("/bot") + "/file/bot",
            DATABASE_PATH=str(workdir / "guildwork.db"), LOG_LEVEL="INFO", DIGEST_MINUTES="0")
        if webhook:
            self.settings.update(WEBHOOK_URL=self.url, WEBHOOK_SECRET=SECRET,
                                 WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(self.port))
        self.starts = 0
        self.start()

    def start(self) -> None:
        self.starts += 1
        log = self.workdir / f"bot-{self.starts}.log"
        with log.open("w") as out:
            process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=self.workdir,
                                       env=clean_env(**self.settings), stdout=out,
                                       stderr=subprocess.STDOUT, text=True)
        super().__init__(process, log)

    def get(self, path: str) -> tuple[int, str]:
        return self.request("GET", path)

    def post_update(self, update: dict[str, Any], secret: str | None = SECRET,
                    body: bytes | None = None) -> tuple[int, str]:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        return self.request("POST", "/telegram/s3cr", body or json.dumps(update).encode(),
                            headers)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, str]:
        """(status, body); status 0: nothing listens (yet, or any more)."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body,
                                         method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=20) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        except (ConnectionError, urllib.error.URLError):
            return 0, ""

    def wait_ready(self) -> None:
        self.wait_for("/readyz 200", lambda: self.get("/readyz")[0] == 200)

    def stop(self, signum: int = signal.SIGTERM) -> str:
        """Signal the bot; returns its output once it exited 0 without a traceback."""
        self.process.send_signal(signum)
        return self.exited()

    def exited(self) -> str:
        try:
            code = self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            pytest.fail(f"the bot did not stop; output:\n{self.log.read_text()}")
        output = self.log.read_text()
        assert code == 0, output
        assert "Traceback" not in output, output
        return output


@pytest.fixture
def fake_api() -> FakeBotAPI:
    api = FakeBotAPI()
    api.add_user(USER, started=True)
    api.add_user(ADMIN, started=True)
    api.add_group(GROUP_ID, "Dubbers")
    api.set_member(GROUP_ID, USER["id"], "administrator")
    return api


@pytest.fixture
def bot_factory(tmp_path: Path, fake_api: FakeBotAPI
                ) -> Iterator[Callable[..., WebhookBot]]:
    bots: list[WebhookBot] = []
    with serve(fake_api) as base_url:
        def start(webhook: bool = True) -> WebhookBot:
            bots.append(WebhookBot(tmp_path, base_url, webhook=webhook))
            return bots[-1]

        try:
            yield start
        finally:
            for bot in bots:
                if bot.process.poll() is None:
                    bot.process.kill()
                    bot.process.wait(10)


def texts(api: FakeBotAPI, chat_id: int) -> list[str]:
    return [s.text for s in api.messages(chat_id) if s.method == "sendMessage"]


def handled(workdir: Path, update_id: int) -> bool:
    with sqlite3.connect(workdir / "guildwork.db") as conn:
        return conn.execute("SELECT 1 FROM processed_updates WHERE update_id = ?",
                            (update_id,)).fetchone() is not None


def test_webhook_mode_sets_the_webhook_and_handles_each_update_posted_with_the_secret_once(
        bot_factory: Callable[..., WebhookBot], fake_api: FakeBotAPI, tmp_path: Path) -> None:
    api = fake_api
    starting = Hold(api, "getMe")  # the start waits on Telegram: alive, not ready
    bot = bot_factory()
    bot.wait_for("the start to ask getMe", starting.entered.is_set)
    bot.wait_for("/healthz while starting", lambda: bot.get("/healthz")[0] == 200)
    assert bot.get("/readyz") == (503, "starting\n")
    assert bot.post_update(command_update(api, api.chats[USER["id"]], "/start"))[0] == 503
    starting.released.set()
    bot.wait_ready()
    assert bot.get("/healthz") == (200, "alive\n")
    assert bot.get("/readyz") == (200, "ready\n")

    [webhook] = api.calls_of("setWebhook")
    assert webhook["url"] == bot.url
    assert webhook["secret_token"] == SECRET
    assert webhook["drop_pending_updates"] is False
    assert {"message", "callback_query", "my_chat_member"} <= set(webhook["allowed_updates"])
    assert not api.calls_of("getUpdates"), "no polling in webhook mode"

    private = api.chats[USER["id"]]
    start = command_update(api, private, "/start")
    # Answered once the update is handled: the reply is there when the POST returns.
    assert bot.post_update(start) == (200, "ok\n")
    assert len(texts(api, USER["id"])) == 1 and "Welcome" in texts(api, USER["id"])[0]
    assert bot.post_update(start) == (200, "ok\n")  # Telegram redelivers it: handled once
    assert len(texts(api, USER["id"])) == 1

    help_update = command_update(api, private, "/help")
    assert bot.post_update(help_update, secret=None)[0] == 403
    assert bot.post_update(help_update, secret=SECRET + "x")[0] == 403
    assert bot.post_update(help_update, secret=SECRET[:-1])[0] == 403
    assert len(texts(api, USER["id"])) == 1
    for body in (b"{not json", b"null", b"[]", b'{"message": {}}'):
        assert bot.post_update(help_update, body=body)[0] == 400, body
    # Refused calls took nothing: the real delivery is handled.
    assert bot.post_update(help_update) == (200, "ok\n")
    assert len(texts(api, USER["id"])) == 2 and "/start" in texts(api, USER["id"])[1]

    output = bot.stop(signal.SIGINT)
    assert bot.get("/healthz")[0] == 0, "the server is gone with the process"
    assert "refused a call" in output


@pytest.mark.parametrize("mode", ["webhook", "polling"])
def test_sigterm_stops_taking_updates_and_finishes_the_sends_in_flight(
        bot_factory: Callable[..., WebhookBot], fake_api: FakeBotAPI, tmp_path: Path,
        mode: str) -> None:
    """A notice being sent when SIGTERM comes is finished and marked sent, so the next start
    repeats nothing; in webhook mode readiness turns 503 first."""
    api = fake_api
    webhook = mode == "webhook"
    bot = bot_factory(webhook=webhook)
    if webhook:
        bot.wait_ready()
    else:
        bot.wait_for("the start", lambda: "Guildwork started" in bot.log.read_text())
    in_flight = Hold(api, "sendMessage", ADMIN_ID)  # the admins' review request, from the outbox
    register = command_update(api, api.chats[GROUP_ID], "/register Alpha")
    if webhook:
        assert bot.post_update(register) == (200, "ok\n")
    else:
        api.push_update(register)
    bot.wait_for("the admin's notice in flight", in_flight.entered.is_set)
    assert any("registered" in text for text in texts(api, GROUP_ID))
    assert not texts(api, ADMIN_ID)

    bot.process.send_signal(signal.SIGTERM)
    if webhook:
        bot.wait_for("/readyz 503 while stopping", lambda: bot.get("/readyz")[0] == 503)
        assert bot.get("/readyz") == (503, "stopping\n")
        assert bot.get("/healthz") == (200, "alive\n")
        later = command_update(api, api.chats[USER["id"]], "/start")
        assert bot.post_update(later)[0] == 503  # Telegram keeps it and tries again later
    time.sleep(0.5)  # the stop waits for the send, however long it takes
    assert bot.process.poll() is None
    in_flight.released.set()
    output = bot.exited()
    assert output.index("stopping: the sends in flight finish") < output.index("stopped sending")
    assert len(texts(api, ADMIN_ID)) == 1 and "Alpha" in texts(api, ADMIN_ID)[0]
    assert not texts(api, USER["id"]), "the update refused while stopping was not handled"
    with sqlite3.connect(tmp_path / "guildwork.db") as conn:
        statuses = conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall()
    assert statuses == [("sent", 1)]

    bot.start()  # nothing in flight was left unmarked: nothing is sent again
    if webhook:
        bot.wait_ready()
    else:
        bot.wait_for("the start", lambda: "Guildwork started" in bot.log.read_text())
    time.sleep(1)
    assert len(texts(api, ADMIN_ID)) == 1
    if webhook:  # Telegram delivers the update again after the restart: it changes nothing
        replies = len(texts(api, GROUP_ID))
        assert handled(tmp_path, register["update_id"])
        assert bot.post_update(register) == (200, "ok\n")
        assert len(texts(api, GROUP_ID)) == replies
    bot.stop()
    with sqlite3.connect(tmp_path / "guildwork.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM guilds").fetchone() == (1,)


# --- refusals at the start ---------------------------------------------------------------


@pytest.mark.parametrize(("settings", "named"), [
    ({"WEBHOOK_URL": "https://bot.example.invalid/tg"}, "WEBHOOK_SECRET"),
    ({"WEBHOOK_URL": "http://bot.example.invalid/tg", "WEBHOOK_SECRET": SECRET},
     "WEBHOOK_URL"),
    ({"WEBHOOK_URL": "https://bot.example.invalid/tg", "WEBHOOK_SECRET": "no spaces"},
     "WEBHOOK_SECRET"),
    ({"WEBHOOK_PORT": "70000"}, "WEBHOOK_PORT"),
])
def test_a_webhook_misconfigured_is_refused_in_one_line(
        tmp_path: Path, settings: dict[str, str], named: str) -> None:
    assert_config_error(run_bot(tmp_path, BOT_TOKEN=BOT_TOKEN, **settings), named)


def test_a_webhook_port_in_use_stops_the_bot_with_one_line(
        tmp_path: Path, fake_api: FakeBotAPI) -> None:
    with socket.socket() as taken, serve(fake_api) as base_url:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_bot(tmp_path, BOT_TOKEN=BOT_TOKEN, BOT_API_BASE_URL=base_url,
                         DATABASE_PATH=str(tmp_path / "g.db"),
                         WEBHOOK_URL="https://bot.example.invalid/tg", WEBHOOK_SECRET=SECRET,
                         WEBHOOK_PORT=str(port))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"127.0.0.1:{port}" in lines[0] and "WEBHOOK_PORT" in lines[0], \
        result.stderr


def test_a_stop_while_the_start_waits_on_telegram_ends_the_process(
        bot_factory: Callable[..., WebhookBot], fake_api: FakeBotAPI) -> None:
    starting = Hold(fake_api, "getMe")
    bot = bot_factory()
    bot.wait_for("the start to ask getMe", starting.entered.is_set)
    bot.wait_for("/healthz while starting", lambda: bot.get("/healthz")[0] == 200)
    bot.process.send_signal(signal.SIGTERM)
    output = bot.exited()  # without waiting for Telegram's answer
    starting.released.set()
    assert not fake_api.calls_of("setWebhook")
    assert "webhook set" not in output


def test_an_update_in_hand_at_sigterm_is_finished_and_answered_before_the_exit(
        bot_factory: Callable[..., WebhookBot], fake_api: FakeBotAPI) -> None:
    api = fake_api
    bot = bot_factory()
    bot.wait_ready()
    replying = Hold(api, "sendMessage", USER["id"])  # the reply to /start, held in flight
    start = command_update(api, api.chats[USER["id"]], "/start")
    answers: list[tuple[int, str]] = []
    poster = threading.Thread(target=lambda: answers.append(bot.post_update(start)))
    poster.start()
    bot.wait_for("the reply in flight", replying.entered.is_set)
    bot.process.send_signal(signal.SIGTERM)
    bot.wait_for("/readyz 503 while stopping", lambda: bot.get("/readyz")[0] == 503)
    assert not answers, "no answer to Telegram before the update is handled"
    replying.released.set()
    poster.join(20)
    assert answers == [(200, "ok\n")]
    output = bot.exited()
    assert "finishing 1 in hand" in output
    assert len(texts(api, USER["id"])) == 1 and "Welcome" in texts(api, USER["id"])[0]


def test_a_second_sigterm_cuts_the_stop_short_and_the_send_goes_out_again_after_the_restart(
        bot_factory: Callable[..., WebhookBot], fake_api: FakeBotAPI, tmp_path: Path) -> None:
    api = fake_api
    bot = bot_factory()
    bot.wait_ready()
    in_flight = Hold(api, "sendMessage", ADMIN_ID)
    assert bot.post_update(command_update(api, api.chats[GROUP_ID], "/register Alpha"))[0] == 200
    bot.wait_for("the admin's notice in flight", in_flight.entered.is_set)
    bot.process.send_signal(signal.SIGTERM)
    bot.wait_for("/readyz 503 while stopping", lambda: bot.get("/readyz")[0] == 503)
    bot.stop()  # again: the stop no longer waits for the send
    with sqlite3.connect(tmp_path / "guildwork.db") as conn:
        assert conn.execute("SELECT status FROM outbox").fetchall() == [("pending",)]
    in_flight.released.set()
    assert in_flight.answered.wait(15)  # what Telegram did with the send that was cut off
    arrived = len(texts(api, ADMIN_ID))
    bot.start()
    bot.wait_ready()
    bot.wait_for("the notice sent again", lambda: len(texts(api, ADMIN_ID)) == arrived + 1)
    bot.stop()
    with sqlite3.connect(tmp_path / "guildwork.db") as conn:
        assert conn.execute("SELECT status FROM outbox").fetchall() == [("sent",)]
