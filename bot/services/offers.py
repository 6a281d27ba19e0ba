"""Handing out: units of a guild's allocation offered to members, taken, declined or let lapse.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from bot.clock import from_epoch, to_epoch
from bot.domain.counts import Count
from bot.domain.errors import (
    MemberBanned,
    MemberLacksSkills,
    NoAllocation,
    NoQualifiedMembers,
    NoReachableMembers,
    NotAnActiveMember,
    NotEnoughItemsFor,
    NotEnoughUnassigned,
    OfferExpired,
    TaskNotFound,
)
from bot.domain.lifecycle import Actor, AssignmentEvent
from bot.domain.skills import BanScopeText, LeftOut, LeftOutList
from bot.domain.statuses import LIVE_TASK, AssignmentStatus, Role
from bot.domain.tasks import parse_units
from bot.domain.work import spread_within
from bot.domain.zones import Moment, awake_deadline
from bot.i18n import texts_for
from bot.outcomes import Distribution, MemberRef, Offered, Progress
from bot.services.base import Deps, Service
from bot.services.guilds import GuildService
from bot.services.items import ItemService
from bot.views import offers as views
from storage import Tx
from storage import bans as bans_repo
from storage import guilds as guilds_repo
from storage import market as market_repo
from storage import skills as skills_repo
from storage import users as users_repo
from storage import work as repo
from storage.db import Reader
from storage.models import (
    AssignmentRecord,
    AttachmentRecord,
    BanRecord,
    GuildRecord,
    OutboxRow,
    TaskRecord,
    UserRecord,
)

OFFER_KEY = "offer:"  # the outbox key of an offer, so a bounce can be traced back to it


@dataclass(slots=True)
class Pool:
    """A guild's units of a task not yet handed out: [allocation id, unit price, free]."""

    entries: list[list[int]]

    @property
    def free(self) -> int:
        return sum(entry[2] for entry in self.entries)


