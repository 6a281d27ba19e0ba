"""Item tasks: the item card a worker answers, its buttons, and the admin's and leader's
notices about items."""

from __future__ import annotations

from html import escape

from bot.buttons import ITEM, OFFER
from bot.domain.counts import counted
from bot.domain.errors import N_
from bot.domain.statuses import AssignmentStatus
from bot.domain.tasks import RESULT_NAMES
from bot.i18n import Html, Translator
from bot.outcomes import ItemCard, ItemsImported
from bot.views.common import Keyboard, button, excerpt, keyboard, who
from storage.models import AssignmentRecord, HeldItem, UserRecord

BAR = 10  # cells in the progress bar
LIST_LIMIT = 40  # answers listed in the summary before "and N more"
SKIP_NAMES = {"unreadable": N_("unreadable"), "cannot": N_("can't do it")}
ANSWER_LIMIT = 80  # characters of an answer in the summary


def progress_bar(done: int, total: int) -> str:
    filled = (2 * BAR * done + total) // (2 * total) if total else BAR  # half rounds up
    return f"{done} / {total} " + "▰" * filled + "▱" * (BAR - filled)


def item_input(fields: dict[str, str]) -> Html:
    """An item's columns as the worker reads them: one column as it is, several named."""
    if len(fields) == 1:
        return Html(escape(next(iter(fields.values())), quote=False))
    return Html("\n".join(f"<b>{escape(k, quote=False)}</b>: {escape(v, quote=False)}"
                          for k, v in fields.items()))


def card(_: Translator, card: ItemCard) -> tuple[str, Keyboard | None]:
    """What the worker sees of an item assignment now, with its buttons."""
    if card.assignment.status == AssignmentStatus.DECLINED:
        return returned_text(_, card.assignment), None
    return card_text(_, card), card_keyboard(_, card)


def card_text(_: Translator, card: ItemCard) -> str:
    a, item = card.assignment, card.current
    if item is None:
        return summary_text(_, card)
    head = _("<b>Assignment A{id}</b> · {title} · item {number} of {total}", id=a.id,
             title=a.task_title, number=card.number, total=card.total)
    # Control items look like any other: where a task has them, no item shows its key.
    lines = [head, ""] if card.task.control_count else [head, _("Item {key}", key=item.key), ""]
    if fields := item.fields:
        lines += [item_input(fields), ""]
    if card.task.choices:
        lines.append(_("Tap all that apply, then Next.") if card.task.multi
                     else _("Tap the answer."))
    else:
        lines.append(_("Reply with your answer ({kind}).",
                       kind=_(RESULT_NAMES[card.task.result_type])))
    if item.answer is not None:
        lines.append(_("Your answer so far: {answer}", answer=answer_of(_, item)))
    if a.reject_reason and a.round > 0:
        lines.append(_("To fix: {reason}", reason=a.reject_reason))
    lines.append(progress_bar(card.answered, card.total))
    return "\n".join(lines)


def answer_of(_: Translator, item: HeldItem) -> str:
    """An answer as HTML (texts are kept as HTML; a file shows as its kind)."""
    if item.answer is None:
        return "—"
    if item.answer in RESULT_NAMES:
        return _(RESULT_NAMES[item.answer])
    return excerpt(item.answer, ANSWER_LIMIT)


def summary_text(_: Translator, card: ItemCard) -> str:
    a = card.assignment
    lines = [_("<b>Assignment A{id}</b> · {title}: all {items} answered.", id=a.id,
               title=a.task_title, items=counted(_, card.total, "item"))]
    for n, item in enumerate(card.open_items[:LIST_LIMIT], start=1):
        lines.append(_("{number}. {answer}", number=n, answer=answer_of(_, item))
                     if card.task.control_count else
                     _("{number}. {key}: {answer}", number=n, key=item.key,
                       answer=answer_of(_, item)))
    if card.total > LIST_LIMIT:
        lines.append(_("… and {more} more.", more=card.total - LIST_LIMIT))
    lines.append(_("Press Submit to send them for review, or Back to change the last one."))
    return "\n".join(lines)


def card_keyboard(_: Translator, card: ItemCard) -> Keyboard:
    a, item = card.assignment, card.current
    if item is None:
        return keyboard([button(_("Back"), ITEM.data("back", a.id, 0)),
                         button(_("Submit"), OFFER.data("submit", a.id))])
    rows: list[list[dict[str, str]]] = []
    if card.task.choices:
        chosen = set((item.answer or "").split(" | ")) if card.task.multi else set()
        labels = [button(("✓ " if escape(label, quote=False) in chosen else "") + label,
                         ITEM.data(f"p{n}", a.id, item.position))
                  for n, label in enumerate(card.task.choices)]
        rows += [labels[i:i + 2] for i in range(0, len(labels), 2)]
        if card.task.multi:
            rows.append([button(_("Next"), ITEM.data("next", a.id, item.position))])
    tools = [button(_("Back"), ITEM.data("back", a.id, item.position))] if not card.first \
        else []
    if a.round == 0 and card.task.qualifies is None:  # a test's items are all answered
        tools += [button(_("Skip: unreadable"), ITEM.data("skip_unreadable", a.id,
                                                          item.position)),
                  button(_("Skip: can't do it"), ITEM.data("skip_cannot", a.id,
                                                           item.position))]
    rows.append(tools)
    return keyboard(*[row for row in rows if row])


def returned_text(_: Translator, a: AssignmentRecord) -> str:
    return _("You skipped every item of assignment A{id}; it went back to your guild.", id=a.id)


def imported(_: Translator, result: ItemsImported) -> str:
    task = result.task
    text: str = _("Task T{id} has {items} now; its units are {units}.", id=task.id,
                  items=counted(_, result.count, "item"), units=task.units)
    if task.control_count:
        text += "\n" + _("{count} of them are control items, mixed into each assignment at "
                         "{share}.", count=task.control_count, share=f"{task.control_pct} %")
    if task.overlap > 1:
        text += "\n" + _("Each of the others is answered {count} times.", count=task.overlap)
    return text


def skipped_for_leader(_: Translator, a: AssignmentRecord, worker: UserRecord | None,
                       item: HeldItem, reason: str) -> str:
    return _("{worker} skipped item {key} of assignment A{id} ({reason}); it is back in the "
             "guild's pool.", worker=who(worker, a.worker_id), key=item.key, id=a.id,
             reason=_(SKIP_NAMES[reason]))


def returned_for_leader(_: Translator, a: AssignmentRecord, worker: UserRecord | None) -> str:
    return _("{worker} skipped every item of assignment A{id}; its units are back in the "
             "guild's pool.", worker=who(worker, a.worker_id), id=a.id)
