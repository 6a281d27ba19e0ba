"""Item tasks from the user's side: an admin gives a task its items (a CSV or JSONL file),
guilds hold units, and each worker answers item by item in the chat (a tap for a choice, a
message for text); Back changes an answer, Skip gives an item back; the admin reviews the
answers on one page and may send only some items back; the ledger credits each accepted item.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest

from tests.scenario import approved_guild, task_form, task_id_in
from tgfake import FakeUser, Harness

RECEIPTS = task_form("Receipts, batch 1", "Which kind of spending is this receipt?",
                     mode="fixed", units=1, price="0.50", answer="choice",
                     labels="食品 | 交通 | 住宿", deadline="2026-12-20 18:00")
LINES = task_form("Subtitles, episode 4", "Translate each line into English.", mode="fixed",
                  units=1, price="1.00", answer="text", deadline="2026-12-20 18:00")


def csv_of(rows: list[tuple[str, str]], header: str = "key,text") -> bytes:
    return ("\n".join([header, *(f"{k},{v}" for k, v in rows)]) + "\n").encode()


async def _presses(person: FakeUser, *buttons: str) -> None:
    for button in buttons:
        await person.press(button)


async def _guild(h: Harness, admin: FakeUser, form: str, items: bytes, file: str,
                 units: int) -> dict:
    lee, wu, xi = h.user("Lee"), h.user("Wu"), h.user("Xi")
    await lee.send("/start")
    group = await approved_guild(h, admin, "Alpha", lee, members=(wu, xi))
    task = task_id_in((await admin.send(form))[-1].text)
    replies = await admin.send_document(file, mime_type="text/csv", content=items,
                                        caption=f"/items {task}")
    await lee.send(f"/claim {task} {units}", chat=group)
    return {"lee": lee, "wu": wu, "xi": xi, "group": group, "task": task,
            "imported": replies[-1].text}


async def test_a_choice_task_answered_by_taps_with_back_and_skip(h: Harness,
                                                                admin: FakeUser) -> None:
    items = csv_of([(f"r{n}", f"receipt {n}") for n in range(1, 7)])
    g = await _guild(h, admin, RECEIPTS, items, "receipts.csv", 6)
    assert g["imported"] == f"Task T{g['task']} has 6 items now; its units are 6."
    wu, lee, group = g["wu"], g["lee"], g["group"]
    await lee.send(f"/assign {g['task']} 4 @wu", chat=group)
    await wu.press("Accept")
    card = wu.last_message()
    assert "<b>Assignment A1</b> · Receipts, batch 1 · item 1 of 4" in card.text
    assert "Item r1\n\nreceipt 1\n\nTap the answer." in card.text
    assert card.text.endswith("0 / 4 ▱▱▱▱▱▱▱▱▱▱")
    assert card.button_texts == ["食品", "交通", "住宿", "Skip: unreadable", "Skip: can't do it"]
    await wu.press("交通")
    shown = wu.messages()[-1]
    assert shown.method == "editMessageText" and "item 2 of 4" in shown.text
    assert "Item r2" in shown.text and shown.text.endswith("1 / 4 ▰▰▰▱▱▱▱▱▱▱")
    await wu.press("食品")
    # Back to item 2: its answer shows, and a new tap replaces it.
    await wu.press("Back")
    assert "Item r2" in wu.messages()[-1].text
    assert "Your answer so far: 食品" in wu.messages()[-1].text
    await wu.press("住宿")
    assert "Item r3" in wu.messages()[-1].text
    # Item 3 is unreadable: skipped, back in the pool, one unit less; the leader is told.
    await wu.press("Skip: unreadable")
    assert "Item r4" in wu.messages()[-1].text and "item 3 of 3" in wu.messages()[-1].text
    assert any("skipped item r3 of assignment A1 (unreadable)" in t for t in lee.texts())
    # A tap meant for an item no longer shown (a double tap, a slow client) records nothing.
    await wu.press_data("i1:p0:1:1")
    assert wu.last_alert().startswith("That item is not the one shown now")
    await wu.press("交通")
    summary = wu.messages()[-1]
    assert "all 3 items answered." in summary.text
    assert "1. r1: 交通\n2. r2: 住宿\n3. r4: 交通" in summary.text
    assert summary.button_texts == ["Back", "Submit"]
    await wu.press("Submit")
    assert "submitted" in wu.last_message().text
    # The skipped item went back: the next assignment gets it (and the two never handed out).
    await lee.send(f"/assign {g['task']} 3 @xi", chat=group)
    xi = g["xi"]
    await xi.press("Accept")
    assert "Item r3" in xi.last_message().text
    # The admin accepts: 3 items × 0.50 credited.
    await admin.send("/accept 1")
    assert any("1.50" in t for t in wu.texts()[-2:])


async def test_a_text_task_answered_by_messages(h: Harness, admin: FakeUser) -> None:
    """A translation task of 20 CSV lines, Chinese source text, answered in text."""
    lines = [("l1", "店铺九点开门。"), ("l2", "请取号。"),
             *((f"l{n}", f"第 {n} 句，请翻译。") for n in range(3, 21))]
    g = await _guild(h, admin, LINES, csv_of(lines, "key,source"), "lines.csv", 20)
    wu = g["wu"]
    await g["lee"].send(f"/assign {g['task']} 20 @wu", chat=g["group"])
    await wu.press("Accept")
    assert "Item l1\n\n店铺九点开门。\n\nReply with your answer (text)." in wu.last_message().text
    await wu.send("The shop opens at nine.")
    assert "Item l2" in wu.last_message().text and "请取号。" in wu.last_message().text
    await wu.send("Please take a number.")
    for n in range(3, 21):
        assert f"第 {n} 句，请翻译。" in wu.last_message().text
        await wu.send(f"Sentence {n}, please translate.")
    summary = wu.last_message().text
    assert "all 20 items answered." in summary
    assert "1. l1: The shop opens at nine.\n2. l2: Please take a number.\n3. l3: Sentence 3" \
        in summary
    # One message too many is refused, and nothing changes.
    await wu.send("hello?")
    assert wu.last_message().text.startswith("That item is not the one shown now")
    await wu.press("Submit")
    assert "submitted" in wu.last_message().text


async def test_jsonl_items_and_chinese_csv_encodings(h: Harness, admin: FakeUser) -> None:
    ada = admin
    task = task_id_in((await ada.send(LINES))[-1].text)
    rows = [json.dumps({"key": f"k{n}", "text": f"第{n}句"}, ensure_ascii=False)
            for n in range(1, 4)]
    replies = await ada.send_document("lines.jsonl", content="\n".join(rows).encode(),
                                      caption=f"/items {task}")
    assert replies[-1].text == f"Task T{task} has 3 items now; its units are 3."
    gbk = "key,text\nk1,店铺九点开门\nk2,请取号\n".encode("gb18030")
    replies = await ada.send_document("lines.csv", content=gbk, caption=f"/items {task}")
    assert replies[-1].text == f"Task T{task} has 2 items now; its units are 2."
    bom = "\ufeffkey,text\nk1,店铺\n".encode()
    replies = await ada.send_document("lines.csv", content=bom, caption=f"/items {task}")
    assert replies[-1].text == f"Task T{task} has 1 item now; its units are 1."


async def test_the_admin_sends_two_items_back_and_accepts_the_rework(h: Harness,
                                                                     admin: FakeUser) -> None:
    items = csv_of([(f"r{n}", f"receipt {n}") for n in range(1, 5)])
    g = await _guild(h, admin, RECEIPTS, items, "receipts.csv", 4)
    wu, lee = g["wu"], g["lee"]
    await lee.send("/commission 10", chat=g["group"])
    await lee.send(f"/assign {g['task']} 4 @wu", chat=g["group"])
    await _presses(wu, "Accept", "食品", "交通", "交通", "住宿", "Submit")
    # One page: each item's input next to its answer, with Accept / Reject.
    page = (await admin.send("/review"))[-1]
    assert page.text.startswith("<b>Review assignment A1</b>: task T1 (Receipts, batch 1), "
                                "Alpha, by @wu. 4 items at 0.50 CNY.")
    assert "1. r1 · receipt 1 → 食品\n2. r2 · receipt 2 → 交通\n3. r3 · receipt 3 → 交通\n" \
        "4. r4 · receipt 4 → 住宿" in page.text
    assert page.button_texts == ["Accept", "Reject", "Send back some…"]
    # Part acceptance by count does not apply to items.
    await admin.send("/accept 1 2")
    assert admin.last_message().text.startswith("Assignment A1 is accepted whole.")
    await admin.send("/reject 1 2,3 wrong category")
    told = wu.last_message().text
    assert told.startswith("↩️ Assignment A1: items r2, r3 were sent back for rework. Reason: "
                           "wrong category")
    # Wu continues where the rework starts: item r2; the others' answers stand.
    await wu.send("/tasks")
    await wu.press("Continue A1")
    card = wu.last_message()
    assert "Item r2" in card.text and "To fix: wrong category" in card.text
    assert "Skip" not in " ".join(card.button_texts)  # an item asked for again stays
    await wu.press("食品")
    assert "Item r3" in wu.messages()[-1].text
    await wu.press("住宿")
    assert "1. r1: 食品\n2. r2: 食品\n3. r3: 住宿\n4. r4: 住宿" in wu.messages()[-1].text
    await wu.press("Submit")
    page = (await admin.send("/review 1"))[-1]
    assert "This is rework round 1." in page.text and "3. r3 · receipt 3 → 住宿" in page.text
    await admin.press("Accept")
    # Credited per accepted item: 4 × 0.50 = 2.00, 10 % to the guild.
    rows = await h.services.db.fetch_all(
        "SELECT kind, amount_minor FROM ledger ORDER BY kind")
    assert [tuple(r) for r in rows] == [("commission", 20), ("worker_share", 180)]
    assert wu.texts()[-1] == ("✅ Assignment A1 was accepted: 4 of 4 units.\nYou earned 1.80 "
                              "CNY (after Alpha's commission of 0.20 CNY).")


async def _refused(admin: FakeUser, task: int, file: str, content: bytes) -> str:
    replies = await admin.send_document(file, mime_type="text/csv", content=content,
                                        caption=f"/items {task}")
    return replies[-1].text


async def test_bad_item_files_are_refused_whole_with_the_line(h: Harness,
                                                              admin: FakeUser) -> None:
    task = task_id_in((await admin.send(LINES))[-1].text)
    cases = {
        "quotes.csv": (b'key,text\nk1,"an open quote\nk2,fine\n',
                       "Line 3 of quotes.csv: the quotes do not match"),
        "columns.csv": (b"key,text\nk1,one\nk2,two,three\n",
                        "Line 3 of columns.csv: expected 2 columns, as in the first line; "
                        "found 3."),
        "twice.csv": (b"key,text\nk1,one\nk2,two\nk1,again\n",
                      "Line 4 of twice.csv: the key “k1” is on line 2 already; keys must be "
                      "unique."),
        "empty.csv": (b"key,text\nk1,one\nk2,  \n", "Line 3 of empty.csv: the item is empty."),
        "nothing.csv": (b"key,text\n", "nothing.csv: no items: one row per item"),
        "blank.csv": (b"", "blank.csv: the file is empty: the first line names the columns."),
        "latin.csv": ("key,text\nk1,caf\u00e9\n".encode("utf-16"),
                      "latin.csv: it is neither UTF-8 nor GB18030/GBK text"),
        "lines.jsonl": (b'{"text": "one"}\n[1, 2]\n',
                        "Line 2 of lines.jsonl: expected an object of texts or numbers"),
        "broken.jsonl": (b'{"text": "one"}\n{"text": \n',
                         "Line 2 of broken.jsonl: not a JSON object"),
        "items.xlsx": (b"PK\x03\x04",
                       "items.xlsx: send items as a .csv or .jsonl file, or media as a .zip."),
        "many.csv": (("text\n" + "x\n" * 100_001).encode(),
                     "many.csv: more than 100,000 items; split the task."),
    }
    for file, (content, expected) in cases.items():
        said = await _refused(admin, task, file, content)
        assert said.startswith(expected), (file, said)
    # Nothing was half-imported: the task still has its one unit and no items.
    rows = await h.services.db.fetch_value("SELECT COUNT(*) FROM items")
    assert rows == 0
    # Without a file, the command says how to send one.
    await admin.send(f"/items {task}")
    assert admin.last_message().text == (
        f"Send the items as a .csv, .jsonl or .zip file with the caption /items T{task}, or "
        f"reply to the file with /items T{task}.")
    # A reply to the file works too.
    content = b"text\none\ntwo\n"
    await admin.send_document("ok.csv", content=content)
    file_id = next(k for k, v in h.api.file_content.items() if v == content)
    message = {k: v for k, v in admin.said("").items() if k != "text"}
    message["document"] = {"file_id": file_id, "file_unique_id": "ok", "file_name": "ok.csv",
                           "file_size": len(content)}
    replies = await admin.send(f"/items {task}", reply_to=message)
    assert replies[-1].text == f"Task T{task} has 2 items now; its units are 2."


async def test_items_change_only_before_any_unit_is_allocated(h: Harness,
                                                              admin: FakeUser) -> None:
    g = await _guild(h, admin, LINES, csv_of([("l1", "一"), ("l2", "二")]), "lines.csv", 1)
    said = await _refused(admin, g["task"], "more.csv", csv_of([("l3", "三")]))
    assert said == (f"Guilds already hold units of task T{g['task']}, so its items can't "
                    "change now.")
    # Not an admin: refused before anything is downloaded.
    lee = g["lee"]
    replies = await lee.send_document("mine.csv", content=b"text\nx\n",
                                      caption=f"/items {g['task']}")
    assert replies[-1].text == "/items is for platform admins only."


async def test_the_leaders_precheck_shows_what_was_sent(h: Harness, admin: FakeUser) -> None:
    g = await _guild(h, admin, LINES, csv_of([("l1", "店铺九点开门。"), ("l2", "请取号。")]),
                     "lines.csv", 2)
    wu, lee, group = g["wu"], g["lee"], g["group"]
    await lee.send("/precheck on", chat=group)
    await lee.send(f"/assign {g['task']} 2 @wu", chat=group)
    await wu.press("Accept")
    await wu.send("The shop opens at nine.")
    await wu.send("Take a number, please.")
    await wu.press("Submit")
    request = next(t for t in lee.texts() if "submitted assignment A1" in t)
    assert request.endswith("\n1. l1 · 店铺九点开门。 → The shop opens at nine.\n"
                            "2. l2 · 请取号。 → Take a number, please.")
    assert lee.last_message().button_texts == ["Pass to review", "Send back"]


async def test_a_count_tasks_precheck_carries_its_results(h: Harness, admin: FakeUser) -> None:
    lee, wu = h.user("Lee"), h.user("Wu")
    await lee.send("/start")
    group = await approved_guild(h, admin, "Alpha", lee, members=(wu,))
    task = task_id_in((await admin.send(task_form(
        "Street photos", "One shop front each.", mode="fixed", units=2, price="1.00",
        result="photo", deadline="2026-12-20 18:00")))[-1].text)
    await lee.send(f"/claim {task} 2", chat=group)
    await lee.send("/precheck on", chat=group)
    await lee.send(f"/assign {task} 2 @wu", chat=group)
    await wu.press("Accept")
    await wu.send_photo(caption="shop 1")
    await wu.send_photo(caption="shop 2")
    await wu.press("Submit")
    sent = [m for m in lee.messages() if m.method == "sendPhoto"]
    assert [m.params.get("caption") for m in sent] == ["shop 1", "shop 2"]
    assert lee.last_message().text == ("Pass assignment A1 to the platform's review, or send it "
                                       "back with what to fix.")


SHOPS = task_form("Shop fronts, Guangzhou", "Is the shop open in this photo?", mode="fixed",
                  units=1, price="0.30", answer="choice", labels="开着 | 关着 | 看不出",
                  deadline="2026-12-20 18:00")


def zip_of(files: dict[str, bytes], links: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16)
            archive.writestr(info, "../../etc/passwd")
    return buffer.getvalue()


async def test_a_photo_per_item_task_from_a_zip(h: Harness, admin: FakeUser) -> None:
    photos = {f"street/{n:02d}.jpg": b"\xff\xd8\xff" + bytes([n]) * 500 for n in range(1, 11)}
    photos["__MACOSX/street/._01.jpg"] = b"junk"  # what macOS adds: not an item
    g = await _guild(h, admin, SHOPS, zip_of(photos), "street.zip", 10)
    assert g["imported"] == f"Task T{g['task']} has 10 items now; its units are 10."
    wu, xi, lee, group = g["wu"], g["xi"], g["lee"], g["group"]
    await lee.send(f"/assign {g['task']} 5 @wu", chat=group)
    await wu.press("Accept")
    card = wu.last_message()
    assert card.method == "sendPhoto" and "Item street/01.jpg" in card.text
    assert card.button_texts[:3] == ["开着", "关着", "看不出"]
    # Each answer turns the same message into the next photo.
    for label in ("开着", "关着", "开着", "看不出"):
        await wu.press(label)
        assert wu.messages()[-1].method == "editMessageMedia"
    assert "Item street/05.jpg" in wu.messages()[-1].text
    await wu.press("开着")
    summary = wu.messages()[-1]
    assert summary.method == "sendMessage" and "all 5 items answered." in summary.text
    # Uploaded once each; Back shows a photo again by its file_id, without uploading it.
    uploads = len(h.api.uploads)
    assert uploads == 5
    await wu.press("Back")
    assert wu.messages()[-1].method == "sendPhoto" and len(h.api.uploads) == uploads
    await wu.press("开着")
    await wu.press("Submit")
    await lee.send(f"/assign {g['task']} 5 @xi", chat=group)
    await xi.press("Accept")
    assert "Item street/06.jpg" in xi.last_message().text
    assert len(h.api.uploads) == 6
    # The files are the bot's own, under DATA_DIR (beside the database here).
    kept = sorted(p.name for p in (h.settings.data_path / "items").rglob("*.jpg"))
    assert kept == [f"{n:06d}.jpg" for n in range(1, 11)]


async def test_bad_zips_are_refused_naming_the_file(h: Harness, admin: FakeUser) -> None:
    task = task_id_in((await admin.send(SHOPS))[-1].text)
    big_photo = {"big.jpg": b"\xff" * (10 * 1024 * 1024 + 1)}
    cases = {
        "escape.zip": (zip_of({"ok.jpg": b"x", "../../evil.jpg": b"x"}),
                       "escape.zip: “../../evil.jpg” points outside the ZIP"),
        "link.zip": (zip_of({"ok.jpg": b"x"}, links=("shortcut.jpg",)),
                     "link.zip: “shortcut.jpg” is a link; send the files themselves."),
        "big.zip": (zip_of(big_photo),
                    "big.zip: “big.jpg” is 10.0 MB; Telegram takes at most 10 MB for it."),
        "empty.zip": (zip_of({}), "empty.zip: the ZIP holds no files."),
        "fake.zip": (b"this is not a zip", "fake.zip: it is not a ZIP file."),
    }
    for file, (content, expected) in cases.items():
        said = await _refused(admin, task, file, content)
        assert said.startswith(expected), (file, said)
    assert await h.services.db.fetch_value("SELECT COUNT(*) FROM items") == 0
    # Nothing was left behind on disk by a refused ZIP.
    folder = h.settings.data_path / "items"
    assert not folder.exists() or not any(folder.iterdir())


async def test_photo_answers_are_reviewed_in_albums(h: Harness, admin: FakeUser) -> None:
    form = task_form("Shop photos", "Photograph the shop named in each item.", mode="fixed",
                     units=1, price="1.00", answer="photo", deadline="2026-12-20 18:00")
    shops = [(f"s{n}", f"shop {n}") for n in range(1, 13)]
    g = await _guild(h, admin, form, csv_of(shops), "shops.csv", 12)
    wu = g["wu"]
    await g["lee"].send(f"/assign {g['task']} 12 @wu", chat=g["group"])
    await wu.press("Accept")
    assert "Reply with your answer (photo)." in wu.last_message().text
    await wu.send("a text is not a photo")
    assert wu.last_message().text.startswith("Task T1 wants photo results")
    for _n in shops:
        await wu.send_photo()
    assert "all 12 items answered." in wu.last_message().text
    await wu.press("Submit")
    replies = await admin.send("/review")
    assert "1. s1 · shop 1 → photo" in replies[0].text
    albums = [m for m in replies if m.method == "sendMediaGroup"]
    assert [m.params.get("caption") for m in albums] == [f"{n}. s{n}" for n in range(1, 13)]
    assert len({m.message_id for m in albums}) == 12
    assert replies[-1].button_texts == ["Accept", "Reject", "Send back some…"]
    assert len(h.api.calls_of("sendMediaGroup")) == 2  # 10, then 2


async def test_fifty_receipts_through_two_guilds(h: Harness, admin: FakeUser) -> None:
    """The issue's scenario: a three-label task of 50 items goes to two guilds; workers tap;
    one skips an item, one goes back and changes an answer; the admin sends two items back
    with a reason; they are reworked and accepted; the ledger credits per accepted item."""
    task = task_id_in((await admin.send(RECEIPTS))[-1].text)
    receipts = csv_of([(f"r{n:02d}", f"receipt {n}") for n in range(1, 51)])
    await admin.send_document("receipts.csv", content=receipts, caption=f"/items {task}")
    lee, mei = h.user("Lee"), h.user("Mei")
    wu, xi, yan = h.user("Wu"), h.user("Xi"), h.user("Yan")
    for leader in (lee, mei):
        await leader.send("/start")
    alpha = await approved_guild(h, admin, "Alpha", lee, members=(wu, xi))
    beta = await approved_guild(h, admin, "Beta", mei, members=(yan,))
    await lee.send(f"/claim {task} 30", chat=alpha)
    await mei.send(f"/claim {task} 20", chat=beta)
    await lee.send(f"/distribute {task}", chat=alpha)  # 10 each to Lee, Wu and Xi
    await mei.send(f"/distribute {task}", chat=beta)  # 10 each to Mei and Yan
    taps = ("食品", "交通", "住宿")
    workers = {"lee": lee, "wu": wu, "xi": xi, "mei": mei, "yan": yan}
    for name, person in workers.items():
        await person.press("Accept")
        for n in range(10):
            if name == "wu" and n == 3:
                await person.press("Skip: can't do it")
                continue
            await person.press(taps[n % 3])
            if name == "xi" and n == 5:
                await person.press("Back")
                await person.press("食品")  # item 6 changes from 住宿; then 7 is shown
        assert "answered." in person.messages()[-1].text, name
        await person.press("Submit")
    # Every held item was answered once; the one Wu skipped is back in Alpha's pool.
    stored = await h.services.db.fetch_value(
        "SELECT COUNT(*) FROM results WHERE item_id IS NOT NULL")
    assert stored == 49
    await lee.send(f"/progress {task}", chat=alpha)
    assert "your guild holds 30 units, 1 not yet assigned." in alpha.last_message().text
    # The admins review each submission; Yan's gets two items sent back.
    for assignment in range(1, 6):
        if assignment == 5:
            await admin.send(f"/reject {assignment} 2,9 wrong category")
            continue
        await admin.send(f"/accept {assignment}")
    assert yan.last_message().text.startswith("↩️ Assignment A5: items ")
    await yan.send("/tasks")
    for button in ("Continue A5", "住宿", "住宿", "Submit"):  # the two items again, then Submit
        await yan.press(button)
    await admin.send("/accept 5")
    # Credited per accepted item at 0.50: 49 items = 24.50 in all, split with commission 0.
    total = await h.services.db.fetch_value(
        "SELECT SUM(amount_minor) FROM ledger WHERE kind IN ('worker_share', 'commission')")
    assert total == 49 * 50
    per_worker = dict(await h.services.db.fetch_all(
        "SELECT user_id, SUM(amount_minor) FROM ledger GROUP BY user_id"))
    assert per_worker[wu.id] == 9 * 50 and per_worker[yan.id] == 10 * 50
    changed = await h.services.db.fetch_value(
        "SELECT r.text FROM results r JOIN assignments a ON a.id = r.assignment_id"
        " JOIN items i ON i.id = r.item_id WHERE a.worker_id = :xi AND i.key = 'r26'",
        {"xi": xi.id})
    assert changed == "食品"  # Xi's sixth item (r26), changed with Back


async def test_the_guided_flow_takes_the_items_at_the_units_step(h: Harness,
                                                                admin: FakeUser) -> None:
    lee = h.user("Lee")
    await lee.send("/start")
    group = await approved_guild(h, admin, "Alpha", lee)
    await admin.send("/newtask")
    await admin.send("Subtitles, episode 5")
    await admin.send("Translate each line into English.")
    await admin.press("Done")
    await admin.press("text")
    assert "Or send the items as a .csv, .jsonl or .zip file" in admin.last_message().text
    # A bad file is refused and the step waits; a good one answers it.
    await admin.send_document("lines.csv", content=b"key,text\nl1,one\nl1,again\n")
    assert admin.last_message().text.startswith("Line 3 of lines.csv: the key “l1”")
    await admin.send_document("lines.csv", content=csv_of([(f"l{n}", f"第{n}句") for n in
                                                            range(1, 13)]))
    assert admin.last_message().text.startswith("12 items from lines.csv, one unit each.\n"
                                                "Step 5 of 7. Price per unit")
    await admin.send("1.00")
    await admin.press("fixed price")
    await admin.send("2026-12-20 18:00")
    assert "Units: 12" in admin.last_message().text
    await admin.press("Post")
    # Announced with its 12 units, the items stored with it.
    assert "Units: 12 of 12 left" in group.last_message().text
    assert await h.services.db.fetch_value("SELECT COUNT(*) FROM items WHERE task_id = 1") == 12


@pytest.mark.parametrize("started", [False, True])
async def test_a_part_rework_not_submitted_pays_what_stood(h: Harness, admin: FakeUser,
                                                         started: bool) -> None:
    """Sent back in part, not reworked by the deadline (not started, or half done): the
    answers the review let stand are accepted and paid; the items sent back, answered again
    or not, go to the guild's pool unpaid (nobody reviewed the new answer)."""
    items = csv_of([(f"r{n}", f"receipt {n}") for n in range(1, 5)])
    g = await _guild(h, admin, RECEIPTS, items, "receipts.csv", 4)
    wu, lee = g["wu"], g["lee"]
    await lee.send(f"/assign {g['task']} 4 @wu", chat=g["group"])
    await _presses(wu, "Accept", "食品", "交通", "交通", "住宿", "Submit")
    await admin.send("/reject 1 2,3 wrong category")
    if started:
        await wu.send("/tasks")
        await _presses(wu, "Continue A1", "住宿")  # item 2 again; item 3 never
    h.clock.advance(timedelta(days=30))  # past the task's deadline
    report = await h.services.sweep.sweep()
    assert report.settled == [1] and report.overdue == []
    await h.settle()
    assert wu.last_message().text.startswith(
        "✅ Assignment A1: the rework was not submitted by the deadline, so what the review let "
        "stand was accepted: 2 of 4 units; the rest went back to your guild.")
    total = await h.services.db.fetch_value(
        "SELECT SUM(amount_minor) FROM ledger WHERE kind IN ('worker_share', 'commission')")
    assert total == 2 * 50
    free = await h.services.db.fetch_value(
        "SELECT COUNT(*) FROM assignment_items WHERE assignment_id = 1 AND skipped = 'lapsed'")
    assert free == 2
    # A second sweep finds nothing left to do.
    assert not (await h.services.sweep.sweep()).settled


