"""Money is an integer count of minor units (fen, cents); it becomes text only when rendered."""

from __future__ import annotations

import re
from typing import Any

from bot.domain.errors import Shown

_AMOUNT_RE = re.compile(r"^(\d+)(?:\.(\d+))?$")
# Digits before the point that an amount may have at all (its real cap is lower, see tasks.py).
MAX_WHOLE_DIGITS = 30


class AmountOutOfRange(ValueError):
    pass


class MoneyFormatError(ValueError):
    pass


def parse_amount(text: str, exponent: int) -> int:
    """'2.50' with exponent 2 -> 250. Refuses '2,5', '-1', '1e3' and more decimals than allowed."""
    raw = text.strip()
    match = _AMOUNT_RE.match(raw)
    if not match:
        raise MoneyFormatError(raw)
    whole, fraction = match[1], match[2] or ""
    if len(fraction) > exponent:
        raise MoneyFormatError(raw)
    if len(whole.lstrip("0")) > MAX_WHOLE_DIGITS:
        raise AmountOutOfRange(raw)
    return int(whole) * 10**exponent + int(fraction.ljust(exponent, "0") or 0)


def read_amount(text: str, exponent: int, malformed: Exception, too_large: Exception) -> int:
    """`parse_amount`, its failures raised as the caller's refusals."""
    try:
        return parse_amount(text, exponent)
    except MoneyFormatError:
        raise malformed from None
    except AmountOutOfRange:
        raise too_large from None


# How a Chinese reader writes an amount in these currencies (others keep their code).
_SYMBOLS_ZH = {"CNY": "¥"}


def format_money(minor: int, currency: str, exponent: int, language: str = "en") -> str:
    """250 → '2.50 CNY' (English) or '¥2.50' (Chinese): exact integers, never floats,
    thousands separated."""
    sign = "-" if minor < 0 else ""
    value = abs(minor)
    if exponent == 0:
        number = f"{value:,}"
    else:
        major, rest = divmod(value, 10**exponent)
        number = f"{major:,}.{rest:0{exponent}d}"
    symbol = _SYMBOLS_ZH.get(currency) if language.startswith("zh") else None
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency}"


class Money(Shown):
    """An amount to show in a refusal, in the reader's way of writing it."""

    __slots__ = ("currency", "exponent", "minor")

    def __init__(self, minor: int, currency: str, exponent: int) -> None:
        self.minor, self.currency, self.exponent = minor, currency, exponent

    def render_for(self, _: Any) -> str:
        return format_money(self.minor, self.currency, self.exponent, _.language)


def split_commission(gross_minor: int, commission_bp: int) -> tuple[int, int]:
    """(worker share, guild commission) of a gross amount; the parts always add up to it."""
    if gross_minor < 0:
        raise ValueError("gross amount must not be negative")
    if not 0 <= commission_bp <= 10_000:
        raise ValueError("commission must be between 0 and 10000 basis points")
    commission = gross_minor * commission_bp // 10_000
    return gross_minor - commission, commission
