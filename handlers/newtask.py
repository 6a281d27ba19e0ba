"""/newtask: the one-message form, or a guided flow (title → … → confirm) with /cancel; the
flow's step and draft are conversation scratch (handlers.flow), kept across restarts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import wraps
from typing import Any

from telegram import Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.buttons import (
    NEWTASK_ANY,
    NEWTASK_AUTO,
    NEWTASK_MODE,
    NEWTASK_RESULT,
    NEWTASK_STEP,
    TASK_AGAIN,
    Buttons,
    Press,
)
from bot.context import GuildContext
from bot.domain.errors import (
    N_,
    AdminsOnly,
    PrivateChatOnly,
    RepeatedTask,
    TaskFieldError,
)
from bot.domain.statuses import TaskMode
from bot.domain.tasks import (
    TaskDraft,
    check_instructions,
    parse_mode,
    parse_price,
    parse_result_type,
    parse_time,
    parse_title,
    parse_units,
)
from bot.outcomes import PostedTask, PreparedItems
from bot.views import newtask as views
from bot.views.common import Keyboard
from bot.views.market import task_posted
from handlers import items
from handlers.common import Again, Call, markup, press, reply, texts
from handlers.flow import END, FlowHandler
from storage.models import AttachmentRecord

(TITLE, INSTRUCTIONS, RESULT, UNITS, PRICE, MODE, DEADLINE, QUOTE_DEADLINE, AUTO_AWARD,
 CONFIRM) = range(10)
_KEY = "newtask"
AGAIN = Again("newtask.again")  # refused repeats of the one-message form
_MEDIA = filters.Document.ALL | filters.PHOTO | filters.VOICE | filters.AUDIO | filters.VIDEO


@dataclass
class Flow:
    """Scratch of one admin's draft; the database sees nothing until Post."""

    draft: TaskDraft = field(default_factory=lambda: TaskDraft(title=""))
    attachments: list[AttachmentRecord] = field(default_factory=list)
    items: PreparedItems | None = None  # a file sent at the units step: its items


def _flow(call: Call) -> Flow:
    flow = call.user_data.get(_KEY)
    if not isinstance(flow, Flow):
        flow = call.user_data[_KEY] = Flow()
    return flow


# What a step answers: the next state, and the message that asks for it.
Next = tuple[int, str, Keyboard | None]
Step = Callable[[Call], Awaitable[Next]]


def step(handler: Step) -> Callable[[Update, GuildContext], Coroutine[Any, Any, int]]:
    """A step of the flow: a button's query is answered first; once the step has taken the
    answer, the buttons come off the message answered and the next question is asked."""

    @wraps(handler)
    async def run(update: Update, context: GuildContext) -> int:
        call = Call(update, context, await texts(update, context))
        query = update.callback_query
        if query is not None:
            await query.answer()
        state, text, keyboard = await handler(call)
        if query is not None and query.message is not None:
            await query.edit_message_reply_markup(reply_markup=markup(None))
        await call.reply(text, keyboard)
        return state

    return run


def _text(call: Call) -> str:
    return call.message.text or ""


def _choice(call: Call, spec: Buttons) -> str:
    query = call.update.callback_query
    pressed = spec.parse(query.data if query else None)
    assert pressed is not None  # the state's pattern matched it
    return pressed.action


async def start(update: Update, context: GuildContext) -> int:
    call = Call(update, context, await texts(update, context))
    if not call.services.users.is_admin(call.user_id):
        raise AdminsOnly()
    if not call.private:
        raise PrivateChatOnly(command="/newtask")
    if len(_text(call).split(maxsplit=1)) > 1:  # the one-message form
        await _post_form(call, _text(call), again=False)
        return END
    call.user_data[_KEY] = Flow()
    await call.reply(views.ask_title(call._))
    return TITLE


@step
async def title(call: Call) -> Next:
    flow = _flow(call)
    flow.draft = flow.draft.but(title=parse_title(_text(call)))
    return INSTRUCTIONS, views.ask_instructions(call._), views.done_keyboard(call._)


def _add_instructions(flow: Flow, markup_text: str) -> None:
    joined = (f"{flow.draft.instructions}\n{markup_text}" if flow.draft.instructions
              else markup_text)
    flow.draft = flow.draft.but(instructions=check_instructions(joined))


