"""Broadcasts and announcements: who an audience names, and what Telegram takes as one
message (the rules only; who is in an audience comes from storage)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.errors import (
    BroadcastTooLong,
    NoBroadcastText,
    UnknownAudience,
)
from bot.domain.guilds import parse_guild_ref
from bot.domain.skills import check_skill_name
from bot.i18n import shown_length

AUDIENCES = ("all", "workers", "leaders", "guild", "skill")
NAMED = ("guild", "skill")  # audiences that take a name or id after them
MESSAGE_LIMIT = 4096  # Telegram's, for a message's text, counted as `shown_length` counts
CAPTION_LIMIT = 1024  # for a photo's or a document's caption
KINDS = {"text": "sendMessage", "photo": "sendPhoto", "document": "sendDocument"}


@dataclass(frozen=True, slots=True)
class AudienceRef:
    """Who a broadcast is for: everyone, workers, leaders, one guild (`ref` its id, or its
    name until looked up) or one skill's holders (`ref` its name)."""

    kind: str
    ref: int | str | None = None


def parse_audience(words: list[str]) -> tuple[AudienceRef, list[str]]:
    """The audience named by the first words, and the words after it (the message)."""
    if not words or words[0].lower() not in AUDIENCES:
        raise UnknownAudience()
    kind = words[0].lower()
    if kind not in NAMED:
        return AudienceRef(kind), words[1:]
    if len(words) < 2:
        raise UnknownAudience()
    ref = parse_guild_ref(words[1]) if kind == "guild" else check_skill_name(words[1])
    return AudienceRef(kind, ref), words[2:]


@dataclass(frozen=True, slots=True)
class Content:
    """What a broadcast sends: a text, or a photo or document (by its Telegram file id) with
    an optional caption. `text` is Telegram HTML."""

    kind: str  # text | photo | document
    text: str = ""
    file_id: str | None = None

    @property
    def method(self) -> str:
        return KINDS[self.kind]

    def payload(self) -> dict[str, object]:
        """The Bot API parameters, without the chat."""
        if self.kind == "text":
            return {"text": self.text, "parse_mode": "HTML",
                    "link_preview_options": {"is_disabled": True}}
        payload: dict[str, object] = {self.kind: self.file_id}
        if self.text:
            payload.update(caption=self.text, parse_mode="HTML")
        return payload


def check_content(content: Content, *, limit: int | None = None) -> Content:
    """A message Telegram will take: a text that is not empty, within 4096 (a caption 1024)
    as Telegram counts them; `limit` lowers the bound (room for a header)."""
    length = shown_length(content.text)
    if content.kind == "text" and not content.text.strip():
        raise NoBroadcastText()
    most = CAPTION_LIMIT if content.kind != "text" else MESSAGE_LIMIT
    most = min(most, limit) if limit is not None else most
    if length > most:
        raise BroadcastTooLong(length=length, most=most,
                               what=BroadcastTooLong.CAPTION if content.kind != "text"
                               else BroadcastTooLong.MESSAGE)
    return content
