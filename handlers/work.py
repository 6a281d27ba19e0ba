"""Assignments, results, review and money: the commands and buttons of the work loop."""

from __future__ import annotations

import contextlib
import re

from telegram import ForceReply, Message, Update
from telegram.error import BadRequest
from telegram.ext import Application
from telegram.ext.filters import MessageFilter

from bot.commands import command
from bot.context import GuildContext
from bot.domain.errors import N_, Usage
from bot.services.guilds import MemberRef
from bot.services.work import ResultInput
from bot.views import work as views
from handlers.common import (
    RepliesToPrompt,
    group_only,
    id_arg,
    is_private,
    markup,
    member_ref,
    private_only,
    reply,
    require_args,
    texts,
)

SUBMIT_TO = "work.submit_to"  # user_data: the assignment /submit chose (conversation scratch)
REJECT_PROMPTS = "work.reject_prompts"  # user_data: {prompt message id: assignment id}
_USERNAME_RE = re.compile(r"^@([A-Za-z0-9_]{1,32})$")





# --- leaders, in the guild's group ----------------------------------------------------------

async def assign(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    group_only(update, "assign")
    usage = command("assign").usage
    args = require_args(context.args, 2, usage)
    task_id = id_arg(args[0], usage)
    offers = await context.services.work.assign(
        update.effective_chat.id, update.effective_user.id, task_id, args[1],
        member_ref(update, args[2:], usage))
    await reply(update, views.assigned(_, offers, offers[0].worker))


async def distribute(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    group_only(update, "distribute")
    usage = command("distribute").usage
    task_id = id_arg(require_args(context.args, 1, usage)[0], usage)
    result = await context.services.work.distribute(
        update.effective_chat.id, update.effective_user.id, task_id)
    for page in views.distributed(_, result.offered, result.skipped, result.left):
        await reply(update, page)


async def progress(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    group_only(update, "progress")
    usage = command("progress").usage
    task_id = id_arg(require_args(context.args, 1, usage)[0], usage)
    found = await context.services.work.progress(update.effective_chat.id, task_id)
    for page in views.progress(_, found, context.services.settings):
        await reply(update, page)


async def precheck(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    group_only(update, "precheck")
    usage = command("precheck").usage
    choice = require_args(context.args, 1, usage)[0].lower()
    if choice not in ("on", "off"):
        raise Usage(reason=N_("Say on or off."), usage=usage)
    guild = await context.services.work.set_precheck(update.effective_chat.id,
                                                     update.effective_user.id, choice == "on")
    await reply(update, views.precheck_set(_, guild.name, choice == "on"))


async def earnings(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    work, settings = context.services.work, context.services.settings
    if is_private(update):
        mine = await work.earnings(update.effective_user.id)
        await reply(update, views.earnings(_, mine.periods, mine.pending, mine.balance,
                                           settings))
        return
    guild = await work.guild_earnings(update.effective_chat.id)
    await reply(update, views.guild_earnings(_, guild.guild.name, guild.periods,
                                             guild.pending_gross, guild.guild.commission_bp,
                                             settings))


# --- workers, in private ----------------------------------------------------------------------

async def my_tasks(update: Update, context: GuildContext) -> None:
    """/tasks in a worker's private chat: their assignments and what each still needs."""
    _ = texts(update)
    rows = await context.services.work.my_assignments(update.effective_user.id)
    zone = await context.services.work.zone_of(update.effective_user.id)
    await reply(update, views.my_assignments(_, rows, context.services.settings, zone),
                views.offered_keyboards(_, rows))


async def submit(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    private_only(update, "submit")
    usage = command("submit").usage
    assignment_id = id_arg(require_args(context.args, 1, usage)[0], usage)
    chosen = await context.services.work.choose(update.effective_user.id, assignment_id)
    context.user_data[SUBMIT_TO] = assignment_id
    await reply(update, views.choose_reply(_, chosen.assignment, chosen.have))


async def done(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    private_only(update, "done")
    usage = command("done").usage
    target = (id_arg(context.args[0], usage) if context.args
              else context.user_data.get(SUBMIT_TO))
    submitted = await context.services.work.submit(update.effective_user.id, target)
    context.user_data.pop(SUBMIT_TO, None)
    await reply(update, views.submitted(_, submitted))


async def result(update: Update, context: GuildContext) -> None:
    """A file or text in a worker's private chat: a result for their assignment."""
    _ = texts(update)
    taken = await context.services.work.add_result(
        update.effective_user.id, context.user_data.get(SUBMIT_TO),
        result_from(update.effective_message))
    if context.user_data.get(SUBMIT_TO) not in (None, taken.assignment.id):
        context.user_data.pop(SUBMIT_TO)  # that choice no longer takes results
    keyboard = (views.submit_keyboard(_, taken.assignment.id)
                if taken.have >= taken.assignment.units else None)
    await reply(update, views.result_taken(_, taken.assignment, taken.have), keyboard)


def result_from(message: Message) -> ResultInput:
    caption = message.caption_html if message.caption else None
    if message.document:
        d = message.document
        return ResultInput("document", d.file_id, d.file_unique_id, d.file_name, d.mime_type,
                           d.file_size, caption)
    if message.photo:
        p = message.photo[-1]  # the largest size
        return ResultInput("photo", p.file_id, p.file_unique_id, None, "image/jpeg",
                           p.file_size, caption)
    for kind in ("voice", "audio", "video"):
        media = getattr(message, kind)
        if media is not None:
            return ResultInput(kind, media.file_id, media.file_unique_id,
                               getattr(media, "file_name", None), media.mime_type,
                               media.file_size, caption)
    return ResultInput("text", text=message.text_html)


async def offer_button(update: Update, context: GuildContext) -> None:
    """a1:accept:<id> / a1:decline:<id> under an offer; a1:submit:<id> once all are in."""
    query = update.callback_query
    await query.answer()
    _ = texts(update)
    _prefix, action, raw_id = query.data.split(":")
    work = context.services.work
    if action == "submit":
        submitted = await work.submit(update.effective_user.id, int(raw_id))
        context.user_data.pop(SUBMIT_TO, None)
        await _close(query.message)
        await reply(update, views.submitted(_, submitted))
        return
    answered = await work.respond(update.effective_user.id, int(raw_id), action == "accept")
    await _close(query.message)
    await reply(update, views.offer_reply(_, answered, action == "accept"))


# --- admins, in private ------------------------------------------------------------------------

async def review(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    private_only(update, "review")
    usage = command("review").usage
    assignment_id = id_arg(context.args[0], usage) if context.args else None
    item = await context.services.work.next_for_review(update.effective_user.id, assignment_id)
    settings = context.services.settings
    await reply(update, views.review_header(_, item.assignment, item.worker, len(item.results),
                                            item.waiting, settings))
    chat_id = update.effective_chat.id
    for found in item.results:
        await _resend(context, chat_id, found)
    await reply(update, views.review_footer(_, item.assignment),
                views.review_keyboard(_, item.assignment.id, item.assignment.round))


async def _resend(context: GuildContext, chat_id: int, found: object) -> None:
    """Show a result to the reviewer as the worker sent it, by its Telegram file id."""
    kind, file_id, caption = found.kind, found.file_id, found.text
    bot = context.bot
    if kind == "text":
        await bot.send_message(chat_id, caption or "")
    elif kind == "document":
        await bot.send_document(chat_id, file_id, caption=caption)
    elif kind == "photo":
        await bot.send_photo(chat_id, file_id, caption=caption)
    elif kind == "voice":
        await bot.send_voice(chat_id, file_id, caption=caption)
    elif kind == "audio":
        await bot.send_audio(chat_id, file_id, caption=caption)
    elif kind == "video":
        await bot.send_video(chat_id, file_id, caption=caption)


async def accept(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    private_only(update, "accept")
    usage = command("accept").usage
    args = require_args(context.args, 1, usage)
    units = None
    if len(args) > 1:
        if not args[1].isdecimal() or int(args[1]) < 1:
            raise Usage(reason=N_("Accept 1 unit or more; to accept none, reject with a "
                                  "reason."), usage=usage)
        units = int(args[1])
    decided = await context.services.work.approve(update.effective_user.id,
                                                  id_arg(args[0], usage), units)
    await reply(update, views.approved_reply(_, decided.assignment, decided.credit,
                                             context.services.settings))


async def reject(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    private_only(update, "reject")
    usage = command("reject").usage
    args = require_args(context.args, 1, usage)
    assignment_id = id_arg(args[0], usage)
    if len(args) < 2:
        raise Usage(reason=N_("A rejection needs a reason, so the worker knows what to fix."),
                    usage=usage)
    decided = await context.services.work.reject(update.effective_user.id, assignment_id,
                                                 " ".join(args[1:]))
    await reply(update, views.rejected_reply(_, decided.assignment))


async def review_button(update: Update, context: GuildContext) -> None:
    """a1:approve:<id>[:<round>] accepts in full; a1:reject:<id>[:<round>] asks for the
    reason. The round is the submission the buttons were shown under."""
    query = update.callback_query
    await query.answer()
    _ = texts(update)
    action, assignment_id, round = _review_data(query.data)
    work = context.services.work
    if action == "approve":
        decided = await work.approve(update.effective_user.id, assignment_id, round=round)
        await _close(query.message)
        await reply(update, views.approved_reply(_, decided.assignment, decided.credit,
                                                 context.services.settings))
        return
    await work.next_for_review(update.effective_user.id, assignment_id, round)  # reviewable?
    prompt = await query.message.reply_text(
        views.reject_prompt(_, assignment_id),
        reply_markup=ForceReply(selective=True))
    context.user_data.setdefault(REJECT_PROMPTS, {})[prompt.message_id] = ("reject",
                                                                          assignment_id, round)


def _review_data(data: str) -> tuple[str, int, int | None]:
    """(action, assignment id, round or None for buttons sent before rounds were named)."""
    _prefix, action, raw_id, *raw_round = data.split(":")
    return action, int(raw_id), int(raw_round[0]) if raw_round else None


def awaiting_reject_reason(app: Application) -> MessageFilter:
    return RepliesToPrompt(app, REJECT_PROMPTS)


async def reject_reason(update: Update, context: GuildContext) -> None:
    """The reply to a "why?" prompt: an admin's rejection, or a leader's send-back."""
    _ = texts(update)
    message = update.effective_message
    prompts = context.user_data.get(REJECT_PROMPTS, {})
    action, assignment_id, *rest = prompts[message.reply_to_message.message_id]
    round = rest[0] if rest else None
    work, user_id = context.services.work, update.effective_user.id
    if action == "back":
        returned = await work.precheck(user_id, assignment_id, False, message.text or "",
                                       round)
        text = views.sent_back_reply(_, returned)
    else:
        decided = await work.reject(user_id, assignment_id, message.text or "", round)
        text = views.rejected_reply(_, decided.assignment)
    # Dropped only once it worked: a refused reason leaves the prompt open for another reply.
    prompts.pop(message.reply_to_message.message_id, None)
    await reply(update, text)


async def precheck_button(update: Update, context: GuildContext) -> None:
    """a1:pass:<id> passes a submission on to the platform's review; a1:back:<id> asks the
    leader what to fix, then sends it back."""
    query = update.callback_query
    await query.answer()
    _ = texts(update)
    action, assignment_id, round = _review_data(query.data)
    work = context.services.work
    if action == "pass":
        passed = await work.precheck(update.effective_user.id, assignment_id, True, round=round)
        await _close(query.message)
        await reply(update, views.prechecked_reply(_, passed))
        return
    await work.check_precheck(update.effective_user.id, assignment_id, round=round)
    prompt = await query.message.reply_text(views.send_back_prompt(_, assignment_id),
                                            reply_markup=ForceReply(selective=True))
    context.user_data.setdefault(REJECT_PROMPTS, {})[prompt.message_id] = ("back",
                                                                          assignment_id, round)


async def payout(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    private_only(update, "payout")
    usage = command("payout").usage
    args = require_args(context.args, 2, usage)
    who = args[0]
    target, user_id = None, None
    if who.isdecimal():
        user_id = int(who)
    elif match := _USERNAME_RE.match(who):
        target = MemberRef(username=match[1])
    else:
        raise Usage(reason=N_("Name the user as @username or by their numeric id."),
                    usage=usage)
    user, amount, balance = await context.services.work.payout(
        update.effective_user.id, target, user_id, args[1], " ".join(args[2:]) or None)
    await reply(update, views.payout_reply(_, user, amount, balance,
                                           context.services.settings))


async def _close(message: object) -> None:
    """Take the buttons off an answered message so it can't be pressed twice."""
    if isinstance(message, Message):
        with contextlib.suppress(BadRequest):
            await message.edit_reply_markup(reply_markup=markup(None))
