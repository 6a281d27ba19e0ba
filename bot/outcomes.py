"""What services return and views render: plain records, no behaviour.

A leaf module (it imports only the domain and storage's records), so services, views and
handlers all import it without an import circle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.items import Item
from bot.domain.ledger_ops import AuditScope
from bot.domain.money_out import PayoutLine, PayrollPeriod
from bot.domain.quality import Aggregate
from bot.domain.scores import Score
from bot.domain.skills import LeftOut
from bot.domain.work import Credit
from storage.models import (
    AllocationRecord,
    AssignmentRecord,
    AttachmentRecord,
    BanRecord,
    GuildOverview,
    GuildRecord,
    HeldItem,
    HookEventRow,
    MemberRecord,
    QuoteRecord,
    ResultRecord,
    SkillRecord,
    TaskRecord,
    UserRecord,
)
from storage.money_out import GuildCommission, PayrollRow, StatementLine

# --- people and guilds --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberRef:
    """Who a leader or admin means: an @username, or a user id (a reply, a mention, a number).
    """

    username: str | None = None
    user_id: int | None = None
    name: str | None = None  # as Telegram showed them, for answers about strangers
    number: int | None = None  # their number in the guild, as /members shows it (M3)

    @property
    def shown(self) -> str:
        if self.username:
            return f"@{self.username.lstrip('@')}"
        if self.number is not None:
            return f"M{self.number}"
        return self.name or str(self.user_id)


@dataclass(frozen=True, slots=True)
class Standing:
    """Who someone is where they write: for /start and /help."""

    is_admin: bool
    guild: GuildRecord | None  # private: their guild; group: the guild whose home this is
    role: str | None  # their role in that guild, if they are a member


@dataclass(frozen=True, slots=True)
class Decision:
    """An admin's decision on a guild: the guild after it, and the status it had before."""

    guild: GuildRecord
    previous: str


@dataclass(frozen=True, slots=True)
class Invite:
    guild: GuildRecord
    code: str
    renewed: bool  # a new code was made now; `replaced` says whether an old one stopped working
    replaced: bool


@dataclass(frozen=True, slots=True)
class Roster:
    guild: GuildRecord
    members: list[MemberRecord]
    skills: dict[int, list[str]] = field(default_factory=dict)  # each member's, by user id
    scores: dict[int, Score] | None = None  # per member, for the leader and deputies


@dataclass(frozen=True, slots=True)
class MemberChange:
    guild: GuildRecord
    member: UserRecord


@dataclass(frozen=True, slots=True)
class GuildList:
    guilds: list[GuildOverview]
    counts: dict[str, int]  # guilds per status
    total: int  # guilds matching the request (more than listed when over the limit)
    scores: dict[int, Score] = field(default_factory=dict)  # per guild


# --- the market ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PostedTask:
    task: TaskRecord
    announced_to: int
    skill_titles: dict[str, str] = field(default_factory=dict)


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
    held: int  # the guild's units of the task now, this claim included


@dataclass(frozen=True, slots=True)
class Awarded:
    quote: QuoteRecord
    units: int
    task: TaskRecord
    closed_quote_ids: list[int]


@dataclass(frozen=True, slots=True)
class TaskList:
    tasks: list[TaskRecord]  # the newest first, a page at most
    total: int


@dataclass(frozen=True, slots=True)
class TaskDetails:
    task: TaskRecord
    quotes: list[QuoteRecord]
    allocations: list[AllocationRecord]
    attachments: list[AttachmentRecord]
    admin_view: bool  # quotes and allocations included
    skill_titles: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class QuoteTable:
    task: TaskRecord
    quotes: list[QuoteRecord]
    sizes: dict[int, int]  # active members per guild
    scores: dict[int, Score] = field(default_factory=dict)  # per guild


# --- the work loop ------------------------------------------------------------------------


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
    message_id: int | None = None  # the worker's message it came in (an edit replaces it)


@dataclass(frozen=True, slots=True)
class ResultEdited:
    """An edited message that was a result: replaced (`position` of the round), or not."""

    assignment: AssignmentRecord
    position: int
    replaced: bool


@dataclass(frozen=True, slots=True)
class Offered:
    assignment: AssignmentRecord
    worker: UserRecord


@dataclass(frozen=True, slots=True)
class Distribution:
    offered: list[Offered]
    skipped: list[UserRecord]  # members the bot cannot message
    left: int  # units still unassigned
    left_out: list[LeftOut] = field(default_factory=list)  # unqualified or banned members


