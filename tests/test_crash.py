"""SIGKILL of the real `python -m bot` at random points of a scripted day, over loopback HTTP.

People act as people do: each step is an update pushed to the fake Telegram; when no answer
comes (the process died before answering, or after confirming the update but before handling
it) they send it again. After every kill the bot is started again on the same database. At the
end: every result the bot acknowledged is stored, nothing is credited twice, every credit's
parts add up to its gross, one payout was recorded, and no notice is left unsent.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.scenario import task_form
from tgfake import Harness
from tgfake.api import BOT_TOKEN, FakeBotAPI, Sent
from tgfake.server import serve

ROOT = Path(__file__).resolve().parents[1]
STARTED = "Application started"  # PTB, once polling has begun
ADMIN = {"id": 900_001, "is_bot": False, "first_name": "Ada", "username": "ada"}
LEE = {"id": 300_001, "is_bot": False, "first_name": "Lee", "username": "lee"}
WU = {"id": 300_002, "is_bot": False, "first_name": "Wu", "username": "wu"}
GROUP = -1_002_000_000_001
# A result whose answer was lost, sent again: its file is known, or the assignment is full.
DONE_RESULT = ("already submitted", "already has all")
# /done again: the assignment is in review, or (the only one) no longer takes results.
DONE_SUBMIT = ("submitted for review, so", "no assignment waiting for results")
TASK = task_form("Voices", "Read each line.", mode="fixed", units=3, price="2.00",
                 result="voice", deadline="2027-01-20 18:00")


@dataclass
class Step:
    who: dict[str, Any]
    chat: int
    text: str | None = None  # a message (a command, or a result's caption)
    voice: str | None = None  # a voice message, by its file's unique id
    press: str | None = None  # a button's callback data
    expect: str = ""  # what the answer contains (empty: any answer)
    # What the answer says when an earlier try, whose answer was lost, did it already.
    done: tuple[str, ...] = ()


def _day() -> list[Step]:
    me = ADMIN["id"]
    return [
        Step(ADMIN, me, "/start", expect="Welcome"),
        Step(LEE, LEE["id"], "/start", expect="Welcome"),
        Step(LEE, GROUP, "/register Alpha", expect="registered", done=("already registered",)),
        Step(ADMIN, me, "/approve 1", expect="approved"),
        Step(LEE, GROUP, "/invite", expect="join_"),
        Step(WU, WU["id"], "/start {invite}", expect="Welcome", done=("already a member",)),
        Step(LEE, GROUP, "/commission 10", expect="Commission"),
        Step(ADMIN, me, TASK, expect="Task T1", done=("posted the same task",)),
        Step(LEE, GROUP, "/claim 1 3", expect="Claimed 3",
             done=("only 0 unit", "fully allocated")),
        Step(LEE, GROUP, "/assign 1 3 @wu", expect="Assignment A1",
             done=("0 units of task T1 not yet assigned",)),
        Step(WU, WU["id"], press="a1:accept:1", expect="yours", done=("in progress, so",)),
        Step(WU, WU["id"], voice="take-1", expect="Result 1 of 3", done=DONE_RESULT),
        Step(WU, WU["id"], voice="take-2", expect="Result 2 of 3", done=DONE_RESULT),
        Step(WU, WU["id"], voice="take-3", expect="Result 3 of 3", done=DONE_RESULT),
        Step(WU, WU["id"], "/done", expect="submitted", done=DONE_SUBMIT),
        Step(ADMIN, me, "/reject 1 the second take is noisy", expect="sent back",
             done=("sent back for rework, so",)),
        Step(WU, WU["id"], voice="take-1", expect="Result 1 of 3", done=DONE_RESULT),
        Step(WU, WU["id"], voice="take-2b", expect="Result 2 of 3", done=DONE_RESULT),
        Step(WU, WU["id"], voice="take-3", expect="Result 3 of 3", done=DONE_RESULT),
        Step(WU, WU["id"], "/done", expect="submitted", done=DONE_SUBMIT),
        Step(ADMIN, me, "/accept 1", expect="accepted", done=("is accepted, so",)),
        Step(ADMIN, me, "/payout @wu 5.00 week 49", expect="Payout of 5.00",
             done=("The same payout",)),
        Step(WU, WU["id"], "/earnings", expect="Balance"),
    ]


class Bot:
    """`python -m bot` against the fake, started again whenever it is killed."""

    def __init__(self, api: FakeBotAPI, base_url: str, workdir: Path) -> None:
        self.api = api
        self.workdir = workdir
        self.log = (workdir / "bot.log").open("a")
        self.env = {key: os.environ[key] for key in ("PATH", "TMPDIR") if key in os.environ}
        self.env.update(LANG="C.UTF-8", PYTHONPATH=str(ROOT), BOT_TOKEN=BOT_TOKEN,
                        BOT_API_BASE_URL=base_url, ADMIN_IDS=str(ADMIN["id"]),
                        BOT_API_BASE_FILE_URL=base_url.removesuffix("/bot") + "/file/bot",
                        DATABASE_PATH=str(workdir / "guildwork.db"),
                        RATE_LIMIT_PER_SECOND="1000",
                        # Each notice at once: the drill ends when nothing is left to send.
                        DIGEST_MINUTES="0")
        self.process: subprocess.Popen[str] | None = None
        self.kills = 0

    def start(self) -> None:
        self.starts_logged = self._log_text().count(STARTED)
        self.process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=self.workdir,
                                        env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT, text=True)

    def _log_text(self) -> str:
        self.log.flush()
        return (self.workdir / "bot.log").read_text()

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.kills += 1
        self.start()

    def stop(self) -> int:
        """SIGINT once the last start is complete (a signal in the middle of the start cuts
        it short, which is not what this drill looks at). PTB logs "Application started" only
        after polling has begun; a getUpdates count could be fooled by a killed process's
        last request arriving late."""
        assert self.process is not None
        deadline = time.monotonic() + 30
        while self._log_text().count(STARTED) <= self.starts_logged:
            assert time.monotonic() < deadline, self._log_text()[-2000:]
            time.sleep(0.05)
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(20)


def _push(api: FakeBotAPI, step: Step, invite: str) -> Callable[[], Sent | None]:
    """Push the step's update (for the polling bot); returns how to find its answer."""
    found = _answer_of(api, step)
    api.push_update(_update(api, step, invite))
    return found


