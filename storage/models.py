"""Small typed records built from rows at the storage edge."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None
    can_message: bool
    timezone: str | None

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
    status: str  # pending | approved | rejected | suspended
    status_reason: str | None
    commission_bp: int
    invite_code: str | None
    precheck: bool


@dataclass(frozen=True, slots=True)
class MemberRecord:
    guild_id: int
    user: UserRecord
    role: str  # leader | deputy | member
    joined_at: int


@dataclass(frozen=True, slots=True)
class GuildOverview:
    """One line of the admins' guild list."""

    guild: GuildRecord
    leader: UserRecord | None
    member_count: int
    created_at: int
