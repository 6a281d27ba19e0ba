"""Quality control for admins: /answers, a task's items with their aggregated answers."""

from __future__ import annotations

from telegram import InputFile

from bot.domain.ids import Kind
from bot.views import quality as views
from handlers.common import Call, command
from handlers.items import show


@command("answers")
async def answers(call: Call) -> None:
    """/answers <task>: how far the items are, and a CSV of each one's answer."""
    task_id = call.id(call.need(1)[0], Kind.TASK)
    found = await call.services.quality.answers(call.user_id, task_id)
    await call.reply(views.answers_summary(call._, found))
    await call.context.bot.send_document(
        call.chat_id, InputFile(views.answers_csv(found), filename=f"task-{task_id}-answers.csv"))


@command("qualify")
async def qualify(call: Call) -> None:
    """/qualify <skill>: the skill's qualification test, item by item in this chat."""
    card = await call.services.qualification.take(call.user_id, call.need(1)[0])
    await show(call, card)
