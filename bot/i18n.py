"""One translation function for every user-facing text.

English is the source language. `texts_for(language_code)` picks the user's catalog (falling back
to English) and returns a `Translator`: `_("Task #{id} is open.", id=task_id)` translates the
whole sentence, then fills named placeholders. Every `str` placeholder is HTML-escaped, since all
messages go out in HTML parse mode; wrap pre-rendered HTML in `Html` to pass it through as is.
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

    def plural(self, singular: str, plural: str, count: int, **values: Any) -> Html:
        return _fill(self._catalog.ngettext(singular, plural, count), {"count": count, **values})


@lru_cache(maxsize=64)
def texts_for(language_code: str | None) -> Translator:
    languages = []
    if language_code:
        code = language_code.replace("-", "_")
        languages.append(code)
        if "_" in code:
            languages.append(code.split("_")[0])
        if code.lower().startswith("zh"):
            languages.append("zh_Hans")
    catalog = gettext.translation(DOMAIN, LOCALE_DIR, languages=languages or ["en"], fallback=True)
    return Translator(catalog, language_code or "en")
