"""Shared rendering helpers: money, times, buttons, progress bars, CSV files."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, tzinfo
from typing import Any

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


def button(text: str, callback_data: str) -> dict[str, str]:
    if len(callback_data.encode()) > 64:
        raise ValueError(f"callback_data over 64 bytes: {callback_data!r}")
    return {"text": str(text), "callback_data": callback_data}


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
