"""Texts and buttons for handing out work: offers, answers, distribution, progress."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from bot.buttons import OFFER
from bot.clock import from_epoch
from bot.config import Settings
from bot.domain.counts import counted
from bot.domain.ids import Kind, shown_all
from bot.domain.skills import LeftOut, LeftOutList
from bot.domain.statuses import ASSIGNMENT_NAMES, AssignmentStatus
from bot.domain.tasks import RESULT_NAMES
from bot.domain.work import credit_for
from bot.i18n import Html, Translator
from bot.outcomes import Offered, Progress
from bot.views.common import (
    Keyboard,
    button,
    keyboard,
    list_pages,
    money_text,
    pages,
    percent,
    percent_bar,
    when,
    who,
)
from bot.views.market import quality_facts
from storage.models import AssignmentRecord, TaskRecord, UserRecord


def _pay(_: Translator, a: AssignmentRecord, settings: Settings) -> str:
    """What the worker gets, after the guild's commission: per unit and for the assignment."""
    # (Amounts first: a `_` among the call's arguments would hide the message from pybabel.)
    net = money_text(_, credit_for(1, a.unit_price_minor, a.commission_bp).worker_minor,
                     settings)
    total = money_text(_, credit_for(a.units, a.unit_price_minor, a.commission_bp).worker_minor,
                       settings)
    earned = _.plural("You earn {total} for it.",
                      "You earn {net} per unit, {total} for all {count}.",
                      a.units, net=net, total=total)
    if not a.commission_bp:
        return earned + " " + _("The guild takes no commission.")
    return earned + " " + _("That is {price} per unit less the guild's commission of "
                            "{percent}%.", price=money_text(_, a.unit_price_minor, settings),
                            percent=percent(a.commission_bp))


def offer(_: Translator, a: AssignmentRecord, task: TaskRecord, settings: Settings,
          zone: tzinfo) -> str:
    parts = [
        _("<b>Assignment A{id}</b> from {guild}: {units} of task T{task_id}, "
          "{title}.", id=a.id, guild=a.guild_name, units=counted(_, a.units, "unit"),
          task_id=a.task_id,
          title=a.task_title),
        _pay(_, a, settings),
        _("Result: {kind}, one per unit.", kind=_(RESULT_NAMES[a.result_type])),
        _("Deadline: {when}", when=when(_, from_epoch(a.due_at), zone)),
        _("Please answer by {when}, or the units go back to the guild.",
          when=when(_, from_epoch(a.offer_expires_at), zone)),
        *quality_facts(_, task),  # the checks the work will meet, before it is taken
    ]
    if task.instructions:
        parts.append(_("<b>Instructions</b>\n{text}", text=Html(task.instructions)))
    return "\n".join(parts)


def offer_keyboard(_: Translator, assignment_id: int) -> Keyboard:
    """Accept / Decline, each naming the assignment: a list of offers shows several."""
    return keyboard([button(_("Accept A{id}", id=assignment_id),
                            OFFER.data("accept", assignment_id)),
                     button(_("Decline A{id}", id=assignment_id),
                            OFFER.data("decline", assignment_id))])


def offer_undeliverable(_: Translator, a: AssignmentRecord, worker: UserRecord | None,
                        link: str) -> str:
    return _("I could not deliver assignment A{id} to {who}: they have not opened a chat with "
             "me, or blocked me. Please forward them this link, then they will find it in "
             "/tasks: {link}", id=a.id, who=who(worker, a.worker_id), link=link)


def offer_answered(_: Translator, a: AssignmentRecord, worker: UserRecord | None,
                   accepted: bool) -> str:
    if accepted:
        return _("{who} accepted assignment A{id} ({units} of task T{task_id}).",
                 who=who(worker, a.worker_id), id=a.id, units=counted(_, a.units, "unit"),
                 task_id=a.task_id)
    return _("{who} declined assignment A{id}; its {units} of task T{task_id} are back "
             "in the guild's pool.", who=who(worker, a.worker_id), id=a.id,
             units=counted(_, a.units, "unit"), task_id=a.task_id)


def offer_reply(_: Translator, a: AssignmentRecord, accepted: bool) -> str:
    if accepted:
        return _("Assignment A{id} is yours. Send the {units} here ({kind}); then "
                 "press Submit or send /done.", id=a.id, units=counted(_, a.units, "result"),
                 kind=_(RESULT_NAMES[a.result_type]))
    return _("You declined assignment A{id}.", id=a.id)


