"""Telling many people at once: the admins' /broadcast (a preview, then Send / Cancel) and a
leader's /announce to their guild's members."""

from __future__ import annotations

from telegram import Message

from bot.buttons import BROADCAST, Press
from bot.domain.broadcasts import Content, parse_audience
from bot.domain.errors import NoBroadcastText
from bot.views import broadcasts as views
from handlers.common import Call, command, press


def _after_words(message: Message, words: int) -> str:
    """The message's text after the command and `words` more words, as Telegram HTML (its
    bold, links and line breaks kept)."""
    parts = (message.text_html or "").split(None, words + 1)
    return parts[words + 1] if len(parts) > words + 1 else ""


def _content(message: Message, words: int) -> Content:
    """The text after the audience; or the message replied to (its text, or its photo or
    document with its caption), the command's own text replacing that text if it has one."""
    own = _after_words(message, words)
    replied = message.reply_to_message
    if replied is None:
        return Content("text", own)
    if replied.photo:
        return Content("photo", own or replied.caption_html or "",
                       file_id=replied.photo[-1].file_id)
    if replied.document:
        return Content("document", own or replied.caption_html or "",
                       file_id=replied.document.file_id)
    if replied.text:
        return Content("text", own or replied.text_html)
    raise NoBroadcastText()


@command("broadcast")
async def broadcast(call: Call) -> None:
    """/broadcast <audience> <text>: the message as recipients will see it, then who gets it
    with Send / Cancel."""
    args = call.args
    audience, rest = parse_audience(args)
    content = _content(call.message, len(args) - len(rest))
    draft = await call.services.broadcasts.draft(call.user_id, audience, content)
    if content.kind == "photo":
        await call.context.bot.send_photo(call.chat_id, str(content.file_id),
                                          caption=content.text or None)
    elif content.kind == "document":
        await call.context.bot.send_document(call.chat_id, str(content.file_id),
                                             caption=content.text or None)
    else:
        await call.reply(content.text)
    await call.reply(views.preview(call._, draft), views.preview_keyboard(call._, draft.id))


@press(BROADCAST)
async def broadcast_button(call: Call, pressed: Press) -> None:
    """Send (the preview becomes the progress message) or Cancel."""
    broadcasts = call.services.broadcasts
    if pressed.action == "cancel":
        await call.edit(views.progress(call._, await broadcasts.cancel(call.user_id,
                                                                       pressed.id)))
        return
    query = call.update.callback_query
    assert query is not None and query.message is not None
    await broadcasts.send(call.user_id, pressed.id, query.message.message_id)


@command("announce")
async def announce(call: Call) -> None:
    """/announce <text> in the guild's group: every member gets it by direct message."""
    count = await call.services.broadcasts.announce(call.chat_id, call.user_id,
                                                    _after_words(call.message, 0),
                                                    call.message.message_id)
    await call.reply(views.announced(call._, count))
