"""Application services: each owns its transactions and takes and returns plain values.

The assignment lifecycle is owned by `lifecycle.Assignments` and moved only by the work
services along it: offers (hand out, answer, lapse), results (send, submit, deadlines), review
(pre-check, accept, reject, auto-accept) and quality (the checks' decisions); money reads and
pays out the ledger. The sweep and the market only orchestrate.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings
from bot.delivery import Notifier, OutboxDispatcher
from bot.services.admins import AdminService
from bot.services.audit import AuditService
from bot.services.bans import BanService
from bot.services.broadcasts import BroadcastService
from bot.services.copies import CopyService
from bot.services.exports import ExportService
from bot.services.guilds import GuildService
from bot.services.hooks import HookService
from bot.services.item_files import ItemFileService
from bot.services.items import ItemService
from bot.services.ledger_ops import LedgerOpsService
from bot.services.market import MarketService
from bot.services.membership import MembershipService
from bot.services.money import MoneyService
from bot.services.money_out import MoneyOutService
from bot.services.offers import OfferService
from bot.services.payouts import PayoutService
from bot.services.preferences import PreferencesService
from bot.services.qualification import QualificationService
from bot.services.quality import QualityService
from bot.services.quotes import QuoteService
from bot.services.results import ResultService
from bot.services.review import ReviewService
from bot.services.scratch import ScratchService
from bot.services.skills import SkillService
from bot.services.summaries import SummaryService
from bot.services.sweep import SweepService
from bot.services.updates import UpdateService
from bot.services.users import UserService
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
    membership: MembershipService
    market: MarketService
    quotes: QuoteService
    offers: OfferService
    items: ItemService
    item_files: ItemFileService
    results: ResultService
    review: ReviewService
    quality: QualityService
    qualification: QualificationService
    money: MoneyService
    money_out: MoneyOutService
    payouts: PayoutService
    ledger_ops: LedgerOpsService
    audit: AuditService
    sweep: SweepService
    summaries: SummaryService
    preferences: PreferencesService
    updates: UpdateService
    scratch: ScratchService
    skills: SkillService
    bans: BanService
    admins: AdminService
    exports: ExportService
    copies: CopyService
    hooks: HookService
    broadcasts: BroadcastService
