"""Running the money by hand: the admins' /bonus and /adjust, and the audit trail (/audit)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from telegram import InputFile

from bot.buttons import AUDIT_PAGES, LEDGER_CONFIRM, PageTurn, Press
from bot.domain.errors import N_, BadAuditDays, BelowZero, RepeatedLine
from bot.domain.guilds import parse_guild_ref
from bot.domain.ids import Kind
from bot.domain.ledger_ops import AUDIT_DAYS, AUDIT_DAYS_MAX, split_reference
from bot.domain.statuses import LedgerKind
from bot.outcomes import AuditRef, MemberRef
from bot.views import audit as audit_views
from bot.views import ledger_ops as views
from handlers.common import Again, Call, command, press

CONFIRM = Again("ledger.confirm")  # refused bonuses and corrections, as a `Pending`
NO_REASON = N_("The reason is missing: the worker is told it.")


@dataclass(frozen=True, slots=True)
class Pending:
    """A bonus or correction as the admin typed it, and what they have confirmed since."""

    kind: LedgerKind
    target: MemberRef
    amount: str
    reason: str
    reference: str | None
    below_zero: bool = False
    again: bool = False


def _line(call: Call, kind: LedgerKind) -> Pending:
    """`@worker <amount> <reason> [ref:<reference>]`."""
    args = call.need(2)
    words, reference = split_reference(args[2:])
    if not words:
        raise call.wrong(NO_REASON)
    return Pending(kind, call.person(args[0]), args[1], " ".join(words), reference)


@command("bonus")
async def bonus(call: Call) -> None:
    await _record(call, _line(call, LedgerKind.BONUS))


@command("adjust")
async def adjust(call: Call) -> None:
    await _record(call, _line(call, LedgerKind.ADJUSTMENT))


@press(LEDGER_CONFIRM)
async def confirmed(call: Call, pressed: Press) -> None:
    """"Record it again" (a repeat is meant) or "Correct it below zero" under a refusal."""
    await _record(call, await CONFIRM.take(call, pressed))


async def _record(call: Call, line: Pending) -> None:
    try:
        made = await call.services.ledger_ops.record(
            call.user_id, line.kind, line.target, line.amount, line.reason, line.reference,
            below_zero=line.below_zero, again=line.again)
    except BelowZero as refusal:
        await CONFIRM.offer(call, refusal, replace(line, below_zero=True),
                            views.below_zero_keyboard)
        return
    except RepeatedLine as refusal:
        await CONFIRM.offer(call, refusal, replace(line, again=True), views.again_keyboard)
        return
    await call.reply(views.line_reply(call._, made, call.services.settings))


@command("audit")
async def audit(call: Call) -> None:
    """/audit [export] [guild <id> | user <id|@name> | task <id>] [days]: a page of the trail
    with Previous / Next, or all of it as a CSV file."""
    args = call.args
    export = bool(args) and args[0].lower() == "export"
    kind, ref, days = _audit_filter(call, args[1:] if export else args)
    audit = call.services.audit
    if not export:
        page = await audit.trail(call.user_id, kind, ref, days)
        await call.reply(audit_views.audit_text(call._, page),
                         audit_views.audit_keyboard(call._, page))
        return
    found = await audit.export(call.user_id, kind, ref, days)
    await call.context.bot.send_document(
        call.chat_id, InputFile(audit_views.audit_csv(call._, found), filename="audit.csv"),
        caption=audit_views.audit_caption(call._, found))


@press(AUDIT_PAGES)
async def audit_page(call: Call, pressed: PageTurn) -> None:
    """Previous / Next: the page read again with the filter the button carries."""
    page = await call.services.audit.turn(call.user_id, pressed.key, pressed.page)
    await call.edit(audit_views.audit_text(call._, page),
                    audit_views.audit_keyboard(call._, page))


def _audit_filter(call: Call, args: list[str]) -> tuple[str | None, AuditRef, int]:
    days = AUDIT_DAYS
    if args and args[-1].isdecimal() and (len(args) % 2 == 1):
        if not 1 <= int(args[-1]) <= AUDIT_DAYS_MAX:
            raise BadAuditDays(value=args[-1], most=AUDIT_DAYS_MAX)
        days = int(args.pop())
    if not args:
        return None, None, days
    kind = args[0].lower()
    if len(args) != 2 or kind not in ("guild", "user", "task"):
        raise call.wrong(N_("Say what the trail is about: guild, user or task, and its id."))
    if kind == "user":
        return kind, call.person(args[1]), days
    if kind == "task":
        return kind, call.id(args[1], Kind.TASK), days
    return kind, parse_guild_ref(args[1]), days
