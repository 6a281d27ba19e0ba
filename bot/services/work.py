"""Assignments, results, review and the ledger: units reach members, come back, are paid once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock, to_epoch
from bot.config import Settings
from bot.delivery import Notifier
from bot.domain import work as rules
from bot.domain.errors import NotAllowed
from bot.domain.tasks import STATUS_NAMES as TASK_STATUS_NAMES
from bot.domain.tasks import TaskNotFound, TaskNotOpen, parse_price, parse_units
from bot.domain.work import (
    AcceptUnitsOutOfRange,
    AssignmentFull,
    AssignmentIncomplete,
    AssignmentInState,
    AssignmentNotFound,
    DuplicateResult,
    NoAllocation,
    NoReachableMembers,
    NotAMember,
    NotEnoughUnassigned,
    NothingOpen,
    NothingToReview,
    NotYourAssignment,
    OfferExpired,
    OfferNotAcceptedYet,
    PayoutOverBalance,
    ReasonRequired,
    ResultTooLarge,
    ResultTypeMismatch,
    StaleReview,
    UnknownUser,
    WhichAssignment,
    credit_for,
    result_kind_allowed,
    spread,
)
from bot.i18n import texts_for
from bot.services.base import Service
from bot.services.guilds import GuildService, MemberRef
from bot.services.users import UserService
from bot.views import work as views
from storage import Database, Tx
from storage import guilds as guilds_repo
from storage import ledger as ledger_repo
from storage import market as market_repo
from storage import users as users_repo
from storage import work as repo
from storage.models import GuildRecord, OutboxRow, UserRecord
from storage.work import AssignmentRecord, ResultRecord

OFFER_KEY = "offer:"


@dataclass(frozen=True, slots=True)
class ResultInput:
    """One result as the worker sent it (no telegram types past the handler)."""

    kind: str
    file_id: str | None = None
    file_unique_id: str | None = None
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Offered:
    assignment: AssignmentRecord
    worker: UserRecord


@dataclass(frozen=True, slots=True)
class Distribution:
    offered: list[Offered]
    skipped: list[UserRecord]  # members the bot cannot message
    left: int  # units still unassigned


@dataclass(slots=True)
class Pool:
    """A guild's units of a task not yet handed out: [allocation id, unit price, free]."""

    entries: list[list[int]]

    @property
    def free(self) -> int:
        return sum(entry[2] for entry in self.entries)


@dataclass(frozen=True, slots=True)
class ResultTaken:
    assignment: AssignmentRecord
    have: int


@dataclass(frozen=True, slots=True)
class ReviewItem:
    assignment: AssignmentRecord
    worker: UserRecord | None
    results: list[ResultRecord]
    waiting: int  # more submissions after this one


@dataclass(frozen=True, slots=True)
class Decided:
    assignment: AssignmentRecord
    credit: rules.Credit | None


@dataclass(frozen=True, slots=True)
class Earnings:
    periods: list[tuple[str, int, int]]  # (label key, earned, paid)
    pending: int
    balance: int


@dataclass(frozen=True, slots=True)
class GuildEarnings:
    guild: GuildRecord
    periods: list[tuple[str, int, int]]  # (label key, members' earnings, commission)
    pending_gross: int


@dataclass(frozen=True, slots=True)
class Progress:
    task_id: int
    task_title: str
    allocated: int
    free: int
    assignments: list[tuple[AssignmentRecord, UserRecord | None, int]]  # with results in


