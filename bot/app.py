"""Composition root: builds the Application, starts services in post_init, registers handlers."""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable
from typing import Any

from telegram import (
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import buttons
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.context import BotData, GuildContext
from bot.delivery import Notifier, OutboxDispatcher
from bot.domain.exports import FileSource
from bot.files import TelegramFiles
from bot.hooks import HookEvents, HookSender
from bot.processor import ChatOrderedUpdateProcessor
from bot.ratelimit import PriorityRateLimiter
from bot.services import Services
from bot.services.admins import AdminService
from bot.services.audit import AuditService
from bot.services.bans import BanService
from bot.services.base import Deps
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
from handlers import (
    admins,
    bans,
    broadcasts,
    errors,
    exports,
    gates,
    guilds,
    hooks,
    items,
    ledger_ops,
    market,
    menus,
    money,
    newtask,
    offers,
    quality,
    results,
    review,
    skills,
    start,
)
from handlers import settings as settings_handlers
from scheduler import jobs
from storage import Database, Tx
from storage.models import OutboxRow

log = logging.getLogger(__name__)



def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    max_concurrent_updates: int = 256,
    clock_jobs: bool = True,
    group_messages_per_minute: float = 20,
) -> Application:
    """The bot, ready to start. Telegram lets a bot send a group about 20 messages a minute;
    an offline Telegram (tests of a long day) may allow more."""
    builder = (
        ApplicationBuilder()
        .token(settings.bot_token)
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.bot_api_base_file_url)
        .defaults(Defaults(
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            tzinfo=settings.timezone,
        ))
        .context_types(ContextTypes(context=GuildContext, bot_data=BotData))
        .concurrent_updates(ChatOrderedUpdateProcessor(max_concurrent_updates))
        .rate_limiter(PriorityRateLimiter(overall_max_rate=settings.rate_limit_per_second,
                                          group_max_rate=group_messages_per_minute))
        .post_init(on_startup)
        .post_stop(on_stop)
        .post_shutdown(on_shutdown)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    application.bot_data.settings = settings
    application.bot_data.clock = clock or SystemClock()
    register_handlers(application)
    if clock_jobs:
        jobs.schedule(application)
    return application


