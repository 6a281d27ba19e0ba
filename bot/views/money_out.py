"""Money out as files: the /statement and /payroll CSVs, and a bulk payout's dry run."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.buttons import BULK_PAYOUT
from bot.config import Settings
from bot.domain.counts import counted
from bot.domain.errors import N_
from bot.domain.ids import Kind, shown
from bot.domain.statuses import LedgerKind
from bot.i18n import Html, Translator
from bot.outcomes import PayoutPlan, Payroll, Statement
from bot.views.common import (
    Keyboard,
    button,
    csv_bytes,
    keyboard,
    list_pages,
    money_text,
    signed,
    when,
)

KINDS = {LedgerKind.WORKER_SHARE: N_("earned"), LedgerKind.COMMISSION: N_("commission"),
         LedgerKind.PAYOUT: N_("payout"), LedgerKind.BONUS: N_("bonus"),
         LedgerKind.ADJUSTMENT: N_("correction")}
LISTED = 200  # bad lines listed in a dry run; the rest are counted


def decimal(minor: int, settings: Settings) -> str:
    """An amount as a spreadsheet reads it: -4.32, no currency, no separators."""
    exponent = settings.currency_exponent
    sign = "-" if minor < 0 else ""
    major, rest = divmod(abs(minor), 10**exponent)
    return f"{sign}{major}.{rest:0{exponent}d}" if exponent else f"{sign}{major}"



def statement_csv(_: Translator, found: Statement, settings: Settings) -> bytes:
    balance, rows = 0, []
    for line in found.lines:
        balance += line.amount_minor
        moment = datetime.fromtimestamp(line.created_at, UTC).astimezone(found.zone)
        rows.append((f"{moment:%Y-%m-%d %H:%M:%S}", _(KINDS[LedgerKind(line.kind)]),
                     line.assignment_id or "",
                     f"{shown(Kind.TASK, line.task_id)} {line.task_title}" if line.task_id else "",
                     decimal(line.amount_minor, settings), line.note or "",
                     line.reference or "", decimal(balance, settings)))
    return csv_bytes((_("time"), _("kind"), _("assignment"), _("task"), _("amount"), _("note"),
                 _("reference"), _("balance")), rows)


def statement_caption(_: Translator, found: Statement, settings: Settings) -> Html:
    balance = sum(line.amount_minor for line in found.lines)
    return _("Your statement: {lines}, times in {zone}. Balance: {balance}.",
             lines=counted(_, len(found.lines), "line"), zone=str(found.zone),
             balance=money_text(_, balance, settings))


def statement_empty(_: Translator) -> Html:
    return _("Your statement is empty: nothing was credited or paid to you yet.")


def payroll_workers_csv(_: Translator, found: Payroll, settings: Settings) -> bytes:
    return csv_bytes((_("id"), _("name"), _("guild"), _("accepted units"), _("gross"),
                 _("commission"), _("net earned"), _("bonuses"), _("corrections"), _("paid"),
                 _("balance")),
                ((row.user_id, " ".join(filter(None, (row.first_name, row.last_name))),
                  row.guild or "", row.units, decimal(row.gross_minor, settings),
                  decimal(row.commission_minor, settings), decimal(row.earned_minor, settings),
                  decimal(row.bonus_minor, settings), decimal(row.adjusted_minor, settings),
                  decimal(row.paid_minor, settings), decimal(row.balance_minor, settings))
                 for row in found.workers))


def payroll_guilds_csv(_: Translator, found: Payroll, settings: Settings) -> bytes:
    return csv_bytes((_("guild id"), _("guild"), _("leader id"), _("commission earned")),
                ((g.guild_id, g.name, g.leader_id, decimal(g.commission_minor, settings))
                 for g in found.guilds))


def payroll_caption(_: Translator, found: Payroll, settings: Settings) -> Html:
    period = found.period
    return _("Payroll {label}: from {start} to {end}. {workers}; earned {earned}, bonuses "
             "{bonus}, corrections {adjusted}, paid {paid}; commission {commission}.",
             label=period.label,
             start=when(_, period.start, found.zone), end=when(_, period.end, found.zone),
             workers=counted(_, len(found.workers), "worker"),
             earned=money_text(_, sum(r.earned_minor for r in found.workers), settings),
             bonus=money_text(_, sum(r.bonus_minor for r in found.workers), settings),
             adjusted=signed(_, sum(r.adjusted_minor for r in found.workers), settings),
             paid=money_text(_, sum(r.paid_minor for r in found.workers), settings),
             commission=money_text(_, sum(g.commission_minor for g in found.guilds),
                                   settings))


def payroll_empty(_: Translator, found: Payroll) -> Html:
    return _("Payroll {label}: nothing was credited or paid in that period, and no one has a "
             "balance.", label=found.period.label)


def plan_pages(_: Translator, plan: PayoutPlan, settings: Settings) -> list[Html]:
    """The dry run: count and total, then every bad line by its number and why."""
    count = counted(_, len(plan.lines), "payout")
    total = money_text(_, plan.total, settings)
    bad = plan.bad
    if not bad:
        return [_("Dry run: {count}, {total} in all. Every line can be paid. Confirm to record "
                  "them.", count=count, total=total)]
    head = _("Dry run: {count}, {total} in all. {bad} can't be paid, so nothing will be: "
             "correct them and send the file again.", count=count, total=total,
             bad=counted(_, len(bad), "line"))
    lines = [_("Line {number}: {problems}", number=line.number,
               problems=_("; ").join(p.render_for(_) for p in line.problems))
             for line in bad[:LISTED]]
    if len(bad) > LISTED:
        lines.append(_("… and {count} more.", count=len(bad) - LISTED))
    return list_pages(head, lines)


def plan_keyboard(_: Translator, slot: int) -> Keyboard:
    return keyboard([button(_("Confirm"), BULK_PAYOUT.data("confirm", slot)),
                     button(_("Cancel"), BULK_PAYOUT.data("cancel", slot))])


def paid(_: Translator, plan: PayoutPlan, settings: Settings) -> Html:
    return _("Recorded {count}, {total} in all; everyone paid is told.",
             count=counted(_, len(plan.lines), "payout"),
             total=money_text(_, plan.total, settings))


def cancelled(_: Translator) -> Html:
    return _("Cancelled: nothing was paid.")


def file_name(what: str, label: str) -> str:
    """payroll-2026-12-workers.csv, payroll-2026-12-01_to_2026-12-15-guilds.csv."""
    return f"payroll-{label.replace('..', '_to_')}-{what}.csv"
