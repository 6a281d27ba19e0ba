"""Item tasks: /items (an admin gives a task its items), and the buttons under an item."""

from __future__ import annotations

import contextlib

from telegram import Document, Update
from telegram.error import BadRequest

from bot.buttons import ITEM, Press
from bot.context import GuildContext
from bot.domain.errors import ItemFileMissing
from bot.outcomes import ItemCard
from bot.views import items as views
from handlers.common import Call, command, markup, press


def _document(call: Call) -> Document | None:
    message = call.message
    if message.document is not None:
        return message.document
    replied = message.reply_to_message
    return replied.document if replied is not None else None


@command("items")
async def items(call: Call) -> None:
    """/items <task> as the caption of a .csv/.jsonl file, or as a reply to one."""
    task_id = call.id(call.need(1)[0])
    document = _document(call)
    if document is None:
        raise ItemFileMissing(task_id=task_id)
    name = document.file_name or ""
    await call.services.items.ready_for_items(call.user_id, task_id, name, document.file_size)
    data = await (await document.get_file()).download_as_bytearray()
    result = await call.services.items.import_items(call.user_id, task_id, name, bytes(data))
    await call.reply(views.imported(call._, result))


async def items_caption(update: Update, context: GuildContext) -> None:
    """A file whose caption is `/items <task>` (captions are no commands to Telegram)."""
    caption = update.effective_message.caption if update.effective_message else None
    context.args = (caption or "").split()[1:]
    await items(update, context)


@press(ITEM)
async def item_button(call: Call, pressed: Press) -> None:
    """A label, Next, Back, Skip or Continue under an item: the same message shows what
    comes next."""
    service, worker, position = call.services.items, call.user_id, pressed.round or 0
    if pressed.action.startswith("p"):
        card = await service.pick(worker, pressed.id, position, int(pressed.action[1:]))
    elif pressed.action == "next":
        card = await service.next(worker, pressed.id, position)
    elif pressed.action == "back":
        card = await service.back(worker, pressed.id, position)
    elif pressed.action == "show":
        card = await service.card(worker, pressed.id)
    else:
        card = await service.skip(worker, pressed.id, position,
                                  pressed.action.removeprefix("skip_"))
    await show(call, card, edit=pressed.action != "show")


async def show(call: Call, card: ItemCard, *, edit: bool) -> None:
    """The item card: in place of the pressed message where Telegram allows, else anew."""
    text, keyboard = views.card(call._, card)
    query = call.update.callback_query
    if edit and query is not None and query.message is not None:
        with contextlib.suppress(BadRequest):  # not modified: the same card again
            await query.edit_message_text(text, reply_markup=markup(keyboard))
        return
    await call.reply(text, keyboard)
