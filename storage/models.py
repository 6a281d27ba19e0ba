"""Small typed records built from rows at the storage edge (by `storage.db.record`).

States are stored as the values of `bot.domain.statuses`; a record's `status` compares equal to
those enums.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.i18n import language_of


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None  # what their Telegram app is set to
    can_message: bool
    timezone: str | None
    language: str | None = None  # what they chose in /settings

    @property
    def lang(self) -> str:
        """The language they read."""
        return language_of(self.language, self.language_code)

    @property
    def display_name(self) -> str:
        name = self.first_name if not self.last_name else f"{self.first_name} {self.last_name}"
        return name

    @property
    def mention(self) -> str:
        return f"@{self.username}" if self.username else self.display_name


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    chat_id: int
    user_id: int | None
    method: str
    payload: str
    attempts: int
    dedupe_key: str | None = None


@dataclass(frozen=True, slots=True)
class GuildRecord:
    id: int
    name: str
    chat_id: int
    leader_id: int
    status: str  # GuildStatus
    status_reason: str | None
    commission_bp: int
    invite_code: str | None
    precheck: bool
    language: str | None = None  # the group's own choice; None: its leader's


@dataclass(frozen=True, slots=True)
class MemberRecord:
    guild_id: int
    user: UserRecord
    role: str  # Role
    joined_at: int
    number: int = 0  # their short number in the guild (M3)


@dataclass(frozen=True, slots=True)
class GuildOverview:
    """One line of the admins' guild list."""

    guild: GuildRecord
    leader: UserRecord | None
    member_count: int
    created_at: int


@dataclass(frozen=True, slots=True)
class TaskRecord:
    id: int
    title: str
    instructions: str
    mode: str  # TaskMode
    result_type: str
    units: int
    price_minor: int
    allocated_units: int
    status: str  # TaskStatus
    deadline_at: int
    quote_deadline_at: int | None
    quote_window_closed: bool
    review_days: int
    auto_award: bool
    skills: str | None
    cancel_reason: str | None
    created_by: int
    created_at: int
    labels: str | None = None  # JSON list: a choice task's answers
    multi: bool = False  # a choice task that takes several labels per item
    item_count: int = 0  # 0: a count task
    control_pct: int = 0  # the share of control items per assignment
    threshold_pct: int = 80  # control answers right, at least (per cent)
    overlap: int = 1  # workers per item
    overlap_guilds: bool = False  # … each from a different guild
    auto_accept: str | None = None  # 'quality': accepted without an admin when it passes
    control_count: int = 0  # control items among item_count
    min_score: int = 0  # auto-award passes over guilds scoring below this
    award_by: str = "price"  # or 'quality': price adjusted for the guild's score
    qualifies: str | None = None  # a qualification test: the skill it grants

    @property
    def quality(self) -> bool:
        """Its answers are checked: control items, or overlap."""
        return self.control_count > 0 or self.overlap > 1 or self.qualifies is not None

    @property
    def units_left(self) -> int:
        return self.units - self.allocated_units

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(json.loads(self.labels)) if self.labels else ()

    @property
    def has_items(self) -> bool:
        return self.item_count > 0

    @property
    def skill_names(self) -> tuple[str, ...]:
        """The registered skills the task requires (stored comma-joined)."""
        return tuple(name for name in (self.skills or "").split(",") if name)


@dataclass(frozen=True, slots=True)
class AttachmentRecord:
    kind: str
    file_id: str
    file_unique_id: str
    file_name: str | None


@dataclass(frozen=True, slots=True)
class QuoteRecord:
    id: int
    task_id: int
    guild_id: int
    guild_name: str
    guild_chat_id: int
    price_minor: int
    units: int
    note: str | None
    status: str  # QuoteStatus
    awarded_units: int | None
    reason: str | None
    created_by: int
    created_at: int


@dataclass(frozen=True, slots=True)
class AllocationRecord:
    id: int
    task_id: int
    guild_id: int
    guild_name: str
    units: int
    unit_price_minor: int
    source: str  # AllocationSource
    quote_id: int | None
    created_at: int


@dataclass(frozen=True, slots=True)
class GuildChat:
    """Where a guild's notices go, and in which language: the group's own choice, else its
    leader's."""

    guild_id: int
    name: str
    chat_id: int
    language: str | None
    leader_language: str | None
    leader_language_code: str | None

    @property
    def lang(self) -> str:
        return self.language or language_of(self.leader_language, self.leader_language_code)


