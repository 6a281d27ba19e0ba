"""/export: a task's results as ZIP documents; the work runs in the background, one message
shows its progress."""

from __future__ import annotations

import contextlib
from pathlib import Path

from telegram import Message
from telegram.error import BadRequest

from bot.domain.errors import N_
from bot.domain.exports import SCOPES
from bot.domain.ids import Kind
from bot.outcomes import ExportDone
from bot.views import exports as views
from handlers.common import Call, command


@command("export")
async def export(call: Call) -> None:
    """/export <task> [accepted|all]."""
    args = call.need(1)
    task_id = call.id(args[0], Kind.TASK)
    scope = args[1].lower() if len(args) > 1 else "accepted"
    if scope not in SCOPES:
        raise call.wrong(N_("Say accepted (the default) or all."))
    service, _, bot, chat_id = call.services.exports, call._, call.context.bot, call.chat_id
    job = await service.begin(call.user_id, task_id, scope)
    shown: list[Message | None] = []  # the progress message, sent with the first figure
    last = [""]

    async def progress(done: int, total: int) -> None:
        text = views.progress(_, job, done)
        if not shown:
            shown.append(await bot.send_message(chat_id, text))
        elif isinstance(shown[0], Message) and text != last[0]:
            with contextlib.suppress(BadRequest):  # the message was deleted meanwhile
                await shown[0].edit_text(text)
        last[0] = text

    async def deliver(path: Path, name: str, number: int) -> None:
        await bot.send_document(chat_id, path, filename=name,
                                caption=views.part_caption(_, job, number),
                                read_timeout=300, write_timeout=300)

    async def finished(done: ExportDone | None, error: Exception | None) -> None:
        text = views.finished(_, done) if done else views.failed(_, job, error or Exception())
        await bot.send_message(chat_id, text)

    service.launch(job, progress, deliver, finished)