async def test_the_reject_button_takes_numbers_in_its_reason(h: Harness, admin: FakeUser) -> None:
    g = await _guild(h, admin, RECEIPTS, csv_of([("r1", "one"), ("r2", "two")]), "r.csv", 2)
    wu = g["wu"]
    await g["lee"].send(f"/assign {g['task']} 2 @wu", chat=g["group"])
    await _presses(wu, "Accept", "食品", "交通", "Submit")
    await admin.send("/review")
    await admin.press("Reject")
    assert "To send back only some, start with their numbers: 2,5 blurry." in \
        admin.last_message().text
    await admin.reply(admin.last_message(), "2 not transport")
    assert wu.last_message().text.startswith(
        "↩️ Assignment A1: items r2 were sent back for rework. Reason: not transport")


async def test_the_items_to_send_back_are_marked_by_tapping_their_numbers(
        h: Harness, admin: FakeUser) -> None:
    g = await _guild(h, admin, RECEIPTS, csv_of([(f"r{n}", f"receipt {n}") for n in range(1, 8)]),
                     "r.csv", 7)
    wu = g["wu"]
    await g["lee"].send(f"/assign {g['task']} 7 @wu", chat=g["group"])
    await _presses(wu, "Accept", *["食品"] * 7, "Submit")
    page = (await admin.send("/review"))[-1]
    await admin.press("Send back some…")
    grid = admin.messages()[-1]
    assert grid.method == "editMessageReplyMarkup" and grid.message_id == page.message_id
    assert grid.button_texts == ["1", "2", "3", "4", "5", "6", "7", "Cancel"]
    for number in ("2", "7", "5", "7"):  # 7 marked, then unmarked again
        await admin.press(number)
    assert admin.messages()[-1].button_texts == [
        "1", "✓ 2", "3", "4", "✓ 5", "6", "7", "Send back 2 marked", "Cancel"]
    await admin.press("Send back 2 marked")
    prompt = admin.last_message()
    assert prompt.text.startswith("What should be fixed in 2, 5 of assignment A1?")
    await admin.reply(prompt, "not food")
    assert wu.last_message().text.startswith(
        "↩️ Assignment A1: items r2, r5 were sent back for rework. Reason: not food")
    assert admin.last_message().text == \
        "Assignment A1 sent back for rework; the worker was told why."
    # The buttons under the page now act on nothing: the submission is no longer waiting.
    await admin.press("Cancel")
    assert admin.last_alert() == \
        "Assignment A1 is sent back for rework, so that can't be done now."


