"""Languages from the user's side: a Chinese Telegram app reads Chinese from the first message;
anyone switches in /settings and everything after it (answers, menu, offers, summaries)
follows; a guild's group speaks its leader's language unless the leader chooses one."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.tasks import parse_task_form
from bot.i18n import CHINESE, ENGLISH, texts_for
from tests.conftest import ADMIN_ID
from tests.scenario import approved_guild, guild_holding_units, task_form
from tgfake import FakeUser, Harness

_zh, _en = texts_for(CHINESE), texts_for(ENGLISH)


def _menu(h: Harness, key: str) -> dict[str, str]:
    return {c["command"]: c["description"] for c in h.api.commands[key]}


async def test_a_chinese_app_reads_chinese_from_the_first_message(h: Harness) -> None:
    alice = h.user("Alice", language="zh-hans")
    await alice.send("/start")
    assert alice.last_message().text.startswith("欢迎来到 Guildwork，Alice！")
    await alice.send("/help")
    help_text = alice.last_message().text
    assert help_text.startswith("<b>你在这里可以做什么</b>\n/start — 启动机器人\n")
    # Argument names are Chinese too; commands and keywords stay as they are typed.
    assert "/submit &lt;派单号&gt; — 选择接下来的结果属于哪个派单" in help_text
    assert ("/settings [daily|weekly|monthly|off | timezone &lt;地区/城市&gt; | "
            "language en|zh|app]") in help_text
    await alice.send("/settings language fr")
    assert alice.last_message().text == (
        "请选择语言：en、zh 或 app（跟随 Telegram 应用）。\n用法：/settings [daily|weekly|"
        "monthly|off | timezone &lt;地区/城市&gt; | language en|zh|app]")
    # Telegram shows Chinese apps the Chinese menu, everyone else the English one: the same
    # commands, described in each language.
    for scope in ("all_private_chats", "all_group_chats"):
        english, chinese = _menu(h, scope), _menu(h, f"{scope}:zh")
        assert english.keys() == chinese.keys()
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in text) for text in chinese.values())
    assert _menu(h, "all_private_chats")["settings"] == "Your summaries, time zone and language"
    assert _menu(h, "all_private_chats:zh")["settings"] == "收入汇总、时区和语言"
    assert _menu(h, "all_group_chats")["settings"] == "The group's language"
    assert _menu(h, "all_group_chats:zh")["settings"] == "本群的语言"


async def test_switching_language_in_settings_changes_everything_that_follows(
        h: Harness, admin: FakeUser) -> None:
    guild = await guild_holding_units(h, admin)
    wu, lee, group = guild["wu"], guild["lee"], guild["group"]
    await wu.send("/settings")
    assert "Language: English (as your Telegram app)" in wu.last_message().text
    await wu.press("简体中文")
    shown = wu.messages()[-1]  # the same message, edited into Chinese
    assert shown.method == "editMessageText"
    assert shown.text.startswith("<b>你的设置</b>")
    assert "语言：简体中文" in shown.text and "时区：北京（UTC+8）（平台默认）" in shown.text
    assert "• 简体中文" in shown.button_texts
    # Wu's own menu is Chinese now.
    assert _menu(h, f"chat:{wu.id}")["tasks"] == "你的派单及各自的待办"

    # An offer, its deadline in Beijing time, the money in yuan; the buttons Chinese.
    await lee.send(f"/assign {guild['task']} 1 @wu", chat=group)
    offer = wu.last_message()
    assert offer.text.startswith("<b>派单 A1</b> 来自 Alpha Dubbers：")
    assert "2026-12-20 18:00 北京时间" in offer.text and "¥2.40" in offer.text
    assert offer.button_texts == ["接单 A1", "拒绝 A1"]
    # Lee (English) reads the same step in English, in the group.
    assert group.texts()[-1] == "Assignment A1: 1 unit offered to @wu."
    await wu.press("接单")
    await wu.send_voice()
    await wu.press("提交")
    await admin.send("/accept 1")
    assert wu.last_message().text == (
        "✅ 派单 A1 已通过：1/1 份。\n你获得收入 ¥2.16（已扣除「Alpha Dubbers」的佣金 ¥0.24）。")

    # The summary comes in Chinese too.
    await admin.send("/summary")
    summary = wu.last_message().text
    assert summary.startswith("📊 <b>本周收入汇总</b>") and "\n收入：¥2.16\n" in summary

    # Typed, and back: English again; "app" follows the Telegram app (English here).
    await wu.send("/settings language en")
    assert "Language: English" in wu.last_message().text
    assert _menu(h, f"chat:{wu.id}")["tasks"] == "Your assignments and what each still needs"
    await wu.send("/settings language zh")
    assert "语言：简体中文" in wu.last_message().text
    await wu.send("/settings language app")
    assert "Language: English (as your Telegram app)" in wu.last_message().text
    await wu.send("/settings language fr")
    assert wu.last_message().text.startswith(
        "Choose a language: en, zh, or app (as your Telegram app).\nUsage: /settings [")


async def test_a_choice_outlives_a_restart(h: Harness) -> None:
    yan = h.user("Yan", language="en")
    await yan.send("/start")
    await yan.send("/settings language zh")
    await h.restart()
    await yan.send("/help")
    assert yan.last_message().text.startswith("<b>你在这里可以做什么</b>")


async def test_a_group_speaks_its_leaders_language_until_the_leader_chooses(
        h: Harness, admin: FakeUser) -> None:
    li = h.user("Li", username="li", language="zh-hans")
    wu = h.user("Wu")
    await li.send("/start")
    group = await approved_guild(h, admin, "粤语配音组", li, members=(wu,))
    assert any("已获批准" in t for t in group.texts())
    await li.send("/settings", chat=group)
    assert "本群语言：简体中文（跟随会长）" in group.last_message().text
    # A member may look, not choose; the refusal is in the group's language.
    await wu.press("English", chat=group)
    assert wu.last_alert() == "只有「粤语配音组」的会长或副会长才能进行此操作。"
    assert "本群语言：简体中文（跟随会长）" in group.messages()[-1].text
    await li.press("English", chat=group)
    assert "Language in this group: English" in group.messages()[-1].text
    assert _menu(h, f"chat:{group.id}")["tasks"] == _en("Open tasks and units left")
    await li.send("/tasks", chat=group)
    assert group.last_message().text == "No tasks are open right now."
    # Li still reads Chinese in private.
    await li.send("/tasks")
    assert li.last_message().text == "你目前没有未完成的派单。派单由会长分派。"
    await li.press("As the leader", chat=group)
    assert "本群语言：简体中文（跟随会长）" in group.messages()[-1].text
    await li.send("/tasks", chat=group)
    assert group.last_message().text == _zh("No tasks are open right now.")


async def test_an_admin_writes_the_task_form_in_chinese(h: Harness) -> None:
    ada = h.user("Ada", username="ada_admin", user_id=ADMIN_ID, language="zh-hans")
    await ada.send("/start")
    form = task_form("粤语配音", "每句录一段。", **{"模式": "定价", "数量": 3, "单价": "1.50",
                                                "结果": "语音", "截止时间": "2026-12-20 18:00"})
    replies = await ada.send(form.replace(": ", "："))  # full-width colons, as phones type
    assert "<b>任务 T1</b> 已发布：粤语配音" in replies[-1].text
    bad = form.replace("模式: 定价", "模式：拍卖")
    replies = await ada.send(bad)
    assert replies[-1].text.startswith("第 2 行（mode）：应为 报价 或 定价")


def test_the_form_reads_chinese_keys_values_and_colons() -> None:
    text = ("/newtask 门店照片\n模式：报价\n数量: 6\n单价：2.50\n结果：照片\n"
            "截止时间：2026-12-20 18:00\n报价截止：2026-12-10 12:00\n自动授予：是\n"
            "技能：粤语：流利\n\n每份一张。")
    draft = parse_task_form(text, zone=UTC, exponent=2)
    assert (draft.mode, draft.units, draft.price_minor, draft.result_type) == \
        ("quote", 6, 250, "photo")
    assert draft.deadline == datetime(2026, 12, 20, 18, 0, tzinfo=UTC)
    assert draft.auto_award is True and draft.skills == "粤语：流利"
