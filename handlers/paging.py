"""Long lists in one message, turned in place with ◀ Previous / Next ▶ (bot.buttons.Pager).

A list is one function `(call, key) -> Listing`, decorated with `@paged(command, PAGER)`. The
key is the list's arguments in the list's own short encoding (`T12.all` for `/progress T12
all`, a status for `/guilds approved`, nothing when the chat says it all). The command reads
what was typed, makes the key and shows the first page; a press runs the same function with
the key its button carries, so the list is read again as it is now. Nothing is kept in memory,
and buttons survive a restart. Before a press, the command's own checks of who and where run
(whoever may not send the command may not turn its pages either), then the list's service
checks the presser as it checks a sender. A page past the end (the list shrank) shows the last.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from telegram import Message

from bot.buttons import Pager, PageTurn
from bot.domain import ids
from bot.domain.errors import StaleButton
from bot.domain.ids import Kind
from bot.i18n import Html
from bot.views.common import Keyboard, page_of
from handlers.common import Call, caller_check, press


@dataclass(frozen=True, slots=True)
class Listing:
    """A list's pages, and its own buttons (shown under every page, above Previous / Next)."""

    pages: Sequence[str]
    actions: Keyboard | None = None


Build = Callable[[Call, str], Awaitable[Listing]]


class Paged:
    def __init__(self, command: str, pager: Pager, build: Build) -> None:
        self.pager = pager
        self._build = build
        self._check = caller_check(command)
        # What app.py registers for the pager's pattern.
        self.turn = press(pager)(self._turn)

    async def show(self, call: Call, key: str) -> None:
        """The command's answer: the first page."""
        await call.reply(*await self.page(call, key, 0))

    async def refresh(self, call: Call, key: str) -> None:
        """After one of the list's own buttons acted: the page the pressed message shows, as
        the list is now."""
        await call.edit(*await self.page(call, key, self.page_under(call)))

    async def page(self, call: Call, key: str, number: int) -> tuple[Html, Keyboard | None]:
        listing = await self._build(call, key)
        return page_of(call._, listing.pages, number, self.pager, key, listing.actions)

    def page_under(self, call: Call) -> int:
        """The page the pressed message shows, read from its Previous / Next (Previous names
        the page before, Next the one after; the first page has no Previous)."""
        query = call.update.callback_query
        message = query.message if query is not None else None
        if not isinstance(message, Message) or message.reply_markup is None:
            return 0
        for row in message.reply_markup.inline_keyboard:
            for b in row:
                turn = self.pager.parse(b.callback_data if isinstance(b.callback_data, str)
                                        else None)
                # The row's first: Previous, unless there is none. Its data alone can't tell
                # (page 1 is Next from the first page, or Previous from the third); its
                # label starts with ◀ in every language (GLOSSARY.md).
                if turn is not None:
                    return turn.page + 1 if b.text.startswith("◀") else turn.page - 1
        return 0

    async def _turn(self, call: Call, pressed: PageTurn) -> None:
        """◀ Previous / Next ▶: the page asked for, of the list read again from the key."""
        self._check(call)
        await call.edit(*await self.page(call, pressed.key, pressed.page))


def paged(command: str, pager: Pager) -> Callable[[Build], Paged]:
    """`@paged("progress", PROGRESS_PAGES)` over a list's `(call, key) -> Listing`."""
    return lambda build: Paged(command, pager, build)


def task_key(task_id: int, *flags: str) -> str:
    """A list about a task: `T12`, `T12.all`."""
    return ".".join((ids.shown(Kind.TASK, task_id), *flags))


def task_of(key: str, *allowed: str) -> tuple[int, tuple[str, ...]]:
    """`T12.all` -> (12, ("all",)); a key no list made (flags it never takes) is stale."""
    head, *flags = key.split(".")
    try:
        task_id = ids.parse(head, Kind.TASK)
    except ids.IdError:
        raise StaleButton() from None
    if any(flag not in allowed for flag in flags):
        raise StaleButton()
    return task_id, tuple(flags)
