"""Quotes: guilds bid for quote tasks, admins award them (in full or in part) or turn them
down, and the clock closes quote windows (awarding automatically where the admin asked)."""

from __future__ import annotations

from functools import partial

from bot.clock import from_epoch, to_epoch
from bot.domain.counts import Count
from bot.domain.errors import (
    N_,
    ClaimOnQuoteTask,
    NotEnoughUnits,
    PriceOverCap,
    QualificationTask,
    QuoteNotFound,
    QuoteNotPending,
    QuoteOnFixedTask,
    QuoteWindowClosed,
    TaskFieldError,
)
from bot.domain.guilds import ensure_active
from bot.domain.lifecycle import QUOTE, Actor, QuoteEvent
from bot.domain.scores import NO_SCORE
from bot.domain.statuses import QUOTE_NAMES, GuildStatus, QuoteStatus, TaskMode, TaskStatus
from bot.domain.tasks import (
    QuoteOffer,
    parse_price,
    parse_units,
    plan_auto_award,
    quote_window_open,
)
from bot.domain.text import NOTE_MAX, clean_text
from bot.domain.zones import Moment
from bot.outcomes import Awarded, QuotePlaced, QuoteTable
from bot.services.base import Deps, Service
from bot.services.guilds import GuildService
from bot.services.lifecycle import Tasks, isolated
from bot.services.scores import guild_scores
from bot.views import market as views
from storage import Tx
from storage import guilds as guilds_repo
from storage import market as repo
from storage.models import QuoteRecord, TaskRecord


def check_open(tasks: Tasks, task: TaskRecord, mode: TaskMode) -> None:
    """The task takes new quotes (or claims): open, and of that mode."""
    if task.status != TaskStatus.OPEN:
        raise tasks.refusal(task)
    if task.qualifies is not None:
        raise QualificationTask(task_id=task.id, skill=task.qualifies)
    if task.mode != mode:
        raise (QuoteOnFixedTask if task.mode == TaskMode.FIXED else ClaimOnQuoteTask)(
            task_id=task.id)


