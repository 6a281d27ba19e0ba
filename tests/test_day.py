"""The day of tests/day.py, as everyone sees it, and as a replay leaves it."""

from __future__ import annotations

import re
from pathlib import Path

from bot.i18n import plain_text
from storage import ledger as ledger_repo
from tests.day import a_day
from tests.scenario import business_rows
from tgfake import Harness

# A day's guild chats see more than Telegram's 20 messages a minute, played in seconds here.
DAY_GROUP_RATE = 6_000


async def test_a_day_on_the_platform(tmp_path: Path) -> None:
    async with Harness(tmp_path / "day.db", admin_ids={900_001},
                       group_messages_per_minute=DAY_GROUP_RATE) as h:
        p = await a_day(h)
        assert h.api.refused == []
        await _check_the_day(h, p)


def _everything_said(h: Harness) -> list[str]:
    """What everyone read: messages, edits, captions, button labels, pop-up answers."""
    said = []
    for sent in (s for chat in list(h.api.sent.values()) for s in chat):
        said += [plain_text(sent.text), *sent.button_texts]
    return [text for text in said if text]


# What stays Latin in a Chinese message: commands, @names, links, file names, the people's own
# names, the product and formats — then no English word may be left.
_NOT_ENGLISH = re.compile(
    r"https?://\S+|/\w+(@\w+)?( ([a-z0-9]+|[TAQGM]\d+)\b)*|@\w+|\b[\w-]+\.(mp3|ogg|jpg|txt)\b"
    r"|\b[A-Z][a-z]+/[A-Za-z_]+\b|YYYY-MM-DD HH:MM"
    r"|\b(Ada|Lee|Mei|Wu|Xi|Yan|Zed|Guildwork|Telegram|UTC|ID|English|Start)\b")
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def english_left(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]{2,}", _NOT_ENGLISH.sub(" ", text))


async def test_a_day_in_chinese(tmp_path: Path) -> None:
    """People whose Telegram app is in Chinese play the same day, writing Chinese themselves
    (the task forms too): everyone reads Chinese only, and the day leaves what it leaves in
    English."""
    async with Harness(tmp_path / "day-zh.db", admin_ids={900_001},
                       group_messages_per_minute=DAY_GROUP_RATE) as h:
        p = await a_day(h, language="zh-hans")
        assert h.api.refused == []
        said = _everything_said(h)
        assert len(said) > 100
        assert [(english_left(t), t) for t in said if english_left(t)] == []
        wu, zed, admin = p["wu"], p["zed"], p["admin"]
        assert any("你获得收入" in t for t in wu.texts())  # type: ignore[attr-defined]
        assert any("已驳回返工" in t for t in zed.texts())  # type: ignore[attr-defined]
        assert any("收入汇总已排队" in t for t in admin.texts())  # type: ignore[attr-defined]
        assert any("¥4.00" in t for t in wu.texts())  # type: ignore[attr-defined]
        chinese = await business_rows(h)
    async with Harness(tmp_path / "day-en.db", admin_ids={900_001},
                       group_messages_per_minute=DAY_GROUP_RATE) as h:
        await a_day(h)
        # (the language button offers Chinese in its own words)
        assert [t for t in _everything_said(h) if _CHINESE.search(t.replace("简体中文", ""))] == []
        english = await business_rows(h)
    # The same work, money and states; only the words people wrote differ.
    for table in ("ledger", "assignments", "allocations", "quotes"):
        assert _shape(chinese[table]) == _shape(english[table]), table


def _shape(rows: list[tuple]) -> list[tuple]:
    """Rows without what people wrote (notes, reasons: words, in either language); ids,
    amounts, units and states stay."""
    def written(value: object) -> bool:
        return isinstance(value, str) and (not value.isascii() or " " in value)
    return [tuple(v for v in row if not written(v)) for row in rows]


async def _check_the_day(h: Harness, p: dict) -> None:
    wu, zed, admin = p["wu"], p["zed"], p["admin"]
    assert any("You earned" in t for t in wu.texts())  # type: ignore[attr-defined]
    assert any("sent back for rework" in t for t in zed.texts())  # type: ignore[attr-defined]
    assert any("Summaries queued" in t for t in admin.texts())  # type: ignore[attr-defined]
    # Every credit splits into the worker's share and the commission, summing to the gross.
    rows = await h.services.db.fetch_all(
        "SELECT a.id, a.accepted_units * a.unit_price_minor, SUM(l.amount_minor)"
        " FROM assignments a JOIN ledger l ON l.assignment_id = a.id"
        " WHERE a.status = 'accepted' GROUP BY a.id")
    assert rows and all(gross == credited for _, gross, credited in rows)
    assert await ledger_repo.balance(h.services.db, 200_011) > 0


async def test_a_day_delivered_twice_and_edited_leaves_what_it_left_once(
        tmp_path: Path) -> None:
    """Every update delivered twice (a crash, a webhook retry) and every command edited once:
    the ledger, the market, the work and the notices are exactly those of the plain day."""
    left: list[dict[str, list[tuple]]] = []
    for replay in (False, True):
        async with Harness(tmp_path / f"day-{replay}.db", admin_ids={900_001},
                           group_messages_per_minute=DAY_GROUP_RATE) as h:
            h.replay = replay
            await a_day(h)
            left.append(await business_rows(h))
            assert h.api.refused == []
    once, twice = left
    for table in once:
        assert twice[table] == once[table], table
