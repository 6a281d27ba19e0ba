"""Refusals: named errors that say why, in the user's words.

`text` is an English sentence with named placeholders, marked with `N_` for extraction and
translated when rendered, so a handler only needs `error.render(_)`.
"""

from __future__ import annotations

from typing import Any, Protocol


class Msg(str):
    """A message id marked with `N_`: translated when rendered, also as a placeholder value."""

    __slots__ = ()


def N_(message: str) -> Msg:
    """Mark a message for extraction without translating it yet."""
    return Msg(message)


class _Translate(Protocol):
    def __call__(self, message: str, **values: Any) -> str: ...


class DomainError(Exception):
    text = N_("That can't be done right now.")

    def __init__(self, **values: Any) -> None:
        self.values = values
        super().__init__(self.text.format(**values) if values else self.text)

    def render(self, _: _Translate) -> str:
        values = {k: _(v) if isinstance(v, Msg) else v for k, v in self.values.items()}
        return _(self.text, **values)


class Usage(DomainError):
    """Wrong or missing arguments: the reply is the command's usage, with the reason."""

    text = N_("{reason}\nUsage: {usage}")


class NotAllowed(DomainError):
    text = N_("You are not allowed to do that.")


class AdminsOnly(NotAllowed):
    text = N_("Only platform admins can do that.")


class PrivateChatOnly(DomainError):
    text = N_("Please use {command} in a private chat with me.")


class GroupChatOnly(DomainError):
    text = N_("Please use {command} in your guild's group chat.")


class NotFound(DomainError):
    text = N_("{thing} was not found.")


class WrongState(DomainError):
    """A transition found the object in another state than it expected."""

    text = N_("{thing} is {state}, so that can't be done now.")