@dataclass(frozen=True, slots=True)
class AssignmentRecord:
    id: int
    task_id: int
    task_title: str
    result_type: str
    review_days: int
    allocation_id: int
    guild_id: int
    guild_name: str
    guild_chat_id: int
    leader_id: int
    commission_bp: int
    precheck: bool
    worker_id: int
    units: int
    unit_price_minor: int
    status: str  # AssignmentStatus
    accepted_units: int | None
    reject_reason: str | None
    rework_count: int
    offered_at: int
    offer_expires_at: int
    due_at: int
    submitted_at: int | None
    prechecked_at: int | None
    auto_accepted: bool
    task_items: int = 0  # the task's items (0: a count task)
    item_cursor: int | None = None  # the item the worker is shown (its position)
    disputed: bool = False  # its items' answers did not agree with the other workers'

    @property
    def has_items(self) -> bool:
        return self.task_items > 0

    @property
    def round(self) -> int:
        """Which submission this is: 0, then one more after each rework."""
        return self.rework_count


@dataclass(frozen=True, slots=True)
class ResultRecord:
    id: int
    assignment_id: int
    kind: str
    file_id: str | None
    file_unique_id: str | None
    file_name: str | None
    mime_type: str | None
    file_size: int | None
    text: str | None


@dataclass(frozen=True, slots=True)
class HeldItem:
    """One item of an assignment, as the worker is shown it."""

    position: int  # within the assignment
    item_id: int
    key: str
    input: str  # its text columns as stored (JSON): read only for the item shown
    skipped: str | None
    answer: str | None  # the answer in the current round (text, labels, or a file's kind)
    media_kind: str | None = None  # a media item: photo, audio, video or document
    media_path: str | None = None  # its file, under DATA_DIR
    file_id: str | None = None  # its Telegram file_id, once uploaded
    answer_file_id: str | None = None  # a file answer's file_id (for review albums)
    answer_id: int | None = None  # the answer's result row
    golden: str | None = None  # a control item's accepted answers (JSON list, normalised)

    @property
    def control(self) -> bool:
        return self.golden is not None

    @property
    def accepted_answers(self) -> tuple[str, ...]:
        return tuple(json.loads(self.golden)) if self.golden else ()

    @property
    def fields(self) -> dict[str, str]:
        """Its text columns, by name."""
        return json.loads(self.input)


@dataclass(frozen=True, slots=True)
class SkillRecord:
    name: str  # a lowercase slug: cantonese, mandarin_tts
    title: str  # what people read: 粤语配音
    leaders_grant: bool  # guild leaders and deputies may grant it to their members
    created_by: int
    created_at: int


@dataclass(frozen=True, slots=True)
class BanRecord:
    id: int
    subject_kind: str  # BanSubject
    subject_id: int
    scope: str  # BanScope
    scope_ref: str | None  # the skill's name or the task's id; None for the platform
    until_at: int
    reason: str
    banned_by: int | None  # None: automatic
    created_at: int
    lifted_at: int | None


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One result as an export lists it: the result, its assignment, worker, guild, item and
    the bot's own copy of its file (RESULTS_DIR), where there is one."""

    result_id: int
    kind: str
    text: str | None  # the answer, or a file's caption
    created_at: int
    correct: int | None  # a control item's answer: 1 right, 0 wrong
    file_id: str | None
    file_size: int | None
    file_unique_id: str | None
    mime_type: str | None
    file_name: str | None
    assignment_id: int
    unit: int  # the result's place in its assignment (1…), for count tasks
    status: str
    submitted_at: int | None
    decided_at: int | None
    decided_by: int | None
    reviewer_first_name: str | None
    reviewer_username: str | None
    reject_reason: str | None
    auto_accepted: bool
    worker_id: int
    worker_first_name: str
    worker_last_name: str | None
    worker_username: str | None
    guild_id: int
    guild_name: str
    item_key: str | None
    item_input: str | None  # JSON
    control: bool
    copy_path: str | None  # relative to RESULTS_DIR
    copy_sha256: str | None


@dataclass(frozen=True, slots=True)
class FileToKeep:
    """A result file waiting for the bot's own copy (RESULTS_DIR)."""

    file_unique_id: str
    file_id: str
    attempts: int
    kind: str
    file_name: str | None
    mime_type: str | None


@dataclass(frozen=True, slots=True)
class HookEventRow:
    """An event queued for the platform's hook receiver (`hook_events`)."""

    id: int
    event_id: str
    type: str
    ordering_key: str
    payload: str
    attempts: int
    next_attempt_at: int
    last_error: str | None
    created_at: int


@dataclass(frozen=True, slots=True)
class BroadcastRecord:
    id: int
    admin_id: int
    audience: str  # all | workers | leaders | guild | skill
    audience_ref: str | None  # the guild's id or the skill's name
    method: str
    payload: str
    status: str  # BroadcastStatus
    recipients: int
    sent: int
    failed: int
    progress_message_id: int | None
