"""Money is an integer count of minor units (fen, cents); it becomes text only when rendered."""

from __future__ import annotations

import re

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


def split_commission(gross_minor: int, commission_bp: int) -> tuple[int, int]:
    """(worker share, guild commission) of a gross amount; the parts always add up to it."""
    if gross_minor < 0:
        raise ValueError("gross amount must not be negative")
    if not 0 <= commission_bp <= 10_000:
        raise ValueError("commission must be between 0 and 10000 basis points")
    commission = gross_minor * commission_bp // 10_000
    return gross_minor - commission, commission