async def test_items_and_taps_delivered_twice_or_edited_do_nothing_twice(
        h: Harness, admin: FakeUser) -> None:
    task = task_id_in((await admin.send(RECEIPTS))[-1].text)
    h.replay = True  # Telegram delivers each update twice from here on
    replies = await admin.send_document("r.csv", content=csv_of([("r1", "one"), ("r2", "two")]),
                                        caption=f"/items {task}")
    assert [m.text for m in replies] == [f"Task T{task} has 2 items now; its units are 2."]
    audit = await h.services.db.fetch_value(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'task.items'")
    assert audit == 1
    h.replay = False
    # Editing the /items caption is not a second import: edits are not taken.
    await admin.edit(f"/items {task} again")
    assert admin.last_message().text.startswith("Edits are not taken")
    assert await h.services.db.fetch_value(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'task.items'") == 1
    # A tap delivered twice records one answer and edits the card once.
    lee, wu = h.user("Lee"), h.user("Wu")
    await lee.send("/start")
    group = await approved_guild(h, admin, "Alpha", lee, members=(wu,))
    await lee.send(f"/claim {task} 2", chat=group)
    await lee.send(f"/assign {task} 2 @wu", chat=group)
    await wu.press("Accept")
    h.replay = True
    await wu.press("交通")
    h.replay = False
    assert [m.method for m in wu.messages()].count("editMessageText") == 1
    assert await h.services.db.fetch_value(
        "SELECT COUNT(*) FROM results WHERE item_id IS NOT NULL") == 1


async def test_many_workers_tapping_at_once_each_get_their_own_answer(
        h: Harness, admin: FakeUser) -> None:
    """Taps that arrive together share a commit (storage.db groups them): still each worker's
    answer lands on their own item, each card moves on once, and a stale tap in the same batch
    records nothing."""
    workers = [h.user(f"Worker {n}") for n in range(6)]  # a group takes 20 messages a minute
    lee = h.user("Lee")
    await lee.send("/start")
    group = await approved_guild(h, admin, "Alpha", lee, members=tuple(workers))
    task = task_id_in((await admin.send(RECEIPTS))[-1].text)
    await admin.send_document("r.csv", content=csv_of(
        [(f"r{n}", f"receipt {n}") for n in range(1, 13)]), caption=f"/items {task}")
    await lee.send(f"/claim {task} 12", chat=group)
    for worker in workers:
        await lee.send(f"/assign {task} 2 @{worker.username}", chat=group)
        await worker.press("Accept")
    labels = ["食品", "交通", "住宿"]
    for n, worker in enumerate(workers):
        await worker.press(labels[n % 3], settle=False)
    await workers[0].press_data("i1:p2:1:1", settle=False)  # item 1 again: no longer shown
    await h.settle()
    for worker in workers:
        card = worker.messages()[-1]
        assert "item 2 of 2" in card.text and card.text.endswith("1 / 2 ▰▰▰▰▰▱▱▱▱▱"), card.text
    alerts = [str(s.params.get("text", "")) for s in h.api.messages(0)
              if s.method == "answerCallbackQuery" and s.params.get("text")]
    assert len(alerts) == 1 and alerts[0].startswith("That item is not the one shown now")
    rows = await h.services.db.fetch_all(
        "SELECT a.worker_id, r.text FROM results r JOIN assignments a ON a.id = r.assignment_id"
        " ORDER BY a.id")
    assert [(r[0], r[1]) for r in rows] == [(w.id, labels[n % 3]) for n, w in enumerate(workers)]
    for worker in workers:
        await worker.press("食品", settle=False)
    await h.settle()
    for n, worker in enumerate(workers):
        assert f"1. r{2 * n + 1}: {labels[n % 3]}\n2. r{2 * n + 2}: 食品" \
            in worker.messages()[-1].text
