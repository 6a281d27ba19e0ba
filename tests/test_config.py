from __future__ import annotations

from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import (
    DEFAULT_API_URL,
    DEFAULT_FILE_URL,
    ConfigError,
    Settings,
    load_settings,
    parse_settings,
)

TOKEN = "123456:ABC-def_ghi"


def test_defaults_with_only_a_token(tmp_path: Path) -> None:
    settings = load_settings(environ={"BOT_TOKEN": TOKEN}, env_file=tmp_path / "missing.env")
    assert settings == Settings(bot_token=TOKEN)
    assert settings.admin_ids == frozenset()
    assert settings.database_path == "guildwork.db"
    assert settings.timezone == ZoneInfo("Asia/Shanghai")
    assert settings.currency == "CNY" and settings.currency_exponent == 2
    assert settings.log_level == "INFO"
    assert settings.bot_api_base_url == DEFAULT_API_URL
    assert settings.bot_api_base_file_url == DEFAULT_FILE_URL
    assert settings.summary_time == time(20, 0)
    assert settings.offer_window_hours == 12
    assert settings.rate_limit_per_second == 30.0


def test_every_setting_is_read(tmp_path: Path) -> None:
    settings = load_settings(environ={
        "BOT_TOKEN": f"  {TOKEN}  ",
        "ADMIN_IDS": "42",
        "DATABASE_PATH": str(tmp_path / "g.db"),
        "TIMEZONE": "Europe/Berlin",
        "CURRENCY": "jpy",
        "LOG_LEVEL": "debug",
        "BOT_API_BASE_URL": "http://127.0.0.1:8081/bot",
        "BOT_API_BASE_FILE_URL": "http://127.0.0.1:8081/file/bot",
        "SUMMARY_TIME": "7:05",
        "OFFER_WINDOW_HOURS": "48",
        "RATE_LIMIT_PER_SECOND": "12.5",
        "QUIET_HOURS": "22:30-07:00",
        "DIGEST_MINUTES": "0",
    }, env_file=None)
    assert settings.bot_token == TOKEN
    assert settings.admin_ids == {42}
    assert settings.database_path == str(tmp_path / "g.db")
    assert settings.timezone == ZoneInfo("Europe/Berlin")
    assert settings.currency == "JPY" and settings.currency_exponent == 0
    assert settings.log_level == "DEBUG"
    assert settings.bot_api_base_url == "http://127.0.0.1:8081/bot"
    assert settings.bot_api_base_file_url == "http://127.0.0.1:8081/file/bot"
    assert settings.summary_time == time(7, 5)
    assert settings.offer_window_hours == 48
    assert settings.rate_limit_per_second == 12.5
    assert settings.quiet_hours == (time(22, 30), time(7, 0))
    assert settings.digest_minutes == 0


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# a comment\n"
        f"BOT_TOKEN={TOKEN}\n"
        "TIMEZONE=Europe/Berlin\n"
        "CURRENCY=USD\n"
        "ADMIN_IDS=\n"  # left empty, as in .env.example
    )
    from_file = load_settings(environ={}, env_file=env_file)
    assert from_file.bot_token == TOKEN
    assert from_file.timezone == ZoneInfo("Europe/Berlin")
    assert from_file.currency == "USD"
    assert from_file.admin_ids == frozenset()

    overridden = load_settings(environ={"TIMEZONE": "Asia/Tokyo", "ADMIN_IDS": "7"},
                               env_file=env_file)
    assert overridden.timezone == ZoneInfo("Asia/Tokyo")
    assert overridden.currency == "USD"
    assert overridden.admin_ids == {7}


def test_a_missing_env_file_is_fine(tmp_path: Path) -> None:
    settings = load_settings(environ={"BOT_TOKEN": TOKEN}, env_file=tmp_path / "nope")
    assert settings.bot_token == TOKEN


