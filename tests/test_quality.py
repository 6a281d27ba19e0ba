"""Quality control from the user's side: control items with known answers mixed into
assignments unseen, overlap (each item answered by several workers), and the decisions that
need no admin: a careless worker rejected on the controls, the others accepted because they
pass and agree, each item's answer and confidence for the admin.
"""

from __future__ import annotations

import csv
import io
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
                     overlap=3, auto_accept="quality", skills="labeling", **extra)


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
    await admin.send("/skill add labeling Photo labeling")
    for worker in (wu, xi, qi, yu):
        await admin.send(f"/skill grant labeling @{worker.username}")
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
    assert g["imported"] == (f"Task T{task} has 12 items now; its units are 30.\n3 of them "
                             "are control items, mixed into each assignment at 10 %.\nEach "
                             "of the others is answered 3 times.")
    await g["lee"].send(f"/claim {task} 20", chat=g["alpha"])
    await g["ma"].send(f"/claim {task} 10", chat=g["beta"])
    await take(g["lee"], g["alpha"], g["wu"], task, 10)
    # The offer says what the work will be checked against.
    offer = next(t for t in g["wu"].texts() if "<b>Assignment A1</b> from Alpha" in t)
    assert "Quality: 10 % of each assignment are control items with known answers; at least " \
        "80 % of them must be right." in offer
    assert "Each item is answered by 3 workers." in offer
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
    told = next(t for t in g["xi"].texts()[-2:] if "control answers were wrong" in t)
    assert "1 of 1 control answers were wrong; at least 80 % must be right." in told
    assert "photo" not in told
    status = await h.services.db.fetch_value("SELECT status FROM assignments WHERE id = 2")
    assert status == "rejected"

    # A rework as careless fails again.
    await g["xi"].send("/tasks")
    await g["xi"].press("Continue A2")
    await answer_all(g["xi"], careful=False)
    # Twice in a row: kept off the skill for a day, told why and until when; the work they
    # held goes back to the guild's pool.
    banned = "\n".join(g["xi"].texts()[-4:])
    assert "the control answers fell short 2 times in a row (the last time, 1 of 1 were " \
        "wrong)" in banned, banned
    assert "answer again" not in banned  # the ban takes the rework back: no "try again"
    status = await h.services.db.fetch_value("SELECT status FROM assignments WHERE id = 2")
    assert status == "cancelled"
    # Nothing was paid so far, and no admin was asked to review anything.
    assert await h.services.db.fetch_value("SELECT COUNT(*) FROM ledger") == 0
    assert not any("submitted assignment" in t for t in admin.texts())

    # The leader hands the returned units out again: Xi is left out, Wu holds every item
    # already, so Qi gets them.
    await g["lee"].send(f"/distribute {task}", chat=g["alpha"])
    handed = g["alpha"].last_message().text
    assert "Assignment A4: 10 units to @qi" in handed, handed
    assert "@xi" in handed and "to @wu" not in handed
    await g["qi"].press("Accept")
    await answer_all(g["qi"], careful=True)
    # All items have their three answers and agree: the three are accepted and paid, no
    # admin involved.
    for name in ("wu", "yu", "qi"):
        assert any("passed the quality checks and was accepted automatically: 10 units." in t
                   for t in g[name].texts()), name
    assert not any("submitted assignment" in t for t in admin.texts())
    rows = await h.services.db.fetch_all(
        "SELECT user_id, amount_minor FROM ledger WHERE kind = 'worker_share' ORDER BY user_id")
    assert sorted(r[1] for r in rows) == [100, 100, 100]
    status = await h.services.db.fetch_value(f"SELECT status FROM tasks WHERE id = {task}")
    assert status == "completed"

    # Each item's answer and confidence, for the admin.
    replies = await admin.send(f"/answers {task}")
    assert "9 of 9 items have their 3 answers; 9 agree." in replies[0].text
    document = next(s for s in replies if s.method == "sendDocument")
    table = list(csv.reader(io.StringIO(
        h.api.uploaded[document.params["document"]].decode("utf-8-sig"))))
    assert table[0] == ["key", "answer", "confidence", "votes", "answers"]
    assert table[1:] == [[f"p{n}", TRUTH[n], "1.00", "3", "3"] for n in range(1, ITEMS + 1)]

    # Scores after the day, by hand: Wu, Qi and Yu got their control right, had all 10 units
    # accepted and submitted on time (100); Xi got 0 of 2 controls right and finished nothing
    # (the cancelled work counts neither way): 0. Alpha adds up its members' work: controls
    # 2 of 4 right (50 %), 20 of 20 units accepted, 2 of 2 on time: (50 + 100 + 100) / 3 = 83.
    alpha = (await admin.send("/guild 1"))[-1].text
    assert "Last 90 days: score 83 (controls 50 %, accepted 100 %, on time 100 %)" in alpha
    beta = (await admin.send("/guild 2"))[-1].text
    assert "Last 90 days: score 100 (controls 100 %, accepted 100 %, on time 100 %)" in beta
    await g["lee"].send("/members", chat=g["alpha"])
    roster = g["alpha"].last_message().text
    for name, score in (("wu", 100), ("xi", 0), ("qi", 100)):
        line = next(line for line in roster.splitlines() if f"@{name}" in line)
        assert f"score {score}" in line, line


