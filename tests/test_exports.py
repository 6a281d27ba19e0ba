"""Results out from the admin's side: /export sends a task's results as ZIP parts with a
manifest that lists every result (a file that could not be downloaded with the reason), in the
background with one progress message; RESULTS_DIR keeps a copy of each file as it arrives.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from bot.config import Settings
from tests.conftest import ADMIN_ID
from tests.scenario import alpha_with_task, task_form, task_id_in
from tgfake import FakeUser, Harness
from tgfake.api import BOT_TOKEN

MIXED_TASK = task_form("Field recordings, batch 2", "Anything that documents the shop: a photo, "
                       "a voice note, a document or a written note.", mode="fixed", units=10,
                       price="1.00", result="any", deadline="2026-12-20 18:00")
BIG = 21 * 1024 * 1024  # over what the cloud Bot API lets a bot download


def photo_bytes(n: int) -> bytes:
    return b"\xff\xd8\xff\xe0JFIF" + bytes([n % 251]) * 200_000


async def export_docs(h: Harness, admin: FakeUser) -> list[tuple[str, bytes]]:
    """The ZIP parts the bot sent the admin: (file name, bytes), in order."""
    found = []
    for sent in admin.messages():
        if sent.method == "sendDocument" and str(sent.params.get("caption", "")).startswith(
                "Task T"):
            file_id = sent.params["document"]
            found.append((h.api.uploaded_names[file_id], h.api.uploaded[file_id]))
    return found


def manifest(parts: list[bytes]) -> tuple[list[dict[str, str]], list[dict], dict[str, bytes]]:
    """The CSV rows, the JSON lines, and every other member of the parts by name."""
    members: dict[str, bytes] = {}
    for blob in parts:
        with zipfile.ZipFile(io.BytesIO(blob)) as zf:
            for name in zf.namelist():
                assert name not in members, name
                members[name] = zf.read(name)
    raw = members.pop("manifest.csv")
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the Chinese right
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    lines = [json.loads(line) for line in members.pop("manifest.jsonl").decode().splitlines()]
    return rows, lines, members


async def mixed_work(h: Harness, admin: FakeUser) -> dict:
    """Wu sends a photo, a voice note, a document with a Chinese name, a text and a document
    too big to download, and is accepted; Xi's one photo is sent back with a reason."""
    g = await alpha_with_task(h, admin, MIXED_TASK, 6)
    lee, wu, xi, group, task = g["lee"], g["wu"], g["xi"], g["group"], g["task"]
    await lee.send(f"/assign {task} 5 @{wu.username}", chat=group)
    await wu.press("Accept")
    await lee.send(f"/assign {task} 1 @{xi.username}", chat=group)
    await xi.press("Accept")
    sent = {"photo": photo_bytes(1), "voice": b"OggS" + b"\x01" * 30_000,
            "doc": "店铺清单\n一,二\n".encode() * 100, "xi": photo_bytes(2)}
    await wu.send_photo(content=sent["photo"], caption="front door")
    await wu.send_voice(content=sent["voice"])
    await wu.send_document("清单.csv", mime_type="text/csv", content=sent["doc"])
    await wu.send("门口有三个货架")
    await wu.press("Yes, a result")
    # Telegram left the size out of the message: the bot can't tell it is too big until it
    # asks for the file.
    await wu.send_document("video.mov", mime_type="video/quicktime", file_size=0,
                           content=b"\0" * BIG)
    await wu.press("Submit")
    await admin.send("/accept 1")
    await xi.send_photo(content=sent["xi"])
    await xi.press("Submit")
    await admin.send("/reject 2 Too dark to read the sign")
    return {"task": task, "wu": wu, "xi": xi, "sent": sent}


