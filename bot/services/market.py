"""The task market: posting, announcing, quoting, claiming, awarding, cancelling."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.clock import Clock, from_epoch, to_epoch
from bot.config import Settings
from bot.delivery import Notifier
from bot.domain.errors import N_
from bot.domain.guilds import APPROVED, ensure_active
from bot.domain.tasks import (
    MAX_NOTE,
    STATUS_NAMES,
    ClaimOnQuoteTask,
    NotEnoughUnits,
    NotGuildMemberAnywhere,
    PriceOverCap,
    QuoteNotFound,
    QuoteNotPending,
    QuoteOffer,
    QuoteOnFixedTask,
    QuoteWindowClosed,
    TaskDraft,
    TaskFieldError,
    TaskNotFound,
    TaskNotOpen,
    check_draft,
    parse_price,
    parse_task_form,
    parse_units,
    plan_auto_award,
    quote_window_open,
)
from bot.i18n import texts_for
from bot.services.base import Service
from bot.services.users import UserService
from bot.views import market as views
from storage import Database, Tx
from storage import guilds as guilds_repo
from storage import market as repo
from storage import users as users_repo
from storage import work as work_repo
from storage.market import AttachmentRecord, QuoteRecord, TaskRecord
from storage.models import GuildRecord

TASK_LIST_LIMIT = 50  # tasks listed by /tasks; the rest are counted


class GuildLookup(Protocol):
    async def acting_guild(self, chat_id: int, user_id: int) -> GuildRecord: ...

    async def guild_in_chat(self, chat_id: int) -> GuildRecord: ...

    async def membership(self, user_id: int) -> tuple[GuildRecord, str] | None: ...


@dataclass(frozen=True, slots=True)
class PostedTask:
    task: TaskRecord
    announced_to: int


@dataclass(frozen=True, slots=True)
class QuotePlaced:
    quote: QuoteRecord
    task: TaskRecord
    replaced_id: int | None


@dataclass(frozen=True, slots=True)
class ClaimMade:
    allocation_id: int
    task: TaskRecord
    units: int
    unit_price_minor: int


@dataclass(frozen=True, slots=True)
class Awarded:
    quote: QuoteRecord
    units: int
    task: TaskRecord
    closed_quote_ids: list[int]


@dataclass(frozen=True, slots=True)
class TaskList:
    tasks: list[TaskRecord]  # the newest first, TASK_LIST_LIMIT at most
    total: int


@dataclass(frozen=True, slots=True)
class TaskDetails:
    task: TaskRecord
    quotes: list[QuoteRecord]
    allocations: list[repo.AllocationRecord]
    attachments: list[AttachmentRecord]
    admin_view: bool  # quotes and allocations included


class MarketService(Service):
    def __init__(self, db: Database, clock: Clock, notifier: Notifier, settings: Settings,
                 users: UserService, guilds: GuildLookup) -> None:
        super().__init__(db, clock, notifier, settings, users)
        self._guilds = guilds

    # --- helpers ------------------------------------------------------------------------------

    def money(self, minor: int) -> str:
        return views.money_text(minor, self._settings)

    async def _task(self, reader: Database | Tx, task_id: int) -> TaskRecord:
        task = await repo.get_task(reader, task_id)
        if task is None:
            raise TaskNotFound(task_id=task_id)
        return task

    async def _tell_guilds(self, tx: Tx, chats: list[repo.GuildChat], render: views.Render
                           ) -> None:
        for chat in chats:
            await self._notifier.message(tx, chat.chat_id, render(texts_for(chat.language_code)))

    # --- posting ------------------------------------------------------------------------------

    async def post_task(self, admin_id: int, draft: TaskDraft,
                        attachments: list[AttachmentRecord] | None = None) -> PostedTask:
        self._require_admin(admin_id)
        now = self._clock.now()
        check_draft(draft, now)
        assert draft.deadline is not None
        async with self._db.transaction() as tx:
            task_id = await repo.insert_task(
                tx, title=draft.title, instructions=draft.instructions, mode=draft.mode,
                result_type=draft.result_type, units=draft.units,
                price_minor=draft.price_minor, deadline_at=to_epoch(draft.deadline),
                quote_deadline_at=to_epoch(draft.quote_deadline) if draft.quote_deadline
                else None, review_days=draft.review_days, auto_award=draft.auto_award,
                skills=draft.skills, created_by=admin_id, now=to_epoch(now))
            if attachments:
                await repo.add_attachments(tx, task_id, attachments)
            task = await self._task(tx, task_id)
            chats = await repo.approved_guild_chats(tx)
            await self._tell_guilds(
                tx, chats, lambda _: views.announcement(_, task, self._settings,
                                                        len(attachments or [])))
            await users_repo.add_audit(tx, actor_id=admin_id, action="task.post",
                                       target_type="task", target_id=task_id,
                                       detail=draft.title, now=to_epoch(now))
        return PostedTask(task, len(chats))

    async def post_from_form(self, admin_id: int, text: str) -> PostedTask:
        """The one-message `/newtask` form, read in the admin's time zone."""
        self._require_admin(admin_id)
        draft = parse_task_form(text, zone=await self.zone_of(admin_id),
                                exponent=self._settings.currency_exponent)
        return await self.post_task(admin_id, draft)

    def check_draft(self, draft: TaskDraft) -> None:
        """For the guided flow: refuse a bad deadline as soon as it is typed."""
        check_draft(draft, self._clock.now())

    # --- browsing -----------------------------------------------------------------------------

    async def open_tasks_for_chat(self, chat_id: int) -> TaskList:
        """The newest open tasks, and how many are open in all."""
        await self._guilds.guild_in_chat(chat_id)
        return await self._task_list(("open",))

    async def tasks_for_admin(self, admin_id: int) -> TaskList:
        self._require_admin(admin_id)
        return await self._task_list(("open", "allocated"))

    async def _task_list(self, statuses: tuple[str, ...]) -> TaskList:
        tasks = await repo.tasks_in(self._db, statuses, TASK_LIST_LIMIT)
        total = (len(tasks) if len(tasks) < TASK_LIST_LIMIT
                 else await repo.count_tasks_in(self._db, statuses))
        return TaskList(tasks, total)

    async def task_details(self, task_id: int, *, viewer_id: int, chat_id: int,
                           private: bool) -> TaskDetails:
        """Anyone in a guild chat, or any guild member in private, sees the task (it was
        announced to every guild); admins in private also see its quotes and allocations."""
        is_admin = private and self._users.is_admin(viewer_id)
        if not is_admin:
            if private:
                found = await self._guilds.membership(viewer_id)
                if found is None or found[0].status != "approved":
                    raise NotGuildMemberAnywhere()
            else:
                await self._guilds.guild_in_chat(chat_id)
        task = await self._task(self._db, task_id)
        quotes = await repo.quotes_for_task(self._db, task_id) if is_admin else []
        allocations = await repo.allocations_for_task(self._db, task_id) if is_admin else []
        return TaskDetails(task, quotes, allocations, await repo.attachments(self._db, task_id),
                           is_admin)

    # --- quotes -------------------------------------------------------------------------------

    async def place_quote(self, chat_id: int, user_id: int, task_id: int, price_text: str,
                          units_text: str, note: str | None) -> QuotePlaced:
        guild = await self._guilds.acting_guild(chat_id, user_id)
        price = parse_price(price_text, self._settings.currency_exponent)
        units = parse_units(units_text)
        note = " ".join(note.split())[:MAX_NOTE] if note and note.strip() else None
        now = self._clock.now()
        async with self._db.transaction() as tx:
            task = await self._task(tx, task_id)
            self._check_open(task, "quote")
            if not quote_window_open(
                from_epoch(task.quote_deadline_at) if task.quote_deadline_at else None,
                task.quote_window_closed, now):
                raise QuoteWindowClosed(task_id=task_id, closed=views.when_text(
                    task.quote_deadline_at or to_epoch(now), self._settings.timezone))
            if price > task.price_minor:
                raise PriceOverCap(price=self.money(price), cap=self.money(task.price_minor))
            if units > task.units_left:
                raise NotEnoughUnits(task_id=task_id, left=task.units_left, asked=units)
            replaced = await repo.withdraw_pending(tx, task_id, guild.id, "replaced",
                                                   to_epoch(now))
            quote_id = await repo.insert_quote(tx, task_id=task_id, guild_id=guild.id,
                                               price_minor=price, units=units, note=note,
                                               created_by=user_id, now=to_epoch(now))
            quote = await repo.get_quote(tx, quote_id)
            assert quote is not None
            size = (await repo.guild_sizes(tx, [guild.id])).get(guild.id, 0)
            await self._tell_admins(
                tx, lambda _: views.quote_for_admins(_, quote, task, size, replaced,
                                                     self._settings),
                keyboard=lambda _: views.quote_buttons(_, quote))
        return QuotePlaced(quote, task, replaced)

    async def withdraw_quote(self, chat_id: int, user_id: int, quote_id: int) -> QuoteRecord:
        guild = await self._guilds.acting_guild(chat_id, user_id)
        async with self._db.transaction() as tx:
            quote = await repo.get_quote(tx, quote_id)
            if quote is None or quote.guild_id != guild.id:
                raise QuoteNotFound(quote_id=quote_id)
            if not await repo.decide_quote(tx, quote_id, status="withdrawn", awarded_units=None,
                                           reason="withdrawn by the guild", by=user_id,
                                           now=self._now()):
                raise QuoteNotPending(quote_id=quote_id, status=STATUS_NAMES[quote.status])
            await self._tell_admins(tx, lambda _: views.quote_withdrawn(_, quote))
        return quote

    async def quotes_for(self, admin_id: int, task_id: int
                         ) -> tuple[TaskRecord, list[QuoteRecord], dict[int, int]]:
        self._require_admin(admin_id)
        task = await self._task(self._db, task_id)
        quotes = await repo.quotes_for_task(self._db, task_id)
        sizes = await repo.guild_sizes(self._db, sorted({q.guild_id for q in quotes}))
        return task, quotes, sizes

    async def award(self, admin_id: int, quote_id: int, units: int | None = None) -> Awarded:
        self._require_admin(admin_id)
        async with self._db.transaction() as tx:
            result = await self._award(tx, quote_id, units, admin_id)
            await users_repo.add_audit(tx, actor_id=admin_id, action="quote.award",
                                       target_type="quote", target_id=quote_id,
                                       detail=f"units={result.units}", now=self._now())
        return result

    async def _award(self, tx: Tx, quote_id: int, units: int | None, by: int) -> Awarded:
        now = self._now()
        quote = await repo.get_quote(tx, quote_id)
        if quote is None:
            raise QuoteNotFound(quote_id=quote_id)
        if quote.status != "pending":
            raise QuoteNotPending(quote_id=quote_id, status=STATUS_NAMES[quote.status])
        guild = await guilds_repo.get(tx, quote.guild_id)
        if guild is not None:  # a suspended guild takes no new work
            ensure_active(guild.name, guild.status, guild.status_reason)
        task = await self._task(tx, quote.task_id)
        self._check_open(task, "quote")
        take = quote.units if units is None else units
        if take < 1 or take > quote.units:
            raise TaskFieldError(problem=N_("You can award from 1 up to the units quoted."))
        if take > task.units_left:
            raise NotEnoughUnits(task_id=task.id, left=task.units_left, asked=take)
        if not await repo.take_units(tx, task.id, take):
            raise NotEnoughUnits(task_id=task.id, left=task.units_left, asked=take)
        await repo.decide_quote(tx, quote_id, status="accepted", awarded_units=take,
                                reason=None, by=by, now=now)
        await repo.insert_allocation(tx, task_id=task.id, guild_id=quote.guild_id, units=take,
                                     unit_price_minor=quote.price_minor, source="quote",
                                     quote_id=quote_id, created_by=by, now=now)
        task = await self._task(tx, task.id)
        chats = await repo.guild_chats(tx, [quote.guild_id])
        await self._tell_guilds(tx, chats, lambda _: views.quote_awarded(
            _, quote, take, task, self._settings))
        closed: list[int] = []
        if task.status == "allocated":
            closed = await self._close_quotes(tx, task, "rejected",
                                              "all units were awarded", "quote.full")
        return Awarded(quote, take, task, closed)

    async def reject_quote(self, admin_id: int, quote_id: int, reason: str | None
                           ) -> QuoteRecord:
        self._require_admin(admin_id)
        reason = " ".join(reason.split())[:MAX_NOTE] if reason and reason.strip() else None
        async with self._db.transaction() as tx:
            quote = await repo.get_quote(tx, quote_id)
            if quote is None:
                raise QuoteNotFound(quote_id=quote_id)
            if not await repo.decide_quote(tx, quote_id, status="rejected", awarded_units=None,
                                           reason=reason, by=admin_id, now=self._now()):
                raise QuoteNotPending(quote_id=quote_id, status=STATUS_NAMES[quote.status])
            chats = await repo.guild_chats(tx, [quote.guild_id])
            await self._tell_guilds(tx, chats, lambda _: views.quote_rejected(_, quote, reason))
            await users_repo.add_audit(tx, actor_id=admin_id, action="quote.reject",
                                       target_type="quote", target_id=quote_id, detail=reason,
                                       now=self._now())
        return quote

    async def _close_quotes(self, tx: Tx, task: TaskRecord, status: str, reason: str,
                            kind: str) -> list[int]:
        pending = await repo.quotes_for_task(tx, task.id, ("pending",))
        closed = await repo.close_pending_quotes(tx, task.id, status=status, reason=reason,
                                                 now=self._now())
        chats = await repo.guild_chats(tx, sorted({q.guild_id for q in pending}))
        by_guild = {q.guild_id: q for q in pending}
        for chat in chats:
            quote = by_guild[chat.guild_id]
            _ = texts_for(chat.language_code)
            await self._notifier.message(tx, chat.chat_id,
                                         views.quote_closed(_, quote, task, kind))
        return closed

    @staticmethod
    async def _guild_active(tx: Tx, guild_id: int) -> bool:
        guild = await guilds_repo.get(tx, guild_id)
        return guild is not None and guild.status == APPROVED

    # --- claims -------------------------------------------------------------------------------

    async def claim(self, chat_id: int, user_id: int, task_id: int, units_text: str
                    ) -> ClaimMade:
        guild = await self._guilds.acting_guild(chat_id, user_id)
        units = parse_units(units_text)
        async with self._db.transaction() as tx:
            task = await self._task(tx, task_id)
            self._check_open(task, "fixed")
            if units > task.units_left or not await repo.take_units(tx, task_id, units):
                raise NotEnoughUnits(task_id=task_id, left=task.units_left, asked=units)
            allocation_id = await repo.insert_allocation(
                tx, task_id=task_id, guild_id=guild.id, units=units,
                unit_price_minor=task.price_minor, source="claim", quote_id=None,
                created_by=user_id, now=self._now())
            task = await self._task(tx, task_id)
            await self._tell_admins(tx, lambda _: views.claim_for_admins(
                _, guild.name, units, task, self._settings))
        return ClaimMade(allocation_id, task, units, task.price_minor)

    def _check_open(self, task: TaskRecord, mode: str) -> None:
        if task.status != "open":
            raise TaskNotOpen(task_id=task.id, status=STATUS_NAMES[task.status])
        if task.mode != mode:
            raise (QuoteOnFixedTask if task.mode == "fixed" else ClaimOnQuoteTask)(
                task_id=task.id)

    # --- cancelling ---------------------------------------------------------------------------

    async def cancel_task(self, admin_id: int, task_id: int, reason: str | None) -> TaskRecord:
        self._require_admin(admin_id)
        reason = " ".join(reason.split())[:MAX_NOTE] if reason and reason.strip() else None
        async with self._db.transaction() as tx:
            task = await self._task(tx, task_id)
            if not await repo.close_task(tx, task_id, from_states=("open", "allocated"),
                                         status="cancelled", reason=reason, now=self._now()):
                raise TaskNotOpen(task_id=task_id, status=STATUS_NAMES[task.status])
            task = await self._task(tx, task_id)
            await self._close_quotes(tx, task, "rejected", "task cancelled", "quote.cancelled")
            holders = sorted({a.guild_id for a in await repo.allocations_for_task(tx, task_id)})
            chats = await repo.guild_chats(tx, holders)
            await self._tell_guilds(tx, chats, lambda _: views.task_cancelled(_, task, reason))
            cancelled = await work_repo.cancel_unsubmitted(tx, task_id, self._now())
            workers = await users_repo.get_many(tx, sorted({w for _, w in cancelled}))
            for assignment_id, worker_id in cancelled:
                worker = workers.get(worker_id)
                _ = texts_for(worker.language_code if worker else None)
                await self._notifier.message(
                    tx, worker_id, views.assignment_cancelled(_, task, assignment_id, reason),
                    user_id=worker_id)
            await users_repo.add_audit(tx, actor_id=admin_id, action="task.cancel",
                                       target_type="task", target_id=task_id, detail=reason,
                                       now=self._now())
        return task

    # --- the quote window (run by the clock) -------------------------------------------------

    async def close_due_quote_windows(self) -> list[int]:
        """Close every quote window past its deadline: auto-award where the admin asked, then
        the quotes still pending expire (their guilds are told)."""
        closed = []
        for task in await repo.tasks_with_quote_window_due(self._db, self._now()):
            async with self._db.transaction() as tx:
                if not await repo.close_quote_window(tx, task.id):
                    continue  # another sweep got there first
                awarded: list[tuple[QuoteRecord, int]] = []
                task = await self._task(tx, task.id)  # as it is now, not as first read
                if task.auto_award and task.status == "open":
                    pending = await repo.quotes_for_task(tx, task.id, ("pending",))
                    offers = [QuoteOffer(q.id, q.price_minor, q.units, q.created_at)
                              for q in pending if await self._guild_active(tx, q.guild_id)]
                    for quote_id, units in plan_auto_award(offers, task.units_left):
                        result = await self._award(tx, quote_id, units, by=0)
                        awarded.append((result.quote, units))
                # The window is the quoting process: what was not awarded by now expires.
                current = await self._task(tx, task.id)
                expired = (await self._close_quotes(tx, current, "expired",
                                                    "quote window closed", "quote.expired")
                           if current.status == "open" else [])
                count = len(expired)
                await self._tell_admins(tx, lambda _, t=current, a=awarded, n=count:
                                        views.window_closed(_, t, a, n, self._settings))
                await users_repo.add_audit(tx, actor_id=0, action="task.quote_window_closed",
                                           target_type="task", target_id=task.id,
                                           detail=f"auto_awarded={len(awarded)}",
                                           now=self._now())
            closed.append(task.id)
        return closed

