"""A whole day on the platform, played by everyone from their own chats: the drills replay it
(every update twice, every command edited) and compare what it left. It is played in English,
and in Chinese by people whose Telegram app is in Chinese: the same steps, each person pressing
the buttons they see and writing what they would write."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.buttons import OFFER
from bot.i18n import texts_for
from tests.scenario import task_form
from tgfake import FakeUser, Harness

ADMIN_ID = 900_001


def _forms(language: str) -> tuple[str, str, str]:
    """The day's three tasks, as an admin writing in that language sends the form."""
    if language.startswith("zh"):
        return (
            task_form("粤语台词，第 1 批", "每句台词录一段音频。", **{
                "模式": "报价", "数量": 6, "单价": "2.50", "结果": "音频",
                "截止时间": "2026-12-20 18:00", "报价截止": "2026-12-10 12:00"}),
            task_form("佛山店铺门面", "每份拍一张店铺门面照片。", **{
                "模式": "定价", "数量": 4, "单价": "1.20", "结果": "照片",
                "截止时间": "2026-12-15 20:00"}),
            task_form("第 4 集字幕", "把每句台词译成中文。", **{
                "模式": "定价", "数量": 2, "单价": "3.00", "结果": "文字",
                "截止时间": "2026-12-18 20:00"}))
    return (
        task_form("Cantonese lines, batch 1", "Record each line of the script.", mode="quote",
                  units=6, price="2.50", result="audio", deadline="2026-12-20 18:00",
                  quote_deadline="2026-12-10 12:00"),
        task_form("Shop fronts, Foshan", "One photo of a shop front per unit.", mode="fixed",
                  units=4, price="1.20", result="photo", deadline="2026-12-15 20:00"),
        task_form("Subtitles, episode 4", "Translate each line into English.", mode="fixed",
                  units=2, price="3.00", result="text", deadline="2026-12-18 20:00"))


# What people write themselves (names of guilds, answers, reasons, notes), per language.
_WORDS = {
    "en": {"alpha_chat": "Alpha chat", "beta_chat": "Beta chat", "alpha": "Alpha Dubbers",
           "beta": "Beta Voices", "quote_note": "native speakers",
           "line_1": "The shop opens at nine.", "line_2": "Please take a number.",
           "rework": "Line 2 is cut off", "blurry": "two photos are blurry",
           "payout": "December, part 1"},
    "zh": {"alpha_chat": "阿尔法群", "beta_chat": "贝塔群", "alpha": "阿尔法配音",
           "beta": "贝塔之声", "quote_note": "母语配音",
           "line_1": "店铺九点开门。", "line_2": "请取号。", "rework": "第 2 句被截断了",
           "blurry": "有两张照片拍糊了", "payout": "十二月第一笔"},
}


def _latest(texts: list[str], pattern: str) -> re.Match[str]:
    for text in reversed(texts):
        if match := re.search(pattern, text):
            return match
    raise AssertionError(f"nothing matches {pattern}")


def _offer_id(person: FakeUser) -> int:
    """The assignment of the newest offer a worker got (read from its Accept button)."""
    accept = re.compile(OFFER.pattern_for("accept"))
    for sent in reversed(person.messages()):
        for b in sent.buttons:
            if match := accept.match(b.get("callback_data", "")):
                return int(match[2])
    raise AssertionError(f"{person.first_name} got no offer")


def cast(h: Harness, language: str = "en") -> dict[str, FakeUser]:
    """The same people every run (fixed ids), so two runs of the day can be compared."""
    people = {"admin": ("Ada", "ada_admin", ADMIN_ID), "lee": ("Lee", "lee", 200_001),
              "mei": ("Mei", "mei", 200_002), "wu": ("Wu", "wu", 200_011),
              "xi": ("Xi", "xi", 200_012), "yan": ("Yan", "yan", 200_013),
              "zed": ("Zed", "zed", 200_014)}
    return {key: h.user(name, username=username, user_id=uid, language=language)
            for key, (name, username, uid) in people.items()}