async def test_an_export_lists_every_result_and_carries_every_file(h: Harness, admin: FakeUser
                                                                   ) -> None:
    work = await mixed_work(h, admin)
    task, wu, xi, sent = work["task"], work["wu"], work["xi"], work["sent"]

    await admin.send(f"/export {task} all")
    await h.services.exports.wait_idle()
    await h.settle()
    # One progress message, edited to the end; then the parts, then how it went.
    progress = [m for m in admin.messages()
                if m.method == "sendMessage" and m.text.startswith("📦 Exporting")]
    assert len(progress) == 1
    assert progress[0].text.endswith("▓▓▓▓▓▓▓▓▓▓ 100 %"), progress[0].text
    assert "6 of 6 results" in progress[0].text
    done = admin.texts()[-1]
    assert done.startswith(f"✅ Task T{task} exported: 6 results and 4 files"), done
    assert "1 file could not be downloaded" in done

    parts = await export_docs(h, admin)
    assert len(parts) == 1
    rows, lines, members = manifest([blob for _, blob in parts])
    assert len(rows) == len(lines) == 6
    assert [r["result"] for r in rows] == [str(line["result"]) for line in lines]
    by_kind = {(r["assignment"], r["kind"], r["file_name"]): r for r in rows}

    photo = by_kind[("1", "photo", "")]
    assert photo["file"] == f"001/1-{wu.id}.jpg" and photo["answer"] == "front door"
    assert members[photo["file"]] == sent["photo"]
    assert photo["sha256"] == hashlib.sha256(sent["photo"]).hexdigest()
    assert photo["size"] == str(len(sent["photo"]))
    voice = by_kind[("1", "voice", "")]
    assert voice["file"] == f"002/1-{wu.id}.ogg" and members[voice["file"]] == sent["voice"]
    doc = by_kind[("1", "document", "清单.csv")]
    assert doc["file"] == f"003/1-{wu.id}.csv" and members[doc["file"]] == sent["doc"]
    assert doc["mime_type"] == "text/csv"
    text = by_kind[("1", "text", "")]
    assert text["answer"] == "门口有三个货架" and text["file"] == ""
    big = by_kind[("1", "document", "video.mov")]
    assert big["file"] == "" and big["problem"] == "too_big"
    assert "too big" in big["problem_detail"]
    for row in (photo, voice, doc, text, big):
        assert row["worker_id"] == str(wu.id) and row["worker_name"] == "Wu"
        assert row["worker_username"] == wu.username and row["guild"] == "Alpha"
        assert row["status"] == "accepted" and row["reviewer_id"] == str(ADMIN_ID)
        assert row["reviewer"] == "ada_admin" and row["submitted_at"] and row["decided_at"]
        assert row["task"] == str(task)
    rejected = by_kind[("2", "photo", "")]
    assert rejected["status"] == "rejected" and rejected["reason"] == "Too dark to read the sign"
    assert rejected["worker_id"] == str(xi.id) and members[rejected["file"]] == sent["xi"]
    # Nothing else is in the ZIP: every file is one row's.
    assert set(members) == {r["file"] for r in rows if r["file"]}

    # The default is the accepted results only: Xi's rejected photo is not among them.
    await admin.send(f"/export {task}")
    await h.services.exports.wait_idle()
    await h.settle()
    rows, _, members = manifest([(await export_docs(h, admin))[-1][1]])
    assert len(rows) == 5 and {r["status"] for r in rows} == {"accepted"}
    assert len(members) == 3


async def test_parts_stay_under_the_limit_and_a_second_export_waits(db_path: Path,
                                                                    tmp_path: Path) -> None:
    settings = Settings(bot_token=BOT_TOKEN, export_part_bytes=300_000,
                        export_dir=str(tmp_path / "exports"))
    async with Harness(db_path, admin_ids={ADMIN_ID}, settings=settings,
                       latency=lambda method: 1.0 if method == "getFile" else 0) as h:
        admin = h.user("Ada", username="ada_admin", user_id=ADMIN_ID)
        work = await mixed_work(h, admin)
        task = work["task"]
        await admin.send(f"/export {task} all")
        # Still downloading: a second export of the task is refused, with how far it is.
        await admin.send(f"/export {task}")
        # (The first one's progress message may come before or after this answer.)
        assert any(t.startswith(f"Task T{task} is being exported already (")
                   for t in admin.texts()[-2:]), admin.texts()[-2:]
        await h.services.exports.wait_idle()
        await h.settle()
        parts = await export_docs(h, admin)
        # Four files of 200 KB, 30 KB, 2 KB and 200 KB in parts of at most 300 KB.
        assert len(parts) >= 2
        assert all(len(blob) <= 300_000 for _, blob in parts)
        assert [name.rsplit("-", 1)[1] for name, _ in parts] == [
            f"part{n}.zip" for n in range(1, len(parts) + 1)]
        rows, _, members = manifest([blob for _, blob in parts])
        assert len(rows) == 6 and len(members) == 4
        # The parts are also kept in EXPORT_DIR.
        kept = sorted(p.name for p in (tmp_path / "exports").iterdir())
        assert kept == sorted(name for name, _ in parts)
        # Another export now that the first is done: taken.
        await admin.send(f"/export {task}")
        await h.services.exports.wait_idle()
        assert "exported" in admin.texts()[-1]


