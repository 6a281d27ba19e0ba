"""Item tasks: /items (an admin gives a task its items), and the buttons under an item."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from telegram import (
    Document,
    InputMediaAudio,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    Message,
    Update,
)
from telegram.error import BadRequest

from bot.buttons import ITEM, Press
from bot.context import GuildContext
from bot.domain.errors import ItemFileMissing
from bot.domain.ids import Kind
from bot.outcomes import ItemCard, PreparedItems
from bot.views import items as views
from bot.views.common import Keyboard
from handlers.common import Call, close_buttons, command, markup, press
from storage.models import HeldItem


def _document(call: Call) -> Document | None:
    message = call.message
    if message.document is not None:
        return message.document
    replied = message.reply_to_message
    return replied.document if replied is not None else None


@command("items")
async def items(call: Call) -> None:
    """/items <task> as the caption of a .csv, .jsonl or .zip file, or as a reply to one."""
    task_id = call.id(call.need(1)[0], Kind.TASK)
    document = _document(call)
    if document is None:
        raise ItemFileMissing(task_id=task_id)
    await call.services.item_files.ready_for_items(call.user_id, task_id, document.file_name or "",
                                              document.file_size)
    result = await call.services.item_files.import_items(call.user_id, task_id,
                                                    await read_file(call, document))
    await call.reply(views.imported(call._, result))


async def read_file(call: Call, document: Document) -> PreparedItems:
    """An item file the admin sent: downloaded to DATA_DIR, read and checked (not stored)."""
    service, name = call.services.item_files, document.file_name or ""
    service.check_download(name, document.file_size)
    with tempfile.NamedTemporaryFile(dir=service.incoming(), suffix=".part") as part:
        await (await document.get_file()).download_to_drive(part.name)
        return await service.prepare(call.user_id, name, Path(part.name))


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


async def show(call: Call, card: ItemCard, *, edit: bool = False) -> None:
    """The item card (a media item's with its file): in place of the pressed message where
    Telegram allows it (text for text, media for media), else as a new message."""
    text, keyboard = views.card(call._, card)
    item = card.current
    media = item is not None and item.media_kind is not None
    query = call.update.callback_query
    pressed = query.message if edit and query is not None else None
    if isinstance(pressed, Message):
        was_media = pressed.effective_attachment is not None
        if was_media == media:
            with contextlib.suppress(BadRequest):  # not modified: the same card again
                if media:
                    assert item is not None
                    await _edit_media(call, pressed, item, text, keyboard)
                else:
                    await pressed.edit_text(text, reply_markup=markup(keyboard))
            return
        await close_buttons(pressed)
    if media:
        assert item is not None
        await _send_media(call, item, text, keyboard)
        return
    await call.reply(text, keyboard)


_MEDIA = {"photo": InputMediaPhoto, "audio": InputMediaAudio, "video": InputMediaVideo,
          "document": InputMediaDocument}


async def _send_media(call: Call, item: HeldItem, text: str, keyboard: Keyboard | None
                      ) -> None:
    """A media item: uploaded from the bot's disk the first time, by file_id after that."""
    send = getattr(call.context.bot, f"send_{item.media_kind}")
    with _source(call, item) as source:
        sent = await send(call.chat_id, source, caption=text, reply_markup=markup(keyboard))
    await _remember(call, item, sent)


async def _edit_media(call: Call, pressed: Message, item: HeldItem, text: str,
                      keyboard: Keyboard | None) -> None:
    assert item.media_kind is not None
    with _source(call, item) as source:
        edited = await pressed.edit_media(_MEDIA[item.media_kind](source, caption=text),
                                          reply_markup=markup(keyboard))
    if isinstance(edited, Message):
        await _remember(call, item, edited)


@contextlib.contextmanager
def _source(call: Call, item: HeldItem) -> Iterator[str | IO[bytes]]:
    if item.file_id is not None:
        yield item.file_id
        return
    path = call.services.item_files.media_file(item)
    assert path is not None
    with path.open("rb") as file:
        yield file


async def _remember(call: Call, item: HeldItem, sent: Message) -> None:
    if item.file_id is not None:
        return
    attachment = sent.effective_attachment
    if isinstance(attachment, tuple | list):  # a photo: its sizes, the largest last
        attachment = attachment[-1]
    file_id = getattr(attachment, "file_id", None)
    if file_id:
        await call.services.item_files.remember_file_id(item.item_id, file_id)