@step
async def instructions_text(call: Call) -> Next:
    flow = _flow(call)
    _add_instructions(flow, call.message.text_html.strip())
    return (INSTRUCTIONS, views.instructions_noted(call._, len(flow.attachments)),
            views.done_keyboard(call._))


@step
async def instructions_file(call: Call) -> Next:
    flow = _flow(call)
    attachment = _attachment(call.message)
    if call.message.caption:
        _add_instructions(flow, call.message.caption_html)
    flow.attachments.append(attachment)
    return (INSTRUCTIONS, views.instructions_noted(call._, len(flow.attachments)),
            views.done_keyboard(call._))


@step
async def instructions_done(call: Call) -> Next:
    flow = _flow(call)
    if not flow.draft.instructions and not flow.attachments:
        raise TaskFieldError(problem=N_("Send the instructions first (text or files)."))
    return RESULT, views.ask_result(call._), views.result_keyboard(call._)


@step
async def result(call: Call) -> Next:
    flow = _flow(call)
    flow.draft = flow.draft.but(result_type=parse_result_type(_choice(call, NEWTASK_RESULT)))
    return UNITS, views.ask_units(call._), None


@step
async def units(call: Call) -> Next:
    flow = _flow(call)
    flow.draft = flow.draft.but(units=parse_units(_text(call)))
    return PRICE, views.ask_price(call._, call.services.settings), None


@step
async def units_file(call: Call) -> Next:
    """The units step, answered with an item file: its items are the task's units."""
    flow = _flow(call)
    document = call.message.document
    assert document is not None  # the state's filter
    prepared = await items.read_file(call, document)
    call.services.item_files.discard(flow.items)  # an earlier file sent at this step
    flow.items = prepared
    flow.draft = flow.draft.but(units=len(prepared.items))
    taken = views.items_taken(call._, len(prepared.items), prepared.file_name)
    return PRICE, taken + "\n" + views.ask_price(call._, call.services.settings), None


@step
async def price(call: Call) -> Next:
    flow = _flow(call)
    exponent = call.services.settings.currency_exponent
    flow.draft = flow.draft.but(price_minor=parse_price(_text(call), exponent))
    return MODE, views.ask_mode(call._), views.mode_keyboard(call._)


@step
async def mode(call: Call) -> Next:
    flow = _flow(call)
    flow.draft = flow.draft.but(mode=parse_mode(_choice(call, NEWTASK_MODE)))
    zone = await call.services.users.zone_of(call.user_id)
    return DEADLINE, views.ask_deadline(call._, zone), None


async def _take_time(call: Call, field: str) -> tuple[TaskDraft, tzinfo]:
    """The deadline (or quote deadline) typed, read in the admin's zone and checked at once."""
    flow = _flow(call)
    zone = await call.services.users.zone_of(call.user_id)
    draft = flow.draft.but(**{field: _time(_text(call), zone)})
    call.services.market.check_draft(draft)
    flow.draft = draft
    return draft, zone


@step
async def deadline(call: Call) -> Next:
    draft, zone = await _take_time(call, "deadline")
    if draft.mode == TaskMode.QUOTE:
        return (QUOTE_DEADLINE, views.ask_quote_deadline(call._, zone),
                views.skip_keyboard(call._))
    return await _confirm(call)


@step
async def quote_deadline(call: Call) -> Next:
    await _take_time(call, "quote_deadline")
    return AUTO_AWARD, views.ask_auto_award(call._), views.yes_no_keyboard(call._)


@step
async def skip_quote_deadline(call: Call) -> Next:
    return await _confirm(call)


@step
async def auto_award(call: Call) -> Next:
    flow = _flow(call)
    flow.draft = flow.draft.but(auto_award=_choice(call, NEWTASK_AUTO) == "yes")
    return await _confirm(call)


@step
async def post(call: Call) -> Next:
    flow = _flow(call)
    posted = await call.services.market.post_task(call.user_id, flow.draft, flow.attachments,
                                                  items=flow.items)
    call.user_data.pop(_KEY, None)
    return await _posted(call, posted)


@step
async def cancel(call: Call) -> Next:
    flow = call.user_data.pop(_KEY, None)
    if isinstance(flow, Flow):
        call.services.item_files.discard(flow.items)
    return END, views.discarded(call._), None


