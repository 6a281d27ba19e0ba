"""Skills and bans as rules: what a skill name is, how a task names its skills, how long a ban
lasts, and how the reasons a worker is left out of work are said."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain.errors import N_, BadDays, BadSkillName, Shown, SkillTitleInvalid
from bot.domain.statuses import BanScope
from bot.domain.text import one_line
from bot.i18n import Html

SKILL_NAME = re.compile(r"[a-z0-9_-]{1,32}")
MAX_SKILL_TITLE = 60
MAX_BAN_DAYS = 3650
# A task's `skills:` line: names separated by commas (ASCII or full-width), 、 or spaces.
_SEPARATORS = re.compile(r"[,，、\s]+")


def check_skill_name(raw: str) -> str:
    name = raw.strip()
    if not SKILL_NAME.fullmatch(name):
        raise BadSkillName(name=name)
    return name


def clean_skill_title(raw: str | None) -> str:
    title = one_line(raw)
    if not title or len(title) > MAX_SKILL_TITLE:
        raise SkillTitleInvalid(max=MAX_SKILL_TITLE)
    return title


def parse_skill_names(text: str | None) -> tuple[str, ...]:
    """The skill names a task's `skills:` line gives, lowercased, each once, in order. Whether
    they are registered is for the market to check."""
    names = (part.lower() for part in _SEPARATORS.split(text or "") if part)
    return tuple(dict.fromkeys(names))


def parse_days(raw: str) -> int:
    value = raw.strip()
    if not re.fullmatch(r"\d{1,4}", value) or not 1 <= int(value) <= MAX_BAN_DAYS:
        raise BadDays(value=value, max=MAX_BAN_DAYS)
    return int(value)


class BanScopeText(Shown):
    """"from the platform", "from skill cantonese", "from task T5", in the reader's words."""

    __slots__ = ("ref", "scope")

    def __init__(self, scope: str, ref: str | None) -> None:
        self.scope, self.ref = scope, ref

    def render_for(self, _: Any) -> Html:
        if self.scope == BanScope.SKILL:
            return Html(_(N_("from skill {name}"), name=self.ref))
        if self.scope == BanScope.TASK:
            return Html(_(N_("from task T{id}"), id=self.ref))
        return Html(_(N_("from the platform")))

    def __str__(self) -> str:
        return f"{self.scope} {self.ref or ''}".strip()


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A member work was not offered to, and why: skills they lack, or a ban (until when)."""

    who: str
    lacks: tuple[str, ...] = ()
    banned_until: Shown | None = None


class LeftOutList(Shown):
    """The members left out of a distribution, each with the reason, in the reader's words."""

    __slots__ = ("left",)

    def __init__(self, left: Sequence[LeftOut]) -> None:
        self.left = left

    def render_for(self, _: Any) -> Html:
        parts = []
        for entry in self.left:
            if entry.banned_until is not None:
                parts.append(_(N_("{who} (banned until {until})"), who=entry.who,
                               until=entry.banned_until.render_for(_)))
            else:
                parts.append(_(N_("{who} (lacks {skills})"), who=entry.who,
                               skills=", ".join(entry.lacks)))
        return Html("; ".join(parts))
