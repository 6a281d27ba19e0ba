"""Texts and buttons for assignments, results, review and earnings."""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING

from bot.clock import from_epoch
from bot.config import Settings
from bot.domain.errors import N_
from bot.domain.work import STATUS_NAMES, Credit
from bot.i18n import Html, Translator
from bot.views.common import (
    Keyboard,
    button,
    keyboard,
    money_text,
    pages,
    when,
)
from bot.views.market import RESULT_LABELS
from storage.market import TaskRecord
from storage.models import UserRecord
from storage.work import AssignmentRecord

if TYPE_CHECKING:
    from bot.services.work import Progress

PERIOD_NAMES = {"today": N_("Today"), "week": N_("This week"), "month": N_("This month"),
                "all": N_("All time")}


def _who(user: UserRecord | None, fallback: int) -> str:
    return user.mention if user else str(fallback)


# --- offers ----------------------------------------------------------------------------------

def offer(_: Translator, a: AssignmentRecord, task: TaskRecord, settings: Settings,
          zone: tzinfo) -> str:
    parts = [
        _("<b>Assignment #{id}</b> from {guild}: {units} unit(s) of task #{task_id}, "
          "{title}.", id=a.id, guild=a.guild_name, units=a.units, task_id=a.task_id,
          title=a.task_title),
        _("Pay: {price} per unit before the guild's commission ({percent}%).",
          price=money_text(a.unit_price_minor, settings),
          percent=f"{a.commission_bp / 100:g}"),
        _("Result: {kind}, one per unit.", kind=_(RESULT_LABELS[a.result_type])),
        _("Deadline: {when}", when=when(from_epoch(a.due_at), zone)),
        _("Please answer by {when}, or the units go back to the guild.",
          when=when(from_epoch(a.offer_expires_at), zone)),
    ]
    if task.instructions:
        parts.append(_("<b>Instructions</b>\n{text}", text=Html(task.instructions)))
    return "\n".join(parts)


def offer_keyboard(_: Translator, assignment_id: int) -> Keyboard:
    return keyboard([button(_("Accept"), f"a1:accept:{assignment_id}"),
                     button(_("Decline"), f"a1:decline:{assignment_id}")])


def offer_undeliverable(_: Translator, a: AssignmentRecord, worker: UserRecord | None,
                        link: str) -> str:
    return _("I could not deliver assignment #{id} to {who}: they have not opened a chat with "
             "me, or blocked me. Please forward them this link, then they will find it in "
             "/tasks: {link}", id=a.id, who=_who(worker, a.worker_id), link=link)


def offer_answered(_: Translator, a: AssignmentRecord, worker: UserRecord | None,
                   accepted: bool) -> str:
    if accepted:
        return _("{who} accepted assignment #{id} ({units} unit(s) of task #{task_id}).",
                 who=_who(worker, a.worker_id), id=a.id, units=a.units, task_id=a.task_id)
    return _("{who} declined assignment #{id}; its {units} unit(s) of task #{task_id} are back "
             "in the guild's pool.", who=_who(worker, a.worker_id), id=a.id, units=a.units,
             task_id=a.task_id)


def offer_reply(_: Translator, a: AssignmentRecord, accepted: bool) -> str:
    if accepted:
        return _("Assignment #{id} is yours. Send the {units} result(s) here ({kind}); then "
                 "press Submit or send /done.", id=a.id, units=a.units,
                 kind=_(RESULT_LABELS[a.result_type]))
    return _("You declined assignment #{id}.", id=a.id)


def assigned(_: Translator, offers: list, worker: UserRecord) -> str:
    ids = ", ".join(f"#{o.assignment.id}" for o in offers)
    units = sum(o.assignment.units for o in offers)
    text = _("Assignment {ids}: {units} unit(s) offered to {who}.", ids=ids, units=units,
             who=worker.mention)
    if not worker.can_message:
        text += "\n" + _("⚠️ {who} has not opened a private chat with me, so the offer can't "
                         "reach them yet. Ask them to open your invite link.", who=worker.mention)
    return text