def test_the_process_environment_is_the_default_source(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("CURRENCY", "EUR")
    assert load_settings(env_file=tmp_path / "nope").currency == "EUR"


@pytest.mark.parametrize(("raw", "expected"), [
    ("1, 2 3", {1, 2, 3}),
    ("1,2,3", {1, 2, 3}),
    (" 5 ", {5}),
    ("5,5", {5}),
    ("10,\n20", {10, 20}),
])
def test_admin_ids_are_split_on_commas_and_spaces(raw: str, expected: set[int]) -> None:
    assert parse_settings({"BOT_TOKEN": TOKEN, "ADMIN_IDS": raw}).admin_ids == expected


def test_a_missing_token_says_how_to_set_it() -> None:
    for values in ({}, {"BOT_TOKEN": ""}, {"BOT_TOKEN": "   "}):
        with pytest.raises(ConfigError, match="BOT_TOKEN is not set"):
            parse_settings(values)


@pytest.mark.parametrize(("name", "value"), [
    ("BOT_TOKEN", "not-a-token"),
    ("BOT_TOKEN", "123456"),
    ("BOT_TOKEN", "abc:def"),
    ("BOT_TOKEN", "123:has space"),
    ("ADMIN_IDS", "abc"),
    ("ADMIN_IDS", "1;2"),
    ("ADMIN_IDS", "@alice"),
    ("TIMEZONE", "Mars/Base"),
    ("TIMEZONE", "Asia"),  # a directory of the zone database, not a zone
    ("TIMEZONE", "../etc/passwd"),
    ("TIMEZONE", "Z" * 300),
    ("CURRENCY", "XYZ"),
    ("CURRENCY", "yuan"),
    ("LOG_LEVEL", "LOUD"),
    ("LOG_LEVEL", "10"),
    ("BOT_API_BASE_URL", "127.0.0.1:8081/bot"),
    ("BOT_API_BASE_URL", "ftp://example.invalid/bot"),
    ("BOT_API_BASE_FILE_URL", "file:///tmp"),
    ("SUMMARY_TIME", "8pm"),
    ("SUMMARY_TIME", "24:00"),
    ("SUMMARY_TIME", "12:60"),
    ("SUMMARY_TIME", "12:5"),
    ("OFFER_WINDOW_HOURS", "0"),
    ("OFFER_WINDOW_HOURS", "169"),
    ("OFFER_WINDOW_HOURS", "1.5"),
    ("OFFER_WINDOW_HOURS", "-3"),
    ("OFFER_WINDOW_HOURS", "²"),
    ("DIGEST_MINUTES", "61"),
    ("DIGEST_MINUTES", "2.5"),
    ("DIGEST_MINUTES", "-1"),
    ("QUIET_HOURS", "23:00"),
    ("QUIET_HOURS", "23:00-23:00"),
    ("QUIET_HOURS", "25:00-08:00"),
    ("QUIET_HOURS", "night"),
    ("RATE_LIMIT_PER_SECOND", "0"),
    ("RATE_LIMIT_PER_SECOND", "-1"),
    ("RATE_LIMIT_PER_SECOND", "1001"),
    ("RATE_LIMIT_PER_SECOND", "fast"),
    ("RATE_LIMIT_PER_SECOND", "nan"),
    ("RATE_LIMIT_PER_SECOND", "inf"),
])
def test_a_malformed_setting_raises_config_error_naming_it(name: str, value: str) -> None:
    values = {"BOT_TOKEN": TOKEN, name: value}
    with pytest.raises(ConfigError) as raised:
        parse_settings(values)
    assert name in str(raised.value)
    assert str(raised.value).count("\n") == 0  # printed as one line by `python -m bot`


def test_a_malformed_setting_in_dotenv_is_named_too(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"BOT_TOKEN={TOKEN}\nSUMMARY_TIME=25:00\n")
    with pytest.raises(ConfigError, match="SUMMARY_TIME"):
        load_settings(environ={}, env_file=env_file)
    # ... and a correct value in the environment repairs it.
    assert load_settings(environ={"SUMMARY_TIME": "21:30"}, env_file=env_file).summary_time == (
        time(21, 30))


def test_settings_are_immutable() -> None:
    settings = Settings(bot_token=TOKEN)
    with pytest.raises(AttributeError):
        settings.currency = "USD"  # type: ignore[misc]


def test_a_database_path_in_a_missing_folder_is_refused_with_the_setting_named(tmp_path):
    from bot.config import ConfigError, parse_settings
    from tgfake.api import BOT_TOKEN

    missing = tmp_path / "no-such-folder" / "guildwork.db"
    with pytest.raises(ConfigError, match="DATABASE_PATH"):
        parse_settings({"BOT_TOKEN": BOT_TOKEN, "DATABASE_PATH": str(missing)})


def test_an_unreadable_env_file_is_a_configuration_error(tmp_path):
    from bot.config import ConfigError, load_settings

    env = tmp_path / ".env"
    env.write_bytes(b"BOT_TOKEN=\xff\xfe\n")
    with pytest.raises(ConfigError, match=r"\.env"):
        load_settings(environ={}, env_file=env)


def test_quiet_hours_default_to_the_night_and_can_be_off() -> None:
    assert parse_settings({"BOT_TOKEN": TOKEN}).quiet_hours == (time(23, 0), time(8, 0))
    assert parse_settings({"BOT_TOKEN": TOKEN, "QUIET_HOURS": "off"}).quiet_hours is None


# --- webhook mode ----------------------------------------------------------------------------

WEBHOOK = {"BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://bot.example.com/telegram",
           "WEBHOOK_SECRET": "abc-DEF_123"}


def test_polling_is_the_default_and_the_webhook_listens_on_loopback() -> None:
    settings = parse_settings({"BOT_TOKEN": TOKEN})
    assert not settings.webhook_on
    assert (settings.webhook_listen, settings.webhook_port) == ("127.0.0.1", 8443)


def test_the_webhook_settings_are_read_and_the_secret_is_kept_out_of_repr() -> None:
    settings = parse_settings({**WEBHOOK, "WEBHOOK_LISTEN": "0.0.0.0", "WEBHOOK_PORT": "8080"})
    assert settings.webhook_on
    assert settings.webhook_url == "https://bot.example.com/telegram"
    assert settings.webhook_path == "/telegram"
    assert (settings.webhook_listen, settings.webhook_port) == ("0.0.0.0", 8080)
    assert settings.webhook_secret == "abc-DEF_123"
    assert "abc-DEF_123" not in repr(settings)
    assert parse_settings({**WEBHOOK, "WEBHOOK_URL": "https://bot.example.com"}
                          ).webhook_path == "/"
    assert parse_settings({**WEBHOOK, "WEBHOOK_SECRET": "x" * 256}).webhook_secret == "x" * 256
    assert parse_settings({**WEBHOOK, "WEBHOOK_LISTEN": "::1"}).webhook_listen == "::1"


@pytest.mark.parametrize(("changes", "named", "says"), [
    ({"WEBHOOK_SECRET": ""}, "WEBHOOK_SECRET", "is not"),
    ({"WEBHOOK_URL": ""}, "WEBHOOK_URL", "is not"),  # a secret alone
    ({"WEBHOOK_URL": "http://bot.example.com/telegram"}, "WEBHOOK_URL", "https"),
    ({"WEBHOOK_URL": "bot.example.com/telegram"}, "WEBHOOK_URL", "https"),
    ({"WEBHOOK_URL": "https:///telegram"}, "WEBHOOK_URL", "https"),
    ({"WEBHOOK_URL": "https://[::1/telegram"}, "WEBHOOK_URL", "https"),
    ({"WEBHOOK_URL": "https://bot.example.com/t?x=1"}, "WEBHOOK_URL", "no query"),
    ({"WEBHOOK_URL": "https://bot.example.com/healthz"}, "WEBHOOK_URL", "health"),
    ({"WEBHOOK_URL": "https://bot.example.com/readyz/"}, "WEBHOOK_URL", "health"),
    ({"WEBHOOK_SECRET": "has space"}, "WEBHOOK_SECRET", "1-256"),
    ({"WEBHOOK_SECRET": "x" * 257}, "WEBHOOK_SECRET", "1-256"),
    ({"WEBHOOK_SECRET": "sécret"}, "WEBHOOK_SECRET", "1-256"),
    ({"WEBHOOK_SECRET": "a=b"}, "WEBHOOK_SECRET", "1-256"),
    ({"WEBHOOK_PORT": "0"}, "WEBHOOK_PORT", "65535"),
    ({"WEBHOOK_PORT": "65536"}, "WEBHOOK_PORT", "65535"),
    ({"WEBHOOK_PORT": "http"}, "WEBHOOK_PORT", "65535"),
    ({"WEBHOOK_PORT": "-1"}, "WEBHOOK_PORT", "65535"),
    ({"WEBHOOK_LISTEN": "example.com"}, "WEBHOOK_LISTEN", "IP address"),
    ({"WEBHOOK_LISTEN": "999.0.0.1"}, "WEBHOOK_LISTEN", "IP address"),
])
def test_a_webhook_misconfigured_is_refused_naming_the_setting(
        changes: dict[str, str], named: str, says: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_settings({**WEBHOOK, **changes})
    message = str(raised.value)
    assert named in message and says in message and "\n" not in message
    assert "abc-DEF_123" not in message  # a refusal never prints the secret


def test_a_webhook_secret_without_a_url_is_refused() -> None:
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET is set but WEBHOOK_URL is not"):
        parse_settings({"BOT_TOKEN": TOKEN, "WEBHOOK_SECRET": "abc"})
