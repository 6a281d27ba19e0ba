"""One translation function for every user-facing text.

English is the source language; Simplified Chinese (`zh_Hans`) the other. `language_of` says
which a person reads: the one they chose in /settings, else what their Telegram app is set to
(`zh`, `zh-hans`, `zh-cn`, `zh-sg` → Simplified Chinese; anything else → English).
`texts_for(language)` returns that catalog's `Translator`: `_("Task T{id} is open.", id=task_id)`
translates the whole sentence, then fills named placeholders; `_.plural(one, many, n)` picks
the plural form (Chinese has one); `_.context(where, text)` tells apart two texts that are the
same in English. Every `str` placeholder is HTML-escaped, since all messages
go out in HTML parse mode; wrap pre-rendered HTML in `Html` to pass it through as is.
"""

from __future__ import annotations

import gettext
import html
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "guildwork"
ENGLISH, CHINESE = "en", "zh_Hans"
LANGUAGES = (ENGLISH, CHINESE)
# Telegram language codes (lower case, "-" separated) read as Simplified Chinese.
_SIMPLIFIED = ("zh", "zh-hans", "zh-cn", "zh-sg", "zh-my")


def language_of(chosen: str | None, telegram_code: str | None = None) -> str:
    """The language someone reads: their choice, else their Telegram app's language."""
    if chosen in LANGUAGES:
        return chosen
    code = (telegram_code or "").lower().replace("_", "-")
    if code in _SIMPLIFIED or code.startswith("zh-hans"):
        return CHINESE
    return ENGLISH


def telegram_code(language: str) -> str:
    """The `language_code` Telegram's menus use for one of our languages."""
    return "zh" if language == CHINESE else "en"


class Html(str):
    """Markup that is already safe (built from escaped parts); placeholders take it verbatim."""

    __slots__ = ()


def escape(value: Any) -> str:
    if isinstance(value, Html):
        return value
    return html.escape(str(value), quote=False)


def plain_text(markup: str) -> str:
    """What a reader sees of Telegram HTML: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


def shown_length(markup: str) -> int:
    """How long Telegram counts a text as shown: UTF-16 code units of its plain text (an emoji
    or a rare CJK character counts two)."""
    return len(plain_text(markup).encode("utf-16-le")) // 2


def _fill(message: str, values: dict[str, Any]) -> Html:
    if not values:
        return Html(message)
    return Html(message.format(**{k: escape(v) for k, v in values.items()}))


class Translator:
    __slots__ = ("_catalog", "language")

    def __init__(self, catalog: gettext.NullTranslations, language: str) -> None:
        self._catalog = catalog
        self.language = language

    def __call__(self, message: str, **values: Any) -> Html:
        return _fill(self._catalog.gettext(message), values)

    def context(self, context: str, message: str, **values: Any) -> Html:
        """A message whose translation depends on where it stands (the review's "Accept" is
        not the offer's)."""
        return _fill(self._catalog.pgettext(context, message), values)

    def plural(self, singular: str, plural: str, count: int, **values: Any) -> Html:
        return _fill(self._catalog.ngettext(singular, plural, count), {"count": count, **values})


@lru_cache(maxsize=64)
def texts_for(language: str | None) -> Translator:
    """The translator for one of LANGUAGES (a Telegram language code is read as
    `language_of` reads it)."""
    resolved = language_of(language, language)
    catalog = gettext.translation(DOMAIN, LOCALE_DIR, languages=[resolved], fallback=True)
    return Translator(catalog, resolved)
