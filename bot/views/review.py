"""Texts and buttons for review: the guild's pre-check and the admins' decision."""

from __future__ import annotations

from bot.buttons import MARK, MARKABLE, PRECHECK, REVIEW
from bot.config import Settings
from bot.domain.counts import counted
from bot.domain.work import Credit
from bot.i18n import Html, Translator
from bot.outcomes import ReviewItem
from bot.views.common import Keyboard, button, excerpt, keyboard, money_text, pages, who
from bot.views.items import answer_of, item_input
from storage.models import AssignmentRecord, HeldItem, UserRecord

INPUT_LIMIT = 60  # characters of an item's input on the review page


def submitted_for_admins(_: Translator, a: AssignmentRecord) -> str:
    return _("Assignment A{id} ({units} of task T{task_id}, {guild}) is ready for "
             "review: /review", id=a.id, units=counted(_, a.units, "unit"), task_id=a.task_id,
             guild=a.guild_name)


def submitted_for_guild(_: Translator, a: AssignmentRecord, worker: UserRecord | None) -> str:
    return _("{who} submitted assignment A{id} ({units} of task T{task_id}).",
             who=who(worker, a.worker_id), id=a.id, units=counted(_, a.units, "unit"),
             task_id=a.task_id)


def precheck_request(_: Translator, a: AssignmentRecord, worker: UserRecord | None,
                     items: list[HeldItem]) -> str:
    """What the leader checks: an item task's answers listed here, a count task's results in
    the messages that follow."""
    text: str = _("{who} submitted assignment A{id} ({units} of task T{task_id}). Your guild "
                  "pre-checks results: pass it to the platform's review, or send it back.",
                  who=who(worker, a.worker_id), id=a.id, units=counted(_, a.units, "unit"),
                  task_id=a.task_id)
    return "\n".join([text, *answer_lines(_, items)])


def precheck_footer(_: Translator, a: AssignmentRecord) -> str:
    return _("Pass assignment A{id} to the platform's review, or send it back with what to fix.",
             id=a.id)


def precheck_keyboard(_: Translator, assignment_id: int, round: int) -> Keyboard:
    # The round keeps a button under one submission from acting on a later one.
    return keyboard([button(_("Pass to review"), PRECHECK.data("pass", assignment_id, round)),
                     button(_("Send back"), PRECHECK.data("back", assignment_id, round))])


def review_header(_: Translator, a: AssignmentRecord, worker: UserRecord | None,
                  results: int, waiting: int, settings: Settings) -> str:
    text: str = _("<b>Review assignment A{id}</b>: task T{task_id} ({title}), {guild}, by {who}. "
                  "{units} at {price}; {results} follow.", id=a.id,
                  task_id=a.task_id, title=a.task_title, guild=a.guild_name,
                  who=who(worker, a.worker_id), units=counted(_, a.units, "unit"),
                  price=money_text(_, a.unit_price_minor, settings),
                  results=counted(_, results, "result"))
    if a.rework_count:
        text += "\n" + _("This is rework round {n}.", n=a.rework_count)
    if waiting:
        text += "\n" + _.plural("{count} more waits after this one.",
                                "{count} more wait after this one.", waiting)
    return text


MARKS_PER_ROW = 6


def review_keyboard(_: Translator, assignment_id: int, round: int, count: int = 0
                    ) -> Keyboard:
    """Accept, Reject and, for a submission of 2 to MARKABLE items or results, Send back
    some (its numbers marked by tapping). The round keeps a button under one submission from
    acting on a later one."""
    some = [button(_("Send back some…"), MARK.data("some", assignment_id, round, 0))] \
        if 2 <= count <= MARKABLE else []
    return keyboard([
        button(_.context("review", "Accept"), REVIEW.data("approve", assignment_id, round)),
        button(_("Reject"), REVIEW.data("reject", assignment_id, round))], some)


def marks_keyboard(_: Translator, assignment_id: int, round: int, count: int, marks: int
                   ) -> Keyboard:
    """A submission's numbers to tap (✓ on those marked), then Send back or Cancel."""
    numbers = [button(("✓ " if marks >> (n - 1) & 1 else "") + str(n),
                      MARK.data(f"t{n}", assignment_id, round, marks))
               for n in range(1, count + 1)]
    rows = [numbers[i:i + MARKS_PER_ROW] for i in range(0, count, MARKS_PER_ROW)]
    chosen = marked(marks, count)
    send = [button(_.plural("Send back {count} marked", "Send back {count} marked",
                            len(chosen)), MARK.data("send", assignment_id, round, marks))] \
        if chosen else []
    cancel = button(_("Cancel"), MARK.data("cancel", assignment_id, round, 0))
    return keyboard(*rows, [*send, cancel])


