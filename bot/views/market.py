"""Texts and buttons of the task market."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo

from bot.buttons import CLAIM, QUOTE
from bot.clock import from_epoch
from bot.config import Settings
from bot.domain.counts import counted
from bot.domain.errors import N_, Msg
from bot.domain.ids import Kind, shown_all
from bot.domain.scores import NO_SCORE, Score
from bot.domain.statuses import QUOTE_NAMES, TASK_NAMES, QuoteStatus, TaskMode, TaskStatus
from bot.domain.tasks import RESULT_NAMES, claim_choices
from bot.i18n import Html, Translator
from bot.views.common import (
    Keyboard,
    button,
    excerpt,
    keyboard,
    list_pages,
    money_text,
    pages,
    when,
)
from bot.views.scores import score_short
from bot.views.skills import skills_line
from storage.models import AllocationRecord, QuoteRecord, TaskRecord

MODE_LABELS: dict[str, Msg] = {TaskMode.QUOTE: N_("quote (bid at or below the price)"),
               TaskMode.FIXED: N_("fixed price (claim units)")}
MODE_NAMES: dict[str, Msg] = {TaskMode.QUOTE: N_("quote"), TaskMode.FIXED: N_("fixed price")}
# Telegram refuses huge keyboards; the cheapest pending quotes get buttons, the rest /award.
MAX_QUOTE_BUTTONS = 10


def when_text(_: Translator, epoch: int, zone: tzinfo) -> str:
    return when(_, from_epoch(epoch), zone)


def quality_facts(_: Translator, task: TaskRecord) -> list[Html]:
    lines: list[Html] = []
    if task.control_pct:
        lines.append(_("Quality: {share} of each assignment are control items with known "
                       "answers; at least {threshold} of them must be right.",
                       share=f"{task.control_pct} %", threshold=f"{task.threshold_pct} %"))
    if task.overlap > 1:
        lines.append(_("Each item is answered by {count} workers, each from a different guild.",
                       count=task.overlap) if task.overlap_guilds else
                     _("Each item is answered by {count} workers.", count=task.overlap))
    if task.auto_accept == "quality":
        lines.append(_("Work that passes the checks is accepted without waiting for review."))
    return lines


def _facts(_: Translator, task: TaskRecord, settings: Settings, zone: tzinfo,
           titles: Mapping[str, str] | None) -> Html:
    lines = [
        _("Kind: {mode}", mode=_(MODE_LABELS[task.mode])),
        _("Result: {result}", result=_(RESULT_NAMES[task.result_type])),
        _("Units: {left} of {units} left", left=task.units_left, units=task.units),
        (_("Price cap: {price} per unit", price=money_text(_, task.price_minor, settings))
         if task.mode == TaskMode.QUOTE else
         _("Price: {price} per unit", price=money_text(_, task.price_minor, settings))),
        _("Deadline: {when}", when=when_text(_, task.deadline_at, zone)),
    ]
    if task.quote_deadline_at:
        lines.append(_("Quotes until: {when}", when=when_text(_, task.quote_deadline_at, zone)))
    lines.extend(quality_facts(_, task))
    if task.skill_names:
        lines.append(_("Skills: {skills}", skills=skills_line(task.skill_names, titles or {})))
    return Html("\n".join(lines))


def announcement(_: Translator, task: TaskRecord, settings: Settings, attachments: int,
                 titles: Mapping[str, str] | None = None) -> str:
    how = (_("Quote with /quote T{id} &lt;price&gt; &lt;units&gt; [note]", id=task.id)
           if task.mode == TaskMode.QUOTE else
           _("Claim units with /claim T{id} &lt;units&gt;", id=task.id))
    parts: list[str] = [_("<b>New task T{id}: {title}</b>", id=task.id, title=task.title),
             _facts(_, task, settings, settings.timezone, titles)]
    if task.instructions:
        parts.append(_("Instructions: {text}", text=excerpt(task.instructions, 400)))
    if attachments:
        parts.append(_.plural("{count} attachment comes with the assignment.",
                              "{count} attachments come with the assignment.", attachments))
    parts.append(how)
    return "\n".join(parts)


def task_posted(_: Translator, task: TaskRecord, settings: Settings, zone: tzinfo,
                announced_to: int, titles: Mapping[str, str] | None = None) -> str:
    return "\n".join([
        _("<b>Task T{id}</b> posted: {title}", id=task.id, title=task.title),
        _facts(_, task, settings, zone, titles),
        _.plural("Announced to {count} guild.", "Announced to {count} guilds.", announced_to),
    ])


def task_line(_: Translator, task: TaskRecord, settings: Settings) -> str:
    return _("T{id} {title} — {left}/{units} left, {price} per unit ({mode}, {status})",
             id=task.id, title=task.title, left=task.units_left,
             units=counted(_, task.units, "unit"),
             price=money_text(_, task.price_minor, settings), mode=_(MODE_NAMES[task.mode]),
             status=_(TASK_NAMES[task.status]))


def task_list(_: Translator, tasks: list[TaskRecord], total: int, settings: Settings, *,
              admin: bool) -> list[Html]:
    """The task list, newest first, in pages turned with Previous / Next."""
    if not tasks:
        return [_("No tasks are open right now.")]
    title = _("<b>Tasks in progress</b>") if admin else _("<b>Open tasks</b>")
    lines = [task_line(_, t, settings) for t in tasks]
    if total > len(tasks):
        lines.append(_("… and {more} older; /task &lt;id&gt; shows any of them.",
                       more=total - len(tasks)))
    lines.append(_("Details: /task &lt;id&gt; · quotes: /quotes &lt;id&gt;") if admin
                 else _("Details: /task &lt;id&gt;"))
    return list_pages(title, lines)


def task_details(_: Translator, task: TaskRecord, settings: Settings, zone: tzinfo, *,
                 quotes: list[QuoteRecord], allocations: list[AllocationRecord], attachments: int,
                 admin: bool, titles: Mapping[str, str] | None = None) -> list[Html]:
    """One task (for admins with its quotes and allocations), in as many pages as it takes."""
    parts: list[str] = [_("<b>Task T{id}: {title}</b> ({status})", id=task.id, title=task.title,
               status=_(TASK_NAMES[task.status])), _facts(_, task, settings, zone, titles)]
    if task.instructions:
        parts.append(_("Instructions:\n{text}", text=Html(task.instructions)))
    if attachments:
        parts.append(_.plural("{count} attachment.", "{count} attachments.", attachments))
    if task.cancel_reason:
        parts.append(_("Reason: {reason}", reason=task.cancel_reason))
    if admin:
        if quotes:
            parts.append(_("<b>Quotes</b>"))
            parts.extend(quote_line(_, q, settings) for q in quotes)
        if allocations:
            parts.append(_("<b>Allocations</b>"))
            parts.extend(_("{guild}: {units} at {price}", guild=a.guild_name,
                           units=counted(_, a.units, "unit"),
                           price=money_text(_, a.unit_price_minor, settings))
                         for a in allocations)
    elif task.status == TaskStatus.OPEN:
        parts.append(_("Quote with /quote T{id} &lt;price&gt; &lt;units&gt; [note]", id=task.id)
                     if task.mode == TaskMode.QUOTE
                     else _("Claim units with /claim T{id} &lt;units&gt;", id=task.id))
    return pages(parts[0], parts[1:])


def quote_line(_: Translator, quote: QuoteRecord, settings: Settings,
               size: int | None = None, score: Score | None = None) -> str:
    text: str = _("Quote Q{id} — {guild}: {units} at {price} ({status})", id=quote.id,
                  guild=quote.guild_name, units=counted(_, quote.units, "unit"),
                  price=money_text(_, quote.price_minor, settings),
                  status=_(QUOTE_NAMES[quote.status]))
    if size is not None:
        text += " " + _.plural("· {count} member", "· {count} members", size)
    if score is not None:
        text += " · " + score_short(_, score)
    if quote.awarded_units:
        text += " " + _("· awarded {units}", units=quote.awarded_units)
    if quote.note:
        text += "\n   " + _("Note: {note}", note=quote.note)
    return text


def quotes_table(_: Translator, task: TaskRecord, quotes: list[QuoteRecord],
                 sizes: dict[int, int], settings: Settings,
                 scores: dict[int, Score] | None = None) -> list[Html]:
    """The quotes, cheapest first, in pages (the buttons go under each)."""
    head = _("<b>Quotes for task T{id}: {title}</b>\n{left} of {units} left, cap {cap}",
             id=task.id, title=task.title, left=task.units_left,
             units=counted(_, task.units, "unit"),
             cap=money_text(_, task.price_minor, settings))
    if not quotes:
        return [Html(head + "\n" + _("No quotes yet."))]
    lines = [quote_line(_, q, settings, sizes.get(q.guild_id, 0),
                        (scores or {}).get(q.guild_id, NO_SCORE)) for q in quotes]
    footer: str = _("Award with /award &lt;quote&gt; [units]")
    if sum(q.status == QuoteStatus.PENDING for q in quotes) > MAX_QUOTE_BUTTONS:
        footer += "\n" + _("The buttons below are for the {count} cheapest pending quotes.",
                           count=MAX_QUOTE_BUTTONS)
    return list_pages(head, [*lines, footer])


def quotes_keyboard(_: Translator, quotes: list[QuoteRecord]) -> Keyboard:
    pending = [q for q in quotes if q.status == QuoteStatus.PENDING][:MAX_QUOTE_BUTTONS]
    return keyboard(*(quote_buttons(_, q)["inline_keyboard"][0] for q in pending))


def quote_buttons(_: Translator, quote: QuoteRecord) -> Keyboard:
    return keyboard([button(_("Award Q{id}", id=quote.id), QUOTE.data("award", quote.id)),
                     button(_("Reject Q{id}", id=quote.id), QUOTE.data("reject", quote.id))])


def quote_for_admins(_: Translator, quote: QuoteRecord, task: TaskRecord, size: int,
                     replaced: int | None, settings: Settings) -> str:
    text: str = _("<b>Quote Q{id}</b> for task T{task_id} ({title}): {guild} offers {units} "
                  "at {price} (cap {cap}).", id=quote.id, task_id=task.id, title=task.title,
                  guild=quote.guild_name, units=counted(_, quote.units, "unit"),
                  price=money_text(_, quote.price_minor, settings),
                  cap=money_text(_, task.price_minor, settings))
    text += "\n" + _.plural("The guild has {count} member.", "The guild has {count} members.",
                            size)
    if quote.note:
        text += "\n" + _("Note: {note}", note=quote.note)
    if replaced:
        text += "\n" + _("It replaces quote Q{old}.", old=replaced)
    return text


def quote_placed(_: Translator, quote: QuoteRecord, task: TaskRecord, replaced: int | None,
                 settings: Settings) -> str:
    text: str = _("<b>Quote Q{id}</b> sent for task T{task_id}: {units} at {price} per "
                  "unit. The admins will decide; withdraw it with /withdraw Q{id}.", id=quote.id,
                  task_id=task.id, units=counted(_, quote.units, "unit"),
                  price=money_text(_, quote.price_minor, settings))
    if replaced:
        text += "\n" + _("It replaces your quote Q{old}.", old=replaced)
    return text


def quote_withdrawn(_: Translator, quote: QuoteRecord) -> str:
    return _("Quote Q{id} for task T{task_id} was withdrawn by {guild}.", id=quote.id,
             task_id=quote.task_id, guild=quote.guild_name)


def quote_withdrawn_reply(_: Translator, quote: QuoteRecord) -> str:
    return _("Quote Q{id} is withdrawn.", id=quote.id)


def quote_awarded(_: Translator, quote: QuoteRecord, units: int, task: TaskRecord,
                  settings: Settings) -> str:
    if units == quote.units:
        return _("🎉 Quote Q{id} was awarded: {units} of task T{task_id} ({title}) at "
                 "{price} per unit are now your guild's. Hand them to members with "
                 "/distribute T{task_id} or /assign T{task_id} &lt;units&gt; @member.",
                 id=quote.id, units=counted(_, units, "unit"), task_id=task.id, title=task.title,
                 price=money_text(_, quote.price_minor, settings))
    return _("🎉 Quote Q{id} was awarded in part: {units} of the {quoted} you quoted for "
             "task T{task_id} ({title}) at {price} per unit are now your guild's.",
             id=quote.id, units=units, quoted=counted(_, quote.units, "unit"), task_id=task.id,
             title=task.title,
             price=money_text(_, quote.price_minor, settings))


def awarded_reply(_: Translator, quote: QuoteRecord, units: int, task: TaskRecord,
                  closed: list[int]) -> str:
    text: str = _("Quote Q{id} awarded: {guild} gets {units} of task T{task_id}. "
                  "{left} left.", id=quote.id, guild=quote.guild_name,
                  units=counted(_, units, "unit"),
                  task_id=task.id, left=counted(_, task.units_left, "unit"))
    if closed:
        text += "\n" + _("Task T{task_id} is fully allocated; the other quotes were rejected "
                         "({ids}).", task_id=task.id,
                         ids=shown_all(Kind.QUOTE, closed))
    return text


def quote_rejected(_: Translator, quote: QuoteRecord, reason: str | None) -> str:
    if reason:
        return _("Quote Q{id} for task T{task_id} was not accepted. Reason: {reason}",
                 id=quote.id, task_id=quote.task_id, reason=reason)
    return _("Quote Q{id} for task T{task_id} was not accepted.", id=quote.id,
             task_id=quote.task_id)


def quote_rejected_reply(_: Translator, quote: QuoteRecord) -> str:
    return _("Quote Q{id} rejected; {guild} was told.", id=quote.id, guild=quote.guild_name)


def quote_closed(_: Translator, quote: QuoteRecord, task: TaskRecord, kind: str) -> str:
    if kind == "quote.cancelled":
        return _("Task T{task_id} was cancelled, so quote Q{id} is closed.", task_id=task.id,
                 id=quote.id)
    if kind == "quote.expired":
        return _("The quote window of task T{task_id} closed; quote Q{id} was not awarded.",
                 task_id=task.id, id=quote.id)
    return _("All units of task T{task_id} were awarded to other guilds; quote Q{id} was not "
             "accepted.", task_id=task.id, id=quote.id)


def claim_keyboard(_: Translator, task: TaskRecord, held: int) -> Keyboard | None:
    """The Claim buttons under a task's announcement (none under a quote task's)."""
    return claim_buttons(_, task.id, task.units_left, held) \
        if task.mode == TaskMode.FIXED else None


def claim_buttons(_: Translator, task_id: int, left: int, held: int) -> Keyboard | None:
    """Claim 1 … Claim <left> of a fixed task, for a guild holding `held` of it."""
    choices = claim_choices(left)
    return keyboard([button(_("Claim {units}", units=units),
                            CLAIM.data("claim", task_id, units, held))
                     for units in choices]) if choices else None


def claim_made(_: Translator, allocation_units: int, task: TaskRecord, price: int,
               settings: Settings) -> str:
    return _("Claimed {units} of task T{task_id} ({title}) at {price} per unit. "
             "{left} are left for other guilds. Hand them to members with "
             "/distribute T{task_id}.", units=counted(_, allocation_units, "unit"),
             task_id=task.id, title=task.title, price=money_text(_, price, settings),
             left=counted(_, task.units_left, "unit"))


def claim_for_admins(_: Translator, guild: str, units: int, task: TaskRecord,
                     settings: Settings) -> str:
    return _("{guild} claimed {units} of task T{task_id} ({title}); {left} of {total} "
             "left.", guild=guild, units=counted(_, units, "unit"), task_id=task.id,
             title=task.title,
             left=task.units_left, total=task.units)


def task_cancelled(_: Translator, task: TaskRecord, reason: str | None) -> str:
    if reason:
        return _("Task T{id} ({title}) was cancelled by the platform. Reason: {reason}",
                 id=task.id, title=task.title, reason=reason)
    return _("Task T{id} ({title}) was cancelled by the platform.", id=task.id, title=task.title)


def assignment_cancelled(_: Translator, task: TaskRecord, assignment_id: int,
                         reason: str | None) -> str:
    text: str = _("Task T{task_id} ({title}) was cancelled by the platform, so assignment "
                  "A{id} is cancelled: there is nothing more to send for it.", task_id=task.id,
                  title=task.title, id=assignment_id)
    if reason:
        text += "\n" + _("Reason: {reason}", reason=reason)
    return text


def task_cancelled_reply(_: Translator, task: TaskRecord) -> str:
    return _("Task T{id} is cancelled; the guilds and workers involved were told. Results "
             "already submitted stay in /review.", id=task.id)


def window_closed(_: Translator, task: TaskRecord, awarded: list[tuple[QuoteRecord, int]],
                  expired: int, settings: Settings) -> str:
    lines = [_("The quote window of task T{id} ({title}) closed.", id=task.id,
               title=task.title)]
    for quote, units in awarded:
        lines.append(_("Auto-awarded quote Q{id}: {guild}, {units} at {price}.",
                       id=quote.id, guild=quote.guild_name, units=counted(_, units, "unit"),
                       price=money_text(_, quote.price_minor, settings)))
    if expired:
        lines.append(_.plural("{count} quote was not awarded and expired.",
                              "{count} quotes were not awarded and expired.", expired))
    lines.append(_("{left} of {units} left.", left=task.units_left,
                   units=counted(_, task.units, "unit")))
    return "\n".join(lines)
