"""Quality control's rules: comparing answers, control items per assignment, the checks'
outcome, and an item's answer from several workers' (overlap).

Answers are compared normalised: Unicode compatibility forms folded (full-width `ＡＢＣ１` is
`abc1`), case folded, and spaces and punctuation dropped, so `Hello, World!` and
`hello world` agree, as do `你好。` and `你好`. A choice answer is its set of labels.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from html import unescape

from bot.domain.errors import N_, Said
from bot.domain.items import Item, ItemFileError, ItemFileRefused

MAX_CONTROL_PCT = 50
MAX_OVERLAP = 10
DEFAULT_CONTROL_PCT = 10  # when the item file has golden answers and the task names no share
DEFAULT_THRESHOLD_PCT = 80
LABEL_SEPARATOR = " | "  # a several-label answer, as stored


@dataclass(frozen=True, slots=True)
class Quality:
    """An item task's quality settings (bot/domain/quality.py)."""

    control_pct: int = 0  # the share of control items per assignment (0: none)
    threshold_pct: int = DEFAULT_THRESHOLD_PCT  # control answers right, at least
    overlap: int = 1  # workers per item
    overlap_guilds: bool = False  # … each from a different guild
    auto_accept: bool = False  # accept without an admin what passes the checks
    min_score: int = 0  # auto-award passes over guilds scoring below this
    award_by_quality: bool = False  # auto-award ranks quotes by price adjusted for score
    qualifies: str | None = None  # a qualification test for this skill


NO_QUALITY = Quality()


_IN_NUMBERS = ".,-/:"  # kept before a digit: 3.5 is not 35, -5 not 5, 1/2 not 12


def normalise(text: str) -> str:
    """A text answer as compared: NFKC, case folded, without spaces or punctuation (but for
    the marks of a number: `.,-/:` before a digit)."""
    folded = unicodedata.normalize("NFKC", unescape(text)).casefold()
    return "".join(
        ch for ch, after in zip(folded, folded[1:] + " ", strict=True)
        if not ch.isspace() and (not unicodedata.category(ch).startswith("P")
                                 or (ch in _IN_NUMBERS and after.isdigit())))


def normalise_choice(answer: str) -> str:
    """A choice answer (labels joined by ` | `, as stored) as compared: the labels, sorted."""
    labels = {unescape(part.strip()) for part in answer.split("|") if part.strip()}
    return LABEL_SEPARATOR.join(sorted(labels))


def norm_of(answer: str | None, choice: bool) -> str | None:
    if answer is None:
        return None
    return normalise_choice(answer) if choice else normalise(answer)


def golden_answers(raw: str, choice: bool) -> tuple[str, ...]:
    """A `golden` cell: for a choice task one answer (several labels with `|` where the task
    takes several); for a text task one or more accepted answers separated by `|`."""
    if choice:
        return (normalise_choice(raw),) if raw.strip() else ()
    return tuple(dict.fromkeys(n for part in raw.replace("｜", "|").split("|")
                               if (n := normalise(part))))


def is_correct(norm: str | None, golden: Sequence[str]) -> bool:
    return norm is not None and norm in golden


def controls_for(units: int, control_pct: int, budget: int) -> int:
    """How many of an assignment's `units` items are control items: the task's share, rounded
    half up, within what the task's units leave for controls (`budget`), and never all of
    them (one unit: none)."""
    if control_pct <= 0 or units < 2:
        return 0
    share = math.floor(units * control_pct / 100 + 0.5)
    return max(0, min(share, budget, units - 1))


def task_units(items: int, overlap: int, control_pct: int) -> tuple[int, int]:
    """(units, units for control items) of an item task: every ordinary item answered
    `overlap` times, plus the control items mixed in at the share (each paid like the
    others)."""
    answers = items * overlap
    if control_pct <= 0:
        return answers, 0
    controls = math.ceil(answers * control_pct / (100 - control_pct))
    return answers + controls, controls


def passes(total: int, wrong: int, threshold_pct: int) -> bool:
    """A submission passes its controls when the share right is at least the threshold
    (no control answered: nothing to fail)."""
    return total == 0 or (total - wrong) * 100 >= threshold_pct * total


@dataclass(frozen=True, slots=True)
class Aggregate:
    """An item's answer from the answers it got."""

    answer: str | None  # the majority (normalised), None without one
    votes: int  # answers that agree with it
    answers: int  # answers given

    @property
    def confidence(self) -> float:
        return self.votes / self.answers if self.answers else 0.0

    @property
    def agreed(self) -> bool:
        """More than half agree."""
        return self.answer is not None and self.votes * 2 > self.answers


