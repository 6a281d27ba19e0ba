"""Money out as files: the payroll's period, and the lines of a bulk payout file and what is
wrong with each (the rules only; who exists, balances and used references come from storage).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from bot.domain.errors import (
    N_,
    BadPeriod,
    Msg,
    PayoutFileUnreadable,
    PeriodBackwards,
    Said,
    Shown,
)
from bot.domain.money import AmountOutOfRange, MoneyFormatError, parse_amount
from bot.domain.tasks import MAX_AMOUNT_MINOR
from bot.domain.text import NOTE_MAX, clean_text

REFERENCE_MAX = 64
MAX_PAYOUT_LINES = 10_000
PAYOUT_FILE_MAX_BYTES = 2_000_000
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_USER_RE = re.compile(r"^@([A-Za-z0-9_]{1,32})$")
_HEADER = ("user", "amount", "note", "reference")
# A header row may name the columns in Chinese, as a Chinese spreadsheet has them.
_HEADER_ZH = {"用户": "user", "金额": "amount", "备注": "note", "参考号": "reference"}


@dataclass(frozen=True, slots=True)
class PayrollPeriod:
    start: datetime  # inclusive
    end: datetime  # exclusive
    label: str  # 2026-12, or 2026-12-01..2026-12-15


def _month(year: int, month: int, zone: tzinfo) -> tuple[datetime, datetime]:
    start = datetime(year, month, 1, tzinfo=zone)
    after = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    return start, after


def payroll_period(args: list[str], now: datetime, zone: tzinfo) -> PayrollPeriod:
    """[] → this month so far; `YYYY-MM` → that month; `<from> <to>` → those days, both
    included; in the admin's zone."""
    if not args:
        local = now.astimezone(zone)
        start, _after = _month(local.year, local.month, zone)
        # Up to and including this second: what was credited just now counts.
        return PayrollPeriod(start, now + timedelta(seconds=1),
                             f"{local.year:04d}-{local.month:02d}")
    if len(args) == 1 and (match := _MONTH_RE.match(args[0])) and 1 <= int(match[2]) <= 12:
        start, after = _month(int(match[1]), int(match[2]), zone)
        return PayrollPeriod(start, after, args[0])
    if len(args) == 2 and all(_DAY_RE.match(a) for a in args):
        try:
            first, last = (date.fromisoformat(a) for a in args)
        except ValueError:
            raise BadPeriod(value=" ".join(args)) from None
        if last < first:
            raise PeriodBackwards(start=args[0], end=args[1])
        start = datetime(first.year, first.month, first.day, tzinfo=zone)
        after = datetime(last.year, last.month, last.day, tzinfo=zone) + timedelta(days=1)
        return PayrollPeriod(start, after, f"{args[0]}..{args[1]}")
    raise BadPeriod(value=" ".join(args))


@dataclass(slots=True)
class PayoutLine:
    """One line of a payout file: where it is (its line number), what it says, and what is
    wrong with it (nothing: it can be paid)."""

    number: int
    user: str
    amount: int | None
    note: str | None
    reference: str | None
    user_id: int | None = None
    problems: list[Said] = field(default_factory=list)

    def problem(self, message: Msg, **values: object) -> None:
        self.problems.append(Said(message, **values))


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise PayoutFileUnreadable(problem=Said(N_("it is neither UTF-8 nor GB18030 text")))


def _amount(line: PayoutLine, raw: str, exponent: int) -> int | None:
    text = raw.strip()
    try:
        value = parse_amount(text.lstrip("-"), exponent)
    except MoneyFormatError:
        line.problem(N_("malformed amount {value}: write it like 12.50"), value=text or "—")
        return None
    except AmountOutOfRange:
        value = MAX_AMOUNT_MINOR + 1
    if text.startswith("-") or value == 0:
        line.problem(N_("the amount must be above zero, not {value}"), value=text)
        return None
    if value > MAX_AMOUNT_MINOR:
        line.problem(N_("{value} is above the most a payout may be"), value=text)
        return None
    return value


