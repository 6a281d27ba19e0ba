"""Texts: one translation function, the user's language picks the catalog, values escaped."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

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