def _answer_of(api: FakeBotAPI, step: Step) -> Callable[[], Sent | None]:
    """How to find the answer to the step's next update: a new message in its chat (or an
    alert) that says what was expected, or that an earlier try did it already."""
    before = len(api.messages(step.chat))
    before_alerts = len(api.messages(0))

    def answer() -> Sent | None:
        new = api.messages(step.chat)[before:] + api.messages(0)[before_alerts:]
        return next((s for s in new if step.expect in s.text
                     or any(done in s.text for done in step.done)), None)

    return answer


def _update(api: FakeBotAPI, step: Step, invite: str) -> dict[str, Any]:
    """The step as Telegram delivers it (a new update and message id each time)."""
    chat = api.chats[step.chat]
    message_id = api.next_message_id(step.chat)
    base = {"message_id": message_id, "date": int(time.time()), "chat": chat,
            "from": step.who}
    if step.press is not None:
        target = api.messages(step.chat)[-1]
        return {"update_id": api.next_update_id(), "callback_query": {
            "id": f"q{api.next_update_id()}", "from": step.who, "chat_instance": "1",
            "data": step.press,
            "message": {"message_id": target.message_id, "date": int(time.time()),
                        "chat": chat, "from": api.bot_user, "text": target.text}}}
    if step.voice is not None:
        file_id = f"file-{step.voice}-{message_id}"
        api.files[file_id] = {"file_unique_id": step.voice, "file_size": 1000}
        return {"update_id": api.next_update_id(), "message": {**base, "voice": {
            "file_id": file_id, "file_unique_id": step.voice, "duration": 3,
            "mime_type": "audio/ogg", "file_size": 1000}}}
    text = (step.text or "").replace("{invite}", invite)
    command = text.split()[0]
    return {"update_id": api.next_update_id(), "message": {**base, "text": text, "entities": [
        {"type": "bot_command", "offset": 0, "length": len(command)}]}}


def _wait(found: Callable[[], Sent | None], seconds: float) -> Sent | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if answer := found():
            return answer
        time.sleep(0.02)
    return None


