"""`make demo` from the visitor's side: the page's HTTP endpoints driven through a short day
(the real bot as a process against the fake Bot API over loopback, as `make demo` runs it),
and, where the machine has a headless browser, the page itself loaded in it."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tgfake.demo import ADMIN, Running, start

LEE, WU = 100_001, 100_003
ALPHA = -1_001_000_000_001
TASK = ("/newtask Shop signs, batch 1\nmode: fixed\nunits: 4\nprice: 1.50\nresult: text\n"
        "deadline: 2026-12-30 18:00\n\nWrite down the text of each shop sign.")


@pytest.fixture(scope="module")
def demo() -> Iterator[Running]:
    running = start(port=0)
    try:
        yield running
    finally:
        running.stop()


def get(demo: Running, path: str) -> Any:
    with urllib.request.urlopen(demo.url + path, timeout=30) as answer:
        return json.loads(answer.read())


def post(demo: Running, path: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(demo.url + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())


def say(demo: Running, user: int, chat: int, text: str) -> list[dict[str, Any]]:
    return post(demo, "/api/send", {"user": user, "chat": chat, "text": text})["messages"]


def tap(demo: Running, user: int, chat: int, label: str) -> dict[str, Any]:
    """Press the newest button whose text holds `label`, as the page does."""
    messages = get(demo, f"/api/chat?user={user}&chat={chat}")["messages"]
    for message in reversed(messages):
        for row in message.get("buttons", []):
            for button in row:
                if label in button["text"] and "callback_data" in button:
                    return post(demo, "/api/press", {
                        "user": user, "chat": chat, "message_id": message["id"],
                        "data": button["callback_data"]})
    raise AssertionError(f"no button {label!r}: {messages[-3:]}")


def bot_texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m.get("html", "") for m in messages if m["from"] == "bot"]


def test_a_short_day_through_the_page(demo: Running) -> None:
    cast = get(demo, "/api/cast")
    assert {p["username"] for p in cast["people"]} == {"ada_admin", "lee", "mei", "wu", "xi",
                                                       "yan"}
    alpha = next(c for c in cast["chats"] if c["id"] == ALPHA)
    assert set(alpha["members"]) == {LEE, WU, 100_004}
    # The cast is seeded through the bot: Wu joined Alpha by its invite link.
    wu_chat = get(demo, f"/api/chat?user={WU}&chat={WU}")["messages"]
    assert any("member of guild “Alpha Dubbers”" in t for t in bot_texts(wu_chat))

    posted = say(demo, ADMIN["id"], ADMIN["id"], TASK)
    assert "<b>Task T1</b> posted" in bot_texts(posted)[-1]
    group = say(demo, LEE, ALPHA, "/claim 1 2")
    assert any("claimed" in t.lower() for t in bot_texts(group)[-2:])
    group = say(demo, LEE, ALPHA, "/assign 1 2 @wu")
    assert "Assignment A1" in "\n".join(bot_texts(group)[-2:])
    accepted = tap(demo, WU, WU, "Accept")
    assert accepted["alert"] is None or "accept" in accepted["alert"].lower()
    assert "is yours" in "\n".join(bot_texts(accepted["messages"])[-2:])
    asked = say(demo, WU, WU, "大华超市")
    assert "Is this text result 1 of 2" in bot_texts(asked)[-1]
    tap(demo, WU, WU, "Yes, a result")
    done = say(demo, WU, WU, "Lucky Noodles 幸运面馆")
    assert "All in" in bot_texts(done)[-1]
    submitted = tap(demo, WU, WU, "Submit")
    assert "submitted for review" in bot_texts(submitted["messages"])[-1]
    review = say(demo, ADMIN["id"], ADMIN["id"], "/review")
    # The results are shown to the admin as Wu wrote them, with the review's buttons.
    assert any("大华超市" in t for t in bot_texts(review))
    decided = tap(demo, ADMIN["id"], ADMIN["id"], "Accept")
    assert "accepted" in "\n".join(bot_texts(decided["messages"])[-2:])
    earnings = say(demo, WU, WU, "/earnings")
    assert "3.00" in bot_texts(earnings)[-1]
    # What Wu typed is shown as theirs; the group sees Lee's command as a member's.
    assert [m["text"] for m in earnings if m["from"] == "you"][-1] == "/earnings"
    group = get(demo, f"/api/chat?user={WU}&chat={ALPHA}")["messages"]
    assert any(m["from"] == "member" and m["text"] == "/claim 1 2" for m in group)


def test_bad_input_to_the_page_is_refused_with_the_reason(demo: Running) -> None:
    for body in ({"user": 1, "chat": WU, "text": "hi"}, {"user": WU, "chat": WU, "text": " "},
                 {"user": WU}):
        with pytest.raises(urllib.error.HTTPError) as refused:
            post(demo, "/api/send", body)
        assert refused.value.code == 400
        assert json.loads(refused.value.read())["error"].startswith("bad request")
    with pytest.raises(urllib.error.HTTPError) as missing:
        post(demo, "/api/press", {"user": WU, "chat": WU, "message_id": 9999, "data": "x"})
    assert missing.value.code == 400


def _browser() -> str | None:
    for name in ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    return None


@pytest.mark.skipif(_browser() is None, reason="no headless browser on this machine "
                    "(make browser installs one)")
def test_the_page_renders_the_cast_in_a_headless_browser(demo: Running) -> None:
    browser = _browser()
    assert browser is not None
    shown = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=8000",
         "--dump-dom", demo.url + "/"], capture_output=True, text=True, timeout=90, check=True)
    dom = shown.stdout
    # The script ran: the people and the admin's private chat are drawn from /api/cast.
    assert "Ada @ada_admin" in dom and "Wu @wu" in dom
    assert "Private chat with the bot" in dom
    assert "Welcome, Ada!" in dom
