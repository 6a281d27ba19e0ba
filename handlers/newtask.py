"""/newtask: the one-message form, or a guided flow (title → … → confirm) with /cancel."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from telegram import Message, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.context import GuildContext
from bot.domain.errors import N_, AdminsOnly, PrivateChatOnly
from bot.domain.tasks import (
    TaskDraft,
    TaskFieldError,
    check_instructions,
    parse_mode,
    parse_price,
    parse_result_type,
    parse_time,
    parse_title,
    parse_units,
)
from bot.views import newtask as views
from bot.views.market import task_posted
from handlers.common import markup, reply, texts
from storage.market import AttachmentRecord

(TITLE, INSTRUCTIONS, RESULT, UNITS, PRICE, MODE, DEADLINE, QUOTE_DEADLINE, AUTO_AWARD,
 CONFIRM) = range(10)
_KEY = "newtask"
_MEDIA = filters.Document.ALL | filters.PHOTO | filters.VOICE | filters.AUDIO | filters.VIDEO


@dataclass
class Flow:
    """Scratch of one admin's draft; the database sees nothing until Post."""

    draft: TaskDraft = field(default_factory=lambda: TaskDraft(title=""))
    attachments: list[AttachmentRecord] = field(default_factory=list)


def _flow(context: GuildContext) -> Flow:
    flow = context.user_data.get(_KEY)
    if not isinstance(flow, Flow):
        flow = context.user_data[_KEY] = Flow()
    return flow


async def start(update: Update, context: GuildContext) -> int:
    _ = texts(update)
    user_id = update.effective_user.id
    if not context.services.users.is_admin(user_id):
        raise AdminsOnly()
    if update.effective_chat.type != "private":
        raise PrivateChatOnly(command="/newtask")
    message = update.effective_message
    if len(message.text.split(maxsplit=1)) > 1:  # the one-message form
        posted = await context.services.market.post_from_form(user_id, message.text)
        zone = await context.services.market.zone_of(user_id)
        await reply(update, task_posted(_, posted.task, context.services.settings, zone,
                                        posted.announced_to))
        return ConversationHandler.END
    context.user_data[_KEY] = Flow()
    await reply(update, views.ask_title(_))
    return TITLE


async def title(update: Update, context: GuildContext) -> int:
    flow = _flow(context)
    flow.draft = flow.draft.but(title=parse_title(update.effective_message.text))
    _ = texts(update)
    await reply(update, views.ask_instructions(_), views.done_keyboard(_))
    return INSTRUCTIONS


async def instructions_text(update: Update, context: GuildContext) -> int:
    flow = _flow(context)
    text = update.effective_message.text_html.strip()
    joined = f"{flow.draft.instructions}\n{text}" if flow.draft.instructions else text
    flow.draft = flow.draft.but(instructions=check_instructions(joined))
    _ = texts(update)
    await reply(update, views.instructions_noted(_, len(flow.attachments)),
                views.done_keyboard(_))
    return INSTRUCTIONS


async def instructions_file(update: Update, context: GuildContext) -> int:
    flow = _flow(context)
    attachment = _attachment(update.effective_message)
    if update.effective_message.caption:
        caption = update.effective_message.caption_html
        joined = (f"{flow.draft.instructions}\n{caption}" if flow.draft.instructions
                  else caption)
        flow.draft = flow.draft.but(instructions=check_instructions(joined))
    flow.attachments.append(attachment)
    _ = texts(update)
    await reply(update, views.instructions_noted(_, len(flow.attachments)),
                views.done_keyboard(_))
    return INSTRUCTIONS


async def instructions_done(update: Update, context: GuildContext) -> int:
    await update.callback_query.answer()
    flow = _flow(context)
    _ = texts(update)
    if not flow.draft.instructions and not flow.attachments:
        raise TaskFieldError(problem=N_("Send the instructions first (text or files)."))
    await _close_buttons(update)
    await reply(update, views.ask_result(_), views.result_keyboard(_))
    return RESULT


async def result(update: Update, context: GuildContext) -> int:
    await update.callback_query.answer()
    flow = _flow(context)
    flow.draft = flow.draft.but(result_type=parse_result_type(_choice(update)))
    _ = texts(update)
    await _close_buttons(update)
    await reply(update, views.ask_units(_))
    return UNITS


async def units(update: Update, context: GuildContext) -> int:
    flow = _flow(context)
    flow.draft = flow.draft.but(units=parse_units(update.effective_message.text))
    _ = texts(update)
    await reply(update, views.ask_price(_, context.services.settings))
    return PRICE


async def price(update: Update, context: GuildContext) -> int:
    flow = _flow(context)
    exponent = context.services.settings.currency_exponent
    flow.draft = flow.draft.but(price_minor=parse_price(update.effective_message.text,
                                                        exponent))
    _ = texts(update)
    await reply(update, views.ask_mode(_), views.mode_keyboard(_))
    return MODE


async def mode(update: Update, context: GuildContext) -> int:
    await update.callback_query.answer()
    flow = _flow(context)
    flow.draft = flow.draft.but(mode=parse_mode(_choice(update)))
    _ = texts(update)
    await _close_buttons(update)
    zone = await context.services.market.zone_of(update.effective_user.id)
    await reply(update, views.ask_deadline(_, zone))
    return DEADLINE


