"""Texts: one translation function, the user's language picks the catalog, values escaped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot import i18n
from bot.i18n import Html


@pytest.fixture
def chinese_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    catalog = Catalog(locale="zh_Hans")
    catalog.add("Welcome to Guildwork, {name}!", "欢迎来到 Guildwork，{name}！")
    catalog.add(("{count} member", "{count} members"), ("{count} 名成员",))
    folder = tmp_path / "zh_Hans" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "guildwork.mo", "wb") as handle:
        write_mo(handle, catalog)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.texts_for.cache_clear()
    yield
    i18n.texts_for.cache_clear()


def test_the_users_language_code_picks_the_catalog(chinese_catalog) -> None:
    for code in ("zh-hans", "zh", "zh-CN"):
        assert i18n.texts_for(code)("Welcome to Guildwork, {name}!", name="Wu") == \
            "欢迎来到 Guildwork，Wu！"
    assert i18n.texts_for("de")("Welcome to Guildwork, {name}!", name="Wu") == \
        "Welcome to Guildwork, Wu!"
    assert i18n.texts_for("zh-hans").plural("{count} member", "{count} members", 3) == \
        "3 名成员"


def test_english_is_the_source_and_the_fallback() -> None:
    _ = i18n.texts_for(None)
    assert _.plural("{count} member", "{count} members", 1) == "1 member"
    assert _.plural("{count} member", "{count} members", 2) == "2 members"


def test_placeholders_are_escaped_unless_already_html() -> None:
    _ = i18n.texts_for("en")
    assert _("Hi {name}", name="<script>&") == "Hi &lt;script&gt;&amp;"
    assert _("Hi {name}", name=Html("<b>Wu</b>")) == "Hi <b>Wu</b>"
    assert isinstance(_("plain"), Html)


# --- the catalogs ---------------------------------------------------------------------------
# `make messages` extracts with these keywords (the Makefile's list, on top of Babel's defaults).
KEYWORDS = {**DEFAULT_KEYWORDS, "plural": (1, 2), "context": ((1, "c"), 2), "NP": (1, 2)}
ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "bot" / "locale" / "guildwork.pot"
CHINESE_PO = ROOT / "bot" / "locale" / "zh_Hans" / "LC_MESSAGES" / "guildwork.po"
TAG = re.compile(r"</?([a-z]+)[^>]*>")


def _key(message: Message) -> tuple[str | None, str]:
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    return message.context, ids[0]


def _read(path: Path) -> Catalog:
    with open(path, "rb") as handle:
        return read_po(handle, locale="zh_Hans" if path.suffix == ".po" else None)


def test_the_template_holds_every_text_in_the_code() -> None:
    """A text added or changed without `make messages` would reach no translator."""
    in_code: set[tuple[str | None, str]] = set()
    for folder in ("bot", "handlers", "scheduler"):
        for _file, _line, message, _comments, context in extract_from_dir(
                ROOT / folder, [("**.py", "python")], keywords=KEYWORDS):
            in_code.add((context, message[0] if isinstance(message, tuple) else message))
    in_template = {_key(m) for m in _read(TEMPLATE) if m.id}
    assert in_code - in_template == set(), "run make messages"
    assert in_template - in_code == set(), "run make messages"


def test_every_plural_in_the_code_is_a_plural_in_the_template() -> None:
    """pybabel reads `_.plural("one", "many", n, when=when(_, …))` as a plain message (the
    `_` among the arguments throws it off), so Chinese readers would get English: every
    `.plural(...)` call with literal texts must be a plural entry of the template."""
    import ast
    plurals = {m.id[0] for m in _read(TEMPLATE) if isinstance(m.id, tuple)}
    missing = []
    for folder in ("bot", "handlers", "scheduler"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                        and node.func.attr == "plural" and node.args \
                        and isinstance(node.args[0], ast.Constant) \
                        and node.args[0].value not in plurals:
                    missing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert missing == [], "compute the values first, then call _.plural"


def test_every_text_is_translated_into_chinese() -> None:
    template = {_key(m): m for m in _read(TEMPLATE) if m.id}
    chinese = {_key(m): m for m in _read(CHINESE_PO) if m.id}
    assert set(chinese) == set(template), "run make messages, then translate"
    problems = []
    for key, message in chinese.items():
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            problems.append(("untranslated", key))
            continue
        for text in strings:
            # The same placeholders (a plural may leave out {count}: Chinese has one form).
            wanted = {name for source in ids for name in re.findall(r"\{(\w+)\}", source)}
            got = set(re.findall(r"\{(\w+)\}", text))
            if not got <= wanted or not set(re.findall(r"\{(\w+)\}", ids[0])) - {"count"} <= got:
                problems.append(("placeholders", key))
            if sorted(TAG.findall(text)) != sorted(TAG.findall(ids[0])):
                problems.append(("tags", key))
            if "<" in TAG.sub("", text) or ">" in TAG.sub("", text):
                problems.append(("raw < or >", key))
            if text.count("\n") != ids[0].count("\n"):
                problems.append(("lines", key))
    assert problems == []


def test_the_compiled_catalog_is_the_translated_one() -> None:
    """What the bot loads is what the .po says (`make install` compiles it)."""
    i18n.texts_for.cache_clear()
    _ = i18n.texts_for(i18n.CHINESE)
    for message in _read(CHINESE_PO):
        if not message.id or isinstance(message.id, tuple):
            continue
        if message.context:
            assert _.context(message.context, message.id) == message.string
        else:
            assert _(message.id) == message.string, message.id


def test_english_and_chinese_differ_where_the_context_says_so() -> None:
    english, chinese = i18n.texts_for(i18n.ENGLISH), i18n.texts_for(i18n.CHINESE)
    assert english.context("review", "Accept") == english("Accept") == "Accept"
    assert chinese.context("review", "Accept") == "通过"
    assert chinese("Accept A{id}", id=3) == "接单 A3"


def test_which_telegram_languages_read_simplified_chinese() -> None:
    from bot.i18n import CHINESE, ENGLISH, language_of
    for code in ("zh", "zh-hans", "zh-CN", "zh_SG", "zh-hans-cn"):
        assert language_of(None, code) == CHINESE, code
    for code in ("zh-hant", "zh-TW", "zh-hk", "en", "ru", "", None):
        assert language_of(None, code) == ENGLISH, code
    # A stored choice wins over the app; an unknown stored value does not.
    assert language_of(ENGLISH, "zh-cn") == ENGLISH
    assert language_of(CHINESE, "en") == CHINESE
    assert language_of("fr", "zh") == CHINESE