class WorkService(Service):
    def __init__(self, db: Database, clock: Clock, notifier: Notifier, settings: Settings,
                 users: UserService, guilds: GuildService, bot_username: str) -> None:
        super().__init__(db, clock, notifier, settings, users)
        self._guilds = guilds
        self._bot_username = bot_username

    # --- helpers ------------------------------------------------------------------------------

    def start_link(self) -> str:
        return f"https://t.me/{self._bot_username}"

    async def _get(self, reader: Database | Tx, assignment_id: int) -> AssignmentRecord:
        found = await repo.get(reader, assignment_id)
        if found is None:
            raise AssignmentNotFound(assignment_id=assignment_id)
        return found

    async def _own(self, reader: Database | Tx, worker_id: int, assignment_id: int
                   ) -> AssignmentRecord:
        found = await self._get(reader, assignment_id)
        if found.worker_id != worker_id:
            raise NotYourAssignment(assignment_id=assignment_id)
        return found

    @staticmethod
    def _check_round(assignment: AssignmentRecord, round: int | None) -> None:
        """A button names the round it was shown for; a later round was not seen."""
        if round is not None and round != assignment.round:
            raise StaleReview(assignment_id=assignment.id)

    @staticmethod
    def _state_error(assignment: AssignmentRecord) -> AssignmentInState:
        return AssignmentInState(assignment_id=assignment.id,
                                 status=rules.STATUS_NAMES[assignment.status])

    async def _tell_group(self, tx: Tx, assignment: AssignmentRecord, render: views.Render
                          ) -> None:
        leader = await users_repo.get(tx, assignment.leader_id)
        _ = texts_for(leader.language_code if leader else None)
        await self._notifier.message(tx, assignment.guild_chat_id, render(_))

    # --- handing out --------------------------------------------------------------------------

    async def assign(self, chat_id: int, leader_id: int, task_id: int, units_text: str,
                     target: MemberRef) -> list[Offered]:
        units = parse_units(units_text)
        async with self._db.transaction() as tx:
            guild = await self._guilds.acting_guild(chat_id, leader_id, db=tx)
            if target.user_id is not None:
                worker = await users_repo.get(tx, target.user_id)
            else:
                worker = await users_repo.find_by_username(tx, target.username or "")
            member = await guilds_repo.member(tx, guild.id, worker.id) if worker else None
            if worker is None or member is None:
                raise NotAMember(who=target.shown)
            task = await self._open_task(tx, task_id)
            pool = await self._pool(tx, task.id, guild.id)
            if units > pool.free:
                raise NotEnoughUnassigned(task_id=task_id, left=pool.free,
                                          asked=units)
            attachments = await market_repo.attachments(tx, task.id)
            return await self._offer_from_pool(tx, pool, guild, task, attachments, worker,
                                               units, leader_id)

    async def distribute(self, chat_id: int, leader_id: int, task_id: int) -> Distribution:
        async with self._db.transaction() as tx:
            guild = await self._guilds.acting_guild(chat_id, leader_id, db=tx)
            task = await self._open_task(tx, task_id)
            pool = await self._pool(tx, task.id, guild.id)
            free = pool.free
            if free == 0:
                raise NotEnoughUnassigned(task_id=task_id, left=0, asked=1)
            members = await guilds_repo.active_members(tx, guild.id)
            reachable = [m.user for m in members if m.user.can_message]
            skipped = [m.user for m in members if not m.user.can_message]
            if not reachable:
                raise NoReachableMembers()
            load = await repo.open_units_by_worker(tx, [u.id for u in reachable])
            reachable.sort(key=lambda u: (load.get(u.id, 0), u.id))
            attachments = await market_repo.attachments(tx, task.id)
            offered: list[Offered] = []
            by_id = {u.id: u for u in reachable}
            for worker_id, units in spread(free, [u.id for u in reachable]):
                offered.extend(await self._offer_from_pool(tx, pool, guild, task, attachments,
                                                           by_id[worker_id], units, leader_id))
        return Distribution(offered, skipped, pool.free)

    async def _open_task(self, tx: Tx, task_id: int) -> market_repo.TaskRecord:
        task = await market_repo.get_task(tx, task_id)
        if task is None:
            raise TaskNotFound(task_id=task_id)
        if task.status not in ("open", "allocated"):
            raise TaskNotOpen(task_id=task_id, status=TASK_STATUS_NAMES[task.status])
        return task

    async def _pool(self, reader: Database | Tx, task_id: int, guild_id: int) -> Pool:
        entries = await repo.pool(reader, task_id, guild_id)
        if not entries:
            raise NoAllocation(task_id=task_id)
        return Pool([[allocation_id, price, free] for allocation_id, price, free in entries])

    async def _offer_from_pool(self, tx: Tx, pool: Pool, guild: GuildRecord,
                               task: market_repo.TaskRecord,
                               attachments: list[market_repo.AttachmentRecord],
                               worker: UserRecord, units: int, by: int) -> list[Offered]:
        """Offer `units` to the worker, drawing on the pool's allocations in order (one offer
        each) and taking them out of the pool."""
        now = self._now()
        expires = now + self._settings.offer_window_hours * 3600
        zone = await self.zone_of(worker.id)
        _ = texts_for(worker.language_code)
        offered = []
        for entry in pool.entries:
            allocation_id, price, free = entry
            take = min(free, units)
            if take <= 0:
                continue
            units -= take
            entry[2] -= take
            assignment_id = await repo.insert(
                tx, task_id=task.id, allocation_id=allocation_id, guild_id=guild.id,
                worker_id=worker.id, units=take, unit_price_minor=price,
                commission_bp=guild.commission_bp, assigned_by=by, now=now,
                offer_expires_at=expires, due_at=task.deadline_at)
            assignment = await self._get(tx, assignment_id)
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
        return self.start_link()

    # --- offers -------------------------------------------------------------------------------

    async def respond(self, worker_id: int, assignment_id: int, accept: bool
                      ) -> AssignmentRecord:
        now = self._now()
        async with self._db.transaction() as tx:
            assignment = await self._own(tx, worker_id, assignment_id)
            if assignment.status == rules.OFFERED and now >= assignment.offer_expires_at:
                raise OfferExpired(assignment_id=assignment_id)
            if accept:
                moved = await repo.transition(tx, assignment_id, (rules.OFFERED,),
                                              rules.ACCEPTED, accepted_at=now)
            else:
                moved = await repo.transition(tx, assignment_id, (rules.OFFERED,),
                                              rules.DECLINED, decided_at=now)
            if not moved:
                raise self._state_error(assignment)
            assignment = await self._get(tx, assignment_id)
            worker = await users_repo.get(tx, worker_id)
            await self.tell(tx, assignment.leader_id, lambda _: views.offer_answered(
                _, assignment, worker, accept))
        return assignment

    # --- results ------------------------------------------------------------------------------

    async def my_assignments(self, worker_id: int) -> list[tuple[AssignmentRecord, int]]:
        found = await repo.for_worker(self._db, worker_id)
        counts = await repo.result_counts(self._db, [a.id for a in found])
        return [(a, counts.get(a.id, 0)) for a in found]

    async def choose(self, worker_id: int, assignment_id: int) -> ResultTaken:
        """/submit <assignment>: check it can take results now."""
        assignment = await self._own(self._db, worker_id, assignment_id)
        if assignment.status == rules.OFFERED:
            raise OfferNotAcceptedYet(assignment_id=assignment_id)
        if assignment.status not in rules.WORKING_STATES:
            raise self._state_error(assignment)
        return ResultTaken(assignment,
                           await repo.result_count(self._db, assignment.id, assignment.round))

    async def add_result(self, worker_id: int, preferred_id: int | None, result: ResultInput
                         ) -> ResultTaken:
        """Store one result for the assignment the worker chose with /submit, while it still
        takes results; otherwise for their only assignment that does."""
        now = self._now()
        async with self._db.transaction() as tx:
            assignment = None
            if preferred_id is not None:
                chosen = await repo.get(tx, preferred_id)
                if chosen is not None and chosen.worker_id == worker_id \
                        and chosen.status in rules.WORKING_STATES:
                    assignment = chosen
            if assignment is None:
                assignment = await self._target(tx, worker_id, None)
            self._check_result(assignment, result)
            if assignment.status == rules.REJECTED:  # the first result of a rework
                if not await repo.transition(tx, assignment.id, (rules.REJECTED,),
                                             rules.ACCEPTED):
                    raise self._state_error(assignment)
                assignment = await self._get(tx, assignment.id)
            have = await repo.result_count(tx, assignment.id, assignment.round)
            if have >= assignment.units:
                raise AssignmentFull(assignment_id=assignment.id, units=assignment.units)
            stored = await repo.add_result(
                tx, assignment_id=assignment.id, round=assignment.round, kind=result.kind,
                file_id=result.file_id, file_unique_id=result.file_unique_id,
                file_name=result.file_name, mime_type=result.mime_type,
                file_size=result.file_size, text=result.text, now=now)
            if stored is None:
                raise DuplicateResult()
        return ResultTaken(assignment, have + 1)

    async def _target(self, tx: Tx, worker_id: int, assignment_id: int | None
                      ) -> AssignmentRecord:
        if assignment_id is not None:
            assignment = await self._own(tx, worker_id, assignment_id)
            if assignment.status == rules.OFFERED:
                raise OfferNotAcceptedYet(assignment_id=assignment_id)
            if assignment.status not in rules.WORKING_STATES:
                raise self._state_error(assignment)
            return assignment
        working = await repo.for_worker(tx, worker_id, rules.WORKING_STATES)
        if not working:
            offered = await repo.for_worker(tx, worker_id, (rules.OFFERED,))
            if offered:
                raise OfferNotAcceptedYet(assignment_id=offered[0].id)
            raise NothingOpen()
        if len(working) > 1:
            raise WhichAssignment(ids=", ".join(f"#{a.id}" for a in working))
        return working[0]

    def _check_result(self, assignment: AssignmentRecord, result: ResultInput) -> None:
        if not result_kind_allowed(assignment.result_type, result.kind, result.mime_type):
            raise ResultTypeMismatch(task_id=assignment.task_id,
                                     expected=views.RESULT_LABELS[assignment.result_type],
                                     got=views.RESULT_LABELS[result.kind])
        limit = (rules.CLOUD_FILE_LIMIT
                 if self._settings.bot_api_base_url.startswith("https://api.telegram.org")
                 else rules.LOCAL_SERVER_FILE_LIMIT)
        if result.file_size is not None and result.file_size > limit:
            raise ResultTooLarge(size=f"{result.file_size / 1048576:.1f}",
                                 limit=limit // 1048576)

    async def submit(self, worker_id: int, assignment_id: int | None) -> AssignmentRecord:
        now = self._now()
        async with self._db.transaction() as tx:
            if assignment_id is None:
                assignment = await self._target(tx, worker_id, None)
            else:
                assignment = await self._own(tx, worker_id, assignment_id)
            have = await repo.result_count(tx, assignment.id, assignment.round)
            if assignment.status == rules.ACCEPTED and have < assignment.units:
                raise AssignmentIncomplete(assignment_id=assignment.id, have=have,
                                           units=assignment.units)
            guild = await guilds_repo.get(tx, assignment.guild_id)
            if not await repo.transition(tx, assignment.id, (rules.ACCEPTED,), rules.SUBMITTED,
                                         submitted_at=now,
                                         needs_precheck=int(bool(guild and guild.precheck))):
                raise self._state_error(assignment)
            assignment = await self._get(tx, assignment.id)
            worker = await users_repo.get(tx, worker_id)
            if assignment.precheck:
                await self.tell(tx, assignment.leader_id,
                                 lambda _: views.precheck_request(_, assignment, worker),
                                 lambda _: views.precheck_keyboard(_, assignment.id,
                                                                    assignment.round))
            else:
                await self._tell_admins(tx, lambda _: views.submitted_for_admins(
                    _, assignment, worker))
        return assignment

    # --- review -------------------------------------------------------------------------------

    async def check_precheck(self, leader_id: int, assignment_id: int,
                             reader: Database | Tx | None = None, round: int | None = None
                             ) -> AssignmentRecord:
        """The submission waits for this guild's pre-check, and the caller may do it."""
        reader = reader or self._db
        assignment = await self._get(reader, assignment_id)
        role = await guilds_repo.role_of(reader, assignment.guild_id, leader_id)
        if role not in ("leader", "deputy"):
            raise NotAllowed()
        if assignment.status != rules.SUBMITTED or not assignment.precheck \
                or assignment.prechecked_at is not None:
            raise self._state_error(assignment)
        self._check_round(assignment, round)
        return assignment

    async def precheck(self, leader_id: int, assignment_id: int, passed: bool,
                       reason: str | None = None, round: int | None = None
                       ) -> AssignmentRecord:
        now = self._now()
        async with self._db.transaction() as tx:
            assignment = await self.check_precheck(leader_id, assignment_id, tx, round)
            if passed:
                if not await repo.mark_prechecked(tx, assignment_id, leader_id, now):
                    raise self._state_error(assignment)
                await self._tell_admins(tx, lambda _: views.submitted_for_admins(
                    _, assignment, None))
            else:
                await self._send_back(tx, assignment, reason, leader_id, now)
            return await self._get(tx, assignment_id)

    async def next_for_review(self, admin_id: int, assignment_id: int | None = None,
                              round: int | None = None) -> ReviewItem:
        self._require_admin(admin_id)
        if assignment_id is not None:
            assignment = await self._get(self._db, assignment_id)
            if assignment.status != rules.SUBMITTED:
                raise self._state_error(assignment)
            self._check_round(assignment, round)
        else:
            found = await repo.next_for_review(self._db)
            if found is None:
                raise NothingToReview()
            assignment = found
        worker = await users_repo.get(self._db, assignment.worker_id)
        results = await repo.results(self._db, assignment.id, assignment.round)
        waiting = await repo.review_queue_size(self._db) - 1
        return ReviewItem(assignment, worker, results, max(0, waiting))

    async def approve(self, admin_id: int, assignment_id: int, units: int | None = None,
                      round: int | None = None) -> Decided:
        self._require_admin(admin_id)
        async with self._db.transaction() as tx:
            decided = await self.approve_in(tx, assignment_id, units, by=admin_id, auto=False,
                                            round=round)
            await users_repo.add_audit(tx, actor_id=admin_id, action="assignment.accept",
                                       target_type="assignment", target_id=assignment_id,
                                       detail=f"units={decided.assignment.accepted_units}",
                                       now=self._now())
        return decided

    async def approve_in(self, tx: Tx, assignment_id: int, units: int | None, *, by: int | None,
                       auto: bool, round: int | None = None) -> Decided:
        """Accept and credit in one transaction. Used by admins and by the clock."""
        now = self._now()
        assignment = await self._get(tx, assignment_id)
        if assignment.status != rules.SUBMITTED:
            raise self._state_error(assignment)
        self._check_round(assignment, round)
        accepted = assignment.units if units is None else units
        if not 0 <= accepted <= assignment.units:
            raise AcceptUnitsOutOfRange(units=assignment.units, assignment_id=assignment_id)
        if not await repo.transition(tx, assignment_id, (rules.SUBMITTED,), rules.APPROVED,
                                     accepted_units=accepted, decided_at=now, decided_by=by,
                                     auto_accepted=int(auto)):
            raise self._state_error(assignment)
        assignment = await self._get(tx, assignment_id)
        credit = credit_for(accepted, assignment.unit_price_minor, assignment.commission_bp)
        if credit.gross_minor:
            await ledger_repo.credit(
                tx, assignment_id=assignment_id, worker_id=assignment.worker_id,
                worker_minor=credit.worker_minor, leader_id=assignment.leader_id,
                guild_id=assignment.guild_id, commission_minor=credit.commission_minor,
                by=by, now=now)
        await self.tell(tx, assignment.worker_id, lambda _: views.approved_for_worker(
            _, assignment, credit, self._settings, auto))
        await self._tell_group(tx, assignment, lambda _: views.approved_for_guild(
            _, assignment, credit, self._settings))
        task = await market_repo.get_task(tx, assignment.task_id)
        if task is not None and task.status == "allocated" and (
                await repo.approved_units_of_task(tx, task.id) >= task.units):
            await market_repo.close_task(tx, task.id, from_states=("allocated",),
                                         status="completed", reason=None, now=now)
        return Decided(assignment, credit)

    async def reject(self, admin_id: int, assignment_id: int, reason: str | None,
                     round: int | None = None) -> Decided:
        self._require_admin(admin_id)
        now = self._now()
        async with self._db.transaction() as tx:
            assignment = await self._get(tx, assignment_id)
            if assignment.status == rules.SUBMITTED:
                self._check_round(assignment, round)
            await self._send_back(tx, assignment, reason, admin_id, now)
            await users_repo.add_audit(tx, actor_id=admin_id, action="assignment.reject",
                                       target_type="assignment", target_id=assignment_id,
                                       detail=reason, now=now)
            return Decided(await self._get(tx, assignment_id), None)

    async def _send_back(self, tx: Tx, assignment: AssignmentRecord, reason: str | None,
                         by: int, now: int) -> None:
        reason = " ".join((reason or "").split())[:500]
        if not reason:
            raise ReasonRequired()
        if not await repo.bump_rework(tx, assignment.id, reason, by, now):
            raise self._state_error(assignment)
        assignment = await self._get(tx, assignment.id)
        await self.tell(tx, assignment.worker_id,
                         lambda _: views.rejected_for_worker(_, assignment, reason))

    # --- money --------------------------------------------------------------------------------

    async def payout(self, admin_id: int, target: MemberRef | None, user_id: int | None,
                     amount_text: str, note: str | None) -> tuple[UserRecord, int, int]:
        self._require_admin(admin_id)
        amount = parse_price(amount_text, self._settings.currency_exponent)
        note = " ".join(note.split())[:300] if note and note.strip() else None
        now = self._now()
        async with self._db.transaction() as tx:
            if user_id is not None:
                user = await users_repo.get(tx, user_id)
            else:
                user = await users_repo.find_by_username(tx, target.username or "") if target \
                    else None
            if user is None:
                raise UnknownUser(who=target.shown if target else str(user_id))
            balance = await ledger_repo.balance(tx, user.id)
            if amount > balance:
                raise PayoutOverBalance(who=user.mention,
                                        balance=views.money_text(balance, self._settings),
                                        amount=views.money_text(amount, self._settings))
            await ledger_repo.payout(tx, user_id=user.id, amount_minor=amount, note=note,
                                     by=admin_id, now=now)
            await users_repo.add_audit(tx, actor_id=admin_id, action="ledger.payout",
                                       target_type="user", target_id=user.id,
                                       detail=f"{amount} {note or ''}".strip(), now=now)
            await self.tell(tx, user.id, lambda _: views.payout_for_worker(
                _, amount, balance - amount, note, self._settings))
        return user, amount, balance - amount

    def _period_starts(self, zone: ZoneInfo) -> list[tuple[str, int]]:
        local = self._clock.now().astimezone(zone)
        day = local.replace(hour=0, minute=0, second=0, microsecond=0)
        week = day - timedelta(days=day.weekday())
        month = day.replace(day=1)
        return [("today", to_epoch(day)), ("week", to_epoch(week)),
                ("month", to_epoch(month)), ("all", 0)]

    async def earnings(self, user_id: int) -> Earnings:
        zone = await self.zone_of(user_id)
        starts = self._period_starts(zone)
        sums = await ledger_repo.user_sums(self._db, user_id, [s for _, s in starts])
        pending = sum(credit_for(1, gross, bp).worker_minor
                      for gross, bp in await repo.pending_gross(self._db, user_id))
        balance = await ledger_repo.balance(self._db, user_id)
        return Earnings([(key, s.earned, s.paid) for (key, _), s in zip(starts, sums,
                                                                          strict=True)],
                        pending, balance)

    async def guild_earnings(self, chat_id: int) -> GuildEarnings:
        guild = await self._guilds.guild_in_chat(chat_id)
        leader = await self._users.get(guild.leader_id)
        zone = self._settings.timezone
        if leader is not None and leader.timezone:
            zone = await self.zone_of(leader.id)
        starts = self._period_starts(zone)
        sums = await ledger_repo.guild_sums(self._db, guild.id, [s for _, s in starts])
        return GuildEarnings(guild, [(key, s.members_earned, s.commission)
                                     for (key, _), s in zip(starts, sums, strict=True)],
                             await repo.guild_pending_gross(self._db, guild.id))

    async def set_precheck(self, chat_id: int, user_id: int, on: bool) -> GuildRecord:
        async with self._db.transaction() as tx:
            guild = await self._guilds.acting_guild(chat_id, user_id, db=tx)
            await guilds_repo.set_precheck(tx, guild.id, on)
            await users_repo.add_audit(tx, actor_id=user_id, action="guild.precheck",
                                       target_type="guild", target_id=guild.id,
                                       detail="on" if on else "off", now=self._now())
        return guild

    # --- progress -----------------------------------------------------------------------------

    async def progress(self, chat_id: int, task_id: int) -> Progress:
        guild = await self._guilds.guild_in_chat(chat_id)
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

    async def open_assignments(self, reader: Database | Tx, user_id: int) -> int:
        return await repo.open_count(reader, user_id)

