"""The task market: posting and announcing, browsing, claims, cancelling, closing at the
deadline. (Quotes and awards: `bot.services.quotes`.)"""

from __future__ import annotations

from bot.clock import to_epoch
from bot.domain.counts import Count
from bot.domain.errors import (
    ClaimButtonStale,
    NotEnoughUnits,
    NotGuildMemberAnywhere,
    RepeatedTask,
)
from bot.domain.lifecycle import Actor, AssignmentEvent, TaskEvent
from bot.domain.quality import plan_items
from bot.domain.skills import parse_skill_names
from bot.domain.statuses import LIVE_TASK, GuildStatus, QuoteStatus, TaskMode, TaskStatus
from bot.domain.tasks import TaskDraft, check_draft, parse_task_form, parse_units
from bot.domain.text import NOTE_MAX, clean_text
from bot.i18n import texts_for
from bot.outcomes import ClaimMade, PostedTask, PreparedItems, TaskDetails, TaskList
from bot.services.base import Deps, Service
from bot.services.guilds import GuildService
from bot.services.item_files import ItemFileService
from bot.services.lifecycle import isolated
from bot.services.quotes import QuoteService, check_open
from bot.services.skills import SkillService
from bot.views import market as views
from storage import market as repo
from storage import skills as skills_repo
from storage import users as users_repo
from storage import work as work_repo
from storage.models import AttachmentRecord, TaskRecord

TASK_LIST_LIMIT = 50  # tasks listed by /tasks; the rest are counted
REPEAT_WINDOW = 10 * 60  # seconds in which the same task form again needs a confirmation


