"""Charts in the summaries, from the users' side: earnings per period as a picture under the
worker's summary, units and money per day under the admin's digest, in either language; plain
text when there is nothing to draw; text then picture when the text is too long for a caption."""

from __future__ import annotations

import io
import itertools
import json
import threading
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from bot import delivery
from bot.charts import PERIODS, chart, render_png
from bot.domain.periods import latest_period, periods_back
from bot.views import summaries as summary_views
from tests.scenario import guild_holding_units, submitted_assignment
from tgfake import FakeUser, Harness
from tgfake.api import Sent

WEEKLY_MOMENT = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)  # Sunday 20:00 in Shanghai
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BLUE = (0x2B, 0x7B, 0xBA)  # the bars' colour (bot.charts)


def _picture(h: Harness, sent: Sent) -> Image.Image:
    """The PNG the bot uploaded with a sendPhoto, decoded."""
    assert sent.method == "sendPhoto", sent
    content = h.api.uploaded[sent.params["photo"]]
    assert content.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(content))
    image.load()
    assert image.format == "PNG"
    return image.convert("RGB")


def _photos(user: FakeUser) -> list[Sent]:
    return [s for s in user.messages() if s.method == "sendPhoto"]


async def _accepted(h: Harness, admin: FakeUser, guild: dict, worker: str, units: int) -> None:
    assignment_id = await submitted_assignment(guild, units, worker)
    await admin.send(f"/accept A{assignment_id}")


@pytest.fixture
async def guild(h: Harness, admin: FakeUser):
    return await guild_holding_units(h, admin)


async def test_a_summary_with_earnings_comes_as_a_chart_with_the_text_as_caption(
        h: Harness, admin: FakeUser, guild: dict) -> None:
    wu, xi, yan = guild["wu"], guild["xi"], guild["yan"]
    await _accepted(h, admin, guild, "wu", 2)
    await _accepted(h, admin, guild, "xi", 1)
    await submitted_assignment(guild, 1, "yan")  # waiting for review: nothing earned yet
    await xi.send("/settings language zh")

    h.clock.set(WEEKLY_MOMENT)
    report = await h.services.summaries.run_due()
    await h.settle()
    assert report.workers == 4  # Wu, Xi, Yan, and Lee's commission

    # Wu: one message, a picture whose caption is the summary, in HTML as the text was.
    mine = wu.last_message()
    assert mine.method == "sendPhoto" and mine.params["parse_mode"] == "HTML"
    assert mine.text.startswith("📊 <b>Your week</b> (2026-11-29 20:00 – 2026-12-06 20:00)")
    assert "Earned: 4.32 CNY" in mine.text
    assert not any("Your week" in s.text for s in wu.messages() if s.method == "sendMessage")
    image = _picture(h, mine)
    assert image.size == (640, 200)  # one panel: earnings per week
    assert image.getpixel((575, 150)) == BLUE  # the last week's bar, the only one
    assert image.getpixel((90, 150)) != BLUE  # eight weeks ago: nothing

    # Xi reads Chinese; the picture is the same kind (digits only).
    theirs = xi.last_message()
    assert theirs.method == "sendPhoto"
    assert theirs.text.startswith("📊 <b>本周收入汇总</b>") and "\n收入：¥2.16\n" in theirs.text
    assert _picture(h, theirs).size == (640, 200)

    # Yan earned nothing in the eight weeks: the summary as plain text, no picture.
    assert yan.last_message().method == "sendMessage"
    assert "Your week" in yan.last_message().text and _photos(yan) == []

    # The admin's digest: units accepted and money credited per day, two panels.
    digest = admin.last_message()
    assert digest.method == "sendPhoto" and "Platform digest" in digest.text
    assert _picture(h, digest).size == (640, 400)