def register_handlers(app: Application) -> None:
    """Every handler, in one ordered list. Groups run in order; lower first."""
    # -4: an update handled before (redelivered, retried) stops here; the rest claims it.
    app.add_handler(TypeHandler(Update, gates.drop_repeats), group=-4)
    # -3: record who wrote, before anything else looks at the user.
    app.add_handler(TypeHandler(Update, gates.record_user), group=-3)
    # -2: an edited message runs nothing again (a result it was may be replaced).
    app.add_handler(TypeHandler(Update, gates.edits), group=-2)
    # -1: a suspended guild's group gets the suspension for any command or button, and stops.
    app.add_handler(TypeHandler(Update, gates.refuse_suspended_guilds), group=-1)
    private = filters.ChatType.PRIVATE
    app.add_handlers([
        # Before the generic /start: an invite deep link (`/start join_<code>`) joins a guild.
        CommandHandler("start", guilds.join,
                       filters=private & filters.Regex(r"^/start(@\w+)?\s+join_")),
        CommandHandler("start", start.start),
        CommandHandler("help", start.help_command),
        # guilds and membership
        CommandHandler("register", guilds.register),
        CommandHandler("invite", guilds.invite),
        CommandHandler("members", guilds.members),
        CommandHandler("promote", guilds.promote),
        CommandHandler("demote", guilds.demote),
        CommandHandler("remove", guilds.remove),
        CommandHandler("commission", guilds.commission),
        CommandHandler("leave", guilds.leave),
        CommandHandler("guilds", guilds.list_guilds),
        CommandHandler("guild", guilds.guild_card),
        CommandHandler("approve", guilds.approve),
        CommandHandler("rejectguild", guilds.reject),
        CommandHandler("suspend", guilds.suspend),
        CallbackQueryHandler(guilds.review_pressed, pattern=buttons.GUILD_REVIEW.pattern),
        MessageHandler(filters.StatusUpdate.MIGRATE, guilds.chat_migrated),
        # Only replies to an open "why reject?" prompt; other private texts pass by.
        MessageHandler(private & filters.TEXT & ~filters.COMMAND
                       & guilds.REJECT_REASON.replies(app), guilds.reject_reason),
        # the task market; /newtask is a guided flow (its /cancel comes first while it runs)
        newtask.conversation(app),
        CommandHandler("cancel", newtask.nothing_to_cancel),
        CommandHandler("tasks", market.tasks),
        CommandHandler("task", market.task),
        CommandHandler("quote", market.quote),
        CommandHandler("withdraw", market.withdraw),
        CommandHandler("claim", market.claim),
        CommandHandler("quotes", market.quotes),
        CommandHandler("award", market.award),
        CommandHandler("rejectquote", market.reject_quote),
        CommandHandler("canceltask", market.cancel_task),
        CallbackQueryHandler(market.quote_button, pattern=buttons.QUOTE.pattern),
        CallbackQueryHandler(market.claim_button, pattern=buttons.CLAIM.pattern),
        CallbackQueryHandler(newtask.post_again, pattern=buttons.TASK_AGAIN.pattern),
        # assignments, results, review, money
        CommandHandler("assign", offers.assign),
        CommandHandler("distribute", offers.distribute),
        CommandHandler("progress", offers.progress),
        CommandHandler("precheck", review.precheck),
        CommandHandler("earnings", money.earnings),
        CommandHandler("submit", results.submit),
        CommandHandler("done", results.done),
        CommandHandler("undo", results.undo),
        CallbackQueryHandler(results.result_button, pattern=buttons.RESULT.pattern),
        CommandHandler("review", review.review),
        CommandHandler("accept", review.accept),
        CommandHandler("reject", review.reject),
        CommandHandler("answers", quality.answers),
        CommandHandler("qualify", quality.qualify),
        CommandHandler("payout", money.payout),
        CommandHandler("export", exports.export),
        CallbackQueryHandler(money.payout_again, pattern=buttons.PAYOUT_AGAIN.pattern),
        CommandHandler("statement", money.statement),
        CommandHandler("payroll", money.payroll),
        CommandHandler("payouts", money.payouts),
        MessageHandler(private & filters.Document.ALL
                       & filters.CaptionRegex(r"^/payouts(@\w+)?(\s|$)"), money.payouts),
        CallbackQueryHandler(money.payouts_button, pattern=buttons.BULK_PAYOUT.pattern),
        CommandHandler("bonus", ledger_ops.bonus),
        CommandHandler("adjust", ledger_ops.adjust),
        CallbackQueryHandler(ledger_ops.confirmed, pattern=buttons.LEDGER_CONFIRM.pattern),
        CommandHandler("audit", ledger_ops.audit),
        CallbackQueryHandler(ledger_ops.audit_page, pattern=buttons.AUDIT_PAGES.pattern),
        CommandHandler("broadcast", broadcasts.broadcast),
        CallbackQueryHandler(broadcasts.broadcast_button, pattern=buttons.BROADCAST.pattern),
        CommandHandler("announce", broadcasts.announce),
        CallbackQueryHandler(offers.offer_button, pattern=buttons.OFFER.pattern),
        CommandHandler("items", items.items),
        MessageHandler(private & filters.Document.ALL
                       & filters.CaptionRegex(r"^/items(@\w+)?(\s|$)"), items.items_caption),
        CallbackQueryHandler(items.item_button, pattern=buttons.ITEM.pattern),
        CallbackQueryHandler(review.review_button, pattern=buttons.REVIEW.pattern),
        CallbackQueryHandler(review.mark_button, pattern=buttons.MARK.pattern),
        CallbackQueryHandler(review.precheck_button, pattern=buttons.PRECHECK.pattern),
        # long lists' ◀ Previous / Next ▶ (handlers.paging)
        *(CallbackQueryHandler(paged.turn, pattern=paged.pager.pattern) for paged in (
            market.task_list, market.task_pages, market.quote_table, offers.progress_pages,
            guilds.guild_list, guilds.roster, bans.ban_list, skills.skill_list,
            money.plan_list)),
        # skills and bans
        CommandHandler("skill", skills.skill),
        CommandHandler("skills", skills.skills),
        CommandHandler("ban", bans.ban),
        CommandHandler("unban", bans.unban),
        CommandHandler("bans", bans.list_bans),
        CommandHandler("admin", admins.admin),
        CommandHandler("admins", admins.admins),
        CommandHandler("hooks", hooks.hooks),
        # the clock's settings and summaries
        CommandHandler("settings", settings_handlers.settings),
        CommandHandler("summary", settings_handlers.summary),
        CallbackQueryHandler(settings_handlers.frequency_button,
                             pattern=buttons.FREQUENCY.pattern),
        CallbackQueryHandler(settings_handlers.language_button,
                             pattern=buttons.LANGUAGE.pattern),
        CallbackQueryHandler(settings_handlers.zone_button, pattern=buttons.ZONE.pattern),
        CallbackQueryHandler(settings_handlers.group_language_button,
                             pattern=buttons.GROUP_LANGUAGE.pattern),
        MessageHandler(private & filters.TEXT & ~filters.COMMAND
                       & review.WHY.replies(app), review.reject_reason),
        # Last: whatever a worker sends in private that nothing above took is a result.
        MessageHandler(private & ~filters.COMMAND & (
            filters.TEXT | filters.Document.ALL | filters.PHOTO | filters.VOICE
            | filters.AUDIO | filters.VIDEO), results.result),
        # A button nothing above knows (an old message, forged data): answered all the same,
        # so the client's spinner stops.
        CallbackQueryHandler(gates.unknown_button),
    ])
    app.add_error_handler(errors.on_error)