async def stale_button(update: Update, context: GuildContext) -> None:
    """A button of an earlier step or draft: say so, and the current step stays."""
    assert update.callback_query is not None
    _ = await texts(update, context)
    await update.callback_query.answer(views.stale_button(_), show_alert=True)


async def nothing_to_cancel(update: Update, context: GuildContext) -> None:
    await reply(update, views.nothing_to_cancel(await texts(update, context)))


async def unexpected(update: Update, context: GuildContext) -> None:
    """Anything else while a step waits: say what the step expects (the state stays)."""
    await reply(update, views.unexpected(await texts(update, context)))


async def _post_form(call: Call, form: str, *, again: bool) -> None:
    try:
        posted = await call.services.market.post_from_form(call.user_id, form, again=again)
    except RepeatedTask as refusal:
        await AGAIN.offer(call, refusal, form, views.again_keyboard)
        return
    _state, text, _keyboard = await _posted(call, posted)
    await call.reply(text)


@press(TASK_AGAIN)
async def post_again(call: Call, pressed: Press) -> None:
    """"Post it again" under a refused repeat of the form: the admin means a second task."""
    await _post_form(call, await AGAIN.take(call, pressed), again=True)


async def _confirm(call: Call) -> Next:
    flow = _flow(call)
    zone = await call.services.users.zone_of(call.user_id)
    return (CONFIRM, views.summary(call._, flow.draft, len(flow.attachments),
                                   call.services.settings, zone),
            views.confirm_keyboard(call._))


async def _posted(call: Call, posted: PostedTask) -> Next:
    zone = await call.services.users.zone_of(call.user_id)
    return END, task_posted(call._, posted.task, call.services.settings, zone,
                            posted.announced_to, posted.skill_titles), None


def _time(text: str, zone: tzinfo) -> datetime:
    try:
        return parse_time(text, zone)
    except ValueError:
        raise TaskFieldError(problem=N_("Write the time as YYYY-MM-DD HH:MM, e.g. "
                                        "2026-12-20 18:00.")) from None


def _attachment(message: Message) -> AttachmentRecord:
    if message.document:
        return AttachmentRecord("document", message.document.file_id,
                                message.document.file_unique_id, message.document.file_name)
    if message.photo:
        photo = message.photo[-1]
        return AttachmentRecord("photo", photo.file_id, photo.file_unique_id, None)
    for kind in ("voice", "audio", "video"):
        media = getattr(message, kind)
        if media:
            return AttachmentRecord(kind, media.file_id, media.file_unique_id,
                                    getattr(media, "file_name", None))
    raise TaskFieldError(problem=N_("That kind of file can't be attached."))


def conversation(app: Application) -> FlowHandler:
    private = filters.ChatType.PRIVATE
    text = filters.TEXT & ~filters.COMMAND & private
    cb = CallbackQueryHandler
    return FlowHandler(
        app, _KEY + ".step",
        # In a group too, so that /newtask there is told where it works.
        entry_points=[CommandHandler("newtask", start)],
        states={
            TITLE: [MessageHandler(text, title)],
            INSTRUCTIONS: [MessageHandler(text, instructions_text),
                           MessageHandler(_MEDIA & private, instructions_file),
                           cb(instructions_done, pattern=NEWTASK_STEP.pattern_for("done"))],
            RESULT: [cb(result, pattern=NEWTASK_RESULT.pattern)],
            UNITS: [MessageHandler(text, units),
                    MessageHandler(filters.Document.ALL & private, units_file)],
            PRICE: [MessageHandler(text, price)],
            MODE: [cb(mode, pattern=NEWTASK_MODE.pattern)],
            DEADLINE: [MessageHandler(text, deadline)],
            QUOTE_DEADLINE: [MessageHandler(text, quote_deadline),
                             cb(skip_quote_deadline, pattern=NEWTASK_STEP.pattern_for("skip"))],
            AUTO_AWARD: [cb(auto_award, pattern=NEWTASK_AUTO.pattern)],
            CONFIRM: [cb(post, pattern=NEWTASK_STEP.pattern_for("post"))],
        },
        fallbacks=[CommandHandler("cancel", cancel),
                   cb(cancel, pattern=NEWTASK_STEP.pattern_for("cancel")),
                   cb(stale_button, pattern=NEWTASK_ANY),
                   MessageHandler(private & ~filters.COMMAND, unexpected)],
    )
