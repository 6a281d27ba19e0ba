"""The task market's commands: browse, quote, claim, award, cancel."""

from __future__ import annotations

from telegram import Update

from bot.commands import command
from bot.context import GuildContext
from bot.views import market as views
from handlers import work
from handlers.common import (
    group_only,
    id_arg,
    is_private,
    markup,
    private_only,
    reply,
    require_args,
    texts,
)


async def tasks(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    market = context.services.market
    settings = context.services.settings
    user_id = update.effective_user.id
    if is_private(update):
        if context.services.users.is_admin(user_id):
            found = await market.tasks_for_admin(user_id)
            for page in views.task_list(_, found.tasks, found.total, settings, admin=True):
                await reply(update, page)
            return
        await work.my_tasks(update, context)
        return
    found = await market.open_tasks_for_chat(update.effective_chat.id)
    for page in views.task_list(_, found.tasks, found.total, settings, admin=False):
        await reply(update, page)


async def task(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    usage = command("task").usage
    task_id = id_arg(require_args(context.args, 1, usage)[0], usage)
    details = await context.services.market.task_details(
        task_id, viewer_id=update.effective_user.id, chat_id=update.effective_chat.id,
        private=is_private(update))
    zone = await context.services.market.zone_of(update.effective_user.id)
    for page in views.task_details(
            _, details.task, context.services.settings, zone, quotes=details.quotes,
            allocations=details.allocations, attachments=len(details.attachments),
            admin=details.admin_view):
        await reply(update, page)


async def quote(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    group_only(update, "quote")
    usage = command("quote").usage
    args = require_args(context.args, 3, usage)
    task_id = id_arg(args[0], usage)
    placed = await context.services.market.place_quote(
        update.effective_chat.id, update.effective_user.id, task_id, args[1], args[2],
        " ".join(args[3:]) or None)
    await reply(update, views.quote_placed(_, placed.quote, placed.task, placed.replaced_id,
                                           context.services.settings))


async def withdraw(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    group_only(update, "withdraw")
    usage = command("withdraw").usage
    quote_id = id_arg(require_args(context.args, 1, usage)[0], usage)
    withdrawn = await context.services.market.withdraw_quote(
        update.effective_chat.id, update.effective_user.id, quote_id)
    await reply(update, views.quote_withdrawn_reply(_, withdrawn))


async def claim(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    group_only(update, "claim")
    usage = command("claim").usage
    args = require_args(context.args, 2, usage)
    made = await context.services.market.claim(
        update.effective_chat.id, update.effective_user.id, id_arg(args[0], usage), args[1])
    await reply(update, views.claim_made(_, made.units, made.task, made.unit_price_minor,
                                         context.services.settings))


async def quotes(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    private_only(update, "quotes")
    usage = command("quotes").usage
    task_id = id_arg(require_args(context.args, 1, usage)[0], usage)
    found_task, found, sizes = await context.services.market.quotes_for(
        update.effective_user.id, task_id)
    shown = views.quotes_table(_, found_task, found, sizes, context.services.settings)
    for page in shown[:-1]:
        await reply(update, page)
    await reply(update, shown[-1], views.quotes_keyboard(_, found))


async def award(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    private_only(update, "award")
    usage = command("award").usage
    args = require_args(context.args, 1, usage)
    units = id_arg(args[1], usage, "units") if len(args) > 1 else None
    result = await context.services.market.award(update.effective_user.id,
                                                 id_arg(args[0], usage), units)
    await reply(update, views.awarded_reply(_, result.quote, result.units, result.task,
                                            result.closed_quote_ids))


async def reject_quote(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    private_only(update, "rejectquote")
    usage = command("rejectquote").usage
    args = require_args(context.args, 1, usage)
    rejected = await context.services.market.reject_quote(
        update.effective_user.id, id_arg(args[0], usage), " ".join(args[1:]) or None)
    await reply(update, views.quote_rejected_reply(_, rejected))


async def cancel_task(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    private_only(update, "canceltask")
    usage = command("canceltask").usage
    args = require_args(context.args, 1, usage)
    cancelled = await context.services.market.cancel_task(
        update.effective_user.id, id_arg(args[0], usage), " ".join(args[1:]) or None)
    await reply(update, views.task_cancelled_reply(_, cancelled))


async def quote_button(update: Update, context: GuildContext) -> None:
    """q1:award:<id> and q1:reject:<id> under a quote in an admin's chat."""
    query = update.callback_query
    await query.answer()
    _ = texts(update)
    _prefix, action, raw_id = query.data.split(":")
    market = context.services.market
    if action == "award":
        result = await market.award(update.effective_user.id, int(raw_id))
        outcome = views.awarded_reply(_, result.quote, result.units, result.task,
                                      result.closed_quote_ids)
    else:
        rejected = await market.reject_quote(update.effective_user.id, int(raw_id), None)
        outcome = views.quote_rejected_reply(_, rejected)
    await query.edit_message_text(f"{query.message.text_html}\n\n{outcome}",
                                  reply_markup=markup(None))





