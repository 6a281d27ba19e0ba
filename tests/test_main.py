"""`python -m bot`, the real entry point, run as a process against the fake Bot API on loopback."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import InvalidToken, NetworkError, RetryAfter

from tgfake.api import BOT_TOKEN, BOT_USERNAME, FakeBotAPI, Sent
from tgfake.server import serve

ROOT = Path(__file__).resolve().parents[1]
ADMIN_ID = 900_001
USER = {"id": 100_777, "is_bot": False, "first_name": "Alice", "username": "alice",
        "language_code": "en"}
GROUP_ID = -1_000_000_000_777


def clean_env(**settings: str) -> dict[str, str]:
    """Only what Python needs, plus `settings`: no proxies, no inherited BOT_* settings."""
    env = {key: os.environ[key] for key in ("PATH", "SYSTEMROOT", "TMPDIR") if key in os.environ}
    env.update(LANG="C.UTF-8", PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT))
    env.update(ADMIN_IDS=str(ADMIN_ID))  # without one, the start warns (tested below)
    env.update(settings)
    return env


def run_bot(cwd: Path, timeout: float = 30, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot"], cwd=cwd, env=clean_env(**settings),
                          capture_output=True, text=True, timeout=timeout, check=False)


# --- configuration errors ----------------------------------------------------------------


def assert_config_error(result: subprocess.CompletedProcess[str], setting: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert setting in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_without_a_token_it_exits_with_one_line_naming_bot_token(tmp_path: Path) -> None:
    assert_config_error(run_bot(tmp_path), "BOT_TOKEN")


@pytest.mark.parametrize(("setting", "value"), [
    ("BOT_TOKEN", "not-a-token"),
    ("TIMEZONE", "Mars/Base"),
    ("ADMIN_IDS", "abc"),
    ("CURRENCY", "XYZ"),
    ("BOT_API_BASE_URL", "ftp://example.invalid/bot"),
])
def test_a_malformed_setting_is_named(tmp_path: Path, setting: str, value: str) -> None:
    settings = {"BOT_TOKEN": BOT_TOKEN, setting: value}
    assert_config_error(run_bot(tmp_path, **settings), setting)


def test_dotenv_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"BOT_TOKEN={BOT_TOKEN}\nTIMEZONE=Mars/Base\n")
    assert_config_error(run_bot(tmp_path), "TIMEZONE")


# --- a real run ------------------------------------------------------------------------


def command_update(api: FakeBotAPI, chat: dict[str, Any], text: str) -> dict[str, Any]:
    command = text.split()[0]
    return {"update_id": api.next_update_id(), "message": {
        "message_id": api.next_message_id(chat["id"]), "date": int(time.time()), "chat": chat,
        "from": USER, "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}]}}


class RunningBot:
    def __init__(self, process: subprocess.Popen[str], log: Path) -> None:
        self.process = process
        self.log = log

    def wait_for(self, what: str, check: Callable[[], Any], timeout: float = 20) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if found := check():
                return found
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        code = self.process.poll()
        raise AssertionError(f"timed out waiting for {what} (exit code {code}); "
                             f"bot output:\n{self.log.read_text()}")


@pytest.fixture
def fake_api() -> FakeBotAPI:
    api = FakeBotAPI()
    api.add_user(USER, started=True)
    api.add_group(GROUP_ID, "Dubbers")
    api.set_member(GROUP_ID, USER["id"], "administrator")
    return api


@pytest.fixture
def running_bot(tmp_path: Path, fake_api: FakeBotAPI) -> Iterator[RunningBot]:
    log = tmp_path / "bot.log"
    with serve(fake_api) as base_url, log.open("w") as out:
        file_url = base_url.removesuffix("/bot") + "/file/bot"
        env = clean_env(BOT_TOKEN=BOT_TOKEN, BOT_API_BASE_URL=base_url,
                        BOT_API_BASE_FILE_URL=file_url, ADMIN_IDS=str(ADMIN_ID),
                        DATABASE_PATH=str(tmp_path / "guildwork.db"), LOG_LEVEL="INFO")
        process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=tmp_path, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, text=True)
        try:
            yield RunningBot(process, log)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(10)


def test_python_m_bot_answers_commands_and_stops_cleanly_on_sigint(
    running_bot: RunningBot, fake_api: FakeBotAPI
) -> None:
    api = fake_api
    private = api.chats[USER["id"]]
    group = api.chats[GROUP_ID]

    def replies(chat_id: int, method: str = "sendMessage") -> list[Sent]:
        return [s for s in api.messages(chat_id) if s.method == method]

    def reply_containing(chat_id: int, needle: str) -> Sent | None:
        return next((s for s in replies(chat_id) if needle in s.text), None)

    api.push_update(command_update(api, private, "/start"))
    welcome = running_bot.wait_for("the welcome", lambda: reply_containing(USER["id"], "Welcome"))
    assert "Alice" in welcome.text
    assert welcome.params.get("parse_mode") == "HTML"

    api.push_update(command_update(api, private, "/help"))
    running_bot.wait_for("the help", lambda: len(replies(USER["id"])) >= 2)
    assert "/start" in replies(USER["id"])[-1].text

    api.push_update(command_update(api, group, f"/start@{BOT_USERNAME}"))
    running_bot.wait_for("the reply in the group", lambda: replies(GROUP_ID))
    assert replies(GROUP_ID)[0].text

    scopes = {(call.get("scope") or {}).get("type") for call in api.calls_of("setMyCommands")}
    assert {"all_private_chats", "all_group_chats"} <= scopes
    assert {"start", "help"} <= {c["command"] for c in api.commands["all_private_chats"]}
    assert {"start", "help"} <= {c["command"] for c in api.commands["all_group_chats"]}
    assert f"chat:{ADMIN_ID}" in api.commands
    assert api.calls_of("getMe"), "the bot introduced itself"

    process = running_bot.process
    process.send_signal(signal.SIGINT)
    try:
        code = process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the bot did not stop on SIGINT; output:\n{running_bot.log.read_text()}")
    output = running_bot.log.read_text()
    assert code == 0, output
    assert "Traceback" not in output
    # Every update was confirmed to Telegram before exit: none would be handled twice.
    assert not api.pending_updates, f"updates left unconfirmed: {api.pending_updates}"


# --- the loopback server itself ----------------------------------------------------------


async def test_the_server_decodes_what_ptb_sends_and_long_polls(fake_api: FakeBotAPI) -> None:
    api = fake_api
    with serve(api) as base_url:
        async with Bot(BOT_TOKEN, base_url=base_url) as bot:
            assert bot.username == BOT_USERNAME
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="a1:go:1")]])
            sent = await bot.send_message(USER["id"], "123", reply_markup=markup)
            assert sent.text == "123"  # a text that looks like JSON stays text
            params = api.messages(USER["id"])[-1].params
            assert params["chat_id"] == USER["id"]
            assert params["reply_markup"] == {"inline_keyboard": [[
                {"text": "Go", "callback_data": "a1:go:1"}]]}

            doc = await bot.send_document(GROUP_ID, b"\x00\r\n\xffbytes", filename="r.bin",
                                          caption="true")
            assert doc.document is not None
            upload = api.messages(GROUP_ID)[-1].params
            assert upload["caption"] == "true"
            assert upload["document"]["content"] == b"\x00\r\n\xffbytes"

            assert await bot.get_updates(offset=0, timeout=0.2) == ()
            loop = asyncio.get_running_loop()
            loop.call_later(0.1, api.push_update,
                            command_update(api, api.chats[USER["id"]], "/start"))
            started = time.monotonic()
            updates = await bot.get_updates(offset=0, timeout=5)
            assert len(updates) == 1 and updates[0].message.text == "/start"
            assert time.monotonic() - started < 1.5  # woken by the push, not by the timeout

            api.fail_next("sendMessage", kind="retry_after", retry_after=3)
            with pytest.raises(RetryAfter):
                await bot.send_message(USER["id"], "x")
            api.fail_next("sendMessage", kind="network")
            with pytest.raises(NetworkError):
                await bot.send_message(USER["id"], "x")
        with pytest.raises(InvalidToken):
            await Bot("1:wrong", base_url=base_url).get_me()


# --- storage that can't be used --------------------------------------------------------------


@pytest.mark.parametrize("kind", ["not a database", "a folder"])
def test_a_database_that_cannot_be_opened_stops_the_bot_with_one_line(
        tmp_path: Path, fake_api: FakeBotAPI, kind: str) -> None:
    """The connection's thread must not keep the process alive: it exits, saying why."""
    target = tmp_path / "guildwork.db"
    if kind == "a folder":
        target.mkdir()
    else:
        target.write_bytes(b"this is no SQLite file " * 100)
    with serve(fake_api) as base_url:
        result = run_bot(tmp_path, timeout=30, BOT_TOKEN=BOT_TOKEN, BOT_API_BASE_URL=base_url,
                         DATABASE_PATH=str(target))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "database" in lines[0] and str(target) in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_a_token_telegram_refuses_stops_the_bot_with_one_line(tmp_path: Path) -> None:
    refusing = FakeBotAPI()
    refusing.fail_next("getMe", kind="unauthorized")
    with serve(refusing) as base_url:
        result = run_bot(tmp_path, timeout=30, BOT_TOKEN=BOT_TOKEN, BOT_API_BASE_URL=base_url,
                         DATABASE_PATH=str(tmp_path / "g.db"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "guildwork: Telegram refused BOT_TOKEN: check it with @BotFather."]


def test_a_start_without_admins_warns_that_nobody_could_approve_guilds(tmp_path: Path) -> None:
    refusing = FakeBotAPI()
    refusing.fail_next("getMe", kind="unauthorized")
    with serve(refusing) as base_url:
        result = run_bot(tmp_path, timeout=30, BOT_TOKEN=BOT_TOKEN, BOT_API_BASE_URL=base_url,
                         DATABASE_PATH=str(tmp_path / "g.db"), ADMIN_IDS="")
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].endswith("WARNING guildwork: ADMIN_IDS is empty: nobody can approve guilds "
                             "or post tasks. Put your Telegram id in it (the bot's /start "
                             "shows it) and start again.")


def test_a_stop_in_the_middle_of_the_start_still_ends_the_process(
        tmp_path: Path, fake_api: FakeBotAPI) -> None:
    """SIGINT right after the database opened (the updater still starting): the process
    exits, its database threads closed, instead of hanging."""
    log = tmp_path / "bot.log"
    with serve(fake_api) as base_url, log.open("w") as out:
        env = clean_env(BOT_TOKEN=BOT_TOKEN, BOT_API_BASE_URL=base_url, LOG_LEVEL="INFO",
                        DATABASE_PATH=str(tmp_path / "guildwork.db"))
        process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=tmp_path, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 20
        while "Guildwork started" not in log.read_text():
            assert time.monotonic() < deadline and process.poll() is None, log.read_text()
            time.sleep(0.001)
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            pytest.fail(f"the bot hung after SIGINT:\n{log.read_text()[-2000:]}")
