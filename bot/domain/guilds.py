"""Guild rules: invite codes, names, reasons, commission, who may act; states in statuses.py."""

from __future__ import annotations

import re
import secrets

from bot.domain import ids
from bot.domain.errors import (
    CommissionOutOfRange,
    GuildNameInvalid,
    GuildNotApproved,
    GuildRejected,
    GuildSuspended,
    MalformedInvite,
    ReasonMissing,
)
from bot.domain.ids import Kind
from bot.domain.statuses import GUILD_NAMES, GuildStatus, Role
from bot.domain.text import NOTE_MAX, clean_text

NAME_MIN, NAME_MAX = 2, 64
COMMISSION_MAX_BP = 5_000  # a guild keeps at most half of what its members earn

# token_urlsafe(16): 128 random bits as 22 URL-safe characters; the deep-link payload
# `join_<code>` stays well inside Telegram's 64-character limit for `start` parameters.
INVITE_PREFIX = "join_"
_INVITE_BYTES = 16
_INVITE_RE = re.compile(r"^[A-Za-z0-9_-]{22}$")
_PERCENT_RE = re.compile(r"^(\d{1,3})(?:[.,](\d{1,2}))?\s*%?$")





# --- rules ---------------------------------------------------------------------------------


def clean_name(raw: str) -> str:
    """The name as it will be stored: one line, inner spaces collapsed; refuses bad lengths."""
    if "\n" in raw.strip():
        raise GuildNameInvalid(min=NAME_MIN, max=NAME_MAX)
    name = " ".join(raw.split())
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise GuildNameInvalid(min=NAME_MIN, max=NAME_MAX)
    return name


def clean_reason(raw: str) -> str:
    """An admin's reason for a guild decision: required, and refused when too long."""
    reason = clean_text(raw, NOTE_MAX, refuse_longer=True, required=ReasonMissing())
    assert reason is not None
    return reason


def status_name(status: str) -> str:
    return GUILD_NAMES.get(status, status)


def ensure_active(name: str, status: str, reason: str | None) -> None:
    """Refuse anything in a guild that is not approved, saying why."""
    if status == GuildStatus.APPROVED:
        return
    if status == GuildStatus.SUSPENDED:
        raise GuildSuspended(name=name, reason=reason or "—")
    if status == GuildStatus.REJECTED:
        raise GuildRejected(name=name, reason=reason or "—")
    raise GuildNotApproved(name=name)


def can_manage(role: str | None) -> bool:
    """Leaders and deputies run the guild's work (invites, and tasks later)."""
    return role in (Role.LEADER, Role.DEPUTY)


def new_invite_code() -> str:
    return secrets.token_urlsafe(_INVITE_BYTES)


def check_invite_code(code: str) -> str:
    if not _INVITE_RE.match(code):
        raise MalformedInvite()
    return code


def parse_percent(text: str) -> int | None:
    """'12.5', '12,5 %' or '10%' -> basis points (1250, 1250, 1000); None when not a percent."""
    match = _PERCENT_RE.match(text.strip())
    if not match:
        return None
    return int(match[1]) * 100 + int((match[2] or "0").ljust(2, "0"))


def check_commission(bp: int, shown: str) -> int:
    if not 0 <= bp <= COMMISSION_MAX_BP:
        raise CommissionOutOfRange(percent=shown)
    return bp


def parse_guild_ref(text: str) -> int | str:
    """'G12', '#12' or '12' -> 12; anything else is a name."""
    try:
        return ids.parse(text, Kind.GUILD)
    except ids.IdError:
        return " ".join(text.split())
