"""Two instances of `python -m bot` in webhook mode on one PostgreSQL database, the fake Bot API
over HTTP as Telegram for both.

A driver plays a day on the platform (guilds, tasks, claims, assignments, results, review,
payouts, earnings, summaries) as Telegram and a load balancer would deliver it: each update goes
to one instance or the other at random, one in ten goes to both at once (Telegram delivering it
again), and an update an instance does not answer with 200 is posted to the other. In the drill
one instance is killed with SIGKILL in the middle of the day and started again on its port.

At the end, from the database and the fake's records: every notice went out once (a repeat only
for a row in flight at the kill), each update was answered once, no task has more units claimed
than it has, nothing is credited twice and each credit's parts add up to its gross, and every
summary was sent once.
"""

from __future__ import annotations

import json
import random
import re
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests import test_crash as crash
from tests.scenario import task_form
from tests.test_webhook import SECRET, WebhookBot, free_port
from tgfake.api import BOT_TOKEN, FakeBotAPI, Sent
from tgfake.pgtest import ENV, database_for, server_url
from tgfake.server import serve

ADMIN = {"id": 900_001, "is_bot": False, "first_name": "Ada", "username": "ada"}
LEE = {"id": 300_001, "is_bot": False, "first_name": "Lee", "username": "lee"}
MEI = {"id": 300_002, "is_bot": False, "first_name": "Mei", "username": "mei"}
WU = {"id": 300_011, "is_bot": False, "first_name": "Wu", "username": "wu"}
XI = {"id": 300_012, "is_bot": False, "first_name": "Xi", "username": "xi"}
YAN = {"id": 300_013, "is_bot": False, "first_name": "Yan", "username": "yan"}
ZED = {"id": 300_014, "is_bot": False, "first_name": "Zed", "username": "zed"}
WORKERS = (WU, XI, YAN, ZED)
ALPHA, BETA = -1_003_000_000_001, -1_003_000_000_002
VOICES = task_form("Voices", "Read each line.", mode="fixed", units=4, price="2.00",
                   result="voice", deadline="2027-01-20 18:00")
# Photos, not texts: a text result is confirmed with the worker (is it a result?) in the
# process's own conversation state (user_data), which a second instance does not see.
SHOPS = task_form("Shop fronts", "One photo per shop.", mode="fixed", units=4, price="1.50",
                  result="photo", deadline="2027-01-20 18:00")


@dataclass
class Step(crash.Step):
    """A step of test_crash's day, and how this drill plays it."""

    text: str = ""  # a message: a command, or a text ({name} filled from what was seen)
    photo: str | None = None  # a photo, by its file's unique id
    learn: tuple[str, str] | None = None  # (name, regex): remember group 1 of the answer
    kill: bool = False  # the drill kills the instance this goes to, while it is handled
    both: bool = False  # posted to both instances at once, whatever the dice say