async def deadline(update: Update, context: GuildContext) -> int:
    flow = _flow(context)
    market = context.services.market
    zone = await market.zone_of(update.effective_user.id)
    draft = flow.draft.but(deadline=_time(update.effective_message.text, zone))
    market.check_draft(draft)
    flow.draft = draft
    _ = texts(update)
    if draft.mode == "quote":
        await reply(update, views.ask_quote_deadline(_, zone), views.skip_keyboard(_))
        return QUOTE_DEADLINE
    return await _confirm(update, context)


async def quote_deadline(update: Update, context: GuildContext) -> int:
    flow = _flow(context)
    zone = await context.services.market.zone_of(update.effective_user.id)
    draft = flow.draft.but(quote_deadline=_time(update.effective_message.text, zone))
    context.services.market.check_draft(draft)
    flow.draft = draft
    _ = texts(update)
    await reply(update, views.ask_auto_award(_), views.yes_no_keyboard(_))
    return AUTO_AWARD


async def skip_quote_deadline(update: Update, context: GuildContext) -> int:
    await update.callback_query.answer()
    await _close_buttons(update)
    return await _confirm(update, context)


async def auto_award(update: Update, context: GuildContext) -> int:
    await update.callback_query.answer()
    flow = _flow(context)
    flow.draft = flow.draft.but(auto_award=_choice(update) == "yes")
    await _close_buttons(update)
    return await _confirm(update, context)


async def post(update: Update, context: GuildContext) -> int:
    await update.callback_query.answer()
    flow = _flow(context)
    _ = texts(update)
    user_id = update.effective_user.id
    posted = await context.services.market.post_task(user_id, flow.draft, flow.attachments)
    context.user_data.pop(_KEY, None)
    await _close_buttons(update)
    zone = await context.services.market.zone_of(user_id)
    await reply(update, task_posted(_, posted.task, context.services.settings, zone,
                                    posted.announced_to))
    return ConversationHandler.END


async def cancel(update: Update, context: GuildContext) -> int:
    if update.callback_query is not None:
        await update.callback_query.answer()
        await _close_buttons(update)
    context.user_data.pop(_KEY, None)
    await reply(update, views.discarded(texts(update)))
    return ConversationHandler.END


async def stale_button(update: Update, context: GuildContext) -> None:
    """A button of an earlier step or draft: say so, and the current step stays."""
    await update.callback_query.answer(views.stale_button(texts(update)), show_alert=True)


async def nothing_to_cancel(update: Update, context: GuildContext) -> None:
    await reply(update, views.nothing_to_cancel(texts(update)))


async def unexpected(update: Update, context: GuildContext) -> None:
    """Anything else while a step waits: say what the step expects (the state stays)."""
    await reply(update, views.unexpected(texts(update)))


async def _confirm(update: Update, context: GuildContext) -> int:
    flow = _flow(context)
    _ = texts(update)
    zone = await context.services.market.zone_of(update.effective_user.id)
    await reply(update, views.summary(_, flow.draft, len(flow.attachments),
                                      context.services.settings, zone),
                views.confirm_keyboard(_))
    return CONFIRM


def _choice(update: Update) -> str:
    return update.callback_query.data.rsplit(":", 1)[-1]


def _time(text: str, zone: tzinfo) -> datetime:
    try:
        return parse_time(text, zone)
    except ValueError:
        raise TaskFieldError(problem=N_("Write the time as YYYY-MM-DD HH:MM, e.g. "
                                        "2026-12-20 18:00.")) from None


async def _close_buttons(update: Update) -> None:
    """Take the buttons off the message that was answered, so it can't be pressed twice."""
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_reply_markup(reply_markup=markup(None))


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


def conversation() -> ConversationHandler:
    private = filters.ChatType.PRIVATE
    text = filters.TEXT & ~filters.COMMAND & private
    cb = CallbackQueryHandler
    with warnings.catch_warnings():
        # Buttons here belong to the one flow of the user, so per_message tracking isn't needed.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        return ConversationHandler(
            # In a group too, so that /newtask there is told where it works.
            entry_points=[CommandHandler("newtask", start)],
            states={
                TITLE: [MessageHandler(text, title)],
                INSTRUCTIONS: [MessageHandler(text, instructions_text),
                               MessageHandler(_MEDIA & private, instructions_file),
                               cb(instructions_done, pattern=r"^nt1:done$")],
                RESULT: [cb(result, pattern=r"^nt1:result:\w+$")],
                UNITS: [MessageHandler(text, units)],
                PRICE: [MessageHandler(text, price)],
                MODE: [cb(mode, pattern=r"^nt1:mode:\w+$")],
                DEADLINE: [MessageHandler(text, deadline)],
                QUOTE_DEADLINE: [MessageHandler(text, quote_deadline),
                                 cb(skip_quote_deadline, pattern=r"^nt1:skip$")],
                AUTO_AWARD: [cb(auto_award, pattern=r"^nt1:auto:(yes|no)$")],
                CONFIRM: [cb(post, pattern=r"^nt1:post$")],
            },
            fallbacks=[CommandHandler("cancel", cancel),
                       cb(cancel, pattern=r"^nt1:cancel$"),
                       cb(stale_button, pattern=r"^nt1:"),
                       MessageHandler(private & ~filters.COMMAND, unexpected)],
            name="newtask",
            allow_reentry=True,
        )

