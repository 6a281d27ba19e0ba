"""Guild rules: lifecycle, roles, invite codes, commission, and the refusals that go with them."""

from __future__ import annotations

import re
import secrets

from bot.domain.errors import N_, DomainError, NotAllowed, NotFound, WrongState

# --- lifecycle and roles -------------------------------------------------------------------

PENDING, APPROVED, REJECTED, SUSPENDED = "pending", "approved", "rejected", "suspended"
STATUSES = (PENDING, APPROVED, SUSPENDED, REJECTED)
LEADER, DEPUTY, MEMBER = "leader", "deputy", "member"
ROLES = (LEADER, DEPUTY, MEMBER)
# Names shown to people (translated when rendered).
STATUS_NAMES = {PENDING: N_("pending"), APPROVED: N_("approved"), SUSPENDED: N_("suspended"),
                REJECTED: N_("rejected")}
ROLE_NAMES = {LEADER: N_("leader"), DEPUTY: N_("deputy"), MEMBER: N_("member")}

NAME_MIN, NAME_MAX = 2, 64
REASON_MAX = 300
COMMISSION_MAX_BP = 5_000  # a guild keeps at most half of what its members earn

# token_urlsafe(16): 128 random bits as 22 URL-safe characters; the deep-link payload
# `join_<code>` stays well inside Telegram's 64-character limit for `start` parameters.
INVITE_PREFIX = "join_"
_INVITE_BYTES = 16
_INVITE_RE = re.compile(r"^[A-Za-z0-9_-]{22}$")
_PERCENT_RE = re.compile(r"^(\d{1,3})(?:[.,](\d{1,2}))?\s*%?$")


# --- refusals ------------------------------------------------------------------------------


REGISTER_USAGE = "/register <guild name>"


class _NamesRegister(DomainError):
    """A refusal whose advice is to register the group (the usage is filled in)."""

    def __init__(self, **values: object) -> None:
        super().__init__(**{"usage": REGISTER_USAGE, **values})


class RegisterInGroup(_NamesRegister):
    text = N_("A guild is registered from its group chat: add me to your group, then send "
              "{usage} there.")


class AnonymousAdmin(DomainError):
    text = N_("I can't tell who you are while you post anonymously. Turn off “Remain anonymous” "
              "in your admin rights, then send /register again: the one who registers becomes "
              "the guild's leader.")


class NotGroupAdmin(NotAllowed):
    text = N_("Only an administrator of this group can register it as a guild.")


class AlreadyRegistered(DomainError):
    text = N_("This group is already registered as guild “{name}” (#{id}, {status}).")


class GuildNameInvalid(DomainError):
    text = N_("A guild name is {min} to {max} characters on one line.")


class ReasonMissing(DomainError):
    text = N_("Please give a reason: the guild will see it.")


class ReasonTooLong(DomainError):
    text = N_("Please keep the reason under {max} characters.")


class GuildNameTaken(DomainError):
    text = N_("There is already a guild named “{name}”. Please choose another name.")


class NotAGuildChat(_NamesRegister):
    text = N_("This group is not a guild. An administrator of the group can register it with "
              "{usage}.")


class GuildNotApproved(DomainError):
    text = N_("Guild “{name}” is waiting for a platform admin's approval; this works once it "
              "is approved.")


class GuildRejected(_NamesRegister, GuildNotApproved):
    text = N_("Guild “{name}” was not approved: {reason}\nAn administrator of the group can "
              "apply again with {usage}.")


class GuildSuspended(DomainError):
    text = N_("Guild “{name}” is suspended by the platform: {reason}\nNothing can be done in "
              "it until a platform admin lifts the suspension.")


class NotGuildLeader(NotAllowed):
    text = N_("Only the leader or a deputy of “{name}” can do that.")


class LeaderOnly(NotGuildLeader):
    text = N_("Only the leader of “{name}” can do that.")


class NotGuildMember(NotAllowed):
    text = N_("Only members of “{name}” can do that.")


class NotInGuild(DomainError):
    text = N_("You are not a member of any guild. To join one, open the invite link its leader "
              "shares.")


class AlreadyInGuild(DomainError):
    text = N_("You are already a member of guild “{name}”. A worker belongs to one guild at a "
              "time: send /leave first to join another.")


class LeadsAGuild(AlreadyInGuild):
    text = N_("You lead guild “{name}”, and a leader can't also belong to another guild.")


class AlreadyMember(DomainError):
    text = N_("You are already a member of “{name}”.")


class InvalidInvite(DomainError):
    text = N_("That invite link does not belong to any guild. Ask your guild leader for the "
              "current link.")


class MalformedInvite(InvalidInvite):
    text = N_("That invite link is incomplete or mistyped. Please open the link your guild "
              "leader shared exactly as it is.")


class RevokedInvite(InvalidInvite):
    text = N_("That invite link was replaced by a new one. Ask your guild leader for the "
              "current link.")


class NotAMember(DomainError):
    text = N_("{who} is not a member of “{name}”.")


class AlreadyDeputy(DomainError):
    text = N_("{who} is already a deputy.")


class NotADeputy(DomainError):
    text = N_("{who} is not a deputy.")


class LeaderIsTarget(DomainError):
    text = N_("{who} leads “{name}”: the leader can't be removed, promoted or demoted.")


class LeaderCannotLeave(DomainError):
    text = N_("You lead “{name}”, so you can't leave it.")


class HasOpenAssignments(DomainError):
    text = N_("You still hold {count} open assignment(s) in “{name}”. Finish or decline them "
              "before you leave.")


class MemberHasOpenAssignments(DomainError):
    text = N_("{who} still holds {count} open assignment(s). They have to be finished, "
              "declined or taken back before {who} can be removed.")


class CommissionOutOfRange(DomainError):
    text = N_("The commission must be between 0 and 50 %; {percent} % is not allowed.")


class GuildNotFound(NotFound):
    text = N_("There is no guild “{ref}”. /guilds lists them.")


class GuildNameAmbiguous(DomainError):
    text = N_("More than one guild is called “{ref}”; please use its number (/guilds).")


class GuildWrongState(WrongState):
    text = N_("Guild “{name}” is {state}, so that can't be done now.")


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
    reason = " ".join(raw.split())
    if not reason:
        raise ReasonMissing()
    if len(reason) > REASON_MAX:
        raise ReasonTooLong(max=REASON_MAX)
    return reason


def status_name(status: str) -> str:
    return STATUS_NAMES.get(status, status)


def ensure_active(name: str, status: str, reason: str | None) -> None:
    """Refuse anything in a guild that is not approved, saying why."""
    if status == APPROVED:
        return
    if status == SUSPENDED:
        raise GuildSuspended(name=name, reason=reason or "—")
    if status == REJECTED:
        raise GuildRejected(name=name, reason=reason or "—")
    raise GuildNotApproved(name=name)


def can_manage(role: str | None) -> bool:
    """Leaders and deputies run the guild's work (invites, and tasks later)."""
    return role in (LEADER, DEPUTY)


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
    """'12' or '#12' -> 12; anything else is a name."""
    raw = text.strip()
    digits = raw.removeprefix("#")
    if digits.isdigit():
        return int(digits)
    return " ".join(raw.split())