def _day() -> list[Step]:
    me = ADMIN["id"]
    steps = [Step(p, p["id"], "/start", expect="Welcome") for p in (ADMIN, LEE, MEI)]
    steps += [
        Step(LEE, ALPHA, "/register Alpha", expect="registered"),
        Step(MEI, BETA, "/register Beta", expect="registered"),
        Step(ADMIN, me, "/approve 1", expect="approved"),
        Step(ADMIN, me, "/approve 2", expect="approved"),
        Step(LEE, ALPHA, "/invite", learn=("alpha", r"start=(join_[\w-]+)")),
        Step(MEI, BETA, "/invite", learn=("beta", r"start=(join_[\w-]+)")),
        Step(LEE, ALPHA, "/commission 10", expect="Commission"),
        Step(MEI, BETA, "/commission 5", expect="Commission"),
    ]
    for worker, code in ((WU, "alpha"), (XI, "alpha"), (YAN, "beta"), (ZED, "beta")):
        steps += [Step(worker, worker["id"], f"/start {{{code}}}", expect="Welcome"),
                  Step(worker, worker["id"], "/settings daily")]
    steps += [
        Step(ADMIN, me, VOICES, expect="Task T1"),
        Step(ADMIN, me, SHOPS, expect="Task T2", kill=True),  # announced in both guilds
        Step(LEE, ALPHA, "/claim 1 4", expect="Claimed 4"),
        Step(MEI, BETA, "/claim 1 2"),  # nothing left to claim
        Step(MEI, BETA, "/claim 2 4", expect="Claimed 4"),
        Step(LEE, ALPHA, "/claim 2 1"),
        Step(LEE, ALPHA, "/tasks"),
        Step(LEE, ALPHA, "/assign 1 2 @wu", learn=("wu", r"Assignment A(\d+)")),
        Step(LEE, ALPHA, "/assign 1 2 @xi", learn=("xi", r"Assignment A(\d+)")),
        Step(MEI, BETA, "/assign 2 2 @yan", learn=("yan", r"Assignment A(\d+)")),
        Step(MEI, BETA, "/assign 2 2 @zed", learn=("zed", r"Assignment A(\d+)")),
    ]
    steps += [Step(w, w["id"], press="accept", expect="yours") for w in WORKERS]
    for worker in (WU, XI):
        steps += [Step(worker, worker["id"], voice=f"{worker['username']}-{n}",
                       expect=f"Result {n} of 2") for n in (1, 2)]
        steps.append(Step(worker, worker["id"], "/done", expect="submitted"))
    for worker in (YAN, ZED):
        name = worker["username"]
        steps += [Step(worker, worker["id"], photo=f"{name}-{n}", expect=f"Result {n} of 2")
                  for n in (1, 2)]
        steps.append(Step(worker, worker["id"], f"/done {{{name}}}", expect="submitted"))
    steps += [
        Step(LEE, ALPHA, "/progress 1"),
        Step(ADMIN, me, "/review"),
        Step(ADMIN, me, "/accept {wu}", expect="accepted"),
        Step(ADMIN, me, "/accept {xi}", expect="accepted"),
        Step(ADMIN, me, "/reject {yan} line two is missing a word", expect="sent back"),
        Step(ADMIN, me, "/accept {zed}", expect="accepted"),
        Step(YAN, YAN["id"], photo="yan-1", expect="Result 1 of 2"),
        Step(YAN, YAN["id"], photo="yan-2b", expect="Result 2 of 2"),
        Step(YAN, YAN["id"], "/done {yan}", expect="submitted"),
        Step(ADMIN, me, "/accept {yan}", expect="accepted"),
        Step(ADMIN, me, "/payout @wu 1.00 first part", expect="Payout of 1.00"),
        Step(ADMIN, me, "/payout @zed 0.50 first part", expect="Payout of 0.50"),
    ]
    steps += [Step(w, w["id"], "/earnings", expect="Balance") for w in WORKERS]
    steps += [
        Step(LEE, ALPHA, "/earnings"),
        Step(MEI, BETA, "/members"),
        Step(WU, WU["id"], "/tasks"),
        Step(XI, XI["id"], "/help"),
    ]
    return steps


class Instance(WebhookBot):
    """One `python -m bot` in webhook mode on its own port (and working folder), started
    again on that port."""

    def __init__(self, name: str, workdir: Path, settings: dict[str, str]) -> None:
        self.name = name
        self.workdir = workdir / name
        self.workdir.mkdir()
        self.port = free_port()
        self.settings = {**settings, "WEBHOOK_PORT": str(self.port)}
        self.starts = 0
        self.start()

    def post(self, update: dict[str, Any]) -> int:
        """The status of the POST (0: nothing answered)."""
        return self.post_update(update)[0]

    def ready(self) -> bool:
        return self.get("/readyz")[0] == 200

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """The server of `make test-pg`, or one of this module's own."""
    if server_url():
        yield server_url()
        return
    from tgfake.pgserver import server

    with server() as url, pytest.MonkeyPatch.context() as patch:
        patch.setenv(ENV, url)
        yield url


def _world() -> FakeBotAPI:
    api = FakeBotAPI()
    for person in (ADMIN, LEE, MEI, *WORKERS):
        api.add_user({**person, "language_code": "en"}, started=True)
    for chat, title, leader, members in ((ALPHA, "Alpha chat", LEE, (WU, XI)),
                                         (BETA, "Beta chat", MEI, (YAN, ZED))):
        api.add_group(chat, title)
        api.set_member(chat, leader["id"], "administrator")
        for member in members:
            api.set_member(chat, member["id"], "member")
    return api


