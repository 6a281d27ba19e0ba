"""A whole day on the platform, played by everyone from their own chats: the drills replay it
(every update twice, every command edited) and compare what it left."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.scenario import task_form
from tgfake import FakeUser, Harness

ADMIN_ID = 900_001

AUDIO = task_form("Cantonese lines, batch 1", "Record each line of the script.", mode="quote",
                  units=6, price="2.50", result="audio", deadline="2026-12-20 18:00",
                  quote_deadline="2026-12-10 12:00")
PHOTOS = task_form("Shop fronts, Foshan", "One photo of a shop front per unit.",
                   mode="fixed", units=4, price="1.20", result="photo",
                   deadline="2026-12-15 20:00")
SUBTITLES = task_form("Subtitles, episode 4", "Translate each line into English.",
                      mode="fixed", units=2, price="3.00", result="text",
                      deadline="2026-12-18 20:00")


def _latest(texts: list[str], pattern: str) -> re.Match[str]:
    for text in reversed(texts):
        if match := re.search(pattern, text):
            return match
    raise AssertionError(f"nothing matches {pattern}")


def _offer_id(person: FakeUser) -> int:
    """The assignment of the newest offer a worker got."""
    return int(_latest(person.texts(), r"Assignment #(\d+)</b>")[1])


def cast(h: Harness, language: str = "en") -> dict[str, FakeUser]:
    """The same people every run (fixed ids), so two runs of the day can be compared."""
    people = {"admin": ("Ada", "ada_admin", ADMIN_ID), "lee": ("Lee", "lee", 200_001),
              "mei": ("Mei", "mei", 200_002), "wu": ("Wu", "wu", 200_011),
              "xi": ("Xi", "xi", 200_012), "yan": ("Yan", "yan", 200_013),
              "zed": ("Zed", "zed", 200_014)}
    return {key: h.user(name, username=username, user_id=uid, language=language)
            for key, (name, username, uid) in people.items()}


async def a_day(h: Harness, language: str = "en") -> dict[str, object]:
    """Guilds, tasks, quotes, claims, assignments, results, review, money, the clock."""
    p = cast(h, language)
    admin, lee, mei, wu, xi, yan, zed = (p[k] for k in ("admin", "lee", "mei", "wu", "xi",
                                                          "yan", "zed"))
    alpha = h.group("Alpha chat", admins=(lee,), chat_id=-1_001_000_000_001)
    beta = h.group("Beta chat", admins=(mei,), chat_id=-1_001_000_000_002)
    for person in (admin, lee, mei):
        await person.send("/start")
    # Guilds: registered in their groups, approved by button and by command, joined by link.
    await lee.send("/register Alpha Dubbers", chat=alpha)
    await admin.press("Approve")
    await mei.send("/register Beta Voices", chat=beta)
    await admin.send("/approve 2")
    await lee.send("/commission 10", chat=alpha)
    for leader, group, members in ((lee, alpha, (wu, xi, yan)), (mei, beta, (zed,))):
        await leader.send("/invite", chat=group)
        code = _latest(group.texts(), r"start=(join_[\w-]+)")
        for member in members:
            group.add(member)
            await member.send(f"/start {code[1]}")
    await lee.send("/promote @xi", chat=alpha)

    # The market: a quote task, two fixed ones.
    await admin.send(AUDIO)
    await admin.send(PHOTOS)
    await admin.send(SUBTITLES)
    await lee.send("/quote 1 2.40 6 native speakers", chat=alpha)
    await mei.send("/quote 1 2.20 3", chat=beta)
    await admin.send("/quotes 1")
    await admin.press("Award #1")
    await mei.send("/claim 2 4", chat=beta)
    await lee.send("/claim 3 2", chat=alpha)
    await lee.send("/tasks", chat=alpha)
    await admin.send("/task 1")

    # Handing out, answers, results: Lee spreads the audio units over the members he can
    # reach (himself too: 2, 2, 1, 1); Yan declines, Xi (a deputy) hands Yan's unit to Wu.
    await lee.send("/distribute 1", chat=alpha)
    offers = {who: _offer_id(person) for who, person in (("wu", wu), ("xi", xi), ("yan", yan))}
    await wu.press("Accept")
    await xi.press("Accept")
    await yan.press("Decline")
    await xi.send("/assign 1 1 @wu", chat=alpha)
    extra = _offer_id(wu)
    await wu.press("Accept")
    await lee.send("/assign 3 2 @wu", chat=alpha)
    subtitles = _offer_id(wu)
    await wu.press("Accept")
    await wu.send(f"/submit {offers['wu']}")
    await wu.send_voice()
    await wu.send_voice()
    await wu.press("Submit")
    await xi.send_document("line-3.mp3", mime_type="audio/mpeg")
    await xi.send("/done")
    await wu.send(f"/submit {extra}")
    await wu.send_audio()
    await wu.send(f"/done {extra}")
    await wu.send(f"/submit {subtitles}")
    await wu.send("The shop opens at nine.")
    await wu.send("Please take a number.")
    await wu.send(f"/done {subtitles}")
    await mei.send("/assign 2 4 @zed", chat=beta)
    photos = _offer_id(zed)
    await zed.press("Accept")
    for _ in range(4):
        await zed.send_photo()
    await zed.press("Submit")
    await lee.send("/progress 1", chat=alpha)

    # Review: a rejection with a reason, the rework, acceptances.
    await admin.send(f"/review {offers['wu']}")
    await admin.press("Reject")
    await admin.reply(admin.last_message(), "Line 2 is cut off")
    await wu.send(f"/submit {offers['wu']}")
    await wu.send_voice()
    await wu.send_voice()
    await wu.press("Submit")
    await admin.send(f"/review {offers['wu']}")
    await admin.press("Accept")
    await admin.send(f"/accept {offers['xi']}")
    await admin.send(f"/accept {extra}")
    await admin.send(f"/accept {subtitles} 1")
    await admin.send(f"/reject {photos} two photos are blurry")

    # Money and the clock.
    await admin.send("/payout @wu 4.00 December, part 1")
    await wu.send("/earnings")
    await lee.send("/earnings", chat=alpha)
    await wu.send("/settings daily")
    await wu.send("/tasks")
    await lee.send("/members", chat=alpha)
    h.clock.advance(timedelta(hours=13))
    await h.services.sweep.sweep()
    await admin.send("/summary")
    await h.settle()
    return dict(p, alpha=alpha, beta=beta)
