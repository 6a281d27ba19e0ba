"""Results, in a worker's private chat: /tasks, /submit, the results themselves, /done."""

from __future__ import annotations

from telegram import Message, Update

from bot.context import GuildContext
from bot.outcomes import ItemCard, ResultInput
from bot.views import results as views
from handlers import items
from handlers.common import Call, command, texts

SUBMIT_TO = "work.submit_to"  # user_data: the assignment /submit chose (conversation scratch)


async def my_tasks(call: Call) -> None:
    """/tasks in a worker's private chat: their assignments and what each still needs."""
    rows = await call.services.results.my_assignments(call.user_id)
    zone = await call.services.users.zone_of(call.user_id)
    await call.reply(views.my_assignments(call._, rows, zone),
                     views.offered_keyboards(call._, rows))


@command("submit")
async def submit(call: Call) -> None:
    assignment_id = call.id(call.need(1)[0])
    chosen = await call.services.results.start_submission(call.user_id, assignment_id)
    call.user_data[SUBMIT_TO] = assignment_id
    await call.reply(views.choose_reply(call._, chosen.assignment, chosen.have))


@command("done")
async def done(call: Call) -> None:
    target = call.id(call.args[0]) if call.args else call.user_data.get(SUBMIT_TO)
    submitted = await call.services.results.submit(call.user_id, target)
    call.user_data.pop(SUBMIT_TO, None)
    await call.reply(views.submitted(call._, submitted))


async def result(update: Update, context: GuildContext) -> None:
    """A file or text in a worker's private chat: a result for their assignment."""
    call = Call(update, context, await texts(update, context))
    chosen = call.user_data.get(SUBMIT_TO)
    taken = await call.services.results.add_result(call.user_id, chosen,
                                                   result_from(call.message))
    call.services.copies.wake()  # a file in it is copied soon (RESULTS_DIR)
    if isinstance(taken, ItemCard):  # an item task: the next item, or the summary
        await items.show(call, taken)
        return
    if chosen not in (None, taken.assignment.id):
        call.user_data.pop(SUBMIT_TO)  # that choice no longer takes results
    keyboard = (views.submit_keyboard(call._, taken.assignment.id)
                if taken.have >= taken.assignment.units else None)
    await call.reply(views.result_taken(call._, taken.assignment, taken.have), keyboard)


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
