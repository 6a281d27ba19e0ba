"""A guided flow (ConversationHandler's entry points, states and fallbacks) whose step is kept
in the person's conversation scratch, beside what the flow has gathered.

PTB's ConversationHandler keeps each conversation's state in its own memory, so a step would
be lost in a restart and unknown to another instance; here the step is a `user_data` entry,
which bot.services.scratch keeps in the database like the rest. As with ConversationHandler: a
step's callback returns the next step, `END`, or None (the step stays); an exception leaves the
step as it was; an entry point is checked first, even in the middle of the flow (re-entry); a
flow belongs to the chat it was started in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseHandler

from bot.context import GuildContext

END = -1

Handlers = Sequence[BaseHandler[Update, GuildContext, Any]]


class FlowHandler(BaseHandler[Update, GuildContext, None]):
    def __init__(self, app: Application, key: str, *, entry_points: Handlers,
                 states: dict[int, Handlers], fallbacks: Handlers) -> None:
        super().__init__(_unused)
        self._app = app
        self._key = key  # user_data[key]: (the chat of the flow, its step)
        self._entry = list(entry_points)
        self._states = {step: list(handlers) for step, handlers in states.items()}
        self._fallbacks = list(fallbacks)

    def _step(self, update: Update) -> int | None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return None
        at = self._app.user_data.get(user.id, {}).get(self._key)
        if not isinstance(at, tuple) or at[0] != chat.id:
            return None
        return int(at[1])

    def check_update(self, update: object) -> tuple[BaseHandler, object] | None:
        if not isinstance(update, Update):
            return None
        candidates = list(self._entry)
        step = self._step(update)
        if step is not None:
            candidates += self._states.get(step, []) + self._fallbacks
        for handler in candidates:
            check = handler.check_update(update)
            if check is not None and check is not False:
                return handler, check
        return None

    async def handle_update(self, update: Update, application: Application,
                            check_result: Any, context: GuildContext) -> None:
        handler, check = check_result
        step = await handler.handle_update(update, application, check, context)
        chat = update.effective_chat
        if step is None or chat is None or context.user_data is None:
            return
        if step == END:
            context.user_data.pop(self._key, None)
        else:
            context.user_data[self._key] = (chat.id, step)


async def _unused(update: object, context: object) -> None:  # the chosen handler's runs
    raise AssertionError("FlowHandler runs the callback of the handler that matched")
