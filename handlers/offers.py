"""Handing out work: /assign, /distribute, /progress, and the offer's buttons."""

from __future__ import annotations

from bot.buttons import OFFER, PROGRESS_PAGES, Press
from bot.domain.errors import N_
from bot.domain.ids import Kind
from bot.views import offers as views
from bot.views import results as result_views
from handlers import items
from handlers.common import Call, close_buttons, command, press
from handlers.paging import Listing, paged, task_key, task_of
from handlers.results import SUBMIT_TO


@command("assign")
async def assign(call: Call) -> None:
    args = call.need(2)
    task_id = call.id(args[0], Kind.TASK)
    offers = await call.services.offers.assign(call.chat_id, call.user_id, task_id, args[1],
                                               call.member(args[2:]))
    await call.reply(views.assigned(call._, offers, offers[0].worker))


@command("distribute")
async def distribute(call: Call) -> None:
    args = call.need(1)
    if args[1:] not in ([], ["members"]):
        raise call.wrong(N_("Add members to leave out the leader and deputies, or nothing."))
    result = await call.services.offers.distribute(call.chat_id, call.user_id,
                                                   call.id(args[0], Kind.TASK),
                                                   members_only=args[1:] == ["members"])
    # Not paged: it says what this one distribution did, which can't be read again later
    # (/progress T12 all can); at a line a member, a guild of fifty fits one message.
    await call.reply_pages(views.distributed(call._, result.offered, result.skipped,
                                             result.left, result.left_out))


@paged("progress", PROGRESS_PAGES)
async def progress_pages(call: Call, key: str) -> Listing:
    """`T12`: the totals and what needs the leader; `T12.all`: every assignment."""
    task_id, flags = task_of(key, "all")
    found = await call.services.offers.progress(call.chat_id, call.user_id, task_id)
    return Listing(views.progress(call._, found, call.services.settings,
                                  everything="all" in flags))


@command("progress")
async def progress(call: Call) -> None:
    args = call.need(1)
    if args[1:] not in ([], ["all"]):
        raise call.wrong(N_("Add all for every assignment, or nothing for what needs you."))
    await progress_pages.show(call, task_key(call.id(args[0], Kind.TASK), *args[1:]))


@press(OFFER)
async def offer_button(call: Call, pressed: Press) -> None:
    """Accept / Decline under an offer; Submit once every result is in."""
    query = call.update.callback_query
    assert query is not None
    if pressed.action == "submit":
        submitted = await call.services.results.submit(call.user_id, pressed.id)
        call.user_data.pop(SUBMIT_TO, None)
        await close_buttons(query.message)
        await call.reply(result_views.submitted(call._, submitted))
        return
    take = pressed.action == "accept"
    answered = await call.services.offers.respond(call.user_id, pressed.id, take)
    await close_buttons(query.message)
    await call.reply(views.offer_reply(call._, answered, take))
    if take and answered.has_items:  # the first item, to answer right here
        await items.show(call, await call.services.items.card(call.user_id, answered.id))
