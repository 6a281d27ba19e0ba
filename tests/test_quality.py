"""Quality control from the user's side: control items with known answers mixed into
assignments unseen, overlap (each item answered by several workers), and the decisions that
need no admin: a careless worker rejected on the controls, the others accepted because they
pass and agree, each item's answer and confidence for the admin.
"""

from __future__ import annotations

import re

from tests.scenario import approved_guild, task_form, task_id_in
from tgfake import FakeGroup, FakeUser, Harness

LABELS = ("猫", "狗", "鸟")
ITEMS = 9  # ordinary items
CONTROLS = 3
# The truth, by the photo's number: what a careful worker answers.
TRUTH = {n: LABELS[n % 3] for n in range(1, ITEMS + CONTROLS + 1)}


def item_file() -> bytes:
    rows = ["key,text,golden"]
    rows += [f"p{n},photo {n}," for n in range(1, ITEMS + 1)]
    rows += [f"c{n},photo {n},{TRUTH[n]}" for n in range(ITEMS + 1, ITEMS + CONTROLS + 1)]
    return ("\n".join(rows) + "\n").encode()


def quality_task(**extra: object) -> str:
    return task_form("Animals, batch 1", "Which animal is in the photo?", mode="fixed",
                     units=1, price="0.10", answer="choice", labels=" | ".join(LABELS),
                     deadline="2026-12-20 18:00", control="10%", threshold="80%",
                     overlap=3, auto_accept="quality", **extra)


def shown_photo(person: FakeUser) -> int:
    """The number of the photo on the worker's item card."""
    found = re.search(r"photo (\d+)", person.messages()[-1].text)
    assert found, person.messages()[-1].text
    return int(found[1])


async def answer_all(person: FakeUser, careful: bool) -> None:
    """Tap an answer for each item shown until the summary: the true one, or a wrong one."""
    while "answered." not in person.messages()[-1].text:
        truth = TRUTH[shown_photo(person)]
        wrong = LABELS[(LABELS.index(truth) + 1) % 3]
        await person.press(truth if careful else wrong)
    await person.press("Submit")


async def two_guilds(h: Harness, admin: FakeUser) -> dict:
    lee, ma = h.user("Lee"), h.user("Ma")
    wu, xi, qi, yu = h.user("Wu"), h.user("Xi"), h.user("Qi"), h.user("Yu")
    await lee.send("/start")
    await ma.send("/start")
    alpha = await approved_guild(h, admin, "Alpha", lee, members=(wu, xi, qi))
    beta = await approved_guild(h, admin, "Beta", ma, members=(yu,))
    task = task_id_in((await admin.send(quality_task()))[-1].text)
    imported = await admin.send_document("animals.csv", mime_type="text/csv",
                                         content=item_file(), caption=f"/items {task}")
    return {"lee": lee, "ma": ma, "wu": wu, "xi": xi, "qi": qi, "yu": yu, "alpha": alpha,
            "beta": beta, "task": task, "imported": imported[-1].text}


async def take(leader: FakeUser, group: FakeGroup, worker: FakeUser, task: int, units: int
               ) -> None:
    await leader.send(f"/assign {task} {units} @{worker.username}", chat=group)
    await worker.press("Accept")


async def test_controls_and_overlap_decide_without_an_admin(h: Harness, admin: FakeUser
                                                            ) -> None:
    g = await two_guilds(h, admin)
    task = g["task"]
    # 9 items answered 3 times, plus the control items' 10 %: 27 + 3 = 30 units.
    assert g["imported"] == (f"Task #{task} has 12 items now; its units are 30.\n3 of them "
                             "are control items, mixed into each assignment at 10 %.\nEach "
                             "of the others is answered 3 times.")
    await g["lee"].send(f"/claim {task} 20", chat=g["alpha"])
    await g["ma"].send(f"/claim {task} 10", chat=g["beta"])
    await take(g["lee"], g["alpha"], g["wu"], task, 10)
    # The card shows no key: a control item looks like any other.
    card = g["wu"].last_message().text
    assert "Item " not in card and re.search(r"photo \d+", card)
    await take(g["lee"], g["alpha"], g["xi"], task, 10)
    await take(g["ma"], g["beta"], g["yu"], task, 10)

    # The careful ones submit; their items wait for the third answer.
    await answer_all(g["wu"], careful=True)
    await answer_all(g["yu"], careful=True)
    assert "submitted" in g["wu"].last_message().text
    # The careless one answers everything wrong: rejected at once, told how many controls
    # were wrong but not which.
    await answer_all(g["xi"], careful=False)
    told = g["xi"].texts()[-1]
    assert "1 of 1 control answers were wrong; at least 80 % must be right." in told
    assert not any("photo" in line for line in told.splitlines()[1:])
    status = await h.services.db.fetch_value("SELECT status FROM assignments WHERE id = 2")
    assert status == "rejected"

    # A rework as careless fails again.
    await g["xi"].send("/tasks")
    await g["xi"].press("Continue #2")
    await answer_all(g["xi"], careful=False)
    assert "1 of 1 control answers were wrong" in g["xi"].texts()[-1]
    # Nothing was paid so far, and no admin was asked to review anything.
    assert await h.services.db.fetch_value("SELECT COUNT(*) FROM ledger") == 0
    assert not any("submitted assignment" in t for t in admin.texts())
