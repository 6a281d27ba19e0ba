"""Fuzzing from the users' side: any arguments for any command, any callback data, by anyone,
anywhere. Each gets an answer, nothing escapes the error handler, and every message the bot
sends is one Telegram accepts (the fake refuses bad HTML and over-long texts as Telegram does).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands import COMMANDS
from tests.scenario import FIXED_TASK, approved_guild
from tgfake import FakeGroup, FakeUser, Harness

ADMIN_ID = 900_001
NAMES = sorted({c.name for c in COMMANDS} | {"newtask"})
# What an audit throws at every text field: markup, entities, control and wide characters,
# injections, huge numbers, and sheer length.
PAYLOADS = ["<b>", "</i>", "<a href='tg://user?id=1'>x</a>", "&", "&amp;", "&lt;b&gt;",
            "<script>alert(1)</script>", "\u202eevil", "'; DROP TABLE users; --", "%s%n{0}",
            "{amount}", "9" * 40, "1e18", "-1", "0.001", "١٢٣", "#1", "@", "@nobody",
            "😀" * 50, "x" * 5000, "\n\n", "/start", "a1:accept:1"]
ARGUMENT = st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=40),
                     st.integers(min_value=-10, max_value=2**70).map(str))
CALLBACK = st.one_of(st.text(max_size=70), st.builds(
    lambda prefix, action, id: f"{prefix}:{action}:{id}",
    st.sampled_from(["a1", "q1", "g1", "s1", "nt1", "m1", "zz"]),
    st.sampled_from(["accept", "decline", "submit", "approve", "reject", "pass", "back",
                     "award", "freq", "again", "post", ""]),
    st.one_of(st.integers(min_value=-5, max_value=2**64).map(str), st.text(max_size=5))))


class _Errors(logging.Handler):
    """Every ERROR logged while fuzzing: an exception past the refusals is one."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(self.format(record))


Run = Callable[[Coroutine[Any, Any, Any]], Any]


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Run, Harness, dict]]:
    """One running bot for the whole module, on an event loop of its own (hypothesis drives
    the examples from this thread)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def run(coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(120)

    h = Harness(tmp_path_factory.mktemp("fuzz") / "fuzz.db", admin_ids={ADMIN_ID},
                group_messages_per_minute=60_000)
    run(h.start())
    people, chats = run(_world(h))
    errors = _Errors()
    logging.getLogger().addHandler(errors)
    try:
        yield run, h, {"people": people, "chats": chats, "errors": errors}
    finally:
        logging.getLogger().removeHandler(errors)
        run(h.stop())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


async def _world(h: Harness) -> tuple[list[FakeUser], list[FakeGroup | None]]:
    admin = h.user("Ada", username="ada_admin", user_id=ADMIN_ID)
    lee, wu, sam = h.user("Lee"), h.user("Wu"), h.user("Sam")
    for person in (admin, lee, sam):
        await person.send("/start")
    guild = await approved_guild(h, admin, "Alpha", lee, members=(wu,))
    loose = h.group("Loose chat", admins=(sam,))
    for person in (admin, lee, wu, sam):
        guild.add(person)
        loose.add(person)
    await admin.send(FIXED_TASK)
    await lee.send("/claim 1 4", chat=guild)
    await lee.send("/assign 1 2 @wu", chat=guild)
    return [admin, lee, wu, sam], [None, guild, loose]


def _check(h: Harness, found: dict, what: str) -> None:
    assert h.api.refused == [], (what, h.api.refused)
    assert found["errors"].records == [], (what, found["errors"].records[:1])


def _fuzz_commands(bot: tuple[Run, Harness, dict], examples: int) -> None:
    run, h, found = bot

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(name=st.sampled_from(NAMES), args=st.lists(ARGUMENT, max_size=4),
           who=st.integers(0, 3), where=st.integers(0, 2))
    def one(name: str, args: list[str], who: int, where: int) -> None:
        text = " ".join([f"/{name}", *args])
        replies = run(found["people"][who].send(text, chat=found["chats"][where]))
        assert replies, text  # answered, whatever it was
        _check(h, found, text)

    one()


def _fuzz_buttons(bot: tuple[Run, Harness, dict], examples: int) -> None:
    run, h, found = bot

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=CALLBACK, who=st.integers(0, 3))
    def one(data: str, who: int) -> None:
        person = found["people"][who]
        answered = run(person.press_data(data))
        assert any(s.method == "answerCallbackQuery" for s in answered), data
        _check(h, found, data)

    one()


def test_any_arguments_to_any_command_get_an_answer(bot) -> None:
    _fuzz_commands(bot, 150)


def test_any_button_data_gets_an_answer(bot) -> None:
    _fuzz_buttons(bot, 100)


@pytest.mark.drill
def test_any_arguments_at_length(bot) -> None:
    _fuzz_commands(bot, 3000)


@pytest.mark.drill
def test_any_button_data_at_length(bot) -> None:
    _fuzz_buttons(bot, 1500)


def test_the_fuzzed_bot_still_serves(bot) -> None:
    run, _h, found = bot
    admin = found["people"][0]
    assert "platform admin" in run(admin.send("/start"))[-1].text