def tally_items(rows: Iterable[tuple[str, str | None, int | None, str | None]]
                ) -> Iterator[tuple[str, Aggregate, str | None]]:
    """Each item's answer, in one pass over its answers counted, grouped by item and in item
    order: rows of (key, normalised answer, how many gave it, one of them as given), a row
    with no answer for an item that has none. Yields (key, its answer, the majority as one
    worker gave it); a tie between the most common answers is no answer."""
    key: str | None = None
    top: str | None = None
    sample: str | None = None
    top_n = second = total = 0
    for item, norm, count, given in rows:
        if item != key:
            if key is not None:
                yield key, Aggregate(None if top_n == second else top, top_n, total), sample
            key, top, sample, top_n, second, total = item, None, None, 0, 0, 0
        if norm is None or not count:
            continue
        total += count
        if count > top_n:
            top, sample, top_n, second = norm, given, count, top_n
        elif count > second:
            second = count
    if key is not None:
        yield key, Aggregate(None if top_n == second else top, top_n, total), sample


def aggregate(norms: Iterable[str]) -> Aggregate:
    """The most common answer (a tie: none of them)."""
    counted = (("", norm, n, None) for norm, n in Counter(norms).items())
    return next((found for _, found, _ in tally_items(counted)), Aggregate(None, 0, 0))


def agreement(mine: dict[int, str | None], items: dict[int, Aggregate]) -> tuple[int, int]:
    """(answers that agree with their item's majority, items with an agreed answer) of one
    submission's ordinary items."""
    agreed = [item for item in mine if items.get(item, Aggregate(None, 0, 0)).agreed]
    return sum(1 for item in agreed if mine[item] == items[item].answer), len(agreed)


def golden_of(items: Sequence[Item], labels: Sequence[str], multi: bool, file: str
              ) -> list[tuple[str, ...] | None]:
    """Each item's accepted answers, normalised (None: an ordinary item); a choice task's
    golden answer must be one of its labels (several, where it takes several)."""
    choice = bool(labels)
    known = {unescape(label) for label in labels}
    found: list[tuple[str, ...] | None] = []
    for item in items:
        if item.golden is None:
            found.append(None)
            continue
        answers = golden_answers(item.golden, choice)
        picked = answers[0].split(LABEL_SEPARATOR) if choice and answers else []
        if choice and (not set(picked) <= known or (len(picked) > 1 and not multi)):
            raise ItemFileError(line=item.line, file=file, problem=Said(N_(
                "the golden answer “{answer}” is not one of the task's labels ({labels})."),
                answer=item.golden, labels=" | ".join(labels)))
        if not answers:
            raise ItemFileError(line=item.line, file=file, problem=N_(
                "the golden answer is empty once spaces and punctuation are left out."))
        found.append(answers)
    return found


@dataclass(frozen=True, slots=True)
class ItemPlan:
    golden: list[tuple[str, ...] | None]  # per item: a control item's accepted answers
    units: int
    control_pct: int


def plan_items(items: Sequence[Item], labels: Sequence[str], multi: bool, control_pct: int,
               overlap: int, file: str, test: bool = False, text_answers: bool = True
               ) -> ItemPlan:
    """A task's items with their control items told apart, and the units they make: every
    ordinary item answered `overlap` times, plus the control items' share (10 % when the
    file has golden answers and the task named no share). A qualification `test` is control
    items only: one unit each."""
    golden = golden_of(items, labels, multi, file)
    controls = sum(1 for g in golden if g is not None)
    if controls and not text_answers:
        raise ItemFileRefused(file=file, problem=N_(
            "golden answers are for tasks answered in text or by choice; this task's answers "
            "are files."))
    if test:
        if controls < len(items):
            missing = next(item for item, g in zip(items, golden, strict=True) if g is None)
            raise ItemFileError(line=missing.line, file=file, problem=N_(
                "a qualification test needs the golden answer of every item."))
        return ItemPlan(golden, len(items), 0)
    if control_pct and not controls:
        raise ItemFileRefused(file=file, problem=Said(N_(
            "the task mixes in {share} control items, but no row has a golden answer: add "
            "a “golden” column with the known answer of some rows."), share=f"{control_pct} %"))
    if controls and controls == len(items):
        raise ItemFileRefused(file=file, problem=N_(
            "every row has a golden answer; the ordinary items leave it empty."))
    share = control_pct or (DEFAULT_CONTROL_PCT if controls else 0)
    units, _ = task_units(len(items) - controls, overlap, share)
    return ItemPlan(golden, units, share)