TEST_ITEMS = 5


def qualification_file() -> bytes:
    rows = ["key,text,golden", *(f"q{n},photo {n},{TRUTH[n]}" for n in range(1, TEST_ITEMS + 1))]
    return ("\n".join(rows) + "\n").encode()


async def test_a_qualification_test_grants_the_skill_to_who_passes(h: Harness,
                                                                    admin: FakeUser) -> None:
    lee, wu, xi = h.user("Lee"), h.user("Wu"), h.user("Xi")
    await lee.send("/start")
    group = await approved_guild(h, admin, "Alpha", lee, members=(wu, xi))
    await admin.send("/skill add labeling Photo labeling")
    # The test: every item with its known answer; not announced to the guilds.
    before = len(group.messages())
    test = task_id_in((await admin.send(task_form(
        "Labeling test", "Which animal is in the photo?", mode="fixed", units=1,
        price="0.10", answer="choice", labels=" | ".join(LABELS), threshold="80%",
        qualifies="labeling", deadline="2026-12-20 18:00")))[-1].text)
    assert len(group.messages()) == before
    bad = await admin.send_document("test.csv", content=b"key,text,golden\nq1,photo 1,\n",
                                    caption=f"/items {test}")
    assert bad[-1].text == ("Line 2 of test.csv: a qualification test needs the golden answer "
                            "of every item.")
    await admin.send_document("test.csv", content=qualification_file(), caption=f"/items {test}")
    await lee.send(f"/claim {test} 1", chat=group)
    assert group.last_message().text.startswith(
        f"Task T{test} is the qualification test for the skill labeling")

    # Wu answers right: the skill is theirs. Xi does not.
    await wu.send("/qualify labeling")
    # A test is graded on every item: nothing can be skipped.
    assert not any("Skip" in b for b in wu.last_message().button_texts)
    await wu.press_data("i1:skip_cannot:1:1")
    assert wu.last_alert().startswith("A qualification test is graded on every item")
    await answer_all(wu, careful=True)
    assert any(t.startswith("🎓 You passed the qualification test for labeling: 5 of 5 right.")
               for t in wu.texts()[-2:])
    await xi.send("/qualify labeling")
    await answer_all(xi, careful=False)
    assert any(t.startswith("You did not pass the qualification test for labeling: 0 of 5 "
                            "right, and 80 % are needed. You can take it again from 2026-12-")
               for t in xi.texts()[-2:])
    again = (await xi.send("/qualify labeling"))[-1].text
    assert again.startswith("You can take the test for labeling again from 2026-12-")
    # Nothing is paid for a test.
    assert await h.services.db.fetch_value("SELECT COUNT(*) FROM ledger") == 0

    # A task that needs the skill: /distribute offers it only to Wu.
    task = task_id_in((await admin.send(task_form(
        "Animals", "Which animal?", mode="fixed", units=4, price="0.10", result="text",
        skills="labeling", deadline="2026-12-20 18:00")))[-1].text)
    await lee.send(f"/claim {task} 4", chat=group)
    await lee.send(f"/distribute {task}", chat=group)
    handed = group.last_message().text
    assert "4 units to @wu" in handed and "to @xi" not in handed, handed


