"""Typed bot_data and callback context, so handlers never dig in dicts."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram.ext import CallbackContext, ExtBot

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.services import Services


@dataclass(slots=True)
class BotData:
    settings: Settings | None = None
    clock: Clock = field(default_factory=SystemClock)
    services: Services | None = None


class GuildContext(CallbackContext[ExtBot[None], dict, dict, BotData]):
    @property
    def services(self) -> Services:
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("services are not started (post_init has not run)")
        return services