async def on_startup(app: Application) -> None:
    """post_init: open storage, build services, set menus, start delivery."""
    data: BotData = app.bot_data
    settings = data.settings
    assert settings is not None
    db = Database(settings.database)
    await db.open()
    # Enough sends in flight to use the whole cap when a Bot API call takes up to ~100 ms:
    # 8 at 30/s, 100 at 1,000/s (with 8, a 50 ms call capped the outbox near 160/s).
    concurrency = max(8, math.ceil(settings.rate_limit_per_second / 10))
    dispatcher = OutboxDispatcher(db, app.bot, data.clock, concurrency=concurrency,
                                  batch_size=max(64, 2 * concurrency))
    users = UserService(db, data.clock, settings.admin_ids, settings.timezone)
    await users.load()

    async def forget_unreachable(tx: Tx, row: OutboxRow) -> None:
        if row.user_id is not None:
            users.forget(row.user_id)

    dispatcher.unreachable_hooks.append(forget_unreachable)
    notifier = Notifier(data.clock, dispatcher.wake, settings.digest_minutes * 60)
    sender = HookSender(db, data.clock, settings.hook_url, settings.hook_secret,
                        timeout=settings.hook_timeout_seconds) if settings.hooks_on else None
    data.services = services = compose(settings, db, data.clock, notifier, dispatcher, users,
                                       app.bot.username, TelegramFiles(app.bot), sender)
    await services.guilds.load()
    dispatcher.unreachable_hooks.append(services.offers.on_unreachable)
    dispatcher.unreachable_hooks.append(services.review.on_unreachable)
    dispatcher.migrated_hooks.append(services.guilds.follow_migration)
    dispatcher.batch_hooks.append(services.broadcasts.progress)
    admins = {}
    for admin_id in users.admin_ids:
        record = await users.get(admin_id)
        admins[admin_id] = record.lang if record else users.language(admin_id, None)
    await menus.set_menus(app.bot, admins)
    await services.scratch.restore(app.user_data)
    _keep_scratch(app, services.scratch)
    dispatcher.start()
    services.copies.start()
    if sender is not None:
        sender.start()
    log.info("Guildwork started as @%s", app.bot.username)


