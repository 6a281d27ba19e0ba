"""Shared rendering helpers: money, times, buttons, progress bars, CSV files."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, tzinfo
from typing import Any

from bot.buttons import Pager
from bot.config import Settings
from bot.domain.money import format_money
from bot.domain.zones import format_moment
from bot.i18n import Html, Translator, escape, plain_text
from storage.models import UserRecord

Keyboard = dict[str, Any]
# Texts and keyboards rendered later, in each recipient's language.
Render = Callable[[Translator], str]
KeyboardRender = Callable[[Translator], Keyboard | None]
# Telegram takes 4,096 characters a message; a page leaves room for a header or a footer.
PAGE_LIMIT = 3_500
# Lines on a page of a list turned with ◀ Previous / Next ▶: a phone's screen, not a wall.
LIST_LINES = 15


def button(text: str, callback_data: str) -> dict[str, str]:
    if len(callback_data.encode()) > 64:
        raise ValueError(f"callback_data over 64 bytes: {callback_data!r}")
    return {"text": str(text), "callback_data": callback_data}


def pager_keyboard(_: Translator, pager: Pager, page: int, key: str, more: bool
                   ) -> Keyboard | None:
    """◀ Previous / Next ▶ under page `page` (0: the first) of a list whose filter is `key`
    (see bot.buttons.Pager); none when the list fits on one page."""
    row = []
    if page > 0:
        row.append(button(_("◀ Previous"), pager.data(page - 1, key)))
    if more:
        row.append(button(_("Next ▶"), pager.data(page + 1, key)))
    return keyboard(row) if row else None


def who(user: UserRecord | None, fallback: int) -> str:
    """How a person is named in a notice: @username or their name, else their id."""
    return user.mention if user else str(fallback)


def url_button(text: str, url: str) -> dict[str, str]:
    return {"text": str(text), "url": url}


def keyboard(*rows: list[dict[str, str]]) -> Keyboard:
    return {"inline_keyboard": [row for row in rows if row]}


def money_text(_: Translator, minor: int, settings: Settings) -> str:
    """An amount in the platform's currency, as the reader writes it (¥2.50 / 2.50 CNY)."""
    return format_money(minor, settings.currency, settings.currency_exponent, _.language)


def signed(_: Translator, minor: int, settings: Settings) -> str:
    """+5.00 CNY / -5.00 CNY: a correction says which way it goes."""
    return ("+" if minor > 0 else "") + money_text(_, minor, settings)


def when(_: Translator, moment: datetime, zone: tzinfo) -> str:
    """'2026-12-20 18:00 北京时间' in Chinese, '2026-12-20 18:00 UTC+8' in English: a zone
    that says what it is (never an ambiguous abbreviation such as CST)."""
    return format_moment(_, moment, zone)


def mention(name: str, user_id: int) -> Html:
    return Html(f'<a href="tg://user?id={int(user_id)}">{escape(name)}</a>')


def excerpt(markup: str, limit: int) -> Html:
    """Stored HTML as it is when short; else its text cut to `limit` characters (no tag cut)."""
    plain = plain_text(markup)
    if len(plain) <= limit:
        return Html(markup)
    return Html(escape(plain[: limit - 1] + "…"))


def pages(head: str, lines: Sequence[str], limit: int = PAGE_LIMIT) -> list[Html]:
    """The head and the lines, split into messages that fit Telegram's limit."""
    chunks: list[list[str]] = [[head]]
    size = len(head)
    for line in lines:
        if size + len(line) > limit:
            chunks.append([])
            size = 0
        chunks[-1].append(line)
        size += len(line) + 1
    return [Html("\n".join(chunk)) for chunk in chunks]


def list_pages(head: str, lines: Sequence[str], most: int = LIST_LINES) -> list[Html]:
    """A list's pages for ◀ Previous / Next ▶: the head on each page (a page turned to says
    what it lists), then at most `most` lines, within Telegram's limit."""
    chunks: list[list[str]] = [[]]
    room = PAGE_LIMIT - len(head)
    size = 0
    for line in lines:
        if chunks[-1] and (len(chunks[-1]) >= most or size + len(line) > room):
            chunks.append([])
            size = 0
        chunks[-1].append(line)
        size += len(line) + 1
    return [Html("\n".join([head, *chunk])) for chunk in chunks]


def page_of(_: Translator, pages: Sequence[str], page: int, pager: Pager, key: str,
            actions: Keyboard | None = None) -> tuple[Html, Keyboard | None]:
    """Page `page` of a list (its last when the list has shrunk since), "Page 2 of 5" under
    it, and its buttons: the list's own `actions` (on every page), then ◀ Previous / Next ▶.
    A list that fits on one page has neither the line nor the page buttons."""
    page = max(0, min(page, len(pages) - 1))
    text = pages[page]
    if len(pages) > 1:
        text += "\n\n" + _("Page {number} of {count}", number=page + 1, count=len(pages))
    turn = pager_keyboard(_, pager, page, key, page + 1 < len(pages))
    rows = [*(actions or {}).get("inline_keyboard", ()), *(turn or {}).get("inline_keyboard", ())]
    return Html(text), (keyboard(*rows) if rows else None)


def percent(commission_bp: int) -> str:
    """1250 -> '12.5', 1000 -> '10', 5 -> '0.05'."""
    whole, rest = divmod(commission_bp, 100)
    return f"{whole}" if not rest else f"{whole}.{rest:02d}".rstrip("0")


def percent_bar(percent: int, width: int = 10) -> str:
    """▓▓▓▓░░░░░░ for 40 %."""
    filled = min(width, max(0, percent) * width // 100)
    return "▓" * filled + "░" * (width - filled)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A CSV file in UTF-8 with a BOM, so spreadsheets read Chinese."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")
