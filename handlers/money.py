"""Money: /earnings (a worker's, or a guild's in its group), the admins' /payout, and money
out as files: /statement, /payroll and bulk /payouts."""

from __future__ import annotations

import asyncio

from telegram import InputFile

from bot.buttons import BULK_PAYOUT, PAYOUT_AGAIN, PAYOUTS_PAGES, Press
from bot.domain.errors import PayoutFileMissing, PayoutFileTooLarge, RepeatedPayout
from bot.domain.money_out import PAYOUT_FILE_MAX_BYTES
from bot.outcomes import MemberRef, PayoutPlan
from bot.views import money as views
from bot.views import money_out as out_views
from handlers.common import Again, Call, command, press
from handlers.paging import Listing, paged

AGAIN = Again("money.again")  # refused repeats of a payout: (target, amount, note)
BULK = Again("money.bulk")  # bulk payout files waiting for Confirm (or paged): their bytes


@command("earnings")
async def earnings(call: Call) -> None:
    money, settings = call.services.money, call.services.settings
    if call.private:
        mine = await money.earnings(call.user_id)
        await call.reply(views.earnings(call._, mine.periods, mine.pending, mine.balance,
                                        settings))
        return
    guild = await money.guild_earnings(call.chat_id, call.user_id)
    await call.reply(views.guild_earnings(call._, guild.guild.name, guild.periods,
                                          guild.pending_gross, guild.guild.commission_bp,
                                          settings))


@command("payout")
async def payout(call: Call) -> None:
    args = call.need(2)
    await _pay(call, call.person(args[0]), args[1], call.rest(2), again=False)


@press(PAYOUT_AGAIN)
async def payout_again(call: Call, pressed: Press) -> None:
    """"Record it again" under a refused repeat: the admin means a second payout."""
    await _pay(call, *await AGAIN.take(call, pressed), again=True)


async def _pay(call: Call, target: MemberRef, amount: str, note: str | None, *,
               again: bool) -> None:
    try:
        made = await call.services.money.payout(call.user_id, target, amount, note,
                                                again=again)
    except RepeatedPayout as refusal:
        await AGAIN.offer(call, refusal, (target, amount, note), views.again_keyboard)
        return
    await call.reply(views.payout_reply(call._, made.user, made.amount, made.balance,
                                        call.services.settings))


@command("statement")
async def statement(call: Call) -> None:
    """/statement: the caller's own ledger lines as a CSV document."""
    found = await call.services.money_out.statement(call.user_id)
    settings = call.services.settings
    if not found.lines:
        await call.reply(out_views.statement_empty(call._))
        return
    await call.context.bot.send_document(
        call.chat_id, InputFile(out_views.statement_csv(call._, found, settings),
                                filename="statement.csv"),
        caption=out_views.statement_caption(call._, found, settings))


@command("payroll")
async def payroll(call: Call) -> None:
    """/payroll [YYYY-MM | <from> <to>]: a CSV per worker and one per guild."""
    found = await call.services.money_out.payroll(call.user_id, call.args)
    settings = call.services.settings
    if not found.workers and not found.guilds:
        await call.reply(out_views.payroll_empty(call._, found))
        return
    label = found.period.label
    # 220,000 rows take seconds to write: on a thread, so other chats' replies go on.
    workers = await asyncio.to_thread(out_views.payroll_workers_csv, call._, found, settings)
    await call.context.bot.send_document(
        call.chat_id, InputFile(workers, filename=out_views.file_name("workers", label)),
        caption=out_views.payroll_caption(call._, found, settings))
    await call.context.bot.send_document(
        call.chat_id, InputFile(out_views.payroll_guilds_csv(call._, found, settings),
                                filename=out_views.file_name("guilds", label)))


@command("payouts")
async def payouts(call: Call) -> None:
    """/payouts as the caption of a CSV file (registered for such captions too: captions are
    no commands to Telegram), or as a reply to one: the dry run, with Confirm / Cancel when
    every line can be paid."""
    data = await _payout_file(call)
    await _plan(call, data, await call.services.payouts.dry_run(call.user_id, data))


async def _plan(call: Call, data: bytes, plan: PayoutPlan) -> None:
    """A plan as one message; the file is kept (for Confirm, or to turn the pages of its
    bad lines) unless there is nothing to do with it."""
    pages = out_views.plan_pages(call._, plan, call.services.settings)
    if plan.bad and len(pages) == 1:
        await call.reply(pages[0])
        return
    await plan_list.show(call, f"s{BULK.keep(call, data)}")


@paged("payouts", PAYOUTS_PAGES)
async def plan_list(call: Call, key: str) -> Listing:
    """The dry run of the file in slot `s3` of the admin's scratch, checked again against
    the balances as they are now, with Confirm / Cancel when every line can be paid. The file
    itself is conversation scratch, as Confirm's is: after a restart the button is stale
    and the file is sent again."""
    slot = int(key[1:]) if key[:1] == "s" and key[1:].isdecimal() else 0
    data = BULK.held(call, slot)
    plan = await call.services.payouts.dry_run(call.user_id, data)
    return Listing(out_views.plan_pages(call._, plan, call.services.settings),
                   None if plan.bad else out_views.plan_keyboard(call._, slot))


async def _payout_file(call: Call) -> bytes:
    message = call.message
    replied = message.reply_to_message
    document = message.document or (replied.document if replied is not None else None)
    if document is None or not (document.file_name or "").lower().endswith((".csv", ".txt")):
        raise PayoutFileMissing()
    if (document.file_size or 0) > PAYOUT_FILE_MAX_BYTES:
        raise PayoutFileTooLarge(most=PAYOUT_FILE_MAX_BYTES // 1_000_000)
    return bytes(await (await document.get_file()).download_as_bytearray())


@press(BULK_PAYOUT)
async def payouts_button(call: Call, pressed: Press) -> None:
    """Confirm records the file's payouts (checked once more); Cancel drops them."""
    data = await BULK.take(call, pressed)
    settings = call.services.settings
    if pressed.action == "cancel":
        await call.reply(out_views.cancelled(call._))
        return
    plan = await call.services.payouts.confirm(call.user_id, data)
    if plan.paid:
        await call.reply(out_views.paid(call._, plan, settings))
        return
    await _plan(call, data, plan)
