"""Telling many people at once, from the users' side: an admin's /broadcast (a preview with
the count, Send / Cancel, one progress message, one broadcast after another) and a leader's
/announce to their guild by direct message."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage import outbox as outbox_repo
from tests.scenario import approved_guild
from tgfake import FakeUser, Harness, Sent

MARK = "Payouts go out on Friday"


@pytest.fixture
async def world(h: Harness, admin: FakeUser) -> dict:
    """Guild Alpha (G1: leader Lee, deputy Dee, workers Wu and Xi) and guild Beta (G2: leader
    Bo, worker Yu); Wu and Yu hold the skill cantonese; Ola started the bot, in no guild."""
    lee, dee, wu, xi = h.user("Lee"), h.user("Dee"), h.user("Wu"), h.user("Xi")
    bo, yu, ola = h.user("Bo"), h.user("Yu"), h.user("Ola")
    for person in (admin, lee, bo, ola):
        await person.send("/start")
    alpha = await approved_guild(h, admin, "Alpha", lee, members=(dee, wu, xi))
    await lee.send("/promote @dee", chat=alpha)
    beta = await approved_guild(h, admin, "Beta", bo, members=(yu,))
    await admin.send("/skill add cantonese Cantonese dubbing")
    for person in ("wu", "yu"):
        await admin.send(f"/skill grant cantonese @{person}")
    await h.settle()
    return {"lee": lee, "dee": dee, "wu": wu, "xi": xi, "bo": bo, "yu": yu, "ola": ola,
            "admin": admin, "alpha": alpha, "beta": beta}


def got(person: FakeUser, mark: str = MARK) -> int:
    """How many messages carrying `mark` reached the person (edits not counted)."""
    return sum(1 for s in person.messages() if s.method != "editMessageText"
               and mark in (s.text or ""))


def progress(h: Harness, admin: FakeUser, card: Sent) -> str:
    found = h.api.find_message(admin.id, card.message_id)
    assert found is not None
    return found.text


async def sent_to(h: Harness, world: dict, audience: str) -> set[str]:
    admin = world["admin"]
    replies = await admin.send(f"/broadcast {audience} {MARK} ({audience})")
    await admin.press("Send", message=replies[-1])
    await h.settle()
    # (The admin's chat has the preview's copy as well.)
    return {name for name, person in world.items() if isinstance(person, FakeUser)
            and got(person, f"{MARK} ({audience})") > (person is admin)}


async def test_the_preview_shows_the_message_and_how_many_will_get_it(h, world) -> None:
    admin = world["admin"]
    replies = await admin.send(f"/broadcast workers <b>{MARK}</b>\nsecond line")
    copy, card = replies[-2], replies[-1]
    # As recipients will see it: what was typed, line breaks kept (a typed tag is text).
    assert copy.text == f"&lt;b&gt;{MARK}&lt;/b&gt;\nsecond line"
    assert "Broadcast #1 to workers (guild members): 3 recipients will get the message " \
        "above. Send it?" in card.text
    assert card.button_texts == ["Send", "Cancel"]
    assert got(world["wu"]) == 0  # nothing goes out before Send


async def test_send_delivers_once_to_each_recipient_of_each_audience(h, world) -> None:
    everyone = {"admin", "lee", "dee", "wu", "xi", "bo", "yu", "ola"}
    assert await sent_to(h, world, "all") == everyone
    assert await sent_to(h, world, "workers") == {"wu", "xi", "yu"}
    assert await sent_to(h, world, "leaders") == {"lee", "dee", "bo"}
    assert await sent_to(h, world, "guild 1") == {"lee", "dee", "wu", "xi"}
    assert await sent_to(h, world, "guild G2") == {"bo", "yu"}
    assert await sent_to(h, world, "skill cantonese") == {"wu", "yu"}
    for name in everyone:  # once each, never twice
        person = world[name]
        assert got(person, f"{MARK} (all)") == 1 + (name == "admin"), name


async def test_blocked_users_count_as_failed_and_the_progress_message_ends_with_the_counts(
        h, world) -> None:
    admin = world["admin"]
    h.api.block(world["xi"].id)
    card = (await admin.send(f"/broadcast workers {MARK}"))[-1]
    await admin.press("Send", message=card)
    await h.settle()
    assert progress(h, admin, card) == ("✅ Broadcast #1 to workers (guild members): done.\n"
                                        "Sent 2 · failed 1 · of 3 recipients.")
    assert got(world["wu"]) == got(world["yu"]) == 1 and got(world["xi"]) == 0
    row = await h.services.db.fetch_one(
        "SELECT status, recipients, sent, failed FROM broadcasts WHERE id = 1")
    assert tuple(row) == ("done", 3, 2, 1)
    # The buttons came off with Send: the card is the progress message now.
    found = h.api.find_message(admin.id, card.message_id)
    assert found is not None and found.button_texts == []


async def test_progress_is_shown_as_it_goes_every_few_seconds(h, world) -> None:
    admin = world["admin"]
    service = h.services.broadcasts
    card = (await admin.send(f"/broadcast all {MARK}"))[-1]
    await admin.press("Send", message=card, settle=False)
    await h.processor.wait_completed(h._fed)
    # The dispatcher has not run yet: the message says it is sending, none sent.
    shown = progress(h, admin, card)
    assert "Broadcast #1 to everyone who started the bot: sending." in shown
    assert "Sent 0 · failed 0 · left 8 · of 8 recipients." in shown
    h.clock.advance(timedelta(seconds=5))
    assert await service.progress() == 0  # nothing changed: not edited again
    await h.settle()
    assert "done" in progress(h, admin, card)
    assert "Sent 8 · failed 0 · of 8 recipients." in progress(h, admin, card)


async def test_cancel_sends_nothing(h, world) -> None:
    admin = world["admin"]
    card = (await admin.send(f"/broadcast all {MARK}"))[-1]
    await admin.press("Cancel", message=card)
    await h.settle()
    assert progress(h, admin, card) == "Broadcast #1 cancelled: nothing was sent."
    assert all(got(p) == 0 for p in world.values() if isinstance(p, FakeUser)
               if p is not admin)
    said = await admin.press_data("b1:send:1", message=card)
    assert "Broadcast #1 is cancelled: nothing more was done." in admin.last_alert(), said
    await h.settle()
    assert got(world["wu"]) == 0


async def test_send_pressed_twice_or_replayed_sends_once(h, world) -> None:
    admin = world["admin"]
    card = (await admin.send(f"/broadcast workers {MARK}"))[-1]
    await admin.press_data("b1:send:1", message=card)
    await h.redeliver()  # Telegram delivering the same press again
    await admin.press_data("b1:send:1", message=card)  # a second tap, before the edit showed
    await h.settle()
    assert "Broadcast #1 is sent already: nothing more was done." in admin.last_alert()
    assert [got(world[n]) for n in ("wu", "xi", "yu")] == [1, 1, 1]
    assert await h.services.db.fetch_value(
        "SELECT count(*) FROM outbox WHERE broadcast_id = 1") == 3
    # An edited command runs nothing again.
    await admin.edit(f"/broadcast all {MARK} again")
    assert await h.services.db.fetch_value("SELECT count(*) FROM broadcasts") == 1
    # Another admin's draft can't be sent from a forged button.
    await admin.send(f"/broadcast leaders {MARK}")
    other = h.user("Eve", user_id=900_002)
    await other.send("/start")
    await admin.send("/admin add @eve")
    await other.press_data("b1:send:2")
    assert "That button is no longer valid." in other.last_alert()
    await h.settle()
    assert got(world["lee"]) == 0


async def test_a_second_broadcast_waits_for_the_first_and_then_goes(h, world) -> None:
    admin = world["admin"]
    await h.services.dispatcher.stop()  # held back: the second Send finds the first sending
    first = (await admin.send("/broadcast all First news"))[-1]
    second = (await admin.send("/broadcast workers Second news"))[-1]
    for card in (first, second):
        await admin.press("Send", message=card, settle=False)
        await h.processor.wait_completed(h._fed)
    assert progress(h, admin, second) == (
        "⏳ Broadcast #2 to workers (guild members) is waiting for broadcast #1 to finish; "
        "it goes out right after it.")
    assert await h.services.db.fetch_value(
        "SELECT count(*) FROM outbox WHERE broadcast_id = 2") == 0
    h.services.dispatcher.start()
    await h.settle()
    assert "Sent 8 · failed 0 · of 8 recipients." in progress(h, admin, first)
    assert "Sent 3 · failed 0 · of 3 recipients." in progress(h, admin, second)
    order = [s.text for s in world["wu"].messages() if "news" in (s.text or "")]
    assert order == ["First news", "Second news"]
    assert got(world["xi"], "Second news") == 1 and got(world["lee"], "Second news") == 0


async def test_a_broadcast_of_a_photo_or_a_document_by_reply(h, world) -> None:
    admin = world["admin"]
    h.api.files["photo-big"] = {"file_unique_id": "p-big", "file_size": 90_000}
    photo = {**admin.said(""), "photo": [
        {"file_id": "photo-small", "file_unique_id": "p-s", "width": 90, "height": 90},
        {"file_id": "photo-big", "file_unique_id": "p-big", "width": 900, "height": 900}],
        "caption": "New task rules"}
    photo.pop("text")
    replies = await admin.send("/broadcast guild 2", reply_to=photo)
    assert replies[-2].method == "sendPhoto" and replies[-2].params["photo"] == "photo-big"
    assert "2 recipients" in replies[-1].text
    await admin.press("Send", message=replies[-1])
    await h.settle()
    yu = world["yu"]
    photos = [s for s in yu.messages() if s.method == "sendPhoto"]
    assert [(s.params["photo"], s.params["caption"]) for s in photos] == [
        ("photo-big", "New task rules")]

    h.api.files["rules-pdf"] = {"file_unique_id": "r-pdf", "file_size": 9_000}
    document = {**admin.said(""), "document": {"file_id": "rules-pdf",
                                                "file_unique_id": "r-pdf",
                                                "file_name": "rules.pdf"}}
    document.pop("text")
    replies = await admin.send("/broadcast skill cantonese Read this first", reply_to=document)
    await admin.press("Send", message=replies[-1])
    await h.settle()
    for person in (world["wu"], yu):
        documents = [s for s in person.messages() if s.method == "sendDocument"]
        assert [(s.params["document"], s.params["caption"]) for s in documents] == [
            ("rules-pdf", "Read this first")]
    # A text replied to goes as it is.
    replies = await admin.send("/broadcast leaders", reply_to=admin.said(f"{MARK} too"))
    await admin.press("Send", message=replies[-1])
    await h.settle()
    assert got(world["bo"], f"{MARK} too") == 1


async def test_broadcast_refusals_say_what_is_wrong(h, world) -> None:
    admin = world["admin"]

    async def said(text: str, **kw: object) -> str:
        return (await admin.send(text, **kw))[-1].text  # type: ignore[arg-type]

    assert "Say who the broadcast is for: all, workers, leaders, guild &lt;id&gt; or skill" \
        in await said("/broadcast")
    assert "Say who the broadcast is for" in await said("/broadcast planets Hello")
    assert "Say who the broadcast is for" in await said("/broadcast guild")
    assert "There is no guild “G9”" in await said("/broadcast guild 9 Hello")
    assert "There is no skill mandarin. Known skills: cantonese" in \
        await said("/broadcast skill mandarin Hello")
    assert "The message is missing" in await said("/broadcast workers")
    voice = {**admin.said(""), "voice": {"file_id": "v1", "file_unique_id": "v1",
                                         "duration": 3}}
    voice.pop("text")
    assert "The message is missing" in await said("/broadcast workers", reply_to=voice)
    # Telegram's limits, counted as Telegram counts: an emoji is two.
    assert "The message is 4098 characters long, as Telegram counts them; it takes 4096 at " \
        "most." in await said("/broadcast workers " + "😀" * 2049)
    assert "Broadcast #1" in await said("/broadcast workers " + "😀" * 2048)
    photo = {**admin.said(""), "photo": [{"file_id": "ph", "file_unique_id": "ph",
                                          "width": 9, "height": 9}]}
    photo.pop("text")
    assert "The caption is 1025 characters long" in \
        await said("/broadcast workers " + "x" * 1025, reply_to=photo)
    # Nobody to send to: a guild whose members never started the bot, or blocked it.
    gamma_lead = h.user("Gu")
    await gamma_lead.send("/start")
    await approved_guild(h, admin, "Gamma", gamma_lead)
    h.api.block(gamma_lead.id)
    await admin.send("/broadcast guild 3 probe")
    await admin.press("Send")
    await h.settle()
    assert "Nobody would get it" in await said("/broadcast guild 3 Hello")
    # Admins only, in private.
    assert "/broadcast is for platform admins only." in \
        (await world["lee"].send(f"/broadcast all {MARK}"))[-1].text
    assert "/broadcast is for platform admins only." in (await world["lee"].send(
        f"/broadcast all {MARK}", chat=world["alpha"]))[-1].text
    await h.settle()
    assert got(world["wu"]) == 0


async def test_announce_reaches_every_member_by_dm_and_only_from_the_leader(
        h, world) -> None:
    lee, alpha = world["lee"], world["alpha"]
    replies = await lee.send("/announce Meeting tonight at <b>8</b>\nBring your scripts",
                             chat=alpha)
    assert "Announcement on its way to 3 members by direct message." in replies[-1].text
    await h.settle()
    for name in ("dee", "wu", "xi"):
        last = world[name].last_message().text
        assert last == ("📣 Announcement from guild “Alpha”, by @lee:\n\n"
                        "Meeting tonight at &lt;b&gt;8&lt;/b&gt;\nBring your scripts"), name
    assert got(world["yu"], "Meeting") == got(lee, "Meeting") == 0
    await h.redeliver()  # the same update again: nobody gets it twice
    assert sum("Meeting" in t for t in world["wu"].texts()) == 1
    # Not for deputies, members, other guilds' leaders, in private, or empty.
    assert "Only the leader of “Alpha” can do that." in \
        (await world["dee"].send("/announce Hi", chat=alpha))[-1].text
    assert "Only the leader" in (await world["wu"].send("/announce Hi", chat=alpha))[-1].text
    assert "Only the leader" in \
        (await world["bo"].send("/announce Hi", chat=alpha))[-1].text
    assert "Please use /announce in" in (await lee.send("/announce Hi"))[-1].text
    loose = h.group("Loose chat", admins=(lee,))
    assert "This group is not a guild." in (await lee.send("/announce Hi", chat=loose))[-1].text
    assert "The announcement is missing" in (await lee.send("/announce", chat=alpha))[-1].text
    assert "The message is 3801 characters long" in \
        (await lee.send("/announce " + "x" * 3801, chat=alpha))[-1].text
    await h.settle()
    assert sum(t.split("\n\n")[-1] == "Hi" for t in world["wu"].texts()) == 0


async def test_broadcasts_and_announcements_are_on_the_audit_trail(h, world) -> None:
    admin = world["admin"]
    await admin.send(f"/broadcast workers {MARK}")
    await admin.press("Send")
    await admin.send(f"/broadcast all {MARK}")
    await admin.press("Cancel")
    await world["lee"].send("/announce Hello", chat=world["alpha"])
    rows = await h.services.db.fetch_all(
        "SELECT actor_id, action, target_type, target_id, detail FROM audit_log"
        " WHERE action LIKE 'broadcast.%' OR action = 'guild.announce' ORDER BY id")
    assert [tuple(r) for r in rows] == [
        (admin.id, "broadcast.send", "broadcast", 1, "workers: 3"),
        (admin.id, "broadcast.cancel", "broadcast", 2, "all: 8"),
        (world["lee"].id, "guild.announce", "guild", 1, "3 members")]
    trail = (await admin.send("/audit"))[-1].text
    assert "sent a broadcast" in trail and "broadcast #1" in trail


async def test_each_reads_it_in_their_language(h, admin) -> None:
    lee, ming = h.user("Lee"), h.user("Ming", language="zh-hans")
    await lee.send("/start")
    alpha = await approved_guild(h, admin, "Alpha", lee, members=(ming,))
    await lee.send("/announce Meeting at 8", chat=alpha)
    await h.settle()
    assert ming.last_message().text == "📣 公会「Alpha」公告（@lee）：\n\nMeeting at 8"
    await admin.send("/settings language zh")
    card = (await admin.send("/broadcast guild 1 Hello"))[-1]
    assert card.text == "📣 群发 #1，发给公会 G1 的成员：共 2 人会收到上面这条消息。确认发送？"
    assert card.button_texts == ["发送", "取消"]
    await admin.press("发送", message=card)
    await h.settle()
    assert progress(h, admin, card) == ("✅ 群发 #1（发给公会 G1 的成员）：已完成。\n"
                                        "已发送 2 · 失败 0 · 共 2 人。")


async def test_notices_queued_during_a_broadcast_go_out_before_its_rows(h, world) -> None:
    """A long broadcast must not hold up everyone else's notices for hours: the dispatcher
    takes them first, and the broadcast's rows with the room left in a batch."""
    admin = world["admin"]
    await h.services.dispatcher.stop()
    card = (await admin.send(f"/broadcast all {MARK}"))[-1]
    await admin.press("Send", message=card, settle=False)
    await h.processor.wait_completed(h._fed)
    await world["lee"].send("/announce Meeting at 8", chat=world["alpha"], settle=False)
    await h.processor.wait_completed(h._fed)
    batch = await outbox_repo.due(h.services.db, 2**40, 100)
    kinds = [key.split(":")[0] for key in (row.dedupe_key or "" for row in batch)]
    assert [k for k in kinds if k in ("announce", "broadcast")] == \
        ["announce"] * 3 + ["broadcast"] * 8  # queued after the broadcast, sent before it
    h.services.dispatcher.start()
    await h.settle()
    assert got(world["wu"]) == 1 and got(world["wu"], "Meeting at 8") == 1
