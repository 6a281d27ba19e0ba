"""Tasks, quotes and claims: the market's rules, free of Telegram and storage."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from typing import TypeVar

from bot.domain.errors import (
    N_,
    AmountTooLarge,
    BadAmount,
    BadCount,
    Msg,
    Said,
    TaskFieldError,
    TaskFormError,
)
from bot.domain.items import parse_labels
from bot.domain.money import read_amount
from bot.domain.quality import (
    DEFAULT_THRESHOLD_PCT,
    MAX_CONTROL_PCT,
    MAX_OVERLAP,
    NO_QUALITY,
    Quality,
)
from bot.domain.scores import NO_SCORE, Score, adjusted_price
from bot.domain.statuses import TaskMode
from bot.i18n import plain_text

T = TypeVar("T")

MODES = tuple(TaskMode)
RESULT_TYPES = ("text", "document", "photo", "voice", "audio", "video", "any")
RESULT_NAMES = {
    "text": N_("text"), "document": N_("document"), "photo": N_("photo"),
    "voice": N_("voice message"), "audio": N_("audio file"), "video": N_("video"),
    "any": N_("any file or text"),
}
MAX_UNITS = 1_000_000
# A price or an amount, in minor units: 10,000,000.00 CNY. With MAX_UNITS, a task's whole value
# (units × price) stays far inside SQLite's 64-bit integers.
MAX_AMOUNT_MINOR = 1_000_000_000
MAX_TITLE = 200
MAX_SKILLS = 200
MAX_REVIEW_DAYS = 60
# Instructions travel in every offer (one message, 4,096 characters with the offer's own lines);
# longer ones belong in an attached file.
MAX_INSTRUCTIONS = 3_000
TIME_FORMAT = "%Y-%m-%d %H:%M"


# --- values -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class TaskDraft:
    title: str
    instructions: str = ""  # HTML (Telegram's subset), shown to guilds and workers as it is
    mode: str = ""
    result_type: str = ""
    units: int = 0
    price_minor: int = 0
    deadline: datetime | None = None
    quote_deadline: datetime | None = None
    review_days: int = 3
    auto_award: bool = False
    skills: str | None = None
    labels: tuple[str, ...] = ()  # a choice task's answers (result_type "text")
    multi: bool = False
    quality: Quality = NO_QUALITY

    def but(self, **changes: object) -> TaskDraft:
        return replace(self, **changes)  # type: ignore[arg-type]


def parse_units(text: str) -> int:
    raw = text.strip()
    if not re.fullmatch(r"\d{1,7}", raw) or not 1 <= int(raw) <= MAX_UNITS:
        raise BadCount(value=raw, max=MAX_UNITS)
    return int(raw)


CLAIM_CHOICES = 4  # Claim buttons under a fixed task's announcement


def claim_choices(left: int) -> list[int]:
    """The unit counts a fixed task's Claim buttons offer: up to four of 1, 2, 5, 10, 20, 50,
    … below what is left, and what is left itself when that is no more than 1,000."""
    series: list[int] = []
    n = 1
    while n <= min(left, 1000):
        series.extend(x for x in (n, 2 * n, 5 * n) if x <= min(left, 1000))
        n *= 10
    below = [x for x in series if x < left]
    if left > 1000:
        return below[-CLAIM_CHOICES:]
    return [*below[-(CLAIM_CHOICES - 1):], left] if left > 0 else []


def parse_price(text: str, exponent: int) -> int:
    raw = text.strip()
    example = "2" if exponent == 0 else "2." + "5".ljust(exponent, "0")
    too_large = AmountTooLarge(value=raw, max=f"{MAX_AMOUNT_MINOR // 10**exponent:,}")
    value = read_amount(raw, exponent, BadAmount(value=raw, digits=exponent, example=example),
                        too_large)
    if value <= 0:
        raise BadAmount(value=raw, digits=exponent, example=example)
    if value > MAX_AMOUNT_MINOR:
        raise too_large
    return value


def parse_time(text: str, zone: tzinfo) -> datetime:
    raw = text.strip()
    try:
        local = datetime.strptime(raw, TIME_FORMAT)
    except ValueError:
        raise ValueError(raw) from None
    return local.replace(tzinfo=zone)


# The form in Chinese: the same keys and values in the glossary's terms (`数量：6`, `模式：报价`).
FORM_KEYS_ZH = {"模式": "mode", "数量": "units", "份数": "units", "单价": "price",
                "结果": "result", "结果类型": "result", "截止时间": "deadline", "截止": "deadline",
                "报价截止": "quote_deadline", "报价截止时间": "quote_deadline",
                "审核天数": "review_days", "自动授予": "auto_award", "技能": "skills",
                "答案": "result", "选项": "labels", "多选": "multi", "质检": "control",
                "质检题": "control", "合格线": "threshold", "重叠": "overlap",
                "作答人数": "overlap",
                "自动通过": "auto_accept", "最低评分": "min_score", "授予依据": "award_by",
                "资格测试": "qualifies"}
# `answer` is another name for `result` (an item task's answer kind).
FORM_ALIASES = {"answer": "result"}
CHOICE = ("choice", "选择")
MODES_ZH = {"报价": "quote", "定价": "fixed"}
RESULT_TYPES_ZH = {"文本": "text", "文字": "text", "文件": "document", "文档": "document",
                   "照片": "photo", "图片": "photo", "语音": "voice", "语音消息": "voice",
                   "音频": "audio", "音频文件": "audio", "视频": "video", "任意": "any"}
YES_NO_ZH = {"是": "yes", "否": "no"}


def _one_of(text: str, names: tuple[str, ...], chinese: dict[str, str]) -> str:
    """The English name of a value typed in English or Chinese; ValueError for others."""
    value = text.strip().lower()
    value = chinese.get(value, value)
    if value not in names:
        raise ValueError(value)
    return value


def parse_mode(text: str) -> str:
    return _one_of(text, MODES, MODES_ZH)


def parse_result_type(text: str) -> str:
    return _one_of(text, RESULT_TYPES, RESULT_TYPES_ZH)


def instructions_length(markup: str) -> int:
    return len(plain_text(markup))


def check_instructions(markup: str) -> str:
    if instructions_length(markup) > MAX_INSTRUCTIONS:
        raise TaskFieldError(problem=N_("The instructions are too long (3000 characters at "
                                        "most): attach longer ones as a file."))
    return markup


def parse_title(text: str) -> str:
    title = " ".join(text.split())
    if not title:
        raise TaskFieldError(problem=N_("The task needs a title."))
    if len(title) > MAX_TITLE:
        raise TaskFieldError(problem=N_("The title is too long (200 characters at most)."))
    return title


_FIELDS = ("mode", "units", "price", "result", "deadline", "quote_deadline", "review_days",
           "auto_award", "skills", "labels", "multi", "control", "threshold", "overlap",
           "auto_accept", "min_score", "award_by", "qualifies")


def _split_field(line: str) -> tuple[str, str, str]:
    """`key: value`, the colon ASCII or full-width (`数量：6`), whichever comes first."""
    cut = min((i for i in (line.find(":"), line.find("：")) if i >= 0), default=-1)
    return (line, "", "") if cut < 0 else (line[:cut], line[cut], line[cut + 1:])


def parse_task_form(text: str, *, zone: tzinfo, exponent: int) -> TaskDraft:
    """The one-message form: `/newtask <title>`, `key: value` lines, a blank line, instructions.

    Every problem names its line, the field and what was expected.
    """
    lines = text.split("\n")
    head = lines[0].split(maxsplit=1)
    title_text = head[1] if len(head) > 1 else ""
    try:
        title = parse_title(title_text)
    except TaskFieldError:
        raise TaskFormError(line=1, field="title",
                            problem=N_("write the task's title after /newtask")) from None
    values: dict[str, tuple[int, str]] = {}
    body_start = len(lines)
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            body_start = number
            break
        key, sep, value = _split_field(line)
        key = key.strip().lower().replace(" ", "_").replace("-", "_")
        key = FORM_ALIASES.get(key, FORM_KEYS_ZH.get(key, key))
        if not sep or key not in _FIELDS:
            raise TaskFormError(line=number, field=key or "?",
                                problem=N_("expected one of these keys: mode, units, price, "
                                           "result (or answer), labels, multi, deadline, "
                                           "quote_deadline, review_days, auto_award, skills, "
                                           "control, threshold, overlap, auto_accept, "
                                           "min_score, award_by, qualifies — "
                                           "then a blank line and the instructions"))
        if key in values:
            raise TaskFormError(line=number, field=key, problem=N_("this key is given twice"))
        values[key] = (number, value.strip())
    # Plain text in the form; stored as HTML like the guided flow's, so it is escaped here.
    instructions = html.escape("\n".join(lines[body_start:]).strip(), quote=False)
    if instructions_length(instructions) > MAX_INSTRUCTIONS:
        raise TaskFormError(line=body_start + 1, field="instructions",
                            problem=N_("too long (3000 characters at most): attach longer "
                                       "instructions as a file"))

    def field(key: str) -> tuple[int, str]:
        if key not in values:
            raise TaskFormError(line=len(lines[:body_start]) + 1 if body_start else 2,
                                field=key, problem=N_("this key is missing"))
        return values[key]

    def parsed(key: str, parse: Callable[[str], T], refused: type[Exception],
               problem: Msg) -> T:
        """A required field read by `parse`; what it refuses is a TaskFormError."""
        number, raw = field(key)
        try:
            return parse(raw)
        except refused:
            raise TaskFormError(line=number, field=key, problem=problem) from None

    mode = parsed("mode", parse_mode, ValueError, N_("expected quote or fixed"))
    units = parsed("units", parse_units, BadCount,
                   N_("expected a whole number from 1 to 1000000"))
    price = parsed("price", lambda raw: parse_price(raw, exponent), BadAmount,
                   N_("expected a price per unit above 0 with a dot for decimals, e.g. 2.50"))
    number, raw = field("result")
    choice = raw.strip().lower() in CHOICE
    try:
        result_type = "text" if choice else parse_result_type(raw)
    except ValueError:
        raise TaskFormError(line=number, field="result",
                            problem=N_("expected text, choice, document, photo, voice, audio, "
                                       "video or any")) from None
    labels: tuple[str, ...] = ()
    if "labels" in values or choice:
        number, raw = field("labels")
        if not choice:
            raise TaskFormError(line=number, field="labels",
                                problem=N_("labels go with answer: choice"))
        try:
            labels = parse_labels(raw)
        except ValueError:
            raise TaskFormError(line=number, field="labels", problem=N_(
                "expected 2 to 10 different labels separated by |, e.g. 食品 | 交通 | 其他"
            )) from None
    multi = False
    if "multi" in values:
        number, raw = values["multi"]
        if not choice or YES_NO_ZH.get(raw, raw.lower()) not in ("yes", "no"):
            raise TaskFormError(line=number, field="multi", problem=N_(
                "expected yes or no, with answer: choice"))
        multi = YES_NO_ZH.get(raw, raw.lower()) == "yes"
    deadline = parsed("deadline", lambda raw: parse_time(raw, zone), ValueError,
                      N_("expected a time as YYYY-MM-DD HH:MM"))
    quote_deadline = None
    if "quote_deadline" in values:
        number, raw = values["quote_deadline"]
        try:
            quote_deadline = parse_time(raw, zone)
        except ValueError:
            raise TaskFormError(line=number, field="quote_deadline",
                                problem=N_("expected a time as YYYY-MM-DD HH:MM")) from None
    review_days = 3
    if "review_days" in values:
        number, raw = values["review_days"]
        if not re.fullmatch(r"\d{1,2}", raw) or int(raw) > MAX_REVIEW_DAYS:
            raise TaskFormError(line=number, field="review_days",
                                problem=N_("expected a whole number of days from 0 to 60"))
        review_days = int(raw)
    auto_award = False
    if "auto_award" in values:
        number, raw = values["auto_award"]
        answer = YES_NO_ZH.get(raw, raw.lower())
        if answer not in ("yes", "no"):
            raise TaskFormError(line=number, field="auto_award", problem=N_("expected yes or no"))
        auto_award = answer == "yes"
    skills = values["skills"][1] or None if "skills" in values else None
    if skills is not None and len(skills) > MAX_SKILLS:
        raise TaskFormError(line=values["skills"][0], field="skills",
                            problem=N_("too long (200 characters at most)"))
    return TaskDraft(title=title, instructions=instructions, mode=mode, result_type=result_type,
                     units=units, price_minor=price, deadline=deadline,
                     quote_deadline=quote_deadline, review_days=review_days,
                     auto_award=auto_award, skills=skills, labels=labels, multi=multi,
                     quality=_quality(values))


def _percent(values: dict[str, tuple[int, str]], key: str, low: int, high: int,
             default: int) -> int:
    if key not in values:
        return default
    number, raw = values[key]
    text = raw.strip().rstrip("%％").strip()
    if not re.fullmatch(r"\d{1,3}", text) or not low <= int(text) <= high:
        raise TaskFormError(line=number, field=key, problem=Said(
            N_("expected a share from {low} % to {high} %, e.g. 10%"), low=low, high=high))
    return int(text)


def _word(values: dict[str, tuple[int, str]], key: str, words: dict[str, bool],
          problem: Msg) -> bool:
    """A field that is one of a few words (each meaning yes or no); absent: no."""
    if key not in values:
        return False
    number, raw = values[key]
    value = raw.strip().lower()
    if value not in words:
        raise TaskFormError(line=number, field=key, problem=problem)
    return words[value]


def _quality(values: dict[str, tuple[int, str]]) -> Quality:
    """`control: 10%`, `threshold: 80%`, `overlap: 3` (`overlap: 3 guilds`: each from a
    different guild), `auto_accept: quality`."""
    control = _percent(values, "control", 0, MAX_CONTROL_PCT, 0)
    threshold = _percent(values, "threshold", 1, 100, DEFAULT_THRESHOLD_PCT)
    overlap, across = 1, False
    if "overlap" in values:
        number, raw = values["overlap"]
        found = re.fullmatch(r"(\d{1,2})\s*(guilds?|跨公会)?", raw.strip().lower())
        if not found or not 1 <= int(found[1]) <= MAX_OVERLAP:
            raise TaskFormError(line=number, field="overlap", problem=Said(N_(
                "expected how many workers answer each item, 1 to {most}; add “guilds” to "
                "have each from a different guild, e.g. 3 guilds"), most=MAX_OVERLAP))
        overlap, across = int(found[1]), bool(found[2])
    auto = _word(values, "auto_accept", {"quality": True, "质量": True, "no": False, "否": False},
                 N_("expected quality (accept without an admin what passes the checks) or no"))
    min_score = 0
    if "min_score" in values:
        number, raw = values["min_score"]
        if not re.fullmatch(r"\d{1,3}", raw.strip()) or int(raw) > 100:
            raise TaskFormError(line=number, field="min_score", problem=N_(
                "expected a guild score from 0 to 100"))
        min_score = int(raw)
    by_quality = _word(values, "award_by", {"price": False, "价格": False, "quality": True,
                                            "质量": True},
                       N_("expected price (the lowest first) or quality (price adjusted for "
                          "the guild's score)"))
    qualifies = None
    if "qualifies" in values:
        number, raw = values["qualifies"]
        qualifies = raw.strip().lower()
        if not re.fullmatch(r"[a-z0-9_-]{1,32}", qualifies):
            raise TaskFormError(line=number, field="qualifies", problem=N_(
                "expected the name of the skill the test grants, e.g. cantonese"))
    return Quality(control, threshold, overlap, across, auto, min_score, by_quality, qualifies)


def check_draft(draft: TaskDraft, now: datetime) -> None:
    """Rules across fields, for both the form and the guided flow."""
    check_instructions(draft.instructions)
    if draft.deadline is None or draft.deadline <= now:
        raise TaskFieldError(problem=N_("The deadline must be in the future."))
    if draft.mode == TaskMode.FIXED and (draft.quote_deadline is not None or draft.auto_award):
        raise TaskFieldError(problem=N_("quote_deadline and auto_award apply to quote tasks "
                                        "only."))
    if draft.quote_deadline is not None:
        if draft.quote_deadline <= now:
            raise TaskFieldError(problem=N_("The quote deadline must be in the future."))
        if draft.quote_deadline >= draft.deadline:
            raise TaskFieldError(problem=N_("The quote deadline must come before the task's "
                                            "deadline."))
    q = draft.quality
    if (q.control_pct or q.overlap > 1 or q.auto_accept or q.qualifies) \
            and draft.result_type != "text":
        raise TaskFieldError(problem=N_("control, overlap, auto_accept and qualifies apply to "
                                        "tasks answered in text or by choice."))
    if draft.auto_award and draft.quote_deadline is None:
        raise TaskFieldError(problem=N_("auto_award needs a quote_deadline: that is when it "
                                        "awards."))


def units_left(units: int, allocated: int) -> int:
    return max(0, units - allocated)


@dataclass(frozen=True, slots=True)
class QuoteOffer:
    quote_id: int
    price_minor: int
    units: int
    created_at: int
    score: Score = NO_SCORE  # the guild's


def plan_auto_award(quotes: list[QuoteOffer], units_left: int, min_score: int = 0,
                    by_quality: bool = False) -> list[tuple[int, int]]:
    """Lowest price first (the earlier quote wins a tie) until the units are covered; with
    `by_quality`, lowest price adjusted for the guild's score first. Guilds scoring below
    `min_score` are passed over (one without a score counts as UNSCORED).

    Returns (quote id, units awarded); the last award may be partial.
    """
    plan = []
    eligible = [q for q in quotes if q.score.rank_value >= min_score]
    for quote in sorted(eligible, key=lambda q: (
            adjusted_price(q.price_minor, q.score) if by_quality else q.price_minor,
            q.created_at, q.quote_id)):
        if units_left <= 0:
            break
        take = min(quote.units, units_left)
        plan.append((quote.quote_id, take))
        units_left -= take
    return plan


def quote_window_open(quote_deadline: datetime | None, closed: bool, now: datetime) -> bool:
    return not closed and (quote_deadline is None or now < quote_deadline)


def days(n: int) -> timedelta:
    return timedelta(days=n)