class OfferService(Service):
    def __init__(self, deps: Deps, guilds: GuildService, bot_username: str) -> None:
        super().__init__(deps)
        self._guilds = guilds
        self._bot_username = bot_username

    # --- handing out --------------------------------------------------------------------------

    async def assign(self, chat_id: int, leader_id: int, task_id: int, units_text: str,
                     target: MemberRef) -> list[Offered]:
        units = parse_units(units_text)
        async with self._db.transaction() as tx:
            guild = await self._guilds.acting_guild(chat_id, leader_id, db=tx)
            worker = await self._users.find(target, tx, members_of=guild.id)
            member = await guilds_repo.member(tx, guild.id, worker.id) if worker else None
            if worker is None or member is None:
                raise NotAnActiveMember(who=target.shown)
            task = await self._live_task(tx, task_id)
            barred, lacking = await self._qualification(tx, task, [worker.id])
            if ban := barred.get(worker.id):
                raise MemberBanned(who=worker.mention, task_id=task.id,
                                   scope=BanScopeText(ban.scope, ban.scope_ref),
                                   until=Moment(ban.until_at, await self.zone_of(leader_id)),
                                   reason=ban.reason)
            if gaps := lacking.get(worker.id):
                raise MemberLacksSkills(who=worker.mention, task_id=task.id,
                                        skills=", ".join(gaps))
            pool = await self._pool(tx, task.id, guild.id)
            if units > pool.free:
                raise NotEnoughUnassigned(task_id=task_id, left=Count(pool.free, "unit"),
                                          asked=Count(units, "unit"))
            if task.quality and units > (can := len(await ItemService.items_for(
                    tx, task, worker.id, guild.id, units))):
                raise NotEnoughItemsFor(who=worker.mention, task_id=task_id,
                                        left=Count(can, "item"))
            attachments = await market_repo.attachments(tx, task.id)
            return await self._offer_from_pool(tx, pool, guild, task, attachments, worker,
                                               units, leader_id)

    async def distribute(self, chat_id: int, leader_id: int, task_id: int, *,
                         members_only: bool = False) -> Distribution:
        """The unassigned units spread evenly over the members the bot can message (with
        `members_only`, not the leader and deputies)."""
        async with self._db.transaction() as tx:
            guild = await self._guilds.acting_guild(chat_id, leader_id, db=tx)
            task = await self._live_task(tx, task_id)
            pool = await self._pool(tx, task.id, guild.id)
            if pool.free == 0:
                raise NotEnoughUnassigned(task_id=task_id, left=Count(0, "unit"),
                                          asked=Count(1, "unit"))
            members = [m for m in await guilds_repo.active_members(tx, guild.id)
                       if not (members_only and m.role in (Role.LEADER, Role.DEPUTY))]
            reachable = [m.user for m in members if m.user.can_message]
            skipped = [m.user for m in members if not m.user.can_message]
            if not reachable:
                raise NoReachableMembers()
            barred, lacking = await self._qualification(tx, task, [u.id for u in reachable])
            zone = await self.zone_of(leader_id)
            left_out = [LeftOut(u.mention, tuple(lacking.get(u.id, ())),
                                Moment(barred[u.id].until_at, zone) if u.id in barred else None)
                        for u in reachable if u.id in barred or u.id in lacking]
            reachable = [u for u in reachable if u.id not in barred and u.id not in lacking]
            if not reachable:
                raise NoQualifiedMembers(task_id=task.id, why=LeftOutList(left_out))
            load = await repo.open_units_by_worker(tx, [u.id for u in reachable])
            reachable.sort(key=lambda u: (load.get(u.id, 0), u.id))
            attachments = await market_repo.attachments(tx, task.id)
            offered: list[Offered] = []
            by_id = {u.id: u for u in reachable}
            # What each may take, asked up to twice an even share (each ask walks the pool):
            # more than that is left for the next /distribute.
            most = min(pool.free, max(2 * -(-pool.free // len(reachable)), 100))
            caps = [(u.id, len(await ItemService.items_for(tx, task, u.id, guild.id, most))
                     if task.quality else pool.free) for u in reachable]
            for worker_id, units in spread_within(pool.free, caps):
                offered.extend(await self._offer_from_pool(tx, pool, guild, task, attachments,
                                                           by_id[worker_id], units, leader_id))
        return Distribution(offered, skipped, pool.free, left_out)

    async def _qualification(self, tx: Tx, task: TaskRecord, worker_ids: list[int]
                             ) -> tuple[dict[int, BanRecord], dict[int, list[str]]]:
        """Who of these workers may not get the task's work: banned from it (or from the
        platform), or lacking a skill it requires (a skill ban counts as lacking it)."""
        now = self._now()
        return (await bans_repo.barring_users(tx, worker_ids, task.id, now),
                await skills_repo.missing_many(tx, worker_ids, task.skill_names, now))

    async def _live_task(self, tx: Tx, task_id: int) -> TaskRecord:
        task = await self._tasks.get(tx, task_id)
        if task.status not in LIVE_TASK:
            raise self._tasks.refusal(task)
        return task

    async def _pool(self, reader: Reader, task_id: int, guild_id: int) -> Pool:
        entries = await repo.pool(reader, task_id, guild_id)
        if not entries:
            raise NoAllocation(task_id=task_id)
        return Pool([[allocation_id, price, free] for allocation_id, price, free in entries])

    async def _offer_from_pool(self, tx: Tx, pool: Pool, guild: GuildRecord, task: TaskRecord,
                               attachments: list[AttachmentRecord], worker: UserRecord,
                               units: int, by: int) -> list[Offered]:
        """Offer `units` to the worker, drawing on the pool's allocations in order (one offer
        each) and taking them out of the pool; of an item task, as many as there are items
        the worker may take (under overlap and control items, maybe fewer)."""
        now = self._now()
        zone = self._users.zone_for(worker)
        # The window stands still in the worker's quiet hours: no answer is due at 5 a.m.
        expires = to_epoch(awake_deadline(from_epoch(now), self._settings.offer_window_hours,
                                          self._settings.quiet_hours, zone))
        _ = texts_for(worker.lang)
        offered = []
        for entry in pool.entries:
            allocation_id, price, free = entry
            take = min(free, units)
            if take <= 0:
                continue
            items = await ItemService.items_for(tx, task, worker.id, guild.id, take) \
                if task.has_items else []
            if task.has_items and len(items) < take:
                if not task.quality:  # the units and the items in the pool always agree
                    raise AssertionError(f"task {task.id}: {len(items)} items for {take}")
                take = len(items)
                if not take:
                    continue
            units -= take
            entry[2] -= take
            assignment_id = await repo.insert(
                tx, task_id=task.id, allocation_id=allocation_id, guild_id=guild.id,
                worker_id=worker.id, units=take, unit_price_minor=price,
                commission_bp=guild.commission_bp, assigned_by=by, now=now,
                offer_expires_at=expires, due_at=task.deadline_at)
            if items:
                await ItemService.hold(tx, assignment_id, items)
            assignment = await self._assignments.get(tx, assignment_id)
            await self._notifier.message(
                tx, worker.id, views.offer(_, assignment, task, self._settings, zone),
                user_id=worker.id, keyboard=views.offer_keyboard(_, assignment_id),
                dedupe_key=f"{OFFER_KEY}{assignment_id}")
            for file in attachments:
                await self._notifier.media(tx, worker.id, file.kind, file.file_id,
                                           user_id=worker.id)
            offered.append(Offered(assignment, worker))
        return offered

    async def on_unreachable(self, tx: Tx, row: OutboxRow) -> None:
        """An offer could not be delivered: tell the leader at once, with a link to forward."""
        key = row.dedupe_key
        if not key or not key.startswith(OFFER_KEY):
            return
        assignment = await repo.get(tx, int(key.removeprefix(OFFER_KEY)))
        if assignment is None:
            return
        worker = await users_repo.get(tx, assignment.worker_id)
        link = self._invite_link(await guilds_repo.get(tx, assignment.guild_id))
        await self.tell(tx, assignment.leader_id, lambda _: views.offer_undeliverable(
            _, assignment, worker, link))

    def _invite_link(self, guild: GuildRecord | None) -> str:
        if guild is not None and guild.invite_code:
            return f"https://t.me/{self._bot_username}?start=join_{guild.invite_code}"
        return f"https://t.me/{self._bot_username}"

    # --- answers ------------------------------------------------------------------------------

    async def respond(self, worker_id: int, assignment_id: int, take: bool
                      ) -> AssignmentRecord:
        """The worker takes the offer or declines it; the leader is told."""
        now = self._now()
        async with self._db.transaction() as tx:
            assignment = await self._assignments.own(tx, worker_id, assignment_id)
            if assignment.status == AssignmentStatus.OFFERED \
                    and now >= assignment.offer_expires_at:
                raise OfferExpired(assignment_id=assignment_id)
            if take:
                assignment = await self._assignments.move(
                    tx, assignment, AssignmentEvent.TAKE, Actor.WORKER, started_at=now)
            else:
                assignment = await self._assignments.move(
                    tx, assignment, AssignmentEvent.DECLINE, Actor.WORKER, decided_at=now)
            worker = await users_repo.get(tx, worker_id)
            await self._digest_assignment(
                tx, assignment, "take" if take else "decline",
                partial(views.offer_answered, a=assignment, worker=worker, accepted=take))
        return assignment

    async def expire_due(self) -> list[int]:
        """Offers nobody answered within the offer window: back to the guild's pool."""
        async def lapse(tx: Tx, found: AssignmentRecord) -> None:
            a = await self._assignments.move(tx, found, AssignmentEvent.LAPSE, Actor.CLOCK,
                                             decided_at=self._now())
            worker = await users_repo.get(tx, a.worker_id)
            await self._digest_assignment(
                tx, a, "lapse", partial(views.offer_expired_leader, a=a, worker=worker),
                group=False)
            await self.tell(tx, a.worker_id, partial(views.offer_expired_worker, a=a))

        due = await repo.offers_past_window(self._db, self._now())
        return await self._assignments.each_due(self._db, due, (AssignmentStatus.OFFERED,),
                                                lapse)

    # --- progress -----------------------------------------------------------------------------

    async def progress(self, chat_id: int, user_id: int, task_id: int) -> Progress:
        guild = await self._guilds.member_guild(chat_id, user_id)
        task = await market_repo.get_task(self._db, task_id)
        if task is None:
            raise TaskNotFound(task_id=task_id)
        pool = await self._pool(self._db, task_id, guild.id)
        allocated = sum(a.units for a in await market_repo.allocations_for_guild(
            self._db, guild.id, task_id))
        found = await repo.for_task_and_guild(self._db, task_id, guild.id)
        people = await users_repo.get_many(self._db, sorted({a.worker_id for a in found}))
        counts = await repo.result_counts(self._db, [a.id for a in found])
        rows = [(a, people.get(a.worker_id), counts.get(a.id, 0)) for a in found]
        return Progress(task_id, task.title, allocated, pool.free, rows)