def _keep_scratch(app: Application, scratch: ScratchService) -> None:
    """Each update from a person is handled with their conversation scratch current, and what
    it changed is kept (bot.services.scratch)."""

    async def around(update: object, handling: Awaitable[Any]) -> Any:
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            return await handling
        return await scratch.around(user.id, app.user_data, handling)

    processor = app.update_processor
    assert isinstance(processor, ChatOrderedUpdateProcessor)
    processor.around = around


def compose(settings: Settings, db: Database, clock: Clock, notifier: Notifier,
            dispatcher: OutboxDispatcher, users: UserService, bot_username: str,
            files: FileSource, hook_sender: HookSender | None = None) -> Services:
    """Every service, each handed what it depends on (nothing is wired in afterwards)."""
    events = HookEvents(clock, hook_sender.wake) if hook_sender is not None else HookEvents()
    deps = Deps(db, clock, notifier, settings, users, events)
    updates = UpdateService(db, clock)
    scratch = ScratchService(db, clock)
    guild_service = GuildService(deps)
    quote_service = QuoteService(deps, guild_service)
    item_service = ItemService(deps)
    item_files = ItemFileService(deps)
    skill_service = SkillService(deps, guild_service)
    market_service = MarketService(deps, guild_service, quote_service, item_files,
                                   skill_service)
    offer_service = OfferService(deps, guild_service, bot_username)
    review_service = ReviewService(deps, guild_service)
    ban_service = BanService(deps, skill_service)
    qualification = QualificationService(deps, skill_service)
    quality_service = QualityService(deps, review_service, qualification, ban_service)
    result_service = ResultService(deps, item_service, quality_service, review_service)
    money_service = MoneyService(deps, guild_service)
    hook_service = HookService(deps, hook_sender)
    return Services(
        settings=settings, db=db, clock=clock, notifier=notifier, dispatcher=dispatcher,
        users=users, guilds=guild_service, membership=MembershipService(deps, guild_service),
        market=market_service, quotes=quote_service, offers=offer_service,
        items=item_service, item_files=item_files, results=result_service,
        review=review_service, quality=quality_service, qualification=qualification,
        money=money_service, money_out=MoneyOutService(deps),
        payouts=PayoutService(deps, money_service), ledger_ops=LedgerOpsService(deps),
        audit=AuditService(deps, guild_service),
        sweep=SweepService(offer_service, result_service, review_service, quote_service,
                           market_service, updates, scratch, quality_service, hook_service),
        summaries=SummaryService(deps), preferences=PreferencesService(deps, guild_service),
        updates=updates, scratch=scratch, skills=skill_service, bans=ban_service,
        admins=AdminService(deps),
        exports=ExportService(deps, files, quality_service), copies=CopyService(deps, files),
        hooks=hook_service,
        broadcasts=BroadcastService(deps, guild_service, skill_service, dispatcher.edit_text),
    )


async def on_stop(app: Application) -> None:
    """post_stop (updates in hand are finished): the background senders stop, the sends in
    flight finishing and being marked, while the bot's connection to the Bot API is still open
    (the Application's shutdown closes it, and a send cut off there would go out again)."""
    services = app.bot_data.services
    if services is None:
        return
    log.info("stopping: the sends in flight finish")
    await _stop_background(services)
    log.info("stopped sending")


async def _stop_background(services: Services) -> None:
    await services.exports.stop()
    await services.copies.stop()
    await services.hooks.stop()
    await services.dispatcher.stop()


async def on_shutdown(app: Application) -> None:
    """post_shutdown: whatever a start cut short left running stops; the database closes."""
    services = app.bot_data.services
    if services is None:
        return
    await _stop_background(services)  # nothing left to stop after a stop that ran on_stop
    await services.db.close()
    app.bot_data.services = None
