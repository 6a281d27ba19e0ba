"""Assignments, results and the ledger's rules, free of Telegram and storage."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.errors import N_, DomainError
from bot.domain.money import split_commission

# --- the assignment lifecycle ------------------------------------------------------------------

OFFERED, ACCEPTED, SUBMITTED, APPROVED = "offered", "accepted", "submitted", "approved"
REJECTED, DECLINED, EXPIRED, CANCELLED = "rejected", "declined", "expired", "cancelled"
OPEN_STATES = (OFFERED, ACCEPTED, SUBMITTED, REJECTED)
# States in which the worker may send results: accepted, or rejected (the rework starts).
WORKING_STATES = (ACCEPTED, REJECTED)
STATUS_NAMES = {OFFERED: N_("offered"), ACCEPTED: N_("in progress"),
                SUBMITTED: N_("submitted for review"), APPROVED: N_("accepted"),
                REJECTED: N_("sent back for rework"), DECLINED: N_("declined"),
                EXPIRED: N_("expired"), CANCELLED: N_("cancelled")}

TELEGRAM_TEXT_LIMIT = 4096
# What a bot can download through Telegram's Bot API, and through a self-hosted server.
CLOUD_FILE_LIMIT = 20 * 1024 * 1024
LOCAL_SERVER_FILE_LIMIT = 2000 * 1024 * 1024
RESULT_KINDS = ("text", "document", "photo", "voice", "audio", "video")


# --- refusals ------------------------------------------------------------------------------

class AssignmentNotFound(DomainError):
    text = N_("Assignment #{assignment_id} was not found.")


class NotYourAssignment(DomainError):
    text = N_("Assignment #{assignment_id} is not yours.")


class AssignmentInState(DomainError):
    text = N_("Assignment #{assignment_id} is {status}, so that can't be done now.")


class NotEnoughUnassigned(DomainError):
    text = N_("Your guild has {left} unassigned unit(s) of task #{task_id}; you asked for "
              "{asked}.")


class NoAllocation(DomainError):
    text = N_("Your guild holds no units of task #{task_id}. Quote or claim first.")


class NotAMember(DomainError):
    text = N_("{who} is not an active member of this guild.")


class NoReachableMembers(DomainError):
    text = N_("No member can receive assignments: members must open a private chat with me "
              "first (the invite link does that).")


class ResultTypeMismatch(DomainError):
    text = N_("Task #{task_id} wants {expected} results; that was {got}.")


class ResultTooLarge(DomainError):
    text = N_("That file is {size} MB; the limit is {limit} MB.")


class DuplicateResult(DomainError):
    text = N_("That file was already submitted. Each result must be new.")


class AssignmentFull(DomainError):
    text = N_("Assignment #{assignment_id} already has all {units} results. Press Submit or "
              "send /done.")


class AssignmentIncomplete(DomainError):
    text = N_("Assignment #{assignment_id} has {have} of {units} results; send the rest "
              "first.")


class WhichAssignment(DomainError):
    text = N_("You have several assignments open ({ids}). Choose one with /submit "
              "&lt;assignment&gt;, then send the results.")


class NothingOpen(DomainError):
    text = N_("You have no assignment waiting for results. /tasks lists yours.")


class OfferNotAcceptedYet(DomainError):
    text = N_("Accept assignment #{assignment_id} first (the Accept button, or /tasks).")


class ReasonRequired(DomainError):
    text = N_("A rejection needs a reason, so the worker knows what to fix.")


class AcceptUnitsOutOfRange(DomainError):
    text = N_("You can accept from 0 to {units} units of assignment #{assignment_id}.")


class PayoutOverBalance(DomainError):
    text = N_("{who}'s balance is {balance}; a payout of {amount} would exceed it.")


class UnknownUser(DomainError):
    text = N_("I don't know {who}: they have never written to me.")


class StaleReview(DomainError):
    text = N_("Those buttons are for an earlier submission of assignment #{assignment_id}; it "
              "was sent back and submitted again since. Use the buttons under the newest one.")


class OfferExpired(DomainError):
    text = N_("The offer of assignment #{assignment_id} has expired; its units are going back "
              "to the guild.")


class NothingToReview(DomainError):
    text = N_("Nothing is waiting for review. 🎉")


# --- rules ---------------------------------------------------------------------------------

# A file sent "as a file" arrives as a document; its type still counts (an uncompressed photo
# for a photo task, an .mp3 for an audio task).
_DOCUMENT_MIME = {"photo": "image/", "audio": "audio/", "voice": "audio/", "video": "video/"}


def result_kind_allowed(expected: str, kind: str, mime_type: str | None = None) -> bool:
    if expected in ("any", kind):
        return True
    if expected == "audio" and kind == "voice":  # a voice message is audio too
        return True
    prefix = _DOCUMENT_MIME.get(expected)
    return kind == "document" and prefix is not None and (mime_type or "").startswith(prefix)


def spread(units: int, members: list[int]) -> list[tuple[int, int]]:
    """Units spread evenly over members in the given order (fewest open units first)."""
    if not members or units <= 0:
        return []
    base, extra = divmod(units, len(members))
    plan = [(member, base + (1 if i < extra else 0)) for i, member in enumerate(members)]
    return [(member, n) for member, n in plan if n > 0]


@dataclass(frozen=True, slots=True)
class Credit:
    gross_minor: int
    worker_minor: int
    commission_minor: int


def credit_for(units: int, unit_price_minor: int, commission_bp: int) -> Credit:
    gross = units * unit_price_minor
    worker, commission = split_commission(gross, commission_bp)
    return Credit(gross, worker, commission)