@dataclass(frozen=True, slots=True)
class ResultTaken:
    assignment: AssignmentRecord
    have: int  # results in the assignment's current round
    result_id: int | None = None  # the one just stored (None: taken back, or none stored)


@dataclass(frozen=True, slots=True)
class TextToConfirm:
    """A text in a private chat that may be a result or just a message: the worker says."""

    assignment: AssignmentRecord
    have: int


@dataclass(frozen=True, slots=True)
class ReviewItem:
    assignment: AssignmentRecord
    worker: UserRecord | None
    results: list[ResultRecord]
    waiting: int  # more submissions after this one
    items: list[HeldItem] = field(default_factory=list)  # an item task's, with their answers
    controls: tuple[int, int] = (0, 0)  # control items answered, of them wrong

    @property
    def count(self) -> int:
        """How many numbered entries the review lists: items, or a count task's results."""
        return len(self.items) or len(self.results)


@dataclass(frozen=True, slots=True)
class ItemAnswer:
    key: str
    answer: str | None  # the majority answer as one worker gave it (None: no majority yet)
    result: Aggregate


@dataclass(frozen=True, slots=True)
class TaskAnswers:
    task: TaskRecord
    items: list[ItemAnswer]

    @property
    def agreed(self) -> int:
        return sum(1 for item in self.items if item.result.agreed)

    @property
    def answered(self) -> int:
        """Items with as many answers as the task's overlap asks."""
        return sum(1 for item in self.items if item.result.answers >= self.task.overlap)


@dataclass(frozen=True, slots=True)
class Decided:
    assignment: AssignmentRecord
    credit: Credit | None


@dataclass(frozen=True, slots=True)
class Progress:
    task_id: int
    task_title: str
    allocated: int
    free: int
    assignments: list[tuple[AssignmentRecord, UserRecord | None, int]]  # with results in


# --- money --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Earnings:
    # (period key, earned by work, bonuses, corrections, paid)
    periods: list[tuple[str, int, int, int, int]]
    pending: int
    balance: int


@dataclass(frozen=True, slots=True)
class GuildEarnings:
    guild: GuildRecord
    periods: list[tuple[str, int, int]]  # (period key, members' earnings, commission)
    pending_gross: int


@dataclass(frozen=True, slots=True)
class PayoutMade:
    user: UserRecord
    amount: int
    balance: int  # after the payout


@dataclass(frozen=True, slots=True)
class LedgerLineMade:
    """A bonus or a correction recorded (amount in minor units, negative: taken off)."""

    user: UserRecord
    kind: str
    amount: int
    balance: int  # after the line
    reason: str
    reference: str | None


# What /audit names: a user, a task's id, a guild's id or name, or nothing (everything).
AuditRef = MemberRef | int | str | None


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One action of the trail, with who acted and what it touched named for the reader."""

    created_at: int
    actor_id: int
    actor: str | None  # a name, or None for the clock (actor 0)
    action: str
    target_type: str | None
    target_id: int | None
    target: str | None  # a user's or guild's name, a task's title, when known
    detail: str | None


@dataclass(frozen=True, slots=True)
class AuditPage:
    """A page of the trail, newest first: `more` when an older page follows."""

    scope: AuditScope
    subject: AuditRow | None  # the guild, user or task the trail is about, as a target
    page: int
    rows: list[AuditRow]
    more: bool
    zone: ZoneInfo


# --- the clock ----------------------------------------------------------------------------


@dataclass(slots=True)
class SummaryReport:
    workers: int = 0  # summaries queued
    skipped: int = 0  # nothing to report: recorded, not sent
    guilds: int = 0
    admins: int = 0
    periods: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Preferences:
    frequency: str
    zone: str
    zone_is_default: bool
    language: str = "en"
    language_is_chosen: bool = False  # else it follows the Telegram app


@dataclass(frozen=True, slots=True)
class GroupPreferences:
    guild: GuildRecord
    language: str
    follows_leader: bool


# --- item tasks ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PreparedItems:
    """An item file read and checked, not yet stored: its items, each one's media file (a
    ZIP's, under DATA_DIR; else None) and the folder they were unpacked into."""

    file_name: str
    items: list[Item]
    media: list[str | None]
    folder: Path | None


@dataclass(frozen=True, slots=True)
class ItemsImported:
    task: TaskRecord
    count: int


