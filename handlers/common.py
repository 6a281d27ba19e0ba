"""What every handler shares: the `Call` it is handed, and the wrappers that do the rest once.

`@command("assign")` looks the command up in `bot.commands`: it refuses the wrong kind of chat
(as the registry says where the command works), and hands the handler a `Call` with the
caller's translator, the arguments and the command's usage. `@press(OFFER)` answers a button's
query first and reads its data with the button's spec. Handlers then only parse, call one
service and render.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any, Protocol, TypeVar

from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import Application
from telegram.ext.filters import MessageFilter

from bot.buttons import Press
from bot.commands import Chat, admin_command, chat_of
from bot.commands import command as registered
from bot.context import GuildContext
from bot.domain import ids
from bot.domain.errors import (
    ID_KINDS,
    N_,
    AdminCommand,
    DomainError,
    GroupChatOnly,
    Msg,
    NumberTooLarge,
    PrivateChatOnly,
    StaleButton,
    Usage,
    UsageLine,
    WrongIdKind,
)
from bot.domain.ids import Kind
from bot.i18n import Translator, plain_text, texts_for
from bot.outcomes import MemberRef
from bot.services import Services
from bot.views.common import Keyboard

Callback = Callable[[Update, GuildContext], Coroutine[Any, Any, None]]
PressT = TypeVar("PressT")
PressT_co = TypeVar("PressT_co", covariant=True)
_USERNAME_RE = re.compile(r"^@?([A-Za-z0-9_]{1,32})$")
_AT_USERNAME_RE = re.compile(r"^@([A-Za-z0-9_]{1,32})$")  # where a number may be meant too
# A member's number in /members (M3); Telegram usernames have 5 or more characters.
_MEMBER_NUMBER_RE = re.compile(r"^[Mm](\d{1,3})$")
MISSING = N_("Something is missing.")


async def texts(update: object, context: GuildContext) -> Translator:
    """The language of the chat: a guild's group speaks the group's language; anywhere else
    the person's (their choice in /settings, else their Telegram app's)."""
    services = context.bot_data.services
    chat = getattr(update, "effective_chat", None)
    user = getattr(update, "effective_user", None)
    if services is not None and chat is not None and chat.type != "private" \
            and (language := await services.guilds.chat_language(chat.id)) is not None:
        return texts_for(language)
    if services is not None and user is not None:
        return texts_for(services.users.language(user.id, user.language_code))
    return texts_for(getattr(user, "language_code", None))


def markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    """A view's keyboard as PTB's markup (built directly: `de_json` costs several times more,
    and a tap answers with one)."""
    if not keyboard:
        return None
    return InlineKeyboardMarkup(tuple(
        tuple(InlineKeyboardButton(b["text"], url=b.get("url"),
                                   callback_data=b.get("callback_data")) for b in row)
        for row in keyboard["inline_keyboard"]))


async def reply(update: Update, text: str, keyboard: Keyboard | None = None) -> Message | None:
    """Answer in the chat the update came from (the acting user's lane: never queued)."""
    message = update.effective_message
    if message is None:
        return None
    return await message.reply_text(text, reply_markup=markup(keyboard),
                                    do_quote=message.chat.type != "private")


async def refuse(update: Update, text: str) -> None:
    """Say why something was refused: an alert for a button press not answered yet,
    otherwise a reply in the chat."""
    query = update.callback_query
    if query is not None:
        try:
            await query.answer(plain_text(text)[:200], show_alert=True)
            return
        except BadRequest:  # already answered by the handler: say it in the chat instead
            pass
    await reply(update, text)


async def close_buttons(message: object) -> None:
    """Take the buttons off an answered message so it can't be pressed twice."""
    if isinstance(message, Message):
        with contextlib.suppress(BadRequest):
            await message.edit_reply_markup(reply_markup=None)


@dataclass(slots=True)
class Call:
    """One command or button press, as a handler sees it."""

    update: Update
    context: GuildContext
    _: Translator
    usage: UsageLine | None = None

    @property
    def services(self) -> Services:
        return self.context.services

    @property
    def user_id(self) -> int:
        user = self.update.effective_user
        assert user is not None
        return user.id

    @property
    def first_name(self) -> str:
        user = self.update.effective_user
        assert user is not None
        return user.first_name

    @property
    def chat_id(self) -> int:
        chat = self.update.effective_chat
        assert chat is not None
        return chat.id

    @property
    def private(self) -> bool:
        chat = self.update.effective_chat
        return chat is not None and chat.type == "private"

    @property
    def message(self) -> Message:
        message = self.update.effective_message
        assert message is not None
        return message

    @property
    def args(self) -> list[str]:
        return list(self.context.args or [])

    @property
    def user_data(self) -> dict:
        data = self.context.user_data
        assert data is not None
        return data

    def rest(self, start: int) -> str | None:
        """The arguments from `start` on, as one text (None when there are none)."""
        return " ".join(self.args[start:]) or None

    def wrong(self, reason: Msg) -> Usage:
        """A usage refusal: what is wrong, and the command's usage."""
        return Usage(reason=reason, usage=self.usage)

    def need(self, count: int, reason: Msg | None = None) -> list[str]:
        """The arguments, refused with the usage when fewer than `count`."""
        if len(self.args) < count:
            raise self.wrong(reason or MISSING)
        return self.args

    def id(self, value: str | None, kind: Kind | None = None) -> int:
        """'12' or '#12' -> 12, and 'T12' where `kind` is a task; an id of another kind says
        what it names; anything else is a usage refusal."""
        try:
            return ids.parse(value or "", kind)
        except ids.IdError as error:
            if error.too_large:
                raise NumberTooLarge(value=(value or "").strip().lstrip("#")) from None
            if error.kind is not None and kind is not None:
                raise WrongIdKind(value=value, named=ID_KINDS[error.kind],
                                  wanted=ID_KINDS[kind],
                                  example=ids.shown(kind, 12)) from None
            raise self.wrong(N_("A number is missing.") if not value
                             else N_("That is not a number.")) from None

    def person(self, value: str) -> MemberRef:
        """A user an admin names: @username or their numeric id."""
        if value.isdecimal():
            return MemberRef(user_id=self.id(value))
        if match := _AT_USERNAME_RE.match(value):
            return MemberRef(username=match[1])
        raise self.wrong(N_("Name the user as @username or by their numeric id."))

    def member(self, args: Sequence[str]) -> MemberRef:
        """Who a leader means: @username as the argument, a mention of someone without a
        username, or the author of the message they replied to."""
        for entity in self.message.entities:
            if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
                return MemberRef(user_id=entity.user.id, name=entity.user.full_name)
        if args:
            if len(args) == 1 and (number := _MEMBER_NUMBER_RE.match(args[0])):
                return MemberRef(number=int(number[1]))
            match = _USERNAME_RE.match(args[0])
            if len(args) != 1 or match is None:
                raise self.wrong(N_("Name one member as @username or by their number in "
                                    "/members (M3), or reply to their message."))
            return MemberRef(username=match[1])
        replied = self.message.reply_to_message
        if replied is not None and replied.from_user is not None \
                and not replied.from_user.is_bot:
            return MemberRef(user_id=replied.from_user.id, name=replied.from_user.full_name)
        raise self.wrong(N_("Name the member as @username, or reply to one of their messages."))

    async def reply(self, text: str, keyboard: Keyboard | None = None) -> Message | None:
        return await reply(self.update, text, keyboard)

    async def edit(self, text: str, keyboard: Keyboard | None = None) -> None:
        """Show another text (and buttons) in the message whose button was pressed: a list
        turning its page."""
        query = self.update.callback_query
        if query is not None and isinstance(query.message, Message):
            with contextlib.suppress(BadRequest):  # not modified
                await query.message.edit_text(text, reply_markup=markup(keyboard))

    async def edit_buttons(self, keyboard: Keyboard | None) -> None:
        """New buttons under the message whose button was pressed (the same ones: no change)."""
        query = self.update.callback_query
        if query is not None and isinstance(query.message, Message):
            with contextlib.suppress(BadRequest):  # not modified
                await query.message.edit_reply_markup(reply_markup=markup(keyboard))

    async def reply_pages(self, pages: Sequence[str], keyboard: Keyboard | None = None) -> None:
        """Several messages; the keyboard goes under the last. For what is not browsed (a
        report of what was just done, a review); a list is turned page by page in one message
        (handlers.paging)."""
        for page in pages[:-1]:
            await self.reply(page)
        await self.reply(pages[-1], keyboard)


def caller_check(name: str) -> Callable[[Call], None]:
    """The command registry's who and where for the command `name`, as a check of a call:
    a command's, or a press of a button its reply carries (a page of its list)."""
    where = chat_of(name)
    admins_only = admin_command(name)

    def check(call: Call) -> None:
        # Who before where: a leader trying /summary in the group hears it is for admins.
        if admins_only and not call.services.users.is_admin(call.user_id):
            raise AdminCommand(command=f"/{name}")
        if where is Chat.PRIVATE and not call.private:
            raise PrivateChatOnly(command=f"/{name}")
        if where is Chat.GROUP and call.private:
            raise GroupChatOnly(command=f"/{name}")

    return check


def command(name: str) -> Callable[[Callable[[Call], Awaitable[None]]], Callback]:
    """Register-time wrapper: the chat check, the admins-only check (who before how: a
    stranger is told the command is not theirs, not its usage) and the usage come from the
    command registry."""
    usage = registered(name).usage
    check = caller_check(name)

    def wrap(handler: Callable[[Call], Awaitable[None]]) -> Callback:
        @wraps(handler)
        async def run(update: Update, context: GuildContext) -> None:
            call = Call(update, context, await texts(update, context), usage)
            check(call)
            await handler(call)

        return run

    return wrap


class ButtonSpec(Protocol[PressT_co]):
    """What `press` needs of a button's spec (`Buttons`, `Pager`): read its data back."""

    def parse(self, data: str | None) -> PressT_co | None: ...


def press(spec: ButtonSpec[PressT]
          ) -> Callable[[Callable[[Call, PressT], Awaitable[None]]], Callback]:
    """Register-time wrapper for a button: its data read back, the handler run, then the
    query answered. A refusal is raised instead, and the error handler answers it with an
    alert saying why (a query is answered once)."""

    def wrap(handler: Callable[[Call, PressT], Awaitable[None]]) -> Callback:
        @wraps(handler)
        async def run(update: Update, context: GuildContext) -> None:
            query = update.callback_query
            assert query is not None
            pressed = spec.parse(query.data)
            if pressed is None:  # matched the pattern but names nothing (an id out of range)
                raise StaleButton()
            await handler(Call(update, context, await texts(update, context)), pressed)
            with contextlib.suppress(BadRequest):  # too late (a slow press): nothing to do
                await query.answer()

        return run

    return wrap


class Prompt:
    """A question answered by replying to it (a reason for a rejection, say). What it is about
    is kept in `user_data[key]` by the prompt's message id, as conversation scratch (kept in
    the database: bot.services.scratch); the text command does the same job."""

    def __init__(self, key: str) -> None:
        self.key = key

    async def ask(self, call: Call, text: str, about: object,
                  placeholder: str | None = None) -> None:
        """Ask under the message whose button was pressed."""
        query = call.update.callback_query
        message = query.message if query is not None else None
        assert isinstance(message, Message)
        prompt = await message.reply_text(
            text, reply_markup=ForceReply(selective=True, input_field_placeholder=placeholder))
        call.user_data.setdefault(self.key, {})[prompt.message_id] = about

    def replies(self, app: Application) -> MessageFilter:
        """Messages that reply to one of the sender's open prompts of this kind."""
        return RepliesToPrompt(app, self.key)

    def answered(self, handler: Callable[[Call, Any, str], Awaitable[None]]) -> Callback:
        """Register-time wrapper for the reply: the handler gets what the prompt was about and
        the text. The prompt stays open until the handler succeeds, so a refused answer may be
        given again."""

        @wraps(handler)
        async def run(update: Update, context: GuildContext) -> None:
            call = Call(update, context, await texts(update, context))
            replied = call.message.reply_to_message
            assert replied is not None
            prompts = call.user_data.get(self.key, {})
            await handler(call, prompts[replied.message_id], call.message.text or "")
            prompts.pop(replied.message_id, None)

        return run


class Again:
    """A repeat the bot refused (the same payout, the same task, minutes apart), offered once
    more under a button. What to do again is kept in `user_data[key]` by a slot number, which
    is all the button carries; a slot is used once."""

    def __init__(self, key: str) -> None:
        self.key = key

    async def offer(self, call: Call, refusal: DomainError, what: object,
                    keyboard: Callable[[Translator, int], Keyboard]) -> None:
        await call.reply(refusal.render(call._), keyboard(call._, self.keep(call, what)))

    def keep(self, call: Call, what: object) -> int:
        """Keep what a button will act on; the slot number its data carries."""
        slots = call.user_data.setdefault(self.key, {})
        slot = max(slots, default=0) + 1
        slots[slot] = what
        return slot

    def held(self, call: Call, slot: int) -> Any:
        """What a slot holds, left in it; a slot used before, or forgotten (an abandoned
        conversation), is a stale button."""
        what = call.user_data.get(self.key, {}).get(slot)
        if what is None:
            raise StaleButton()
        return what

    async def take(self, call: Call, pressed: Press) -> Any:
        """What the pressed button's slot holds (its buttons come off); a slot used before, or
        forgotten (an abandoned conversation), is a stale button."""
        what = call.user_data.get(self.key, {}).pop(pressed.id, None)
        if what is None:
            raise StaleButton()
        query = call.update.callback_query
        await close_buttons(query.message if query is not None else None)
        return what


class RepliesToPrompt(MessageFilter):
    """A reply to one of this user's open prompts kept in `user_data[key]` (by message id).

    Prompts are conversation scratch (bot.services.scratch); the text command does the same job.
    """

    def __init__(self, app: Application, key: str) -> None:
        super().__init__(name=f"replies_to_prompt({key})")
        self._app = app
        self._key = key

    def filter(self, message: Message) -> bool:
        replied, user = message.reply_to_message, message.from_user
        if replied is None or user is None:
            return False
        prompts = self._app.user_data.get(user.id, {}).get(self._key, {})
        return replied.message_id in prompts