async def a_day(h: Harness, language: str = "en") -> dict[str, object]:
    """Guilds, tasks, quotes, claims, assignments, results, review, money, the clock.
    `language` is everyone's Telegram app language (`en`, `zh-hans`)."""
    p = cast(h, language)
    _ = texts_for(language)  # the labels each person sees on their buttons
    # An offer's buttons name it ("Accept A3"): pressed by the label's first word.
    accept, decline = (_(label, id="").rstrip(" #") for label in ("Accept A{id}",
                                                                  "Decline A{id}"))
    words = _WORDS["zh" if language.startswith("zh") else "en"]
    audio_form, photos_form, subtitles_form = _forms(language)
    admin, lee, mei, wu, xi, yan, zed = (p[k] for k in ("admin", "lee", "mei", "wu", "xi",
                                                          "yan", "zed"))
    alpha = h.group(words["alpha_chat"], admins=(lee,), chat_id=-1_001_000_000_001)
    beta = h.group(words["beta_chat"], admins=(mei,), chat_id=-1_001_000_000_002)
    for person in (admin, lee, mei):
        await person.send("/start")
    # Guilds: registered in their groups, approved by button and by command, joined by link.
    await lee.send(f"/register {words['alpha']}", chat=alpha)
    await admin.press(_("✅ Approve"))
    await mei.send(f"/register {words['beta']}", chat=beta)
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
    await admin.send(audio_form)
    await admin.send(photos_form)
    await admin.send(subtitles_form)
    await lee.send(f"/quote 1 2.40 6 {words['quote_note']}", chat=alpha)
    await mei.send("/quote 1 2.20 3", chat=beta)
    await admin.send("/quotes 1")
    await admin.press(_("Award Q{id}", id=1))
    await mei.send("/claim 2 4", chat=beta)
    await lee.send("/claim 3 2", chat=alpha)
    await lee.send("/tasks", chat=alpha)
    await admin.send("/task 1")

    # Handing out, answers, results: Lee spreads the audio units over the members he can
    # reach (himself too: 2, 2, 1, 1); Yan declines, Xi (a deputy) hands Yan's unit to Wu.
    await lee.send("/distribute 1", chat=alpha)
    offers = {who: _offer_id(person) for who, person in (("wu", wu), ("xi", xi), ("yan", yan))}
    await wu.press(accept)
    await xi.press(accept)
    await yan.press(decline)
    await xi.send("/assign 1 1 @wu", chat=alpha)
    extra = _offer_id(wu)
    await wu.press(accept)
    await lee.send("/assign 3 2 @wu", chat=alpha)
    subtitles = _offer_id(wu)
    await wu.press(accept)
    await wu.send(f"/submit {offers['wu']}")
    await wu.send_voice()
    await wu.send_voice()
    await wu.press(_("Submit"))
    await xi.send_document("line-3.mp3", mime_type="audio/mpeg")
    await xi.send("/done")
    await wu.send(f"/submit {extra}")
    await wu.send_audio()
    await wu.send(f"/done {extra}")
    await wu.send(f"/submit {subtitles}")
    await wu.send(words["line_1"])
    await wu.send(words["line_2"])
    await wu.send(f"/done {subtitles}")
    await mei.send("/assign 2 4 @zed", chat=beta)
    photos = _offer_id(zed)
    await zed.press(accept)
    for _photo in range(4):
        await zed.send_photo()
    await zed.press(_("Submit"))
    await lee.send("/progress 1", chat=alpha)

    # Review: a rejection with a reason, the rework, acceptances.
    await admin.send(f"/review {offers['wu']}")
    await admin.press(_("Reject"))
    await admin.reply(admin.last_message(), words["rework"])
    await wu.send(f"/submit {offers['wu']}")
    await wu.send_voice()
    await wu.send_voice()
    await wu.press(_("Submit"))
    await admin.send(f"/review {offers['wu']}")
    await admin.press(_.context("review", "Accept"))
    await admin.send(f"/accept {offers['xi']}")
    await admin.send(f"/accept {extra}")
    await admin.send(f"/reject {subtitles} 2 {words['rework']}")  # one line again
    await wu.send(f"/submit {subtitles}")
    await wu.send(words["line_2"])
    await wu.send(f"/done {subtitles}")
    await admin.send(f"/accept {subtitles}")
    await admin.send(f"/reject {photos} {words['blurry']}")

    # Money and the clock.
    await admin.send(f"/payout @wu 4.00 {words['payout']}")
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