def assigned(_: Translator, offers: list[Offered], worker: UserRecord) -> str:
    ids = shown_all(Kind.ASSIGNMENT, (o.assignment.id for o in offers))
    units = sum(o.assignment.units for o in offers)
    text: str = _("Assignment {ids}: {units} offered to {who}.", ids=ids,
                  units=counted(_, units, "unit"),
                  who=worker.mention)
    if not worker.can_message:
        text += "\n" + _("⚠️ {who} has not opened a private chat with me, so the offer can't "
                         "reach them yet. Ask them to open your invite link.", who=worker.mention)
    return text


def distributed(_: Translator, offers: list[Offered], skipped: list[UserRecord], left: int,
                left_out: Sequence[LeftOut] = ()) -> list[Html]:
    lines = []
    for o in offers:
        lines.append(_("Assignment A{id}: {units} to {who}", id=o.assignment.id,
                       units=counted(_, o.assignment.units, "unit"), who=o.worker.mention))
    if skipped:
        lines.append(_("Not reachable (must open a chat with me first): {names}",
                       names=", ".join(u.mention for u in skipped)))
    if left_out:
        lines.append(_("Left out: {who}", who=LeftOutList(left_out).render_for(_)))
    if left:
        lines.append(_("{left} still unassigned.", left=counted(_, left, "unit")))
    return pages(_("<b>Distributed</b>"), lines)


# What a leader must act on: answers awaited, reworks, work that ran out of time.
_ATTENTION = (AssignmentStatus.OFFERED, AssignmentStatus.REJECTED, AssignmentStatus.EXPIRED)


def progress(_: Translator, p: Progress, settings: Settings, *, everything: bool = False
             ) -> list[Html]:
    """Totals first (units by state, the share accepted with a bar), then only what needs the
    leader (offers unanswered, reworks, expired work) unless `everything` is asked for."""
    units: dict[str, int] = {}
    for a, _worker, _have in p.assignments:
        done = a.accepted_units if a.status == AssignmentStatus.ACCEPTED \
            and a.accepted_units is not None else a.units
        units[a.status] = units.get(a.status, 0) + done
    accepted = units.get(AssignmentStatus.ACCEPTED, 0)
    share = accepted * 100 // p.allocated if p.allocated else 0
    head: str = _("<b>Task T{id}: {title}</b> — your guild holds {allocated}, {free} not "
                  "yet assigned.", id=p.task_id, title=p.task_title,
                  allocated=counted(_, p.allocated, "unit"), free=p.free)
    head += "\n" + _("Offered {offered} · in progress {working} · submitted {submitted} · "
                     "accepted {accepted} · expired {expired}",
                     offered=units.get(AssignmentStatus.OFFERED, 0),
                     working=units.get(AssignmentStatus.IN_PROGRESS, 0)
                     + units.get(AssignmentStatus.REJECTED, 0),
                     submitted=units.get(AssignmentStatus.SUBMITTED, 0), accepted=accepted,
                     expired=units.get(AssignmentStatus.EXPIRED, 0))
    head += "\n" + _("{bar} {percent} done", bar=percent_bar(share), percent=f"{share} %")
    shown = [row for row in p.assignments if everything or row[0].status in _ATTENTION]
    lines: list[str] = [_("A{id} {who}: {units}, {status}, {have} in",
               id=a.id, who=who(worker, a.worker_id), units=counted(_, a.units, "unit"),
               status=_(ASSIGNMENT_NAMES[a.status]), have=counted(_, have, "result"))
             for a, worker, have in shown]
    if not everything:
        lines.append(_("Nothing needs you here.") if not shown else "")
        lines.append(_("The full list: /progress T{id} all", id=p.task_id))
    return list_pages(Html(head), [line for line in lines if line])



def offer_expired_leader(_: Translator, a: AssignmentRecord, worker: UserRecord | None) -> str:
    return _("{who} did not answer assignment A{id} in time; its {units} of task "
             "T{task_id} are back in the guild's pool.", who=who(worker, a.worker_id),
             id=a.id, units=counted(_, a.units, "unit"), task_id=a.task_id)


def offer_expired_worker(_: Translator, a: AssignmentRecord) -> str:
    return _("The offer of assignment A{id} expired unanswered; its units went back to your "
             "guild.", id=a.id)