@dataclass(frozen=True, slots=True)
class ItemCard:
    """Where a worker is in an item assignment: the item shown (the cursor's; None: all
    answered), its number among the items still held, and how many are answered."""

    assignment: AssignmentRecord
    task: TaskRecord
    items: list[HeldItem]
    cursor: int | None

    @property
    def open_items(self) -> list[HeldItem]:
        return [item for item in self.items if item.skipped is None]

    @property
    def current(self) -> HeldItem | None:
        return next((i for i in self.open_items if i.position == self.cursor), None)

    @property
    def answered(self) -> int:
        return sum(1 for item in self.open_items if item.answer is not None)

    @property
    def total(self) -> int:
        return len(self.open_items)

    @property
    def number(self) -> int:
        """1-based place of the item shown among the open ones."""
        if self.current is None:
            return self.total
        return next(n for n, item in enumerate(self.open_items, start=1)
                    if item.position == self.current.position)

    @property
    def first(self) -> bool:
        return self.number == 1



# --- skills and bans ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SkillChange:
    skill: SkillRecord
    worker: UserRecord
    granted: bool  # False: revoked


@dataclass(frozen=True, slots=True)
class SkillsOverview:
    """For an admin, every skill with how many hold it; for a worker, their own."""

    skills: list[tuple[SkillRecord, int]]
    admin: bool
    banned: frozenset[str] = frozenset()  # the worker's skills under an active ban


@dataclass(frozen=True, slots=True)
class BanMade:
    ban_id: int
    subject: str  # @username, a name, or a guild's name
    scope: str
    ref: str | None
    until: int
    withdrawn: list[int]  # assignments taken back


@dataclass(frozen=True, slots=True)
class AdminChange:
    """An admin added or removed: who (their chat's menu follows)."""

    user: UserRecord


@dataclass(frozen=True, slots=True)
class AdminList:
    owners: list[tuple[int, UserRecord | None]]  # ADMIN_IDS, known or not yet
    # granted at run time: (who, their id, granted by, when)
    granted: list[tuple[UserRecord | None, int, UserRecord | None, int]]


@dataclass(frozen=True, slots=True)
class BanLine:
    ban: BanRecord
    subject: str
    by: str | None  # who banned (None: automatic)


@dataclass(frozen=True, slots=True)
class ExportJob:
    """An export under way: what the admin asked for, and how many results it lists."""

    admin_id: int
    task: TaskRecord
    scope: str  # "accepted" or "all"
    total: int


@dataclass(slots=True)
class ExportDone:
    job: ExportJob
    parts: list[str] = field(default_factory=list)  # the ZIP parts' names, in order
    results: int = 0
    files: int = 0  # files in the ZIP
    missing: int = 0  # files that could not be had (listed in the manifest, with why)
    bytes: int = 0
    kept_in: str | None = None  # EXPORT_DIR, where the parts were also written
# --- money out as files ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Statement:
    """A worker's own ledger lines, oldest first, for their /statement."""

    lines: list[StatementLine]
    zone: ZoneInfo


@dataclass(frozen=True, slots=True)
class Payroll:
    period: PayrollPeriod
    zone: ZoneInfo
    workers: list[PayrollRow]
    guilds: list[GuildCommission]


@dataclass(frozen=True, slots=True)
class PayoutPlan:
    """A bulk payout file checked (a dry run), or recorded (`paid`)."""

    lines: list[PayoutLine]
    paid: bool = False

    @property
    def total(self) -> int:
        return sum(line.amount or 0 for line in self.lines)

    @property
    def bad(self) -> list[PayoutLine]:
        return [line for line in self.lines if line.problems]


@dataclass(frozen=True, slots=True)
class HookStatus:
    """/hooks: where events go (None: hooks are off), how many wait, went out, keep failing,
    and the latest failures."""

    url: str | None
    queued: int
    delivered: int
    failing: int
    failures: list[HookEventRow]


@dataclass(frozen=True, slots=True)
class BroadcastState:
    """A broadcast as its admin sees it: its audience (`ref`: the guild's id or the skill's
    name), its state, and where its recipients stand (`left`: still to go). `waiting_for`: the
    broadcast it is queued behind."""

    id: int
    audience: str
    ref: str | None
    status: str
    recipients: int
    sent: int = 0
    failed: int = 0
    left: int = 0
    waiting_for: int | None = None
