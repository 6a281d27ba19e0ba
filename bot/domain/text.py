"""Free text people type (notes, reasons): one policy for cleaning and limiting it."""

from __future__ import annotations

from bot.domain.errors import DomainError, TextTooLong

NOTE_MAX = 300  # a quote's note, a payout's note, the reason for a quote or task decision
REASON_MAX = 500  # why a submission goes back for rework


def one_line(raw: str | None) -> str:
    """Runs of white space (new lines too) folded into single spaces."""
    return " ".join((raw or "").split())


def clean_text(raw: str | None, limit: int, *, refuse_longer: bool = False,
               required: DomainError | None = None) -> str | None:
    """The text as it is stored: one line, at most `limit` characters (cut, or refused when
    `refuse_longer`); None when empty, unless `required` names the refusal for that."""
    text = one_line(raw)
    if not text:
        if required is not None:
            raise required
        return None
    if len(text) > limit:
        if refuse_longer:
            raise TextTooLong(max=limit)
        text = text[:limit]
    return text
