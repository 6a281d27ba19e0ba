"""Visible ids: each kind of record has its letter, so `T3` (a task) and `A3` (an assignment)
can't be taken for one another. Shown with the letter everywhere; typed with it, with `#`, or
as the bare number."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

MAX_ID = 2**63 - 1  # ids are SQLite integers: a longer number names nothing
_ID_RE = re.compile(r"^([A-Za-z]?|#)(\d+)$")


class Kind(StrEnum):
    TASK = "T"
    ASSIGNMENT = "A"
    QUOTE = "Q"
    GUILD = "G"


def shown(kind: Kind, number: int) -> str:
    """`T3`: how an id is written in every message."""
    return f"{kind}{number}"


def shown_all(kind: Kind, numbers: Iterable[int]) -> str:
    """`A3, A5`: several ids of one kind."""
    return ", ".join(shown(kind, n) for n in numbers)


class IdError(ValueError):
    """Why a typed id was refused: `kind` is the kind it named instead, or None when the
    text is no id at all; `too_large` when its number can name nothing."""

    def __init__(self, kind: Kind | None = None, too_large: bool = False) -> None:
        super().__init__(kind)
        self.kind, self.too_large = kind, too_large


def parse(text: str, kind: Kind | None = None) -> int:
    """'T12', 't12', '#12' or '12' -> 12 for a task; 'A12' where a task is meant raises
    IdError(kind=Kind.ASSIGNMENT). Without `kind`, only '#12' and '12' are ids."""
    match = _ID_RE.match(text.strip())
    if match is None or not match[2].isascii() or not match[2].strip("0"):
        raise IdError()
    letter = match[1].upper()
    if letter not in ("", "#"):
        named = Kind(letter) if letter in Kind._value2member_map_ else None
        if named is None or named is not kind:
            raise IdError(kind=named)
    if len(match[2].lstrip("0")) > 19 or int(match[2]) > MAX_ID:
        raise IdError(too_large=True)
    return int(match[2])