def distributed(_: Translator, offers: list, skipped: list[UserRecord], left: int
                ) -> list[Html]:
    lines = []
    for o in offers:
        lines.append(_("Assignment #{id}: {units} unit(s) to {who}", id=o.assignment.id,
                       units=o.assignment.units, who=o.worker.mention))
    if skipped:
        lines.append(_("Not reachable (must open a chat with me first): {names}",
                       names=", ".join(u.mention for u in skipped)))
    if left:
        lines.append(_("{left} unit(s) still unassigned.", left=left))
    return pages(_("<b>Distributed</b>"), lines)


# --- results ---------------------------------------------------------------------------------

def my_assignments(_: Translator, rows: list[tuple[AssignmentRecord, int]],
                   settings: Settings, zone: tzinfo) -> str:
    if not rows:
        return _("You have no open assignments. Your guild leader hands them out.")
    lines = [_("<b>Your assignments</b>")]
    for a, have in rows:
        line = _("#{id} {title}: {units} unit(s), {status}", id=a.id, title=a.task_title,
                 units=a.units, status=_(STATUS_NAMES[a.status]))
        if a.status == "offered":
            line += " — " + _("accept or decline it")
        elif a.status in ("accepted", "rejected"):
            line += " — " + _("{have} of {units} results in; due {when}", have=have,
                              units=a.units, when=when(from_epoch(a.due_at), zone))
        if a.status == "rejected" and a.reject_reason:
            line += "\n   " + _("To fix: {reason}", reason=a.reject_reason)
        lines.append(line)
    lines.append(_("Send results with /submit &lt;assignment&gt;, then the files."))
    return "\n".join(lines)


def offered_keyboards(_: Translator, rows: list[tuple[AssignmentRecord, int]]) -> Keyboard:
    return keyboard(*(offer_keyboard(_, a.id)["inline_keyboard"][0] for a, _h in rows
                      if a.status == "offered"))


def choose_reply(_: Translator, a: AssignmentRecord, have: int) -> str:
    return _("Send the results for assignment #{id} now ({kind}): {have} of {units} in.",
             id=a.id, kind=_(RESULT_LABELS[a.result_type]), have=have, units=a.units)


def result_taken(_: Translator, a: AssignmentRecord, have: int) -> str:
    if have >= a.units:
        return _("Result {have} of {units} for assignment #{id} received. All in: press Submit "
                 "or send /done.", have=have, units=a.units, id=a.id)
    return _("Result {have} of {units} for assignment #{id} received.", have=have,
             units=a.units, id=a.id)


def submit_keyboard(_: Translator, assignment_id: int) -> Keyboard:
    return keyboard([button(_("Submit"), f"a1:submit:{assignment_id}")])


def submitted(_: Translator, a: AssignmentRecord) -> str:
    if a.precheck:
        return _("Assignment #{id} is submitted. Your guild leader checks it first, then the "
                 "platform reviews it.", id=a.id)
    return _("Assignment #{id} is submitted for review. You'll hear when it is accepted.",
             id=a.id)


def submitted_for_admins(_: Translator, a: AssignmentRecord, worker: UserRecord | None) -> str:
    return _("Assignment #{id} ({units} unit(s) of task #{task_id}, {guild}) is ready for "
             "review: /review", id=a.id, units=a.units, task_id=a.task_id, guild=a.guild_name)


def precheck_request(_: Translator, a: AssignmentRecord, worker: UserRecord | None) -> str:
    return _("{who} submitted assignment #{id} ({units} unit(s) of task #{task_id}). Your guild "
             "pre-checks results: pass it to the platform's review, or send it back.",
             who=_who(worker, a.worker_id), id=a.id, units=a.units, task_id=a.task_id)


def precheck_keyboard(_: Translator, assignment_id: int, round: int) -> Keyboard:
    # The round keeps a button under one submission from acting on a later one.
    return keyboard([button(_("Pass to review"), f"a1:pass:{assignment_id}:{round}"),
                     button(_("Send back"), f"a1:back:{assignment_id}:{round}")])


# --- review ----------------------------------------------------------------------------------