class Driver:
    """Telegram and the load balancer in front of the instances."""

    def __init__(self, api: FakeBotAPI, instances: list[Instance], rng: random.Random) -> None:
        self.api = api
        self.instances = instances
        self.rng = rng
        self.seen: dict[str, str] = {}
        self.posted = 0  # updates
        self.doubled = 0  # of them, posted to both instances at once
        self.retried = 0  # posts that went to the other instance after no 200
        self.windows: list[tuple[Step, int, int, int, int]] = []  # (step, chat, from, to, alerts)

    def update(self, step: Step) -> dict[str, Any]:
        """The step as Telegram delivers it."""
        api = self.api
        if step.voice is not None:  # as test_crash's day sends it
            return crash._update(api, step, "")
        chat = api.chats[step.chat]
        base = {"message_id": api.next_message_id(step.chat), "date": int(time.time()),
                "chat": chat, "from": step.who}
        if step.press is not None:
            target = self._offer(step.chat)
            return {"update_id": api.next_update_id(), "callback_query": {
                "id": f"q{api.next_update_id()}", "from": step.who, "chat_instance": "1",
                "data": next(b["callback_data"] for b in target.buttons
                             if b.get("callback_data", "").startswith("a1:accept:")),
                "message": {"message_id": target.message_id, "date": int(time.time()),
                            "chat": chat, "from": api.bot_user, "text": target.text}}}
        if step.photo is not None:
            file_id = f"file-{step.photo}-{base['message_id']}"
            api.files[file_id] = {"file_unique_id": step.photo, "file_size": 50_000}
            return {"update_id": api.next_update_id(), "message": {**base, "photo": [{
                "file_id": file_id, "file_unique_id": step.photo, "width": 1280,
                "height": 960, "file_size": 50_000}]}}
        text = step.text.format(**self.seen)
        message: dict[str, Any] = {**base, "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split()[0])}]
        return {"update_id": api.next_update_id(), "message": message}

    def _offer(self, chat_id: int) -> Sent:
        """The newest offer in the chat (a notice from the outbox: wait for it)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for sent in reversed(self.api.messages(chat_id)):
                if any(b.get("callback_data", "").startswith("a1:accept:")
                       for b in sent.buttons):
                    return sent
            time.sleep(0.05)
        raise AssertionError(f"no offer reached {chat_id}")

    def deliver(self, update: dict[str, Any], first: Instance,
                before_answer: threading.Event | None = None) -> None:
        """Post until an instance answers 200, trying the other one after each failure."""
        target = first
        for attempt in range(600):
            status = target.post(update)
            if status == 200:
                return
            if attempt:
                time.sleep(0.1)
            self.retried += 1
            target = self.instances[1 - self.instances.index(target)]
        raise AssertionError(f"update {update['update_id']} was never answered 200")

    def play(self, step: Step, on_kill: Any = None) -> None:
        update = self.update(step)
        self.posted += 1
        before = len(self.api.messages(step.chat))
        alerts = len(self.api.messages(0))
        first = self.rng.choice(self.instances)
        both = self.rng.random() < 0.1 or step.both
        threads = [threading.Thread(target=self.deliver, args=(update, first))]
        if both:
            self.doubled += 1
            other = self.instances[1 - self.instances.index(first)]
            threads.append(threading.Thread(target=self.deliver, args=(update, other)))
        for thread in threads:
            thread.start()
        if step.kill and on_kill is not None:
            time.sleep(self.rng.uniform(0.0, 0.05))  # before, during or after its handling
            on_kill(first)
        for thread in threads:
            thread.join(120)
        self.windows.append((step, step.chat, before, len(self.api.messages(step.chat)),
                             alerts))
        new = self.api.messages(step.chat)[before:]
        answer = next((s.text for s in new if step.expect in s.text), None)
        if step.press is not None:  # a press is answered by its query's answer, or an edit
            answer = answer or next((s.text for s in self.api.messages(0)[alerts:]
                                     if step.expect in s.text), None)
        assert answer is not None or step.kill, (step, [s.text for s in new])
        if step.learn is not None and answer is not None:
            name, pattern = step.learn
            found = re.search(pattern, "\n".join(s.text for s in new))
            assert found, (step, [s.text for s in new])
            self.seen[name] = found[1]


def _summary_at(start: datetime) -> datetime:
    """The summaries' time of day: the first whole minute at least 50 s away, when the day's
    money has moved (every worker then has a balance, so every one gets a summary)."""
    moment = start + timedelta(seconds=50)
    return moment.replace(second=0, microsecond=0) + timedelta(minutes=1)


def _wait(what: str, check: Any, seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _rows(url: str, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def _summaries(api: FakeBotAPI, chat_id: int) -> list[str]:
    return [s.text for s in api.messages(chat_id) if s.text.startswith("📊")]


def run_day(workdir: Path, url: str, *, seed: int, kill: bool, steps: list[Step],
            scheduled_summary: bool) -> dict[str, Any]:
    rng = random.Random(seed)
    api = _world()
    api.latency = 0.01  # every call takes a moment: sends are in flight when the kill comes
    start = datetime.now(UTC)
    summary_at = _summary_at(start)
    in_flight: list[int] = []
    with serve(api) as base_url:
        settings = dict(
            BOT_TOKEN=BOT_TOKEN, BOT_API_BASE_URL=base_url,
            BOT_API_BASE_FILE_URL=base_url.removesuffix("/bot") + "/file/bot",
            DATABASE_URL=url, LOG_LEVEL="INFO", DIGEST_MINUTES="0", TIMEZONE="UTC",
            ADMIN_IDS=str(ADMIN["id"]), RATE_LIMIT_PER_SECOND="1000",
            SUMMARY_TIME=summary_at.strftime("%H:%M"),
            WEBHOOK_URL=f"https://bot.example.invalid/telegram/{SECRET[:4]}",
            WEBHOOK_SECRET=SECRET,
            WEBHOOK_LISTEN="127.0.0.1")
        instances = [Instance(name, workdir, settings) for name in ("one", "two")]
        try:
            for instance in instances:
                instance.wait_ready()
            driver = Driver(api, instances, rng)

            def on_kill(victim: Instance) -> None:
                victim.kill()
                # Rows taken under a lease and not marked yet: what the kill may repeat
                # (the other instance's leases are counted too; they are released as usual).
                in_flight.extend(row[0] for row in _rows(
                    url, "SELECT id FROM outbox WHERE status = 'pending'"
                         " AND not_before > %s", (int(time.time()) + 5,)))
                victim.start()
                victim.wait_ready()

            for step in steps:
                driver.play(step, on_kill if kill else None)
            _wait("every notice sent", lambda: not _rows(
                url, "SELECT id FROM outbox WHERE status = 'pending'"), 120)
            if scheduled_summary:  # the day's, once its time has come
                span_end = f"– {summary_at:%Y-%m-%d %H:%M})"
                _wait("the scheduled summaries", lambda: all(
                    any(span_end in text for text in _summaries(api, w["id"]))
                    for w in WORKERS), 200)
                time.sleep(2)  # a second one, if any, would come now
            for instance in instances:
                instance.stop()
        finally:
            for instance in instances:
                if instance.process.poll() is None:
                    instance.process.kill()
                    instance.process.wait(10)
    return {"api": api, "driver": driver, "in_flight": in_flight, "summary_at": summary_at}


def check(url: str, outcome: dict[str, Any], *, paid: bool = True) -> dict[str, int]:
    api: FakeBotAPI = outcome["api"]
    driver: Driver = outcome["driver"]
    assert api.refused == []
    # Every notice went out once: each outbox row's message arrived as often as rows carry it
    # (a row in flight at the kill may have gone out twice).
    queued: Counter[tuple[int, str, str]] = Counter()
    for chat_id, method, payload, status, lines in _rows(url, """
            SELECT o.chat_id, o.method, o.payload, o.status, ARRAY_REMOVE(ARRAY_AGG(d.text
            ORDER BY d.id), NULL) FROM outbox o LEFT JOIN digest_lines d ON d.outbox_id = o.id
            GROUP BY o.id ORDER BY o.id"""):
        assert status == "sent", (chat_id, method, payload, status)
        params = json.loads(payload)
        if method == "digest":  # a window of no minutes: one line, sent as the notice alone
            assert len(lines) == 1, lines
            method, params = "sendMessage", {"text": lines[0]}
        queued[(chat_id, method, str(params.get("text") or params.get("caption") or ""))] += 1
    delivered: Counter[tuple[int, str, str]] = Counter()
    for chat_id, method, text in queued:
        delivered[(chat_id, method, text)] = sum(
            1 for s in api.messages(chat_id) if s.text == text and s.method == method)
    missing = {key: n for key, n in queued.items() if delivered[key] < n}
    assert not missing, missing
    repeated = sum(delivered[key] - n for key, n in queued.items())
    assert repeated <= len(outcome["in_flight"]), (repeated, outcome["in_flight"])
    # Each update was answered once: no answer repeated within its own update's window.
    for step, chat_id, begin, end, _alerts in driver.windows:
        answers = Counter((s.method, s.text) for s in api.messages(chat_id)[begin:end]
                          if queued[(chat_id, s.method, s.text)] == 0 and s.text)
        twice = {answer: n for answer, n in answers.items() if n > 1}
        assert not twice, (step, twice)
    # No task has more units claimed or assigned than it has.
    for task_id, units, claimed in _rows(url, """
            SELECT t.id, t.units, COALESCE(SUM(a.units), 0) FROM tasks t
            LEFT JOIN allocations a ON a.task_id = t.id GROUP BY t.id, t.units"""):
        assert claimed <= units, (task_id, units, claimed)
    for allocation_id, units, assigned in _rows(url, """
            SELECT al.id, al.units, COALESCE(SUM(a.units), 0) FROM allocations al
            LEFT JOIN assignments a ON a.allocation_id = al.id
            AND a.status NOT IN ('declined', 'expired', 'cancelled')
            GROUP BY al.id, al.units"""):
        assert assigned <= units, (allocation_id, units, assigned)
    # Credited once, the parts adding up to the gross.
    assert _rows(url, "SELECT assignment_id, kind FROM ledger WHERE assignment_id IS NOT NULL"
                      " GROUP BY assignment_id, kind HAVING COUNT(*) > 1") == []
    credits = _rows(url, """
        SELECT a.id, COALESCE(a.accepted_units, a.units) * a.unit_price_minor,
               COALESCE(SUM(l.amount_minor), 0), COUNT(l.id)
        FROM assignments a LEFT JOIN ledger l ON l.assignment_id = a.id
        WHERE a.status = 'accepted'
        GROUP BY a.id, a.accepted_units, a.units, a.unit_price_minor""")
    for assignment_id, gross, parts, lines in credits:
        assert parts == gross and lines >= 1, (assignment_id, gross, parts)
    if paid:  # the whole day: four acceptances (one after rework), two payouts
        assert len(credits) == 4, credits
        assert sorted(gross for _a, gross, _p, _l in credits) == [300, 300, 400, 400]
        assert sorted(_rows(url, "SELECT user_id, amount_minor FROM ledger"
                                 " WHERE kind = 'payout'")) == [(WU["id"], -100), (ZED["id"], -50)]
    return {"updates": driver.posted, "doubled": driver.doubled, "retried": driver.retried,
            "repeated": repeated, "in_flight": len(outcome["in_flight"])}


def test_two_instances_handle_a_short_day_once(tmp_path: Path, postgres: str) -> None:
    """Two instances, a short day, every update to one at random and one to both at once."""
    url = database_for(tmp_path / "instances.db")
    steps = _day()[:29]
    steps[3].both = True  # a write (the registration), and a read (/help) below
    steps.append(Step(XI, XI["id"], "/help", expect="/earnings", both=True))
    outcome = run_day(tmp_path, url, seed=3, kill=False, steps=steps,
                      scheduled_summary=False)
    figures = check(url, outcome, paid=False)
    assert figures["updates"] == 30 and figures["doubled"] >= 2


@pytest.mark.drill
@pytest.mark.parametrize("seed", [17])
def test_two_instances_on_one_database_do_a_day_once_through_a_kill(
        tmp_path: Path, postgres: str, seed: int) -> None:
    url = database_for(tmp_path / "instances.db")
    steps = _day()
    # Everyone's summary now, asked of both instances at once, before the summaries' time.
    first_accept = next(i for i, step in enumerate(steps) if step.text.startswith("/accept"))
    steps.insert(first_accept + 1, Step(ADMIN, ADMIN["id"], "/summary", both=True))
    outcome = run_day(tmp_path, url, seed=seed, kill=True, steps=steps,
                      scheduled_summary=True)
    figures = check(url, outcome)
    # Every summary once: per worker, no period's summary twice (the one /summary sent, one
    # of the day ending at the summaries' time, and perhaps one of the period before it, when
    # a start or a new leader catches up on it for workers who had chosen daily summaries).
    span_end = f"– {outcome['summary_at']:%Y-%m-%d %H:%M})"
    for worker in WORKERS:
        spans = Counter(text.split("\n")[0] for text in _summaries(outcome["api"], worker["id"]))
        assert all(n == 1 for n in spans.values()), (worker, spans)
        assert sum(span_end in span for span in spans) == 1, (worker, spans)
    now_summaries = sum(1 for w in WORKERS for span in Counter(
        text.split("\n")[0] for text in _summaries(outcome["api"], w["id"]))
        if span_end not in span)
    print("drill figures:", figures, "other summaries:", now_summaries)