def _world() -> FakeBotAPI:
    """Telegram as the day starts: Ada, Lee and Wu have started the bot; Alpha's group."""
    api = FakeBotAPI()
    for person in (ADMIN, LEE, WU):
        api.add_user({**person, "language_code": "en"}, started=True)
    api.add_group(GROUP, "Alpha chat")
    api.set_member(GROUP, LEE["id"], "administrator")
    api.set_member(GROUP, WU["id"], "member")
    return api


def _invite_in(text: str, invite: str) -> str:
    """The invite link's code, when the answer carries one."""
    if "join_" not in text:
        return invite
    return "join_" + text.split("join_")[1].split()[0].split("\n")[0]


def _play(workdir: Path, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    api = _world()
    steps = _day()
    kills = sorted(rng.sample(range(2, len(steps)), 2))  # the steps during which it dies
    acknowledged: list[str] = []
    with serve(api) as base_url:
        bot = Bot(api, base_url, workdir)
        bot.start()
        invite = ""
        for index, step in enumerate(steps):
            answer = None
            for _attempt in range(4):  # a person asks again when no answer comes
                found = _push(api, step, invite)
                if index in kills and bot.kills < kills.index(index) + 1:
                    time.sleep(rng.uniform(0, 0.08))  # anywhere: before, during, after
                    bot.kill()
                if answer := _wait(found, 15):
                    break
            assert answer is not None, (step, (workdir / "bot.log").read_text()[-3000:])
            invite = _invite_in(answer.text, invite)
            if step.voice:
                acknowledged.append(answer.text)
        # Everything queued goes out before the end (the outbox survives the kills).
        db = sqlite3.connect(workdir / "guildwork.db")
        deadline = time.monotonic() + 30
        while db.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").fetchone()[0]:
            assert time.monotonic() < deadline, "notices left unsent"
            time.sleep(0.1)
        assert bot.stop() == 0
    return {"db": db, "acknowledged": acknowledged, "kills": bot.kills}


def _check(outcome: dict[str, Any]) -> None:
    db: sqlite3.Connection = outcome["db"]
    # Every acknowledged result is stored: 6 voice messages in two rounds of 3.
    rounds = db.execute("SELECT round, COUNT(*) FROM results GROUP BY round").fetchall()
    assert rounds == [(0, 3), (1, 3)], rounds
    # Credited once: worker's share and commission of 3 × 2.00, 10 % commission.
    ledger = db.execute("SELECT kind, amount_minor FROM ledger WHERE kind != 'payout'"
                        " ORDER BY kind").fetchall()
    assert ledger == [("commission", 60), ("worker_share", 540)], ledger
    gross = db.execute("SELECT accepted_units * unit_price_minor FROM assignments").fetchall()
    assert gross == [(600,)]
    payouts = db.execute("SELECT amount_minor FROM ledger WHERE kind = 'payout'").fetchall()
    assert payouts == [(-500,)], payouts
    assert db.execute("SELECT COUNT(*) FROM tasks").fetchone()[0] == 1
    assert db.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").fetchone()[0] == 0


@pytest.mark.parametrize("seed", [7, 2026])
def test_a_day_survives_being_killed(tmp_path: Path, seed: int) -> None:
    outcome = _play(tmp_path, seed)
    assert outcome["kills"] == 2
    _check(outcome)


@pytest.mark.drill
@pytest.mark.parametrize("seed", range(100, 120))
def test_twenty_days_survive_being_killed(tmp_path: Path, seed: int) -> None:
    _check(_play(tmp_path, seed))


async def test_every_step_tried_again_is_answered_as_done(tmp_path: Path) -> None:
    """Each step of the drill's day sent a second time (as a person does whose answer was
    lost) gets an answer the drill recognises: the one expected, or that it was done already.
    The kills above land on any step, so every `done` must still be what the bot says."""
    api = _world()
    h = Harness(tmp_path / "guildwork.db", admin_ids={ADMIN["id"]}, api=api)
    await h.start()
    try:
        invite = ""
        for step in _day():
            for attempt in (1, 2):
                found = _answer_of(api, step)
                await h.feed(_update(api, step, invite))
                answer = found()
                assert answer is not None, (step, attempt,
                                            [s.text for s in api.messages(step.chat)[-2:]])
                invite = _invite_in(answer.text, invite)
        assert api.refused == []
    finally:
        await h.stop()