async def test_quality_fields_and_golden_answers_refused_with_the_line(h: Harness,
                                                                      admin: FakeUser) -> None:
    bad = {"control": ("60%", "Line 8 (control): expected a share from 0 % to 50 %"),
           "overlap": ("11", "Line 8 (overlap): expected how many workers answer each item, "
                             "1 to 10"),
           "auto_accept": ("always", "Line 8 (auto_accept): expected quality"),
           "min_score": ("101", "Line 8 (min_score): expected a guild score from 0 to 100")}
    for key, (value, refusal) in bad.items():
        form = task_form("Animals", "Which animal?", mode="fixed", units=1, price="0.10",
                         answer="choice", labels=" | ".join(LABELS),
                         deadline="2026-12-20 18:00", **{key: value})
        assert (await admin.send(form))[-1].text.startswith(refusal), key
    await admin.send("/skill add labeling Photo labeling")
    photos = task_form("Shops", "A photo of each shop.", mode="fixed", units=1, price="0.10",
                       result="photo", overlap=3, deadline="2026-12-20 18:00")
    assert (await admin.send(photos))[-1].text.startswith(
        "control, overlap, auto_accept and qualifies apply to tasks answered in text or by "
        "choice.")
    test = task_form("Test", "Which?", mode="fixed", units=1, price="0.10", answer="choice",
                     labels=" | ".join(LABELS), qualifies="dubbing", deadline="2026-12-20 18:00")
    assert "dubbing" in (await admin.send(test))[-1].text
    assert await h.services.db.fetch_value("SELECT COUNT(*) FROM tasks") == 0
    task = task_id_in((await admin.send(quality_task()))[-1].text)
    cases = {
        "none.csv": (b"key,text\np1,photo 1\np2,photo 2\n",
                     "none.csv: the task mixes in 10 % control items, but no row has a golden "
                     "answer"),
        "label.csv": ("key,text,golden\np1,photo 1,\nc1,photo 2,马\n".encode(),
                      "Line 3 of label.csv: the golden answer “马” is not one of the task's "
                      "labels (猫 | 狗 | 鸟)."),
        "all.csv": ("key,text,golden\nc1,photo 1,猫\n".encode(),
                    "all.csv: every row has a golden answer"),
    }
    for name, (content, refusal) in cases.items():
        reply = (await admin.send_document(name, content=content, caption=f"/items {task}"))
        assert reply[-1].text.startswith(refusal), (name, reply[-1].text)


async def test_text_answers_are_checked_after_normalising(h: Harness, admin: FakeUser) -> None:
    """A text task's control item accepts any of its answers, whatever the case, width,
    spaces and punctuation."""
    lee, wu = h.user("Lee"), h.user("Wu")
    await lee.send("/start")
    group = await approved_guild(h, admin, "Alpha", lee, members=(wu,))
    task = task_id_in((await admin.send(task_form(
        "Lines", "Translate the line.", mode="fixed", units=1, price="0.10", answer="text",
        control="50%", threshold="100%", deadline="2026-12-20 18:00")))[-1].text)
    content = "key,text,golden\nl1,第一句,\nl2,你好。,Hello world | Hi\n".encode()
    imported = await admin.send_document("lines.csv", content=content, caption=f"/items {task}")
    assert "its units are 2." in imported[-1].text
    await lee.send(f"/claim {task} 2", chat=group)
    await lee.send(f"/assign {task} 2 @wu", chat=group)
    await wu.press("Accept")
    for _ in range(2):
        shown = wu.messages()[-1].text
        await wu.send("ＨＥＬＬＯ,  World!!" if "你好" in shown else "The first line.")
    await wu.press("Submit")
    assert "submitted" in wu.last_message().text
    correct = await h.services.db.fetch_value(
        "SELECT correct FROM results WHERE correct IS NOT NULL")
    assert correct == 1