def toggled(marks: int, action: str, count: int) -> int:
    """The marks (of numbers 1…count) after a press: `t<n>` marks or unmarks n."""
    marks &= (1 << count) - 1
    if action.startswith("t") and 1 <= (n := int(action[1:])) <= count:
        marks ^= 1 << (n - 1)
    return marks


def marked(marks: int, count: int) -> list[int]:
    """The numbers (1…count) the marks name."""
    return [n for n in range(1, count + 1) if marks >> (n - 1) & 1]


def reject_some_prompt(_: Translator, assignment_id: int, numbers: list[int]) -> str:
    return _("What should be fixed in {numbers} of assignment A{id}? Reply to this message "
             "with the reason; the worker will see it, and only these go back.",
             numbers=", ".join(map(str, numbers)), id=assignment_id)


def review_footer(_: Translator, a: AssignmentRecord) -> str:
    return _("Accept assignment A{id}, or send it back with a reason: /reject A{id} "
             "&lt;reason&gt;; only some results, by their numbers: /reject A{id} 2,5 "
             "&lt;reason&gt;.", id=a.id)


def send_back_prompt(_: Translator, assignment_id: int) -> str:
    return _("What should be fixed in assignment A{id}? Reply to this message; the worker "
             "will see it.", id=assignment_id)


def sent_back_reply(_: Translator, a: AssignmentRecord) -> str:
    return _("Assignment A{id} went back to the worker for rework.", id=a.id)


def reject_prompt(_: Translator, assignment_id: int) -> str:
    return _("Why is assignment A{id} rejected? Reply to this message with the reason; the "
             "worker will see it. To send back only some, start with their numbers: 2,5 "
             "blurry.", id=assignment_id)


def accepted_reply(_: Translator, a: AssignmentRecord, credit: Credit | None,
                   settings: Settings) -> str:
    credit = credit or Credit(0, 0, 0)
    return _("Assignment A{id} accepted: {units} of {total}. Credited {worker} to the "
             "worker and {commission} commission to {guild}.", id=a.id,
             units=a.accepted_units, total=counted(_, a.units, "unit"),
             worker=money_text(_, credit.worker_minor, settings),
             commission=money_text(_, credit.commission_minor, settings), guild=a.guild_name)


def accepted_for_worker(_: Translator, a: AssignmentRecord, credit: Credit, settings: Settings,
                        auto: bool, settled: bool = False, quality: bool = False) -> str:
    if quality:
        text: str = _("✅ Assignment A{id} passed the quality checks and was accepted "
                      "automatically: {units}.", id=a.id,
                      units=counted(_, a.accepted_units or 0, "unit"))
    elif settled:
        text = _("✅ Assignment A{id}: the rework was not submitted by the deadline, so "
                 "what the review let stand was accepted: {units} of {total}; the rest "
                 "went back to your guild.", id=a.id, units=a.accepted_units,
                 total=counted(_, a.units, "unit"))
    elif auto:
        text = _("✅ Assignment A{id} was accepted automatically (the review window passed): "
                 "{units}.", id=a.id, units=counted(_, a.accepted_units or 0, "unit"))
    else:
        text = _("✅ Assignment A{id} was accepted: {units} of {total}.", id=a.id,
                 units=a.accepted_units, total=counted(_, a.units, "unit"))
    return text + "\n" + _("You earned {amount} (after {guild}'s commission of {commission}).",
                           amount=money_text(_, credit.worker_minor, settings),
                           guild=a.guild_name,
                           commission=money_text(_, credit.commission_minor, settings))


def accepted_for_guild(_: Translator, a: AssignmentRecord, credit: Credit,
                       settings: Settings) -> str:
    return _("Assignment A{id} of task T{task_id} was accepted ({units}); the guild's "
             "commission: {commission}.", id=a.id, task_id=a.task_id,
             units=counted(_, a.accepted_units or 0, "unit"),
             commission=money_text(_, credit.commission_minor, settings))


def rejected_reply(_: Translator, a: AssignmentRecord) -> str:
    return _("Assignment A{id} sent back for rework; the worker was told why.", id=a.id)


