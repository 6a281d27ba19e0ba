"""Results, in a worker's private chat: /tasks, /submit, the results themselves, /done."""

from __future__ import annotations

from telegram import Message, Update

from bot.buttons import RESULT, Press
from bot.context import GuildContext
from bot.domain.ids import Kind
from bot.outcomes import ItemCard, ResultInput, ResultTaken, TextToConfirm
from bot.views import results as views
from handlers import items
from handlers.common import Call, close_buttons, command, press, texts

SUBMIT_TO = "work.submit_to"  # user_data: the assignment /submit chose (conversation scratch)
PENDING_TEXT = "work.pending_text"  # user_data: a text waiting for "is it a result?"


async def my_tasks(call: Call) -> None:
    """/tasks in a worker's private chat: their assignments and what each still needs."""
    rows = await call.services.results.my_assignments(call.user_id)
    zone = await call.services.users.zone_of(call.user_id)
    await call.reply(views.my_assignments(call._, rows, zone),
                     views.offered_keyboards(call._, rows))


@command("submit")
async def submit(call: Call) -> None:
    assignment_id = call.id(call.need(1)[0], Kind.ASSIGNMENT)
    chosen = await call.services.results.start_submission(call.user_id, assignment_id)
    call.user_data[SUBMIT_TO] = assignment_id
    await call.reply(views.choose_reply(call._, chosen.assignment, chosen.have))


@command("done")
async def done(call: Call) -> None:
    target = call.id(call.args[0], Kind.ASSIGNMENT) if call.args else call.user_data.get(SUBMIT_TO)
    submitted = await call.services.results.submit(call.user_id, target)
    call.user_data.pop(SUBMIT_TO, None)
    await call.reply(views.submitted(call._, submitted))


async def result(update: Update, context: GuildContext) -> None:
    """A file or text in a worker's private chat: a result for their assignment."""
    call = Call(update, context, await texts(update, context))
    given = result_from(call.message)
    taken = await call.services.results.add_result(call.user_id,
                                                   call.user_data.get(SUBMIT_TO), given)
    if given.file_id is not None:
        call.services.copies.wake()  # the file is copied soon (RESULTS_DIR)
    if isinstance(taken, TextToConfirm):  # a result, or just a message? The worker says.
        call.user_data[PENDING_TEXT] = given
        await call.reply(views.text_to_confirm(call._, taken),
                         views.text_keyboard(call._, taken.assignment.id))
        return
    await _receipt(call, taken)


async def _receipt(call: Call, taken: ResultTaken | ItemCard) -> None:
    if isinstance(taken, ItemCard):  # an item task: the next item, or the summary
        await items.show(call, taken)
        return
    if call.user_data.get(SUBMIT_TO) not in (None, taken.assignment.id):
        call.user_data.pop(SUBMIT_TO)  # that choice no longer takes results
    await call.reply(views.result_taken(call._, taken.assignment, taken.have),
                     views.receipt_keyboard(call._, taken))


@press(RESULT)
async def result_button(call: Call, pressed: Press) -> None:
    """Yes / No under a text that may be a result; Remove it under a receipt."""
    query = call.update.callback_query
    await close_buttons(query.message if query else None)
    if pressed.action == "remove":
        taken = await call.services.results.take_back(call.user_id, result_id=pressed.id)
        await call.reply(views.taken_back(call._, taken))
        return
    given = call.user_data.pop(PENDING_TEXT, None)
    if pressed.action == "drop":
        await call.reply(views.not_a_result(call._))
        return
    if given is None:
        await call.reply(views.text_gone(call._))
        return
    stored = await call.services.results.add_result(call.user_id, pressed.id, given,
                                                    confirmed=True)
    assert not isinstance(stored, TextToConfirm)  # confirmed: never asked again
    call.user_data[SUBMIT_TO] = pressed.id  # its next texts go there without asking
    await _receipt(call, stored)


@command("undo")
async def undo(call: Call) -> None:
    """/undo: the last result sent (for the assignment chosen with /submit, if any) goes."""
    taken = await call.services.results.take_back(
        call.user_id, assignment_id=call.user_data.get(SUBMIT_TO))
    await call.reply(views.taken_back(call._, taken))


def result_from(message: Message) -> ResultInput:
    caption = message.caption_html if message.caption else None
    at = message.message_id
    if message.document:
        d = message.document
        return ResultInput("document", d.file_id, d.file_unique_id, d.file_name, d.mime_type,
                           d.file_size, caption, at)
    if message.photo:
        p = message.photo[-1]  # the largest size
        return ResultInput("photo", p.file_id, p.file_unique_id, None, "image/jpeg",
                           p.file_size, caption, at)
    for media, kind in ((message.voice, "voice"), (message.audio, "audio"),
                        (message.video, "video")):
        if media is not None:
            return ResultInput(kind, media.file_id, media.file_unique_id,
                               getattr(media, "file_name", None), media.mime_type,
                               media.file_size, caption, at)
    return ResultInput("text", text=message.text_html, message_id=at)


async def edited(call: Call) -> None:
    """A message edited in private: a result it was is replaced (before Submit); any other
    edit is not taken, and the worker is told to send it again."""
    message = call.update.edited_message
    assert message is not None
    outcome = await call.services.results.replace_edited(call.user_id, message.message_id,
                                                         result_from(message))
    await call.reply(views.edit_outcome(call._, outcome))
