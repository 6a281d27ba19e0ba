"""Texts and buttons for results: the worker's assignments, receipts, submitting, deadlines."""

from __future__ import annotations

from datetime import tzinfo

from bot.buttons import ITEM, OFFER, RESULT
from bot.clock import from_epoch
from bot.domain.counts import counted
from bot.domain.statuses import ASSIGNMENT_NAMES, WORKING, AssignmentStatus
from bot.domain.tasks import RESULT_NAMES
from bot.i18n import Translator
from bot.outcomes import ResultEdited, ResultTaken, TextToConfirm
from bot.views.common import Keyboard, button, keyboard, when, who
from bot.views.offers import offer_keyboard
from storage.models import AssignmentRecord, UserRecord


def my_assignments(_: Translator, rows: list[tuple[AssignmentRecord, int]], zone: tzinfo
                   ) -> str:
    if not rows:
        return _("You have no open assignments. Your guild leader hands them out.")
    lines: list[str] = [_("<b>Your assignments</b>")]
    for a, have in rows:
        line: str = _("A{id} {title}: {units}, {status}", id=a.id, title=a.task_title,
                      units=counted(_, a.units, "unit"), status=_(ASSIGNMENT_NAMES[a.status]))
        if a.status == AssignmentStatus.OFFERED:
            line += " — " + _("accept or decline it")
        elif a.status in WORKING:
            line += " — " + _("{have} of {units} in; due {when}", have=have,
                              units=counted(_, a.units, "result"),
                              when=when(_, from_epoch(a.due_at), zone))
        if a.status == AssignmentStatus.REJECTED and a.reject_reason:
            line += "\n   " + _("To fix: {reason}", reason=a.reject_reason)
        lines.append(line)
    lines.append(_("Send results with /submit &lt;assignment&gt;, then the files."))
    return "\n".join(lines)


def offered_keyboards(_: Translator, rows: list[tuple[AssignmentRecord, int]]) -> Keyboard:
    """Accept / Decline for each offer; Continue for each item assignment in progress."""
    return keyboard(*(offer_keyboard(_, a.id)["inline_keyboard"][0] if a.status ==
                      AssignmentStatus.OFFERED else [continue_button(_, a.id)]
                      for a, _h in rows if a.status == AssignmentStatus.OFFERED
                      or (a.has_items and a.status in WORKING)))


def continue_button(_: Translator, assignment_id: int) -> dict[str, str]:
    return button(_("Continue A{id}", id=assignment_id), ITEM.data("show", assignment_id, 0))


def choose_reply(_: Translator, a: AssignmentRecord, have: int) -> str:
    return _("Send the results for assignment A{id} now ({kind}): {have} of {units} in.",
             id=a.id, kind=_(RESULT_NAMES[a.result_type]), have=have, units=a.units)


def result_taken(_: Translator, a: AssignmentRecord, have: int) -> str:
    if have >= a.units:
        return _("Result {have} of {units} for assignment A{id} received. All in: press Submit "
                 "or send /done.", have=have, units=a.units, id=a.id)
    return _("Result {have} of {units} for assignment A{id} received.", have=have,
             units=a.units, id=a.id)


def submit_keyboard(_: Translator, assignment_id: int) -> Keyboard:
    return keyboard([button(_("Submit"), OFFER.data("submit", assignment_id))])


def receipt_keyboard(_: Translator, taken: ResultTaken) -> Keyboard | None:
    """Under a result's receipt: take it back (before Submit); Submit once all are in."""
    row = [button(_("Remove it"), RESULT.data("remove", taken.result_id))] \
        if taken.result_id is not None else []
    if taken.have >= taken.assignment.units:
        row.append(button(_("Submit"), OFFER.data("submit", taken.assignment.id)))
    return keyboard(row) if row else None


def text_to_confirm(_: Translator, found: TextToConfirm) -> str:
    a = found.assignment
    return _("Is this text result {n} of {units} for assignment A{id} ({title})? Texts sent "
             "here can be results or just messages to me.", n=found.have + 1, units=a.units,
             id=a.id, title=a.task_title)


def text_keyboard(_: Translator, assignment_id: int) -> Keyboard:
    return keyboard([button(_("Yes, a result"), RESULT.data("take", assignment_id)),
                     button(_("No, just a message"), RESULT.data("drop", assignment_id))])


def not_a_result(_: Translator) -> str:
    return _("Fine: that text is not a result. To send results, choose the assignment with "
             "/submit &lt;assignment&gt;.")


def text_gone(_: Translator) -> str:
    return _("I no longer have that text (I restarted meanwhile): send it again, please.")


def taken_back(_: Translator, taken: ResultTaken) -> str:
    a = taken.assignment
    return _("Result taken back: assignment A{id} has {have} of {units} results now.",
             id=a.id, have=taken.have, units=a.units)


def submitted(_: Translator, a: AssignmentRecord) -> str:
    if a.status != AssignmentStatus.SUBMITTED:  # decided at once on its checks: a notice says
        return _("Assignment A{id} is submitted and was checked at once.", id=a.id)
    if a.precheck:
        return _("Assignment A{id} is submitted. Your guild leader checks it first, then the "
                 "platform reviews it.", id=a.id)
    return _("Assignment A{id} is submitted for review. You'll hear when it is accepted.",
             id=a.id)


def reminder(_: Translator, a: AssignmentRecord, have: int, hours: int, zone: tzinfo) -> str:
    due = when(_, from_epoch(a.due_at), zone)  # (not inside the call: pybabel would miss it)
    return _.plural(
        "⏰ Assignment A{id} ({title}) is due within {count} hour, at {when}. {have} of "
        "{units} results are in.",
        "⏰ Assignment A{id} ({title}) is due within {count} hours, at {when}. {have} of "
        "{units} results are in.", hours, id=a.id, title=a.task_title, when=due, have=have,
        units=a.units)


def overdue_worker(_: Translator, a: AssignmentRecord) -> str:
    return _("Assignment A{id} ({title}) passed its deadline without being submitted, so it "
             "expired and its units went back to your guild.", id=a.id, title=a.task_title)


def overdue_leader(_: Translator, a: AssignmentRecord, worker: UserRecord | None) -> str:
    return _("Assignment A{id} of {who} passed its deadline unsubmitted; its {units} "
             "of task T{task_id} are back in the guild's pool.", id=a.id,
             who=who(worker, a.worker_id), units=counted(_, a.units, "unit"), task_id=a.task_id)


def edit_outcome(_: Translator, outcome: ResultEdited | None) -> str:
    """The answer to an edited message in the worker's private chat."""
    if outcome is None:
        return edit_not_taken(_)
    if outcome.replaced:
        return _("Your edit replaced result {position} of assignment A{id}.",
                 position=outcome.position, id=outcome.assignment.id)
    return _("Result {position} of assignment A{id} was already submitted, so your edit "
             "doesn't change it.", position=outcome.position, id=outcome.assignment.id)


def edit_not_taken(_: Translator) -> str:
    return _("Edits are not taken: I act on messages as they were first sent. Send it again "
             "as a new message.")