async def test_results_dir_keeps_a_copy_that_outlives_telegram(db_path: Path, tmp_path: Path
                                                               ) -> None:
    folder = tmp_path / "results"
    settings = Settings(bot_token=BOT_TOKEN, results_dir=str(folder))
    async with Harness(db_path, admin_ids={ADMIN_ID}, settings=settings) as h:
        admin = h.user("Ada", username="ada_admin", user_id=ADMIN_ID)
        # Each file is copied as it arrives; the Bot API has a bad moment for the first one,
        # which waits and is tried again later.
        h.api.fail_next("getFile", kind="server_error")
        work = await mixed_work(h, admin)
        await h.services.copies.copy_due()
        counts = await h.services.db.fetch_all(
            "SELECT status, attempts, COUNT(*) FROM result_files GROUP BY status, attempts"
            " ORDER BY status, attempts")
        assert [tuple(r) for r in counts] == [("failed", 1, 1), ("kept", 1, 3),
                                              ("pending", 1, 1)]
        await h.services.copies.copy_due()  # not yet: it waits its back-off
        assert await h.services.db.fetch_value(
            "SELECT COUNT(*) FROM result_files WHERE status = 'pending'") == 1
        h.clock.advance(timedelta(seconds=31))
        await h.services.copies.copy_due()
        kept = {p.read_bytes() for p in folder.rglob("*") if p.is_file()}
        assert {work["sent"]["photo"], work["sent"]["voice"], work["sent"]["doc"],
                work["sent"]["xi"]} <= kept
        counts = await h.services.db.fetch_all(
            "SELECT status, COUNT(*) FROM result_files GROUP BY status ORDER BY status")
        assert [tuple(r) for r in counts] == [("failed", 1), ("kept", 4)]
        error = await h.services.db.fetch_value(
            "SELECT error FROM result_files WHERE status = 'failed'")
        assert error.startswith("too_big")
        # Telegram loses the files: the export reads the copies.
        for file_id in list(h.api.files):
            h.api.forget_file(file_id)
        await admin.send(f"/export {work['task']}")
        await h.services.exports.wait_idle()
        await h.settle()
        rows, _, members = manifest([(await export_docs(h, admin))[-1][1]])
        assert members[next(r["file"] for r in rows if r["kind"] == "photo")] == \
            work["sent"]["photo"]
        # (The one too big to copy is gone from Telegram by now, and listed so.)
        assert sorted(r["problem"] for r in rows) == ["", "", "", "", "gone"]


async def test_export_refusals_say_why(h: Harness, admin: FakeUser) -> None:
    wu = h.user("Wu")
    await wu.send("/export 1")
    assert "admins" in wu.texts()[-1]
    await admin.send("/export")
    assert "Usage: /export" in admin.texts()[-1]
    await admin.send("/export 99")
    assert "T99" in admin.texts()[-1]
    task = task_id_in((await admin.send(MIXED_TASK))[-1].text)
    await admin.send(f"/export {task} rejected")
    assert "Say accepted (the default) or all." in admin.texts()[-1]
    await admin.send(f"/export {task}")
    assert admin.texts()[-1] == f"Task T{task} has no accepted results to export yet."
    await admin.send(f"/export {task} all")
    assert admin.texts()[-1] == f"Task T{task} has no results to export yet."


def test_settings_read_the_export_variables() -> None:
    from bot.config import parse_settings
    found = parse_settings({"BOT_TOKEN": BOT_TOKEN, "RESULTS_DIR": "r", "EXPORT_DIR": "e",
                            "EXPORT_PART_MB": "10"})
    assert (found.results_dir, found.export_dir, found.export_part_bytes) == (
        "r", "e", 10 * 1024 * 1024)
    assert replace(found, export_part_bytes=0).export_part_bytes == 0


async def test_an_item_task_export_carries_controls_and_each_items_answer(h: Harness,
                                                                          admin: FakeUser
                                                                          ) -> None:
    from tests.test_quality import CONTROLS, ITEMS, TRUTH, answer_all, take, two_guilds
    g = await two_guilds(h, admin)
    task = g["task"]
    await g["lee"].send(f"/claim {task} 20", chat=g["alpha"])
    await g["ma"].send(f"/claim {task} 10", chat=g["beta"])
    await take(g["lee"], g["alpha"], g["wu"], task, 10)
    await take(g["lee"], g["alpha"], g["xi"], task, 10)
    await take(g["ma"], g["beta"], g["yu"], task, 10)
    for name in ("wu", "yu"):
        await answer_all(g[name], careful=True)
    await answer_all(g["xi"], careful=False)  # rejected on the controls

    await admin.send(f"/export {task} all")
    await h.services.exports.wait_idle()
    await h.settle()
    rows, lines, members = manifest([blob for _, blob in await export_docs(h, admin)])
    assert members == {}  # the answers are taps: all in the manifest
    assert len(rows) == 30
    for row, line in zip(rows, lines, strict=True):
        number = int(row["item"][1:])
        assert line["input"] == {"text": f"photo {number}"}
        worker = {str(g[n].id): n for n in ("wu", "xi", "yu")}[row["worker_id"]]
        careful = worker != "xi"
        truth = TRUTH[number]
        assert (row["answer"] == truth) is careful, row
        assert row["status"] == ("rejected" if worker == "xi" else "submitted")
        if row["item"].startswith("c"):  # a control item: right or wrong, no aggregate
            assert row["control"] == "1" and line["control_correct"] is careful
            assert row["item_answer"] == ""
        else:
            assert row["control"] == "0" and row["control_correct"] == ""
            # Wu's and Yu's answers count (Xi's were sent back): they agree on the truth.
            assert row["item_answer"] == truth and line["item_confidence"] == 1.0
    # Every ordinary item answered by each of the three; one control item each.
    ordinary = [r["item"] for r in rows if r["item"].startswith("p")]
    assert sorted(set(ordinary)) == sorted(f"p{n}" for n in range(1, ITEMS + 1))
    assert len(ordinary) == 27
    controls = {f"c{n}" for n in range(ITEMS + 1, ITEMS + CONTROLS + 1)}
    assert {r["item"] for r in rows if r["control"] == "1"} <= controls