class QuoteService(Service):
    def __init__(self, deps: Deps, guilds: GuildService) -> None:
        super().__init__(deps)
        self._guilds = guilds

    async def _quote(self, tx: Tx, quote_id: int) -> QuoteRecord:
        quote = await repo.get_quote(tx, quote_id)
        if quote is None:
            raise QuoteNotFound(quote_id=quote_id)
        return quote

    async def _decide(self, tx: Tx, quote: QuoteRecord, event: QuoteEvent, actor: Actor, *,
                      reason: str | None, by: int | None, awarded: int | None = None) -> None:
        """One quote decision: a conditional write from the lifecycle's source state."""
        refusal = QuoteNotPending(quote_id=quote.id, status=QUOTE_NAMES[quote.status])
        status = QUOTE.apply(event, quote.status, actor, lambda: refusal)
        if not await repo.decide_quote(tx, quote.id, status=status, awarded_units=awarded,
                                       reason=reason, by=by, now=self._now()):
            raise refusal

    async def place_quote(self, chat_id: int, user_id: int, task_id: int, price_text: str,
                          units_text: str, note: str | None) -> QuotePlaced:
        guild = await self._guilds.acting_guild(chat_id, user_id)
        price = parse_price(price_text, self._settings.currency_exponent)
        units = parse_units(units_text)
        note = clean_text(note, NOTE_MAX)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            task = await self._tasks.get(tx, task_id)
            check_open(self._tasks, task, TaskMode.QUOTE)
            await self._refuse_banned_guild(tx, guild, task)
            if not quote_window_open(
                from_epoch(task.quote_deadline_at) if task.quote_deadline_at else None,
                task.quote_window_closed, now):
                raise QuoteWindowClosed(task_id=task_id, closed=Moment(
                    task.quote_deadline_at or to_epoch(now), await self.zone_of(user_id)))
            if price > task.price_minor:
                raise PriceOverCap(price=self._money(price), cap=self._money(task.price_minor))
            if units > task.units_left:
                raise NotEnoughUnits(task_id=task_id, left=Count(task.units_left, "unit"),
                                     asked=Count(units, "unit"))
            # A new quote replaces the guild's pending one (the lifecycle's WITHDRAW).
            replaced = await repo.withdraw_pending(tx, task_id, guild.id, "replaced",
                                                   to_epoch(now))
            quote_id = await repo.insert_quote(tx, task_id=task_id, guild_id=guild.id,
                                               price_minor=price, units=units, note=note,
                                               created_by=user_id, now=to_epoch(now))
            await self._audit(tx, user_id, "quote.place", ("quote", quote_id),
                              f"{price} x {units}")
            quote = await self._quote(tx, quote_id)
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
            await self._decide(tx, quote, QuoteEvent.WITHDRAW, Actor.LEADER,
                               reason="withdrawn by the guild", by=user_id)
            await self._audit(tx, user_id, "quote.withdraw", ("quote", quote_id))
            await self._tell_admins(tx, lambda _: views.quote_withdrawn(_, quote))
        return quote

    async def quotes_for(self, admin_id: int, task_id: int) -> QuoteTable:
        self._require_admin(admin_id)
        task = await self._tasks.get(self._db, task_id)
        quotes = await repo.quotes_for_task(self._db, task_id)
        guild_ids = sorted({q.guild_id for q in quotes})
        sizes = await repo.guild_sizes(self._db, guild_ids)
        return QuoteTable(task, quotes, sizes, await guild_scores(self._db, guild_ids,
                                                                  self._now()))

    async def award(self, admin_id: int, quote_id: int, units: int | None = None) -> Awarded:
        self._require_admin(admin_id)
        async with self._db.transaction() as tx:
            result = await self._award(tx, quote_id, units, admin_id)
            await self._audit(tx, admin_id, "quote.award", ("quote", quote_id),
                              f"units={result.units}")
        return result

    async def _award(self, tx: Tx, quote_id: int, units: int | None, by: int) -> Awarded:
        """Award the quote: its units become the guild's allocation at the quoted price."""
        now = self._now()
        quote = await self._quote(tx, quote_id)
        if quote.status != QuoteStatus.PENDING:
            raise QuoteNotPending(quote_id=quote_id, status=QUOTE_NAMES[quote.status])
        guild = await guilds_repo.get(tx, quote.guild_id)
        if guild is not None:  # a suspended guild takes no new work
            ensure_active(guild.name, guild.status, guild.status_reason)
        task = await self._tasks.get(tx, quote.task_id)
        check_open(self._tasks, task, TaskMode.QUOTE)
        take = quote.units if units is None else units
        if take < 1 or take > quote.units:
            raise TaskFieldError(problem=N_("You can award from 1 up to the units quoted."))
        if take > task.units_left or not await repo.take_units(tx, task.id, take):
            raise NotEnoughUnits(task_id=task.id, left=Count(task.units_left, "unit"),
                                 asked=Count(take, "unit"))
        await self._decide(tx, quote, QuoteEvent.AWARD, Actor.CLOCK if by == 0 else Actor.ADMIN,
                           reason=None, by=by, awarded=take)
        await repo.insert_allocation(tx, task_id=task.id, guild_id=quote.guild_id, units=take,
                                     unit_price_minor=quote.price_minor, source="quote",
                                     quote_id=quote_id, created_by=by, now=now)
        task = await self._tasks.get(tx, task.id)
        awarded_task = task
        await self._tell_chats(tx, await repo.guild_chats(tx, [quote.guild_id]),
                               lambda _: views.quote_awarded(_, quote, take, awarded_task,
                                                             self._settings))
        closed: list[int] = []
        if task.status == TaskStatus.ALLOCATED:
            closed = await self.close_pending(tx, task, QuoteStatus.REJECTED,
                                              "all units were awarded", "quote.full")
        return Awarded(quote, take, task, closed)

    async def reject_quote(self, admin_id: int, quote_id: int, reason: str | None
                           ) -> QuoteRecord:
        self._require_admin(admin_id)
        reason = clean_text(reason, NOTE_MAX)
        async with self._db.transaction() as tx:
            quote = await self._quote(tx, quote_id)
            await self._decide(tx, quote, QuoteEvent.REJECT, Actor.ADMIN, reason=reason,
                               by=admin_id)
            await self._tell_chats(tx, await repo.guild_chats(tx, [quote.guild_id]),
                                   lambda _: views.quote_rejected(_, quote, reason))
            await self._audit(tx, admin_id, "quote.reject", ("quote", quote_id), reason)
        return quote

    async def close_pending(self, tx: Tx, task: TaskRecord, status: QuoteStatus, reason: str,
                            kind: str) -> list[int]:
        """Close every pending quote of the task (rejected or expired); their guilds are told.
        """
        pending = await repo.quotes_for_task(tx, task.id, (QuoteStatus.PENDING,))
        closed = await repo.close_pending_quotes(tx, task.id, status=status, reason=reason,
                                                 now=self._now())
        by_guild = {q.guild_id: q for q in pending}
        for chat in await repo.guild_chats(tx, sorted(by_guild)):
            await self._tell_chats(tx, [chat], partial(
                views.quote_closed, quote=by_guild[chat.guild_id], task=task, kind=kind))
        return closed

    # --- the quote window (run by the clock) -------------------------------------------------

    async def close_due_windows(self) -> list[int]:
        """Close every quote window past its deadline: auto-award where the admin asked, then
        the quotes still pending expire (their guilds are told)."""
        closed = []
        for due in await repo.tasks_with_quote_window_due(self._db, self._now()):
            with isolated("quote window of task", due.id):
                async with self._db.transaction() as tx:
                    if not await repo.close_quote_window(tx, due.id):
                        continue  # another sweep got there first
                    awarded: list[tuple[QuoteRecord, int]] = []
                    task = await self._tasks.get(tx, due.id)  # as it is now, not as first read
                    if task.auto_award and task.status == TaskStatus.OPEN:
                        pending = await repo.quotes_for_task(tx, task.id, (QuoteStatus.PENDING,))
                        scores = await guild_scores(tx, [q.guild_id for q in pending],
                                                    self._now())
                        offers = [QuoteOffer(q.id, q.price_minor, q.units, q.created_at,
                                             scores.get(q.guild_id, NO_SCORE))
                                  for q in pending if await self._guild_active(tx, q.guild_id)]
                        for quote_id, units in plan_auto_award(
                                offers, task.units_left, task.min_score,
                                task.award_by == "quality"):
                            result = await self._award(tx, quote_id, units, by=0)
                            awarded.append((result.quote, units))
                    # The window is the quoting process: what was not awarded by now expires.
                    current = await self._tasks.get(tx, task.id)
                    expired = (await self.close_pending(tx, current, QuoteStatus.EXPIRED,
                                                        "quote window closed", "quote.expired")
                               if current.status == TaskStatus.OPEN else [])
                    await self._tell_admins(tx, partial(views.window_closed, task=current,
                                                        awarded=awarded, expired=len(expired),
                                                        settings=self._settings))
                    await self._audit(tx, 0, "task.quote_window_closed", ("task", task.id),
                                      f"auto_awarded={len(awarded)}")
                closed.append(due.id)
        return closed

    @staticmethod
    async def _guild_active(tx: Tx, guild_id: int) -> bool:
        guild = await guilds_repo.get(tx, guild_id)
        return guild is not None and guild.status == GuildStatus.APPROVED