async def test_the_chart_is_queued_as_data_and_drawn_at_sending(
        h: Harness, admin: FakeUser, guild: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """Per day for a daily summary, the last eight days; the outbox holds the series, not an
    image; a flood wait postpones the picture, which is drawn again and sent once."""
    wu = guild["wu"]
    await wu.send("/settings daily")
    await _accepted(h, admin, guild, "wu", 1)  # 2026-12-01, 17:00 in Shanghai
    h.clock.set(datetime(2026, 12, 2, 3, 0, tzinfo=UTC))
    await _accepted(h, admin, guild, "wu", 2)  # 2026-12-02, 11:00 in Shanghai

    await h.services.dispatcher.stop()  # look at the queue before anything is sent
    h.clock.set(datetime(2026, 12, 2, 12, 0, tzinfo=UTC))
    await h.services.summaries.run_due()
    rows = await h.services.db.fetch_all(
        "SELECT payload FROM outbox WHERE method = 'sendPhoto' AND chat_id = :c", {"c": wu.id})
    payload = json.loads(rows[0][0])
    assert "photo" not in payload
    assert payload["chart"] == {
        "labels": ["11-25", "11-26", "11-27", "11-28", "11-29", "11-30", "12-01", "12-02"],
        "series": [{"values": [0, 0, 0, 0, 0, 0, 216, 432], "scale": 100}]}
    assert len(rows[0][0]) < 1024

    threads: list[str] = []

    def drawn_where(data: dict) -> bytes:
        threads.append(threading.current_thread().name)
        return render_png(data)

    monkeypatch.setattr(delivery, "render_png", drawn_where)
    h.api.fail_next("sendPhoto", chat_id=wu.id, kind="retry_after", retry_after=1)
    h.services.dispatcher.start()
    await h.settle()
    assert _photos(wu) == []
    h.clock.advance(timedelta(seconds=2))
    await h.settle()
    photos = _photos(wu)
    assert len(photos) == 1
    assert "Your day</b> (2026-12-01 20:00 – 2026-12-02 20:00)" in photos[0].text
    assert _picture(h, photos[0]).size == (640, 200)
    # Drawn twice (the flood wait, then the send), never on the event loop's thread.
    assert len(threads) == 2 and all(name.startswith("chart") for name in threads)


def test_a_monthly_chart_has_a_bar_per_month_named_by_digits() -> None:
    zone = ZoneInfo("Asia/Shanghai")
    period = latest_period(datetime(2026, 12, 1, tzinfo=UTC), "monthly", time(20), zone)
    bars = periods_back(period, PERIODS, time(20), zone)
    assert summary_views.chart_labels(bars, zone) == [
        "2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    assert all(a.end == b.start for a, b in itertools.pairwise(bars))  # no gap, no overlap
    assert chart(["a", "b"], ([0, 0], 100), ([0, 0], 1)) is None  # nothing to draw


async def test_a_summary_too_long_for_a_caption_comes_as_text_then_the_chart(
        h: Harness, admin: FakeUser, guild: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    wu, xi = guild["wu"], guild["xi"]
    original = summary_views.worker_summary
    # Summaries only grow (a caption holds 1,024 characters): a long one, as it might become.
    monkeypatch.setattr(summary_views, "worker_summary",
                        lambda *args: original(*args) + "\n" + "· " * 600)
    await _accepted(h, admin, guild, "wu", 1)
    await _accepted(h, admin, guild, "xi", 1)
    await xi.send("/settings language zh")
    await admin.send("/settings language zh")
    await admin.send("/summary")
    await h.settle()

    for user, title in ((wu, "📊 <b>Your week</b>"), (xi, "📊 <b>本周收入汇总</b>")):
        text, picture = [s for s in user.messages() if s.method in ("sendMessage", "sendPhoto")
                         ][-2:]
        assert text.method == "sendMessage" and text.text.startswith(title)
        assert picture.method == "sendPhoto" and "caption" not in picture.params
        assert picture.message_id == text.message_id + 1
        assert _picture(h, picture).size == (640, 200)

    # The admin's digest (Chinese here) fits its caption.
    digest = admin.last_message()
    assert digest.method == "sendPhoto" and digest.text.startswith("📊 <b>平台简报</b>")
    assert _picture(h, digest).size == (640, 400)