def review_header(_: Translator, a: AssignmentRecord, worker: UserRecord | None,
                  results: int, waiting: int, settings: Settings) -> str:
    text = _("<b>Review assignment #{id}</b>: task #{task_id} ({title}), {guild}, by {who}. "
             "{units} unit(s) at {price}; {results} result(s) follow.", id=a.id,
             task_id=a.task_id, title=a.task_title, guild=a.guild_name,
             who=_who(worker, a.worker_id), units=a.units,
             price=money_text(a.unit_price_minor, settings), results=results)
    if a.rework_count:
        text += "\n" + _("This is rework round {n}.", n=a.rework_count)
    if waiting:
        text += "\n" + _("{count} more wait after this one.", count=waiting)
    return text


def review_keyboard(_: Translator, assignment_id: int, round: int) -> Keyboard:
    # The round keeps a button under one submission from acting on a later one.
    return keyboard([button(_("Accept"), f"a1:approve:{assignment_id}:{round}"),
                     button(_("Reject"), f"a1:reject:{assignment_id}:{round}")])


def review_footer(_: Translator, a: AssignmentRecord) -> str:
    return _("Accept or reject assignment #{id}. Part acceptance: /accept {id} &lt;units&gt;; "
             "rejection with a reason: /reject {id} &lt;reason&gt;.", id=a.id)


def send_back_prompt(_: Translator, assignment_id: int) -> str:
    return _("What should be fixed in assignment #{id}? Reply to this message; the worker "
             "will see it.", id=assignment_id)


def sent_back_reply(_: Translator, a: AssignmentRecord) -> str:
    return _("Assignment #{id} went back to the worker for rework.", id=a.id)


def reject_prompt(_: Translator, assignment_id: int) -> str:
    return _("Why is assignment #{id} rejected? Reply to this message with the reason; the "
             "worker will see it.", id=assignment_id)


def approved_reply(_: Translator, a: AssignmentRecord, credit: Credit | None,
                   settings: Settings) -> str:
    credit = credit or Credit(0, 0, 0)
    return _("Assignment #{id} accepted: {units} of {total} unit(s). Credited {worker} to the "
             "worker and {commission} commission to {guild}.", id=a.id,
             units=a.accepted_units, total=a.units,
             worker=money_text(credit.worker_minor, settings),
             commission=money_text(credit.commission_minor, settings), guild=a.guild_name)


def approved_for_worker(_: Translator, a: AssignmentRecord, credit: Credit, settings: Settings,
                        auto: bool) -> str:
    if auto:
        text = _("✅ Assignment #{id} was accepted automatically (the review window passed): "
                 "{units} unit(s).", id=a.id, units=a.accepted_units)
    else:
        text = _("✅ Assignment #{id} was accepted: {units} of {total} unit(s).", id=a.id,
                 units=a.accepted_units, total=a.units)
    return text + "\n" + _("You earned {amount} (after {guild}'s commission of {commission}).",
                           amount=money_text(credit.worker_minor, settings),
                           guild=a.guild_name,
                           commission=money_text(credit.commission_minor, settings))


def approved_for_guild(_: Translator, a: AssignmentRecord, credit: Credit,
                       settings: Settings) -> str:
    return _("Assignment #{id} of task #{task_id} was accepted ({units} unit(s)); the guild's "
             "commission: {commission}.", id=a.id, task_id=a.task_id, units=a.accepted_units,
             commission=money_text(credit.commission_minor, settings))


def rejected_reply(_: Translator, a: AssignmentRecord) -> str:
    return _("Assignment #{id} sent back for rework; the worker was told why.", id=a.id)


def rejected_for_worker(_: Translator, a: AssignmentRecord, reason: str) -> str:
    return _("↩️ Assignment #{id} was sent back for rework. Reason: {reason}\nSend {units} new "
             "result(s) with /submit {id}, then press Submit.", id=a.id, reason=reason,
             units=a.units)


def precheck_set(_: Translator, name: str, on: bool) -> str:
    if on:
        return _("{name} now pre-checks results: submissions come to the leader first, with a "
                 "button to pass them to the platform's review.", name=name)
    return _("{name} no longer pre-checks results: submissions go straight to the platform's "
             "review.", name=name)


def prechecked_reply(_: Translator, a: AssignmentRecord) -> str:
    return _("Assignment #{id} passed to the platform's review.", id=a.id)


# --- money -----------------------------------------------------------------------------------