class MarketService(Service):
    def __init__(self, deps: Deps, guilds: GuildService, quotes: QuoteService,
                 items: ItemFileService, skills: SkillService) -> None:
        super().__init__(deps)
        self._guilds = guilds
        self._quotes = quotes
        self._items = items
        self._skills = skills

    # --- posting ------------------------------------------------------------------------------

    async def post_task(self, admin_id: int, draft: TaskDraft,
                        attachments: list[AttachmentRecord] | None = None, *,
                        again: bool = True, items: PreparedItems | None = None
                        ) -> PostedTask:
        """Post and announce a task (with its items, as one unit each, in the same
        transaction). With `again` False, the same task posted by the same admin within
        REPEAT_WINDOW is refused (a lost answer must not post it twice)."""
        self._require_admin(admin_id)
        now = self._clock.now()
        if items is not None:
            q = draft.quality
            draft = draft.but(units=plan_items(items.items, draft.labels, draft.multi,
                                               q.control_pct, q.overlap, items.file_name,
                                               test=q.qualifies is not None,
                                               text_answers=draft.result_type == "text").units)
        check_draft(draft, now)
        assert draft.deadline is not None
        skill_names = parse_skill_names(draft.skills)
        async with self._db.transaction() as tx:
            titles = await self._skills.require(tx, skill_names)
            if draft.quality.qualifies is not None:  # a test grants a registered skill
                await self._skills.find(tx, draft.quality.qualifies)
            if not again and (same := await repo.same_task_since(
                    tx, created_by=admin_id, title=draft.title,
                    instructions=draft.instructions, units=draft.units,
                    price_minor=draft.price_minor, deadline_at=to_epoch(draft.deadline),
                    since=to_epoch(now) - REPEAT_WINDOW)):
                raise RepeatedTask(task_id=same.id,
                                   minutes=max(1, (to_epoch(now) - same.created_at + 59) // 60))
            task_id = await repo.insert_task(
                tx, title=draft.title, instructions=draft.instructions, mode=draft.mode,
                result_type=draft.result_type, units=draft.units,
                price_minor=draft.price_minor, deadline_at=to_epoch(draft.deadline),
                quote_deadline_at=to_epoch(draft.quote_deadline) if draft.quote_deadline
                else None, review_days=draft.review_days, auto_award=draft.auto_award,
                skills=",".join(skill_names) or None, created_by=admin_id, now=to_epoch(now),
                labels=draft.labels, multi=draft.multi, quality=draft.quality)
            if attachments:
                await repo.add_attachments(tx, task_id, attachments)
            if items is not None:
                await self._items.store(tx, admin_id, task_id, items)
            task = await self._tasks.get(tx, task_id)
            # A qualification test is taken with /qualify, not announced to guilds.
            chats = [] if task.qualifies else await repo.approved_guild_chats(tx)
            await self._tell_chats(tx, chats, lambda _: views.announcement(
                _, task, self._settings, len(attachments or []), titles),
                lambda _: views.claim_keyboard(_, task, held=0))
            await self._audit(tx, admin_id, "task.post", ("task", task_id), draft.title)
        return PostedTask(task, len(chats), titles)

    async def post_from_form(self, admin_id: int, text: str, *, again: bool = False
                             ) -> PostedTask:
        """The one-message `/newtask` form, read in the admin's time zone; the same form twice
        within REPEAT_WINDOW needs `again`."""
        self._require_admin(admin_id)
        draft = parse_task_form(text, zone=await self.zone_of(admin_id),
                                exponent=self._settings.currency_exponent)
        return await self.post_task(admin_id, draft, again=again)

    def check_draft(self, draft: TaskDraft) -> None:
        """For the guided flow: refuse a bad deadline as soon as it is typed."""
        check_draft(draft, self._clock.now())

    # --- browsing -----------------------------------------------------------------------------

    async def open_tasks_for_chat(self, chat_id: int) -> TaskList:
        """The newest open tasks, and how many are open in all."""
        await self._guilds.guild_in_chat(chat_id)
        return await self._task_list((TaskStatus.OPEN,))

    async def tasks_for_admin(self, admin_id: int) -> TaskList:
        self._require_admin(admin_id)
        return await self._task_list(LIVE_TASK)

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
                if found is None or found[0].status != GuildStatus.APPROVED:
                    raise NotGuildMemberAnywhere()
            else:
                await self._guilds.guild_in_chat(chat_id)
        task = await self._tasks.get(self._db, task_id)
        quotes = await repo.quotes_for_task(self._db, task_id) if is_admin else []
        allocations = await repo.allocations_for_task(self._db, task_id) if is_admin else []
        return TaskDetails(task, quotes, allocations, await repo.attachments(self._db, task_id),
                           is_admin, await skills_repo.titles(self._db, task.skill_names))

    # --- claims -------------------------------------------------------------------------------

    async def claim(self, chat_id: int, user_id: int, task_id: int, units_text: str,
                    held_before: int | None = None) -> ClaimMade:
        """Units of a fixed task for the guild; by button, only while the guild still holds
        `held_before` of it (what it held when the button was drawn)."""
        guild = await self._guilds.acting_guild(chat_id, user_id)
        units = parse_units(units_text)
        async with self._db.transaction() as tx:
            task = await self._tasks.get(tx, task_id)
            check_open(self._tasks, task, TaskMode.FIXED)
            await self._refuse_banned_guild(tx, guild, task)
            held = sum(a.units for a in await repo.allocations_for_guild(tx, guild.id, task_id))
            if held_before is not None and held != held_before:
                raise ClaimButtonStale(task_id=task_id, held=Count(held, "unit"),
                                       held_units=held, left=task.units_left)
            if units > task.units_left or not await repo.take_units(tx, task_id, units):
                raise NotEnoughUnits(task_id=task_id, left=Count(task.units_left, "unit"),
                                     asked=Count(units, "unit"))
            allocation_id = await repo.insert_allocation(
                tx, task_id=task_id, guild_id=guild.id, units=units,
                unit_price_minor=task.price_minor, source="claim", quote_id=None,
                created_by=user_id, now=self._now())
            await self._audit(tx, user_id, "task.claim", ("allocation", allocation_id),
                              f"guild {guild.id} task {task_id} units {units}")
            task = await self._tasks.get(tx, task_id)
            claimed = task
            await self._tell_admins(tx, lambda _: views.claim_for_admins(
                _, guild.name, units, claimed, self._settings))
        return ClaimMade(allocation_id, task, units, task.price_minor, held + units)

    # --- closing ------------------------------------------------------------------------------

    async def cancel_task(self, admin_id: int, task_id: int, reason: str | None) -> TaskRecord:
        """Cancel an open or allocated task: pending quotes close, work not yet submitted is
        cancelled (submissions stay in review), and everyone involved is told."""
        self._require_admin(admin_id)
        reason = clean_text(reason, NOTE_MAX)
        now = self._now()
        async with self._db.transaction() as tx:
            task = await self._tasks.get(tx, task_id)
            if not await self._tasks.move(tx, task, TaskEvent.CANCEL, Actor.ADMIN, now, reason):
                raise self._tasks.refusal(task)
            task = await self._tasks.get(tx, task_id)
            cancelled_task = task
            await self._quotes.close_pending(tx, task, QuoteStatus.REJECTED, "task cancelled",
                                             "quote.cancelled")
            holders = sorted({a.guild_id for a in await repo.allocations_for_task(tx, task_id)})
            await self._tell_chats(tx, await repo.guild_chats(tx, holders),
                                   lambda _: views.task_cancelled(_, cancelled_task, reason))
            cancelled = await self._assignments.move_all_of_task(
                tx, task_id, AssignmentEvent.CANCEL, Actor.ADMIN, now)
            workers = await users_repo.get_many(tx, sorted({w for _, w in cancelled}))
            for assignment_id, worker_id in cancelled:
                worker = workers.get(worker_id)
                _ = texts_for(worker.lang if worker else None)
                await self._notifier.message(
                    tx, worker_id, views.assignment_cancelled(_, task, assignment_id, reason),
                    user_id=worker_id)
            await self._audit(tx, admin_id, "task.cancel", ("task", task_id), reason)
        return task

    async def close_due_tasks(self) -> list[int]:
        """Tasks past their deadline with nothing left in flight: completed when every unit
        was accepted, else expired; quotes still pending expire with them."""
        done = []
        for task_id, units in await work_repo.tasks_to_close(self._db, self._now()):
            with isolated("closing task", task_id):
                async with self._db.transaction() as tx:
                    if await work_repo.open_count_for_task(tx, task_id):
                        continue  # work still in flight: the clock comes back for it
                    task = await self._tasks.get(tx, task_id)
                    if task.status not in LIVE_TASK:
                        continue
                    accepted = await work_repo.accepted_units_of_task(tx, task_id)
                    event = TaskEvent.COMPLETE if accepted >= units else TaskEvent.EXPIRE
                    if not await self._tasks.move(tx, task, event, Actor.CLOCK, self._now()):
                        continue
                    await repo.close_pending_quotes(tx, task_id, status=QuoteStatus.EXPIRED,
                                                    reason="task deadline passed", now=self._now())
                    await self._audit(tx, 0, f"task.{event}", ("task", task_id),
                                      f"accepted {accepted} of {units}")
                done.append(task_id)
        return done
