"""Shared rendering helpers: money, times, buttons."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from bot.i18n import Html, escape

Keyboard = dict[str, Any]


def button(text: str, callback_data: str) -> dict[str, str]:
    if len(callback_data.encode()) > 64:
        raise ValueError(f"callback_data over 64 bytes: {callback_data!r}")
    return {"text": str(text), "callback_data": callback_data}


def url_button(text: str, url: str) -> dict[str, str]:
    return {"text": str(text), "url": url}


def keyboard(*rows: list[dict[str, str]]) -> Keyboard:
    return {"inline_keyboard": [row for row in rows if row]}


def money(minor: int, currency: str, exponent: int) -> str:
    """2.50 CNY from 250; exact integer arithmetic, never floats."""
    sign = "-" if minor < 0 else ""
    value = abs(minor)
    if exponent == 0:
        return f"{sign}{value:,} {currency}"
    major, rest = divmod(value, 10**exponent)
    return f"{sign}{major:,}.{rest:0{exponent}d} {currency}"


def when(moment: datetime, zone: tzinfo) -> str:
    local = moment.astimezone(zone)
    return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or "")


def mention(name: str, user_id: int) -> Html:
    return Html(f'<a href="tg://user?id={int(user_id)}">{escape(name)}</a>')