def payout_reply(_: Translator, user: UserRecord, amount: int, balance: int,
                 settings: Settings) -> str:
    return _("Payout of {amount} to {who} recorded. Their balance is now {balance}.",
             amount=money_text(amount, settings), who=user.mention,
             balance=money_text(balance, settings))


def payout_for_worker(_: Translator, amount: int, balance: int, note: str | None,
                      settings: Settings) -> str:
    text = _("💸 A payout of {amount} was recorded for you. Your balance is now {balance}.",
             amount=money_text(amount, settings), balance=money_text(balance, settings))
    if note:
        text += "\n" + _("Note: {note}", note=note)
    return text


def earnings(_: Translator, periods: list[tuple[str, int, int]], pending: int, balance: int,
             settings: Settings) -> str:
    lines = [_("<b>Your earnings</b>")]
    for key, earned, paid in periods:
        lines.append(_("{period}: accepted {earned}, paid {paid}", period=_(PERIOD_NAMES[key]),
                       earned=money_text(earned, settings), paid=money_text(paid, settings)))
    lines.append(_("Pending review: {amount}", amount=money_text(pending, settings)))
    lines.append(_("<b>Balance</b> (accepted, not yet paid): {amount}",
                   amount=money_text(balance, settings)))
    return "\n".join(lines)


def guild_earnings(_: Translator, name: str, periods: list[tuple[str, int, int]],
                   pending_gross: int, commission_bp: int, settings: Settings) -> str:
    lines = [_("<b>{name}: earnings</b> (commission {percent}%)", name=name,
               percent=f"{commission_bp / 100:g}")]
    for key, members, commission in periods:
        lines.append(_("{period}: members {members}, commission {commission}",
                       period=_(PERIOD_NAMES[key]), members=money_text(members, settings),
                       commission=money_text(commission, settings)))
    lines.append(_("Waiting for review: {amount} (gross)",
                   amount=money_text(pending_gross, settings)))
    return "\n".join(lines)


def progress(_: Translator, p: Progress, settings: Settings) -> list[Html]:
    head = _("<b>Task #{id}: {title}</b> — your guild holds {allocated} unit(s), {free} not "
             "yet assigned.", id=p.task_id, title=p.task_title, allocated=p.allocated,
             free=p.free)
    lines = []
    for a, worker, have in p.assignments:
        lines.append(_("#{id} {who}: {units} unit(s), {status}, {have} result(s) in",
                       id=a.id, who=_who(worker, a.worker_id), units=a.units,
                       status=_(STATUS_NAMES[a.status]), have=have))
    return pages(head, lines)


# --- the clock -------------------------------------------------------------------------------

def offer_expired_leader(_: Translator, a: AssignmentRecord, worker: UserRecord | None) -> str:
    return _("{who} did not answer assignment #{id} in time; its {units} unit(s) of task "
             "#{task_id} are back in the guild's pool.", who=_who(worker, a.worker_id),
             id=a.id, units=a.units, task_id=a.task_id)


def offer_expired_worker(_: Translator, a: AssignmentRecord) -> str:
    return _("The offer of assignment #{id} expired unanswered; its units went back to your "
             "guild.", id=a.id)


def reminder(_: Translator, a: AssignmentRecord, have: int, hours: int, zone: tzinfo) -> str:
    return _.plural(
        "⏰ Assignment #{id} ({title}) is due within {count} hour, at {when}. {have} of "
        "{units} results are in.",
        "⏰ Assignment #{id} ({title}) is due within {count} hours, at {when}. {have} of "
        "{units} results are in.", hours, id=a.id, title=a.task_title,
        when=when(from_epoch(a.due_at), zone), have=have, units=a.units)


def overdue_worker(_: Translator, a: AssignmentRecord) -> str:
    return _("Assignment #{id} ({title}) passed its deadline without being submitted, so it "
             "expired and its units went back to your guild.", id=a.id, title=a.task_title)


def overdue_leader(_: Translator, a: AssignmentRecord, worker: UserRecord | None) -> str:
    return _("Assignment #{id} of {who} passed its deadline unsubmitted; its {units} unit(s) "
             "of task #{task_id} are back in the guild's pool.", id=a.id,
             who=_who(worker, a.worker_id), units=a.units, task_id=a.task_id)
