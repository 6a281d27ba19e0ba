"""The task market's commands: browse, quote, claim, award, cancel."""

from __future__ import annotations

from telegram import Message

from bot.buttons import CLAIM, QUOTE, QUOTES_PAGES, TASK_PAGES, TASKS_PAGES, Press
from bot.domain.errors import ClaimButtonStale
from bot.domain.ids import Kind
from bot.views import market as views
from handlers import results
from handlers.common import Call, command, markup, press
from handlers.paging import Listing, paged, task_key, task_of


@paged("tasks", TASKS_PAGES)
async def task_list(call: Call, key: str) -> Listing:
    """The admins' tasks in progress in private, the open tasks in a guild's group."""
    market = call.services.market
    found = await (market.tasks_for_admin(call.user_id) if call.private
                   else market.open_tasks_for_chat(call.chat_id))
    return Listing(views.task_list(call._, found.tasks, found.total, call.services.settings,
                                   admin=call.private))


@command("tasks")
async def tasks(call: Call) -> None:
    if call.private and not call.services.users.is_admin(call.user_id):
        await results.my_tasks(call)
        return
    await task_list.show(call, "")


@paged("task", TASK_PAGES)
async def task_pages(call: Call, key: str) -> Listing:
    details = await call.services.market.task_details(
        task_of(key)[0], viewer_id=call.user_id, chat_id=call.chat_id, private=call.private)
    zone = await call.services.users.zone_of(call.user_id)
    return Listing(views.task_details(
        call._, details.task, call.services.settings, zone, quotes=details.quotes,
        allocations=details.allocations, attachments=len(details.attachments),
        admin=details.admin_view, titles=details.skill_titles))


@command("task")
async def task(call: Call) -> None:
    await task_pages.show(call, task_key(call.id(call.need(1)[0], Kind.TASK)))


@command("quote")
async def quote(call: Call) -> None:
    args = call.need(3)
    task_id = call.id(args[0], Kind.TASK)
    placed = await call.services.quotes.place_quote(call.chat_id, call.user_id, task_id,
                                                    args[1], args[2], call.rest(3))
    await call.reply(views.quote_placed(call._, placed.quote, placed.task, placed.replaced_id,
                                        call.services.settings))


@command("withdraw")
async def withdraw(call: Call) -> None:
    withdrawn = await call.services.quotes.withdraw_quote(call.chat_id, call.user_id,
                                                          call.id(call.need(1)[0], Kind.QUOTE))
    await call.reply(views.quote_withdrawn_reply(call._, withdrawn))


@command("claim")
async def claim(call: Call) -> None:
    args = call.need(2)
    task_id = call.id(args[0], Kind.TASK)
    made = await call.services.market.claim(call.chat_id, call.user_id, task_id, args[1])
    await call.reply(views.claim_made(call._, made.units, made.task, made.unit_price_minor,
                                      call.services.settings))


@paged("quotes", QUOTES_PAGES)
async def quote_table(call: Call, key: str) -> Listing:
    """The quotes with Award / Reject for the cheapest pending ones, under every page."""
    found = await call.services.quotes.quotes_for(call.user_id, task_of(key)[0])
    return Listing(views.quotes_table(call._, found.task, found.quotes, found.sizes,
                                      call.services.settings, found.scores),
                   views.quotes_keyboard(call._, found.quotes))


@command("quotes")
async def quotes(call: Call) -> None:
    await quote_table.show(call, task_key(call.id(call.need(1)[0], Kind.TASK)))


@command("award")
async def award(call: Call) -> None:
    args = call.need(1)
    units = call.id(args[1]) if len(args) > 1 else None
    result = await call.services.quotes.award(call.user_id, call.id(args[0], Kind.QUOTE), units)
    await call.reply(views.awarded_reply(call._, result.quote, result.units, result.task,
                                         result.closed_quote_ids))


@command("rejectquote")
async def reject_quote(call: Call) -> None:
    quote_id = call.id(call.need(1)[0], Kind.QUOTE)
    rejected = await call.services.quotes.reject_quote(call.user_id, quote_id, call.rest(1))
    await call.reply(views.quote_rejected_reply(call._, rejected))


@command("canceltask")
async def cancel_task(call: Call) -> None:
    task_id = call.id(call.need(1)[0], Kind.TASK)
    cancelled = await call.services.market.cancel_task(call.user_id, task_id, call.rest(1))
    await call.reply(views.task_cancelled_reply(call._, cancelled))


@press(QUOTE)
async def quote_button(call: Call, pressed: Press) -> None:
    """Award / Reject under a quote in an admin's chat."""
    quotes = call.services.quotes
    if pressed.action == "award":
        result = await quotes.award(call.user_id, pressed.id)
        task_id = result.task.id
        outcome = views.awarded_reply(call._, result.quote, result.units, result.task,
                                      result.closed_quote_ids)
    else:
        rejected = await quotes.reject_quote(call.user_id, pressed.id, None)
        task_id = rejected.task_id
        outcome = views.quote_rejected_reply(call._, rejected)
    query = call.update.callback_query
    assert query is not None and isinstance(query.message, Message)
    if _quotes_under(query.message) - {pressed.id}:
        # Under /quotes: the page shown, as the table is now, the other quotes' buttons kept.
        await quote_table.refresh(call, task_key(task_id))
        await call.reply(outcome)
        return
    await query.edit_message_text(f"{query.message.text_html}\n\n{outcome}",
                                  reply_markup=markup(None))


def _quotes_under(message: Message) -> set[int]:
    """The quotes whose buttons the message carries."""
    rows = message.reply_markup.inline_keyboard if message.reply_markup else ()
    pressed = (QUOTE.parse(b.callback_data if isinstance(b.callback_data, str) else None)
               for row in rows for b in row)
    return {p.id for p in pressed if p is not None}


@press(CLAIM)
async def claim_button(call: Call, pressed: Press) -> None:
    """Claim <units> under a fixed task's announcement in a guild's group; the buttons are
    drawn again for what the guild holds now, also when the press came too late."""
    market = call.services.market
    try:
        made = await market.claim(call.chat_id, call.user_id, pressed.id, str(pressed.round),
                                  held_before=pressed.marks)
    except ClaimButtonStale as stale:
        await call.edit_buttons(views.claim_buttons(call._, stale.task_id, stale.left,
                                                    stale.held_units))
        raise
    await call.edit_buttons(views.claim_keyboard(call._, made.task, made.held))
    await call.reply(views.claim_made(call._, made.units, made.task, made.unit_price_minor,
                                      call.services.settings))
