"""The command surface in one place: menus (`setMyCommands`), /help and the README follow it."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.domain.errors import N_


class Audience(enum.Enum):
    ANYONE = "anyone"  # any chat
    WORKER = "worker"  # private chat, any user
    GUILD = "guild"  # a guild's group chat (leaders and deputies act; members read)
    ADMIN = "admin"  # private chat, platform admins


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    args: str
    summary: str
    audience: Audience

    @property
    def usage(self) -> str:
        return f"/{self.name} {self.args}".rstrip()


COMMANDS: tuple[Command, ...] = (
    Command("start", "", N_("Start the bot"), Audience.ANYONE),
    Command("help", "", N_("What you can do here"), Audience.ANYONE),
    Command("cancel", "", N_("Leave the current guided step"), Audience.ANYONE),
)


def command(name: str) -> Command:
    for entry in COMMANDS:
        if entry.name == name:
            return entry
    raise KeyError(name)


def for_audiences(*audiences: Audience) -> list[Command]:
    return [c for c in COMMANDS if c.audience in audiences]
