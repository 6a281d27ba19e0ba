"""Every stored state and kind, one `StrEnum` each: the same word in the database, the code and
(translated) on the user's screen.

A leaf module: storage maps rows with these, the domain's lifecycles move between them, views
show their names.
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain.errors import N_, Msg


class AssignmentStatus(StrEnum):
    OFFERED = "offered"  # waiting for the worker to take it or decline it
    IN_PROGRESS = "in_progress"  # taken: the worker sends results
    SUBMITTED = "submitted"  # waiting for review (and, where the guild asks, its pre-check)
    ACCEPTED = "accepted"  # the review accepted it: credited
    REJECTED = "rejected"  # sent back for rework with a reason
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class TaskStatus(StrEnum):
    OPEN = "open"
    ALLOCATED = "allocated"  # every unit is held by a guild
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class QuoteStatus(StrEnum):
    PENDING = "pending"
    AWARDED = "awarded"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class GuildStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    SUSPENDED = "suspended"
    REJECTED = "rejected"


class Role(StrEnum):
    LEADER = "leader"
    DEPUTY = "deputy"
    MEMBER = "member"


class MemberStatus(StrEnum):
    ACTIVE = "active"
    LEFT = "left"
    REMOVED = "removed"


class LedgerKind(StrEnum):
    WORKER_SHARE = "worker_share"
    COMMISSION = "commission"
    PAYOUT = "payout"
    BONUS = "bonus"  # an admin's credit outside any task (/bonus)
    ADJUSTMENT = "adjustment"  # an admin's correction, either sign (/adjust)


class TaskMode(StrEnum):
    QUOTE = "quote"
    FIXED = "fixed"


class AllocationSource(StrEnum):
    QUOTE = "quote"
    CLAIM = "claim"


class SkillSource(StrEnum):
    ADMIN = "admin"
    LEADER = "leader"  # a guild's leader or deputy, where the skill allows it
    TEST = "test"  # earned in a qualification test


class BanSubject(StrEnum):
    USER = "user"
    GUILD = "guild"


class BanScope(StrEnum):
    PLATFORM = "platform"  # no work at all
    SKILL = "skill"  # as if the skill were not held (scope_ref: its name)
    TASK = "task"  # no work of one task (scope_ref: its id)


# The open states of an assignment: it holds its units, and its worker is still busy with it.
OPEN_ASSIGNMENT = (AssignmentStatus.OFFERED, AssignmentStatus.IN_PROGRESS,
                   AssignmentStatus.SUBMITTED, AssignmentStatus.REJECTED)
# States in which the worker may send results: in progress, or rejected (the rework starts).
WORKING = (AssignmentStatus.IN_PROGRESS, AssignmentStatus.REJECTED)
LIVE_TASK = (TaskStatus.OPEN, TaskStatus.ALLOCATED)
# Open work a ban takes back (submitted work stays in review: it was done before the ban).
UNSUBMITTED = (AssignmentStatus.OFFERED, AssignmentStatus.IN_PROGRESS,
               AssignmentStatus.REJECTED)

# Names shown to people (translated when rendered).
ASSIGNMENT_NAMES: dict[str, Msg] = {
    AssignmentStatus.OFFERED: N_("offered"), AssignmentStatus.IN_PROGRESS: N_("in progress"),
    AssignmentStatus.SUBMITTED: N_("submitted for review"),
    AssignmentStatus.ACCEPTED: N_("accepted"),
    AssignmentStatus.REJECTED: N_("sent back for rework"),
    AssignmentStatus.DECLINED: N_("declined"), AssignmentStatus.EXPIRED: N_("expired"),
    AssignmentStatus.CANCELLED: N_("cancelled")}
TASK_NAMES: dict[str, Msg] = {
    TaskStatus.OPEN: N_("open"), TaskStatus.ALLOCATED: N_("fully allocated"),
    TaskStatus.COMPLETED: N_("completed"), TaskStatus.CANCELLED: N_("cancelled"),
    TaskStatus.EXPIRED: N_("expired")}
QUOTE_NAMES: dict[str, Msg] = {
    QuoteStatus.PENDING: N_("pending"), QuoteStatus.AWARDED: N_("awarded"),
    QuoteStatus.REJECTED: N_("rejected"), QuoteStatus.WITHDRAWN: N_("withdrawn"),
    QuoteStatus.EXPIRED: N_("expired")}
GUILD_NAMES: dict[str, Msg] = {
    GuildStatus.PENDING: N_("pending"), GuildStatus.APPROVED: N_("approved"),
    GuildStatus.SUSPENDED: N_("suspended"), GuildStatus.REJECTED: N_("rejected")}
ROLE_NAMES: dict[str, Msg] = {Role.LEADER: N_("leader"), Role.DEPUTY: N_("deputy"),
                              Role.MEMBER: N_("member")}


class BroadcastStatus(StrEnum):
    DRAFT = "draft"  # shown to its admin with Send / Cancel
    QUEUED = "queued"  # sent, waiting for the broadcast before it
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"