def rejected_for_worker(_: Translator, a: AssignmentRecord, reason: str,
                        keys: list[str] | None = None) -> str:
    if keys and not a.has_items:
        return _("↩️ Assignment A{id}: results {numbers} were sent back for rework. Reason: "
                 "{reason}\nThe others stand. Send {results} again with /submit A{id}, then "
                 "press Submit.", id=a.id, numbers=", ".join(keys), reason=reason,
                 results=counted(_, len(keys), "result"))
    if keys:
        return _("↩️ Assignment A{id}: items {keys} were sent back for rework. Reason: "
                 "{reason}\nThe other answers stand. Send /tasks and press Continue to answer "
                 "those items again, then Submit.", id=a.id, keys=", ".join(keys),
                 reason=reason)
    if a.has_items:
        return _("↩️ Assignment A{id} was sent back for rework. Reason: {reason}\nSend /tasks "
                 "and press Continue to answer its items again, then Submit.", id=a.id,
                 reason=reason)
    return _("↩️ Assignment A{id} was sent back for rework. Reason: {reason}\nSend the {results} "
             "again with /submit A{id}, then press Submit.", id=a.id, reason=reason,
             results=counted(_, a.units, "result"))


def precheck_set(_: Translator, name: str, on: bool) -> str:
    if on:
        return _("{name} now pre-checks results: submissions come to the leader first, with a "
                 "button to pass them to the platform's review.", name=name)
    return _("{name} no longer pre-checks results: submissions go straight to the platform's "
             "review.", name=name)


def prechecked_reply(_: Translator, a: AssignmentRecord) -> str:
    return _("Assignment A{id} passed to the platform's review.", id=a.id)


def precheck_skipped_admins(_: Translator, a: AssignmentRecord) -> str:
    return _("Assignment A{id} ({units} of task T{task_id}, {guild}) waited {days} for its "
             "guild's pre-check, so it is in /review now, unchecked by the guild.",
             id=a.id, units=counted(_, a.units, "unit"), task_id=a.task_id, guild=a.guild_name,
             days=counted(_, a.review_days, "day"))


def precheck_undeliverable_admins(_: Translator, a: AssignmentRecord) -> str:
    return _("Assignment A{id} ({units} of task T{task_id}, {guild}) needs its guild's "
             "pre-check, but I can't message its leader or any deputy, so it is in /review "
             "now, unchecked by the guild.", id=a.id, units=counted(_, a.units, "unit"),
             task_id=a.task_id, guild=a.guild_name)


def precheck_skipped_leader(_: Translator, a: AssignmentRecord) -> str:
    return _("Assignment A{id} was not pre-checked within {days}, so it went to the "
             "platform's review unchecked.", id=a.id, days=counted(_, a.review_days, "day"))


def item_answers(_: Translator, item: ReviewItem, settings: Settings) -> list[Html]:
    """An item submission on one page (or a few): each item's input next to its answer."""
    a = item.assignment
    head: str = _("<b>Review assignment A{id}</b>: task T{task_id} ({title}), {guild}, by {who}. "
             "{items} at {price}.", id=a.id, task_id=a.task_id, title=a.task_title,
             guild=a.guild_name, who=who(item.worker, a.worker_id),
             items=counted(_, len(item.items), "item"),
             price=money_text(_, a.unit_price_minor, settings))
    if a.rework_count:
        head += "\n" + _("This is rework round {n}.", n=a.rework_count)
    total, wrong = item.controls
    if total:
        head += "\n" + _("Control answers: {right} of {total} right.", right=total - wrong,
                         total=total)
    if a.disputed:
        head += "\n" + _("⚠️ Some answers differ from the other workers' on the same items.")
    lines = answer_lines(_, item.items, controls=True)
    lines.append(_("Accept all, or send some back by their numbers: /reject A{id} 2,5 "
                   "&lt;reason&gt;.", id=a.id))
    return pages(head, lines)


def answer_lines(_: Translator, items: list[HeldItem], controls: bool = False) -> list[str]:
    """Each item's number, key and input next to its answer; with `controls` (for admins
    only: control items are used again for others), control items marked."""
    return [_("{number}. {key} · {input} → {answer}", number=n, key=i.key,
              input=excerpt(item_input(i.fields), INPUT_LIMIT), answer=answer_of(_, i))
            + (" " + _("(control item)") if controls and i.control else "")
            for n, i in enumerate(items, start=1)]

