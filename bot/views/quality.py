"""Quality control: what the checks say to workers, and a task's answers for the admins."""

from __future__ import annotations

from html import unescape

from bot.domain.counts import counted
from bot.i18n import Html, Translator
from bot.outcomes import TaskAnswers
from bot.views.common import csv_bytes

ANSWERS_CSV_COLUMNS = ("key", "answer", "confidence", "votes", "answers")


def controls_failed(_: Translator, wrong: int, total: int, threshold: int) -> str:
    """The reason of a rejection on the controls: how many were wrong, never which."""
    return _("{wrong} of {total} control answers were wrong; at least {threshold} % must be "
             "right. Check each item carefully and answer again.", wrong=wrong, total=total,
             threshold=threshold)


def kept_off(_: Translator, times: int, wrong: int, total: int) -> str:
    """A ban's reason after failed controls: how often in a row, and the last check's count."""
    return _.plural("the control answers fell short {count} time in a row (the last time, "
                    "{wrong} of {total} were wrong)",
                    "the control answers fell short {count} times in a row (the last time, "
                    "{wrong} of {total} were wrong)", times, wrong=wrong, total=total)


def test_passed(_: Translator, skill: str, right: int, total: int) -> str:
    return _("🎓 You passed the qualification test for {skill}: {right} of {total} right. "
             "Tasks that need it are open to you now.", skill=skill, right=right, total=total)


def test_failed(_: Translator, skill: str, right: int, total: int, threshold: int,
                again: str) -> str:
    return _("You did not pass the qualification test for {skill}: {right} of {total} right, "
             "and {threshold} % are needed. You can take it again from {when} "
             "(/qualify {skill}).", skill=skill, right=right, total=total, threshold=threshold,
             when=again)


def answers_summary(_: Translator, found: TaskAnswers) -> Html:
    task = found.task
    lines = [_("<b>Task T{id}: {title}</b> — answers", id=task.id, title=task.title),
             _("{done} of {items} have their {overlap} answers; {agreed} agree.",
               done=found.answered, items=counted(_, len(found.items), "item"),
               overlap=task.overlap, agreed=found.agreed)]
    if task.control_count:
        lines.append(_("Control items: {count}, {share} of each assignment.",
                       count=task.control_count, share=f"{task.control_pct} %"))
    lines.append(_("Each item's answer, its confidence (the share that agree) and the votes "
                   "are in the file."))
    return Html("\n".join(lines))


def answers_csv(found: TaskAnswers) -> bytes:
    """One row per ordinary item: its answer (blank without a majority), the confidence, the
    answers that agree and all answers. UTF-8 with a BOM, so spreadsheets read Chinese."""
    return csv_bytes(ANSWERS_CSV_COLUMNS, (
        (item.key, unescape(item.answer or "") if item.result.agreed else "",
         f"{item.result.confidence:.2f}", item.result.votes, item.result.answers)
        for item in found.items))
