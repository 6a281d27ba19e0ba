"""Less noise in the group: joins, leaves, offers answered and work submitted reach the guild's
group, and its leader privately, as one digest per window (DIGEST_MINUTES), not one message
each. Offers, pre-check requests and what a worker must know stay immediate."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import to_epoch
from bot.i18n import texts_for
from bot.views.digest import digest_text
from storage import digests as digests_repo
from storage import outbox as outbox_repo
from storage import work as work_repo
from tests.scenario import FIXED_TASK, approved_guild, task_id_in, window_passes
from tgfake import FakeGroup, FakeUser, Harness

NAMES = ("Wu", "Xi", "Yan", "Zoe", "Kim")


async def _alpha(h: Harness, admin: FakeUser, language: str = "en") -> dict:
    """Alpha (leader Lee) with five members, holding 10 units of a photo task; the joins'
    digest already out."""
    lee = h.user("Lee", language=language)
    members = [h.user(name, language=language) for name in NAMES]
    await lee.send("/start")
    group = await approved_guild(h, admin, "Alpha", lee, members=tuple(members))
    await window_passes(h)
    task = task_id_in((await admin.send(FIXED_TASK))[-1].text)
    await lee.send(f"/claim {task} 10", chat=group)
    return {"lee": lee, "members": members, "group": group, "task": task}


async def _offer_each(alpha: dict) -> None:
    for member in alpha["members"]:
        await alpha["lee"].send(f"/assign {alpha['task']} 1 @{member.username}",
                                chat=alpha["group"])


def _minutes(h: Harness, minutes: int) -> None:
    h.clock.advance(timedelta(minutes=minutes))


def _new(chat: FakeUser | FakeGroup, before: int) -> list[str]:
    return chat.texts()[before:]


async def test_a_busy_few_minutes_reach_the_group_and_the_leader_as_one_digest_each(
        h: Harness, admin: FakeUser) -> None:
    alpha = await _alpha(h, admin)
    lee, group = alpha["lee"], alpha["group"]
    wu, xi, yan, zoe, kim = alpha["members"]
    await _offer_each(alpha)
    in_group, to_lee = len(group.texts()), len(lee.texts())

    await wu.press("Accept")
    _minutes(h, 1)
    await xi.press("Accept")
    await yan.press("Decline")
    _minutes(h, 2)
    await zoe.press("Accept")
    await wu.send_photo()
    await wu.press("Submit")
    _minutes(h, 1)
    await kim.press("Decline")
    await h.settle()
    # Four minutes in: each worker was answered at once; the group and the leader, not yet.
    assert "is yours" in "\n".join(zoe.texts()[-2:])
    assert _new(group, in_group) == [] and _new(lee, to_lee) == []

    await window_passes(h)
    [digest] = _new(group, in_group)
    lines = digest.split("\n")
    assert lines[0] == "6 events in Alpha:"
    assert lines[1:] == [
        "• @wu accepted assignment A1 (1 unit of task T1).",
        "• @xi accepted assignment A2 (1 unit of task T1).",
        "• @yan declined assignment A3; its 1 unit of task T1 are back in the guild's "
        "pool.",
        "• @zoe accepted assignment A4 (1 unit of task T1).",
        "• @wu submitted assignment A1 (1 unit of task T1).",
        "• @kim declined assignment A5; its 1 unit of task T1 are back in the guild's "
        "pool.",
    ]
    assert _new(lee, to_lee) == [digest]  # the leader's own digest reads the same

    # Later windows bring nothing more; an event after the window starts a new digest, and a
    # digest of one event reads as that notice alone.
    await window_passes(h)
    assert len(_new(group, in_group)) == 1
    await xi.send_photo()
    await xi.press("Submit")
    await window_passes(h)
    assert _new(group, in_group)[1:] == ["@xi submitted assignment A2 (1 unit of task T1)."]
    assert _new(lee, to_lee)[1:] == ["@xi submitted assignment A2 (1 unit of task T1)."]


async def test_joins_and_leaves_are_gathered_and_announcements_do_not_wait_for_them(
        h: Harness, admin: FakeUser) -> None:
    alpha = await _alpha(h, admin)
    group, wu, xi = alpha["group"], *alpha["members"][:2]
    before = len(group.texts())
    await wu.send("/leave")
    await xi.send("/leave")
    # A new task is announced at once, ahead of the digest still gathering.
    await admin.send(FIXED_TASK.replace("Street photos", "Shop signs"))
    assert [t for t in _new(group, before) if "New task T2" in t]
    assert not [t for t in _new(group, before) if "left the guild" in t]
    await window_passes(h)
    assert _new(group, before)[-1] == ("2 events in Alpha:\n• Wu (@wu) left the guild.\n"
                                       "• Xi (@xi) left the guild.")


async def test_a_replayed_or_edited_update_adds_no_line_twice(h: Harness, admin: FakeUser
                                                               ) -> None:
    alpha = await _alpha(h, admin)
    lee, group, wu, xi = alpha["lee"], alpha["group"], *alpha["members"][:2]
    await _offer_each(alpha)
    before = len(group.texts())
    h.replay = True  # every update delivered twice, every command edited afterwards
    await wu.press("Accept")
    await xi.press("Decline")
    await wu.send_photo()
    await wu.send("/done")
    h.replay = False
    await h.redeliver()
    await window_passes(h)
    [digest] = _new(group, before)
    assert digest.startswith("3 events in Alpha:")
    assert [digest.count(f"{who} assignment A") for who in ("accepted", "declined",
                                                            "submitted")] == [1, 1, 1]
    assert lee.texts()[-1] == digest
    # The same event told again (a sweep run twice, a retried transaction) adds nothing.
    assignment = await work_repo.get(h.services.db, 1)
    assert assignment is not None
    async with h.services.db.transaction() as tx:
        await h.services.offers._digest_assignment(tx, assignment, "take", lambda _: "again")
    await window_passes(h)
    assert _new(group, before) == [digest]


async def test_a_chinese_guild_reads_its_digest_in_chinese(h: Harness, admin: FakeUser) -> None:
    alpha = await _alpha(h, admin, language="zh-hans")
    assert alpha["group"].texts()[-3].startswith("Alpha 的 5 条动态：\n• 👋 Wu (@wu) 加入了公会。")
    lee, group, wu, xi = alpha["lee"], alpha["group"], *alpha["members"][:2]
    await _offer_each(alpha)
    await wu.press("接单")
    await xi.press("拒绝")
    await window_passes(h)
    digest = group.texts()[-1]
    assert digest.startswith("Alpha 的 2 条动态：\n• @wu 已接单：派单 A1")
    assert lee.texts()[-1] == digest


async def test_a_crash_between_queueing_and_sending_loses_no_line_and_doubles_none(
        h: Harness, admin: FakeUser) -> None:
    alpha = await _alpha(h, admin)
    lee, group, wu, xi, yan = alpha["lee"], alpha["group"], *alpha["members"][:3]
    await _offer_each(alpha)
    before, to_lee = len(group.texts()), len(lee.texts())
    await wu.press("Accept")
    await xi.press("Accept")
    await h.services.dispatcher.stop()  # the process dies with the digest queued, unsent
    await h.restart()
    await yan.press("Decline")  # the same window, after the restart
    await window_passes(h)
    await h.restart()
    await window_passes(h)
    [digest] = _new(group, before)
    assert digest.startswith("3 events in Alpha:")
    assert "@wu accepted" in digest and "@xi accepted" in digest
    assert "@yan declined" in digest
    assert _new(lee, to_lee) == [digest]
    undelivered = await h.services.db.fetch_value(
        "SELECT COUNT(*) FROM digest_lines WHERE delivered_at IS NULL")
    assert undelivered == 0


def test_a_digest_too_long_for_one_message_counts_the_rest() -> None:
    lines = [f"@member{n} accepted assignment A{n} (2 units of task T1)." for n in range(200)]
    text = digest_text(texts_for("en"), "Alpha", lines)
    assert text.startswith("200 events in Alpha:\n• @member0 accepted")
    shown = text.count("\n• ")
    assert 50 < shown < 200 and len(text) <= 4096
    assert text.endswith(f"… and {200 - shown} more events.")
    assert digest_text(texts_for("zh_Hans"), "Alpha", lines).endswith(
        f"……另有 {200 - shown} 条动态。")


async def test_a_digest_held_by_a_flood_wait_goes_out_once_with_every_line(
        h: Harness, admin: FakeUser) -> None:
    alpha = await _alpha(h, admin)
    group, wu, xi = alpha["group"], *alpha["members"][:2]
    await _offer_each(alpha)
    before = len(group.texts())
    await wu.press("Accept")
    h.api.fail_next("sendMessage", chat_id=group.id, kind="retry_after", retry_after=1)
    await window_passes(h)  # Telegram says: wait a second
    assert _new(group, before) == []
    await xi.press("Accept")  # meanwhile: joins the digest still waiting
    _minutes(h, 1)
    await h.settle()
    assert _new(group, before) == ["2 events in Alpha:\n"
                                   "• @wu accepted assignment A1 (1 unit of task T1).\n"
                                   "• @xi accepted assignment A2 (1 unit of task T1)."]
    await window_passes(h)
    assert len(_new(group, before)) == 1


async def test_a_line_never_joins_a_digest_taken_under_a_lease(h: Harness) -> None:
    """Several instances take outbox rows under a lease, which moves a row's due time ahead
    like an open window's: a line queued while its digest is being sent opens a digest of its
    own, rather than being marked delivered with one whose text was already made."""
    # Days ahead of the harness's clock, so its own dispatcher leaves these rows alone.
    db, now, window = h.services.db, to_epoch(h.clock.now() + timedelta(days=10)), 300
    line = {"chat_id": -1, "user_id": None, "guild_id": 1, "payload": "{}", "window": window}
    async with db.transaction() as tx:
        assert await digests_repo.add_line(tx, event_key="a", text="first", now=now, **line)
        assert await digests_repo.add_line(tx, event_key="b", text="second", now=now + 1,
                                           **line)  # the same window: the same digest
    async with db.transaction() as tx:
        [taken] = await outbox_repo.claim_due(tx, now + window, 10, now + window + 60)
    assert await digests_repo.lines(db, taken.id) == ["first", "second"]
    async with db.transaction() as tx:
        assert await digests_repo.add_line(tx, event_key="c", text="third", now=now + window,
                                           **line)
    rows = await db.fetch_all("SELECT outbox_id, text FROM digest_lines ORDER BY id")
    assert [r[1] for r in rows] == ["first", "second", "third"]
    assert rows[2][0] != taken.id
