"""Bonuses and corrections: the amounts an admin may credit or correct by hand, and the
audit trail's filter (the rules only; who exists and what was used comes from storage)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.errors import AmountOverCap, AmountZero, BadLedgerAmount
from bot.domain.money import Money, read_amount

AUDIT_DAYS = 7  # what /audit shows without a number of days
AUDIT_DAYS_MAX = 3660
REFERENCE_PREFIXES = ("ref:", "ref=")  # the optional last word naming a reference


def parse_change(text: str, exponent: int, cap: int, currency: str, *,
                 signed: bool) -> int:
    """A bonus ('5.00', never zero, at most the cap) or, `signed`, a correction ('-2.50',
    '+1', '3'): in minor units."""
    raw = text.strip()
    body, sign = raw, 1
    if signed and raw[:1] in ("+", "-"):
        body, sign = raw[1:], -1 if raw[0] == "-" else 1
    example = "5" if exponent == 0 else "5." + "0" * exponent
    example = f"-{example}" if signed else example
    over = AmountOverCap(value=raw, cap=Money(cap, currency, exponent))
    value = read_amount(body, exponent,
                        BadLedgerAmount(value=raw, digits=exponent, example=example), over)
    if value == 0:
        raise AmountZero(value=raw)
    if value > cap:
        raise over
    return sign * value


def split_reference(words: list[str]) -> tuple[list[str], str | None]:
    """The reason's words and the reference (`ref:<reference>` as the last word), if any."""
    if words and words[-1].lower().startswith(REFERENCE_PREFIXES):
        return words[:-1], words[-1][len(REFERENCE_PREFIXES[0]):] or None
    return words, None


@dataclass(frozen=True, slots=True)
class AuditScope:
    """What /audit is about: everything (kind None), or one guild, user or task by id, over
    the last `days` days. `key` is how a page button carries it."""

    kind: str | None
    id: int | None
    days: int = AUDIT_DAYS

    @property
    def key(self) -> str:
        return f"{(self.kind or '')[:1]}{self.id or ''}.{self.days}"

    @classmethod
    def from_key(cls, key: str) -> AuditScope | None:
        kinds = {"g": "guild", "u": "user", "t": "task"}
        head, _dot, days = key.partition(".")
        if not days.isdecimal() or not 1 <= int(days) <= AUDIT_DAYS_MAX:
            return None
        if not head:
            return cls(None, None, int(days))
        if head[0] not in kinds or not head[1:].isdecimal():
            return None
        return cls(kinds[head[0]], int(head[1:]), int(days))
