"""Texts and buttons of the guided /newtask flow."""

from __future__ import annotations

from datetime import tzinfo

from bot.buttons import NEWTASK_AUTO, NEWTASK_MODE, NEWTASK_RESULT, NEWTASK_STEP, TASK_AGAIN
from bot.config import Settings
from bot.domain.counts import counted
from bot.domain.statuses import TaskMode
from bot.domain.tasks import RESULT_NAMES, RESULT_TYPES, TaskDraft
from bot.i18n import Translator
from bot.views.common import Keyboard, button, keyboard, money_text, when
from bot.views.market import MODE_LABELS


def ask_title(_: Translator) -> str:
    return _("<b>New task</b> — step 1 of 7. Send the task's title. (/cancel stops at any step.)")


def ask_instructions(_: Translator) -> str:
    return _("Step 2 of 7. Send the instructions for workers as text. You can also send files "
             "(script, examples) to attach. Press Done when finished.")


def instructions_noted(_: Translator, attachments: int) -> str:
    return _.plural("Noted ({count} file attached). Send more, or press Done.",
                    "Noted ({count} files attached). Send more, or press Done.", attachments)


def done_keyboard(_: Translator) -> Keyboard:
    return keyboard([button(_("Done"), NEWTASK_STEP.data("done"))])


def ask_result(_: Translator) -> str:
    return _("Step 3 of 7. What should each unit's result be?")


def result_keyboard(_: Translator) -> Keyboard:
    buttons = [button(_(RESULT_NAMES[kind]), NEWTASK_RESULT.data(kind)) for kind in RESULT_TYPES]
    return keyboard(buttons[:3], buttons[3:6], buttons[6:])


def ask_units(_: Translator) -> str:
    return _("Step 4 of 7. How many units? (a whole number, e.g. 200) Or send the items as a "
             ".csv, .jsonl or .zip file: one unit each.")


def items_taken(_: Translator, count: int, file_name: str) -> str:
    return _("{items} from {file}, one unit each.", items=counted(_, count, "item"),
             file=file_name)


def ask_price(_: Translator, settings: Settings) -> str:
    example = "2" if settings.currency_exponent == 0 else "2.50"
    return _("Step 5 of 7. Price per unit in {currency}, e.g. {example}. For a quote task this "
             "is the cap: guilds bid at or below it.", currency=settings.currency,
             example=example)


def ask_mode(_: Translator) -> str:
    return _("Step 6 of 7. How do guilds take it?")


def mode_keyboard(_: Translator) -> Keyboard:
    return keyboard(*([button(_(MODE_LABELS[mode]), NEWTASK_MODE.data(mode))]
                      for mode in TaskMode))


def ask_deadline(_: Translator, zone: tzinfo) -> str:
    return _("Step 7 of 7. Deadline for the work, as YYYY-MM-DD HH:MM in your time zone "
             "({zone}).", zone=str(zone))


def ask_quote_deadline(_: Translator, zone: tzinfo) -> str:
    return _("When does the quote window close? YYYY-MM-DD HH:MM ({zone}); quotes not awarded "
             "by then expire. Or Skip to take quotes until you have awarded every unit.",
             zone=str(zone))


def skip_keyboard(_: Translator) -> Keyboard:
    return keyboard([button(_("Skip"), NEWTASK_STEP.data("skip"))])


def ask_auto_award(_: Translator) -> str:
    return _("Award automatically when the window closes (lowest price first)?")


def yes_no_keyboard(_: Translator) -> Keyboard:
    return keyboard([button(_("Yes"), NEWTASK_AUTO.data("yes")),
                     button(_("No"), NEWTASK_AUTO.data("no"))])


def summary(_: Translator, draft: TaskDraft, attachments: int, settings: Settings,
            zone: tzinfo) -> str:
    lines = [
        _("<b>Check the task</b>"),
        _("Title: {title}", title=draft.title),
        _("Kind: {mode}", mode=_(MODE_LABELS[draft.mode])),
        _("Result: {result}", result=_(RESULT_NAMES[draft.result_type])),
        _("Units: {units}", units=draft.units),
        _("Price: {price} per unit", price=money_text(_, draft.price_minor, settings)),
    ]
    if draft.deadline:
        lines.append(_("Deadline: {when}", when=when(_, draft.deadline, zone)))
    if draft.quote_deadline:
        lines.append(_("Quotes until: {when}", when=when(_, draft.quote_deadline, zone)))
        lines.append(_("Auto-award: {answer}", answer=_("yes") if draft.auto_award else _("no")))
    lines.append(_.plural("{count} attachment.", "{count} attachments.", attachments))
    return "\n".join(lines)


def confirm_keyboard(_: Translator) -> Keyboard:
    return keyboard([button(_("Post"), NEWTASK_STEP.data("post")),
                     button(_("Cancel"), NEWTASK_STEP.data("cancel"))])


def again_keyboard(_: Translator, slot: int) -> Keyboard:
    return keyboard([button(_("Post it again"), TASK_AGAIN.data("again", slot))])


def discarded(_: Translator) -> str:
    return _("The draft is discarded; nothing was posted.")


def unexpected(_: Translator) -> str:
    return _("That doesn't fit this step. Answer the question above, or /cancel.")


def nothing_to_cancel(_: Translator) -> str:
    return _("There is nothing to cancel.")


def stale_button(_: Translator) -> str:
    return str(_("That button is from an earlier step or draft. Answer the latest question, "
                 "or start again with /newtask."))
