"""A digest: the informational notices of one window in one message."""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import Html, Translator
from bot.views.common import PAGE_LIMIT


def digest_text(_: Translator, guild: str, lines: Sequence[str]) -> Html:
    """One line reads as the notice alone would; several come under a head that counts them,
    as many as fit one message (the rest counted at the end)."""
    if len(lines) == 1:
        return Html(lines[0])
    shown: list[str] = [_.plural("{count} event in {guild}:", "{count} events in {guild}:",
                                 len(lines), guild=guild)]
    size = len(shown[0])
    for line in lines:
        if size + len(line) + 3 > PAGE_LIMIT:
            break
        shown.append(f"• {line}")
        size += len(shown[-1]) + 1
    if left := len(lines) - (len(shown) - 1):
        shown.append(_.plural("… and {count} more event.", "… and {count} more events.", left))
    return Html("\n".join(shown))
