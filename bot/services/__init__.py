"""Application services: each owns its transactions and takes and returns plain values."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings
from bot.delivery import Notifier, OutboxDispatcher
from bot.services.guilds import GuildService
from bot.services.market import MarketService
from bot.services.summaries import SummaryService
from bot.services.sweep import SweepService
from bot.services.users import UserService
from bot.services.work import WorkService
from storage import Database


@dataclass(slots=True)
class Services:
    settings: Settings
    db: Database
    clock: Clock
    notifier: Notifier
    dispatcher: OutboxDispatcher
    users: UserService
    guilds: GuildService
    market: MarketService
    work: WorkService
    sweep: SweepService
    summaries: SummaryService