def read_payout_file(data: bytes, exponent: int) -> list[PayoutLine]:
    """The file's lines (`user, amount, note, reference`, a header row optional; with a header
    the columns may come in any order, named in English or Chinese), each checked on its own
    and against the lines above it for a repeated reference."""
    try:
        rows = list(_rows(_decode(data)))
    except csv.Error as error:
        raise PayoutFileUnreadable(problem=str(error)) from None
    if not rows:
        raise PayoutFileUnreadable(problem=Said(N_("it has no lines")))
    order = list(range(4))
    names = [_HEADER_ZH.get(cell.strip(), cell.strip().lower()) for cell in rows[0][1]]
    if "user" in names or "reference" in names:
        if not {"user", "amount", "reference"} <= set(names):
            raise PayoutFileUnreadable(problem=Said(N_("its header lacks user, amount or "
                                                       "reference")))
        order = [names.index(name) if name in names else -1 for name in _HEADER]
        rows = rows[1:]
    if len(rows) > MAX_PAYOUT_LINES:
        raise PayoutFileUnreadable(problem=Said(N_("it has more than {most} lines"),
                                                most=f"{MAX_PAYOUT_LINES:,}"))
    lines: list[PayoutLine] = []
    seen: dict[str, int] = {}
    for number, cells in rows:
        user, amount, note, reference = (
            cells[i].strip() if 0 <= i < len(cells) else "" for i in order)
        line = PayoutLine(number, user, None, clean_text(note, NOTE_MAX) or None,
                          clean_text(reference, REFERENCE_MAX) or None)
        line.amount = _amount(line, amount, exponent)
        if line.reference is None:
            line.problem(N_("no reference: every line needs its own"))
        elif line.reference in seen:
            line.problem(N_("reference {reference} is also on line {line}"),
                         reference=line.reference, line=seen[line.reference])
        else:
            seen[line.reference] = number
        lines.append(line)
    return lines


def _rows(text: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    return [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]


def user_key(text: str) -> int | str | None:
    """A user as a line names them: a numeric id, a lower-cased username, or None."""
    if text.isdecimal() and text.isascii() and len(text) <= 19:
        return int(text)
    match = _USER_RE.match(text) or _USER_RE.match("@" + text)
    return match[1].lower() if match else None


@dataclass(frozen=True, slots=True)
class Used:
    """A reference paid before: to whom, how much, when (shown in the reader's way)."""

    who: str
    amount: Shown
    when: Shown


def check_payouts(lines: list[PayoutLine], ids: Mapping[int | str, list[int]],
                  balances: Mapping[int, int], used: Mapping[str, Used],
                  money: Callable[[int], Shown]) -> None:
    """What only the database knows: who the user is, whether the reference paid before, and
    whether the balance covers the line with the lines above it for the same user."""
    spent: dict[int, int] = {}
    for line in lines:
        key = user_key(line.user)
        found = ids.get(key, []) if key is not None else []
        if key is None:
            line.problem(N_("{value} is not a user: give @username or the numeric id"),
                         value=line.user or "—")
        elif len(found) > 1:
            line.problem(N_("{who} has been used by more than one person: give the id"),
                         who=line.user)
        elif not found:
            line.problem(N_("unknown user {who}: they have never written to me"), who=line.user)
        else:
            line.user_id = found[0]
        if line.reference is not None and line.reference in used:
            before = used[line.reference]
            line.problem(N_("reference {reference} was already used: {amount} to {who}, "
                            "{when}"), reference=line.reference, amount=before.amount,
                         who=before.who, when=before.when)
        if line.user_id is not None and line.amount is not None:
            balance = balances.get(line.user_id, 0) - spent.get(line.user_id, 0)
            if line.amount > balance:
                line.problem(N_("above the balance: {who} has {balance}, counting the lines "
                                "above"), who=line.user, balance=money(max(balance, 0)))
            else:
                spent[line.user_id] = spent.get(line.user_id, 0) + line.amount


def payable(lines: list[PayoutLine]) -> bool:
    return bool(lines) and not any(line.problems for line in lines)
