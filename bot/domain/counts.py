"""Counted things, said with the right plural form in every language ("1 unit", "3 units";
Chinese has one form). `NP` marks a pair for extraction (`make messages` knows it)."""

from __future__ import annotations

from typing import Any

from bot.domain.errors import Msg, Shown


def NP(singular: str, plural: str) -> tuple[Msg, Msg]:
    return Msg(singular), Msg(plural)


NOUNS: dict[str, tuple[Msg, Msg]] = {
    "unit": NP("{count} unit", "{count} units"),
    "result": NP("{count} result", "{count} results"),
    "item": NP("{count} item", "{count} items"),
    "assignment": NP("{count} assignment", "{count} assignments"),
    "open assignment": NP("{count} open assignment", "{count} open assignments"),
    "day": NP("{count} day", "{count} days"),
    "hour": NP("{count} hour", "{count} hours"),
    "minute": NP("{count} minute", "{count} minutes"),
    "member": NP("{count} member", "{count} members"),
    "quote": NP("{count} quote", "{count} quotes"),
    "task": NP("{count} task", "{count} tasks"),
    "guild": NP("{count} guild", "{count} guilds"),
    "summary": NP("{count} summary", "{count} summaries"),
    "attachment": NP("{count} attachment", "{count} attachments"),
    "file": NP("{count} file", "{count} files"),
    "line": NP("{count} line", "{count} lines"),
    "worker": NP("{count} worker", "{count} workers"),
    "payout": NP("{count} payout", "{count} payouts"),
    "recipient": NP("{count} recipient", "{count} recipients"),
}


def counted(_: Any, count: int, noun: str) -> str:
    """'3 units' / '3 份', as the reader says it."""
    one, many = NOUNS[noun]
    return str(_.plural(one, many, count))


class Count(Shown):
    """A count a refusal shows, said in the reader's language when it is rendered."""

    __slots__ = ("count", "noun")

    def __init__(self, count: int, noun: str) -> None:
        self.count, self.noun = count, noun

    def render_for(self, _: Any) -> str:
        return counted(_, self.count, self.noun)