async def test_overlap_across_guilds_keeps_an_item_from_two_of_one_guild(
        h: Harness, admin: FakeUser) -> None:
    lee, ma, wu, xi, yu = (h.user(n) for n in ("Lee", "Ma", "Wu", "Xi", "Yu"))
    await lee.send("/start")
    await ma.send("/start")
    alpha = await approved_guild(h, admin, "Alpha", lee, members=(wu, xi))
    beta = await approved_guild(h, admin, "Beta", ma, members=(yu,))
    task = task_id_in((await admin.send(task_form(
        "Animals", "Which animal?", mode="fixed", units=1, price="0.10", answer="choice",
        labels=" | ".join(LABELS), overlap="2 guilds",
        deadline="2026-12-20 18:00")))[-1].text)
    rows = "key,text\n" + "".join(f"p{n},photo {n}\n" for n in range(1, 4))
    imported = await admin.send_document("a.csv", content=rows.encode(),
                                         caption=f"/items {task}")
    assert "its units are 6." in imported[-1].text
    await lee.send(f"/claim {task} 4", chat=alpha)
    await ma.send(f"/claim {task} 2", chat=beta)
    await lee.send(f"/assign {task} 3 @wu", chat=alpha)
    # Every item has its answer from Alpha already: Xi may take none of them.
    await lee.send(f"/assign {task} 1 @xi", chat=alpha)
    assert alpha.last_message().text.startswith("@xi can take 0 items of task T1")
    # Yu, of Beta, may: each of Wu's items gets its second answer from another guild.
    await ma.send(f"/assign {task} 2 @yu", chat=beta)
    assert beta.last_message().text == "Assignment A2: 2 units offered to @yu."
    held = await h.services.db.fetch_all(
        "SELECT assignment_id, item_id FROM assignment_items ORDER BY assignment_id, item_id")
    assert [tuple(r) for r in held] == [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2)]


async def test_answers_that_do_not_agree_go_to_the_admins_first(h: Harness,
                                                                admin: FakeUser) -> None:
    lee, wu, xi = h.user("Lee"), h.user("Wu"), h.user("Xi")
    await lee.send("/start")
    group = await approved_guild(h, admin, "Alpha", lee, members=(wu, xi))
    task = task_id_in((await admin.send(task_form(
        "Animals", "Which animal?", mode="fixed", units=1, price="0.10", answer="choice",
        labels=" | ".join(LABELS), overlap=2, auto_accept="quality",
        deadline="2026-12-20 18:00")))[-1].text)
    rows = "key,text\n" + "".join(f"p{n},photo {n}\n" for n in range(1, 3))
    await admin.send_document("a.csv", content=rows.encode(), caption=f"/items {task}")
    await lee.send(f"/claim {task} 4", chat=group)
    await take(lee, group, wu, task, 2)
    await take(lee, group, xi, task, 2)
    await answer_all(wu, careful=True)
    await answer_all(xi, careful=False)  # every answer differs from Wu's: a tie on each item
    # Nobody is accepted: both go to the admins, marked.
    assert await h.services.db.fetch_value("SELECT COUNT(*) FROM ledger") == 0
    disputed = await h.services.db.fetch_all("SELECT id FROM assignments WHERE disputed = 1")
    assert [r[0] for r in disputed] == [1, 2]
    page = (await admin.send("/review"))[-1].text
    assert "⚠️ Some answers differ from the other workers' on the same items." in page
    replies = await admin.send(f"/answers {task}")
    assert "2 of 2 items have their 2 answers; 0 agree." in replies[0].text


async def test_where_the_guild_prechecks_quality_accepts_after_the_leader(
        h: Harness, admin: FakeUser) -> None:
    lee, wu = h.user("Lee"), h.user("Wu")
    await lee.send("/start")
    group = await approved_guild(h, admin, "Alpha", lee, members=(wu,))
    await lee.send("/precheck on", chat=group)
    task = task_id_in((await admin.send(task_form(
        "Animals", "Which animal?", mode="fixed", units=1, price="0.10", answer="choice",
        labels=" | ".join(LABELS), control="50%", auto_accept="quality",
        deadline="2026-12-20 18:00")))[-1].text)
    rows = f"key,text,golden\np1,photo 1,\nc1,photo 2,{TRUTH[2]}\nc2,photo 3,{TRUTH[3]}\n"
    await admin.send_document("a.csv", content=rows.encode(), caption=f"/items {task}")
    units = await h.services.db.fetch_value(f"SELECT units FROM tasks WHERE id = {task}")
    await lee.send(f"/claim {task} {units}", chat=group)
    await take(lee, group, wu, task, 2)
    await answer_all(wu, careful=True)
    # Passed the controls, but the leader checks first: nothing is accepted yet.
    assert lee.last_message().button_texts == ["Pass to review", "Send back"]
    assert (await h.services.sweep.sweep()).quality_decided == []
    await lee.press("Pass to review")
    # The minute sweep decides it on its checks: accepted and paid, no admin.
    assert (await h.services.sweep.sweep()).quality_decided == [1]
    await h.settle()
    assert any("passed the quality checks and was accepted automatically" in t
               for t in wu.texts())
    assert await h.services.db.fetch_value(
        "SELECT amount_minor FROM ledger WHERE kind = 'worker_share'") == 20
