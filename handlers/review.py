"""Review: the guild's /precheck and its buttons, the admins' /review, /accept, /reject."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import InputMediaAudio, InputMediaDocument, InputMediaPhoto, InputMediaVideo

from bot.buttons import MARK, PRECHECK, REVIEW, Press
from bot.domain.errors import N_, WholeAcceptance
from bot.domain.ids import Kind
from bot.views import review as views
from handlers.common import Call, Prompt, close_buttons, command, press

# The "why?" prompts of an admin's Reject or a leader's Send back, about (action, id, round).
WHY = Prompt("work.reject_prompts")


@command("precheck")
async def precheck(call: Call) -> None:
    choice = call.need(1)[0].lower()
    if choice not in ("on", "off"):
        raise call.wrong(N_("Say on or off."))
    guild = await call.services.review.set_precheck(call.chat_id, call.user_id, choice == "on")
    await call.reply(views.precheck_set(call._, guild.name, choice == "on"))


@command("review")
async def review(call: Call) -> None:
    assignment_id = call.id(call.args[0], Kind.ASSIGNMENT) if call.args else None
    item = await call.services.review.next_for_review(call.user_id, assignment_id)
    keyboard = views.review_keyboard(call._, item.assignment.id, item.assignment.round,
                                     item.count)
    if item.items:  # an item task: the answers on one page, files in albums after it
        files = [(i.answer or "", i.answer_file_id, f"{n}. {i.key}")
                 for n, i in enumerate(item.items, start=1) if i.answer_file_id]
        pages = views.item_answers(call._, item, call.services.settings)
        # Not paged: the admin decides on the whole submission, every answer in view, and
        # Send back some… keeps its marks in these very buttons, which a page turn would
        # replace.
        await call.reply_pages(pages, None if files else keyboard)
        if files:
            await _send_files(call, files)
            await call.reply(views.review_footer(call._, item.assignment), keyboard)
        return
    await call.reply(views.review_header(call._, item.assignment, item.worker, len(item.results),
                                         item.waiting, call.services.settings))
    # Numbered as /reject names them (`/reject 31 2,5 …`).
    await _send_files(call, [(r.kind, r.file_id, f"{n}. {r.text}" if r.text else f"{n}.")
                             for n, r in enumerate(item.results, start=1)])
    await call.reply(views.review_footer(call._, item.assignment), keyboard)


# Which files Telegram lets share an album (photos with videos; audio; documents).
_ALBUM = {"photo": "visual", "video": "visual", "audio": "audio", "document": "document"}
_MEDIA = {"photo": InputMediaPhoto, "video": InputMediaVideo, "audio": InputMediaAudio,
          "document": InputMediaDocument}
ALBUM_SIZE = 10


async def _send_files(call: Call, files: Sequence[tuple[str, str | None, str | None]]
                      ) -> None:
    """Results as the worker sent them, by file id: runs of files that can share an album in
    albums of up to 10, anything else (texts, voice messages) one by one."""
    bot, chat_id = call.context.bot, call.chat_id
    run: list[tuple[str, str, str | None]] = []

    async def flush() -> None:
        if len(run) == 1:
            kind, file_id, caption = run[0]
            await getattr(bot, f"send_{kind}")(chat_id, file_id, caption=caption)
        elif run:
            await bot.send_media_group(chat_id, [_MEDIA[k](f, caption=c) for k, f, c in run])
        run.clear()

    for kind, file_id, caption in files:
        if file_id is None or kind not in _ALBUM:
            await flush()
            if file_id is None:
                await bot.send_message(chat_id, caption or "")
            else:
                await getattr(bot, f"send_{kind}")(chat_id, file_id, caption=caption)
            continue
        if run and (_ALBUM[run[0][0]] != _ALBUM[kind] or len(run) == ALBUM_SIZE):
            await flush()
        run.append((kind, file_id, caption))
    await flush()


@command("accept")
async def accept(call: Call) -> None:
    args = call.need(1)
    assignment_id = call.id(args[0], Kind.ASSIGNMENT)
    if len(args) > 1:  # part acceptance by count is gone: send back what needs rework
        raise WholeAcceptance(assignment_id=assignment_id)
    decided = await call.services.review.accept(call.user_id, assignment_id)
    await call.reply(views.accepted_reply(call._, decided.assignment, decided.credit,
                                          call.services.settings))


@command("reject")
async def reject(call: Call) -> None:
    args = call.need(1)
    assignment_id = call.id(args[0], Kind.ASSIGNMENT)
    if len(args) < 2:
        raise call.wrong(N_("A rejection needs a reason, so the worker knows what to fix."))
    decided = await call.services.review.reject(call.user_id, assignment_id, call.rest(1),
                                                itemized=True)
    await call.reply(views.rejected_reply(call._, decided.assignment))


@press(REVIEW)
async def review_button(call: Call, pressed: Press) -> None:
    """Accept accepts in full; Reject asks for the reason. The round is the submission the
    buttons were shown under."""
    message = call.update.callback_query.message if call.update.callback_query else None
    review_service = call.services.review
    if pressed.action == "approve":
        decided = await review_service.accept(call.user_id, pressed.id, round=pressed.round)
        await close_buttons(message)
        await call.reply(views.accepted_reply(call._, decided.assignment, decided.credit,
                                              call.services.settings))
        return
    await review_service.next_for_review(call.user_id, pressed.id, pressed.round)  # reviewable?
    await WHY.ask(call, views.reject_prompt(call._, pressed.id),
                  ("reject", pressed.id, pressed.round))


@press(MARK)
async def mark_button(call: Call, pressed: Press) -> None:
    """Send back some: the submission's numbers on buttons, each tap marking or unmarking one;
    Send back asks the reason for those marked, Cancel shows Accept / Reject again."""
    item = await call.services.review.next_for_review(call.user_id, pressed.id, pressed.round)
    a, count = item.assignment, item.count
    marks = views.toggled(pressed.marks, pressed.action, count)
    if pressed.action == "send" and (numbers := views.marked(marks, count)):
        await WHY.ask(call, views.reject_some_prompt(call._, a.id, numbers),
                      ("reject", a.id, a.round, numbers))
        return
    await call.edit_buttons(views.review_keyboard(call._, a.id, a.round, count)
                            if pressed.action == "cancel"
                            else views.marks_keyboard(call._, a.id, a.round, count, marks))


@press(PRECHECK)
async def precheck_button(call: Call, pressed: Press) -> None:
    """Pass to review passes the submission on to the admins; Send back asks the leader what
    to fix, then sends it back."""
    message = call.update.callback_query.message if call.update.callback_query else None
    review_service = call.services.review
    if pressed.action == "pass":
        passed = await review_service.precheck(call.user_id, pressed.id, True,
                                               round=pressed.round)
        await close_buttons(message)
        await call.reply(views.prechecked_reply(call._, passed))
        return
    await review_service.check_precheck(call.user_id, pressed.id, round=pressed.round)
    await WHY.ask(call, views.send_back_prompt(call._, pressed.id),
                  ("back", pressed.id, pressed.round))


@WHY.answered
async def reject_reason(call: Call, about: tuple[Any, ...], reason: str) -> None:
    """The reply to a "why?" prompt: an admin's rejection (of the numbers marked, if any),
    or a leader's send-back."""
    action, assignment_id, round, *marked = about
    if action == "back":
        returned = await call.services.review.precheck(call.user_id, assignment_id, False,
                                                       reason, round)
        text = views.sent_back_reply(call._, returned)
    else:
        decided = await call.services.review.reject(call.user_id, assignment_id, reason, round,
                                                    itemized=True,
                                                    numbers=marked[0] if marked else ())
        text = views.rejected_reply(call._, decided.assignment)
    await call.reply(text)
