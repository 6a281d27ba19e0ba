"""Settings read once at start from the environment and `.env`."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.domain.money import parse_amount
from bot.domain.tasks import MAX_AMOUNT_MINOR

DEFAULT_API_URL = "https://api.telegram.org/bot"
DEFAULT_FILE_URL = "https://api.telegram.org/file/bot"
_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Digits after the decimal point, for the currencies a platform is likely to pay in.
CURRENCY_EXPONENTS = {"CNY": 2, "USD": 2, "EUR": 2, "GBP": 2, "HKD": 2, "SGD": 2, "JPY": 0,
                      "KRW": 0, "INR": 2, "IDR": 2, "PKR": 2, "BDT": 2, "LKR": 2, "NPR": 2,
                      "MMK": 2, "VND": 0, "PHP": 2, "THB": 2, "MYR": 2, "RUB": 2}


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it and says how to fix it."""


@dataclass(frozen=True, slots=True)
class Settings:
    bot_token: str
    admin_ids: frozenset[int] = frozenset()
    database_path: str = "guildwork.db"
    # PostgreSQL instead (postgresql://user:password@host:port/name): for several instances.
    database_url: str = field(default="", repr=False)
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    currency: str = "CNY"
    log_level: str = "INFO"
    bot_api_base_url: str = DEFAULT_API_URL
    bot_api_base_file_url: str = DEFAULT_FILE_URL
    summary_time: time = time(20, 0)
    offer_window_hours: int = 12
    # Hours in each worker's own time zone when offer windows stand still and reminders wait
    # (start, end; a span across midnight wraps); None: never quiet.
    quiet_hours: tuple[time, time] | None = (time(23, 0), time(8, 0))
    rate_limit_per_second: float = 30.0
    # Joins, leaves, offers answered and work submitted or accepted go to the guild's group and
    # its leader as one digest per this many minutes; 0: each notice on its own, at once.
    digest_minutes: int = 5
    data_dir: str = ""  # the bot's own files (item media); "": `data` beside the database
    item_archive_max_mb: int = 2048  # a ZIP of items, uncompressed, at most
    # Control checks failed in a row before a worker is kept off the task (or its skill) for a
    # day; 0: never.
    control_ban_after: int = 2
    # Results out: a copy of each result file as it arrives (""; off), where exports are also
    # written ("": only sent), and the largest ZIP part an export sends (0: Telegram's upload
    # limit for the Bot API in use, less a margin).
    results_dir: str = ""
    export_dir: str = ""
    export_part_bytes: int = 0
    # The largest bonus or correction an admin may record at once (/bonus, /adjust), in minor
    # units; BONUS_CAP gives it in the currency (default 1000).
    bonus_cap_minor: int = 100_000
    # Event hooks out: where the platform's own systems hear what happens, and the secret the
    # events are signed with (both set, or neither: then no event is recorded or sent).
    hook_url: str = ""
    hook_secret: str = field(default="", repr=False)
    hook_timeout_seconds: float = 5.0  # an answer slower than this is a failed try
    # Webhook mode (WEBHOOK_URL set; else long polling): the public https URL Telegram calls,
    # where the bot's own plain-HTTP server listens (behind the TLS proxy or load balancer),
    # and the secret every call must carry.
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str = field(default="", repr=False)

    @property
    def webhook_on(self) -> bool:
        return bool(self.webhook_url)

    @property
    def webhook_path(self) -> str:
        """The path the bot serves updates on: the URL's (a proxy passes it on as it is)."""
        return urlsplit(self.webhook_url).path or "/"

    @property
    def database(self) -> str:
        """What the storage layer opens: DATABASE_URL when set, else the SQLite file."""
        return self.database_url or self.database_path

    @property
    def hooks_on(self) -> bool:
        return bool(self.hook_url)

    @property
    def currency_exponent(self) -> int:
        return CURRENCY_EXPONENTS[self.currency]

    @property
    def data_path(self) -> Path:
        if self.data_dir:
            return Path(self.data_dir).expanduser()
        if self.database_path == ":memory:":
            return Path("data")
        return Path(self.database_path).expanduser().parent / "data"


def _quiet_hours(raw: str) -> tuple[time, time] | None:
    if raw.strip().lower() == "off":
        return None
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", raw)
    if not match or int(match[1]) > 23 or int(match[3]) > 23 or int(match[2]) > 59 \
            or int(match[4]) > 59 or match.group(1, 2) == match.group(3, 4):
        raise ConfigError(f"QUIET_HOURS must be HH:MM-HH:MM (e.g. 23:00-08:00) or off, "
                          f"got {raw!r}.")
    return time(int(match[1]), int(match[2])), time(int(match[3]), int(match[4]))


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
) -> Settings:
    """Read settings; the process environment wins over `.env`."""
    return parse_settings(load_values(environ, env_file))


def load_values(
    environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
) -> dict[str, str]:
    """The raw settings, unchecked: `.env`, then the process environment over it."""
    values: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        try:
            loaded = dotenv_values(env_file)
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{env_file} could not be read ({exc}): fix or remove it.") from None
        values.update({k: v for k, v in loaded.items() if v is not None})
    values.update(os.environ if environ is None else environ)
    return values


def parse_settings(values: Mapping[str, str]) -> Settings:
    def get(name: str) -> str:
        return values.get(name, "").strip()

    token = get("BOT_TOKEN")
    if not token:
        raise ConfigError(
            "BOT_TOKEN is not set: put BOT_TOKEN=<the token @BotFather gave you> in .env "
            "(see .env.example) or in the environment."
        )
    if not _TOKEN_RE.match(token):
        raise ConfigError(
            "BOT_TOKEN is malformed: expected <digits>:<letters>, as @BotFather gives it."
        )
    kwargs: dict[str, object] = {"bot_token": token}

    if raw := get("ADMIN_IDS"):
        try:
            kwargs["admin_ids"] = frozenset(
                int(part) for part in re.split(r"[,\s]+", raw) if part
            )
        except ValueError:
            raise ConfigError(
                f"ADMIN_IDS is malformed ({raw!r}): expected numeric Telegram user ids "
                "separated by commas, e.g. ADMIN_IDS=12345,67890."
            ) from None
    if raw := get("DATABASE_PATH"):
        folder = Path(raw).expanduser().parent
        if raw != ":memory:" and not folder.is_dir():
            raise ConfigError(
                f"DATABASE_PATH {raw!r} is in a folder that does not exist ({folder}): "
                "create the folder or choose another path."
            )
        kwargs["database_path"] = raw
    if raw := get("DATABASE_URL"):
        if not raw.startswith(("postgresql://", "postgres://")):
            raise ConfigError(
                "DATABASE_URL must be a PostgreSQL URL (postgresql://user:password@host:5432/"
                "name); leave it empty for the SQLite file DATABASE_PATH."
            )
        kwargs["database_url"] = raw
    if raw := get("TIMEZONE"):
        try:
            kwargs["timezone"] = ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: TIMEZONE=Asia
            raise ConfigError(
                f"TIMEZONE is not a known time zone ({raw!r}): use an IANA name such as "
                "Asia/Shanghai or Europe/Berlin."
            ) from None
    if raw := get("CURRENCY"):
        code = raw.upper()
        if code not in CURRENCY_EXPONENTS:
            known = ", ".join(sorted(CURRENCY_EXPONENTS))
            raise ConfigError(f"CURRENCY {raw!r} is not supported: use one of {known}.")
        kwargs["currency"] = code
    if raw := get("LOG_LEVEL"):
        if raw.upper() not in _LOG_LEVELS:
            raise ConfigError(
                f"LOG_LEVEL {raw!r} is not a log level: use one of {', '.join(_LOG_LEVELS)}."
            )
        kwargs["log_level"] = raw.upper()
    for name, key in (("BOT_API_BASE_URL", "bot_api_base_url"),
                      ("BOT_API_BASE_FILE_URL", "bot_api_base_file_url")):
        if raw := get(name):
            if not raw.startswith(("http://", "https://")):
                raise ConfigError(
                    f"{name} must be an http(s) URL such as http://127.0.0.1:8081/bot, "
                    f"got {raw!r}."
                )
            kwargs[key] = raw
    if raw := get("SUMMARY_TIME"):
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", raw)
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise ConfigError(f"SUMMARY_TIME must be HH:MM (24-hour clock), got {raw!r}.")
        kwargs["summary_time"] = time(int(match[1]), int(match[2]))
    if raw := get("QUIET_HOURS"):
        kwargs["quiet_hours"] = _quiet_hours(raw)
    if raw := get("OFFER_WINDOW_HOURS"):
        if not raw.isdecimal() or not 1 <= int(raw) <= 168:
            raise ConfigError(
                f"OFFER_WINDOW_HOURS must be a whole number of hours from 1 to 168, got {raw!r}."
            )
        kwargs["offer_window_hours"] = int(raw)
    if raw := get("DIGEST_MINUTES"):
        if not raw.isdecimal() or not 0 <= int(raw) <= 60:
            raise ConfigError(
                f"DIGEST_MINUTES must be a whole number of minutes from 0 (no digests) to 60, "
                f"got {raw!r}.")
        kwargs["digest_minutes"] = int(raw)
    if raw := get("RATE_LIMIT_PER_SECOND"):
        try:
            rate = float(raw)
        except ValueError:
            rate = 0.0
        if not 0 < rate <= 1000:
            raise ConfigError(
                f"RATE_LIMIT_PER_SECOND must be a number above 0 and at most 1000, got {raw!r}."
            )
        kwargs["rate_limit_per_second"] = rate
    if raw := get("DATA_DIR"):
        kwargs["data_dir"] = raw
    if raw := get("ITEM_ARCHIVE_MAX_MB"):
        if not raw.isdecimal() or not 1 <= int(raw) <= 100_000:
            raise ConfigError(
                f"ITEM_ARCHIVE_MAX_MB must be a whole number of megabytes from 1 to 100000, "
                f"got {raw!r}.")
        kwargs["item_archive_max_mb"] = int(raw)
    if raw := get("CONTROL_BAN_AFTER"):
        if not raw.isdecimal() or not 0 <= int(raw) <= 100:
            raise ConfigError(
                f"CONTROL_BAN_AFTER must be a whole number from 0 (never) to 100, got {raw!r}.")
        kwargs["control_ban_after"] = int(raw)
    for name, key in (("RESULTS_DIR", "results_dir"), ("EXPORT_DIR", "export_dir")):
        if raw := get(name):
            kwargs[key] = raw
    if raw := get("EXPORT_PART_MB"):
        if not raw.isdecimal() or not 1 <= int(raw) <= 2000:
            raise ConfigError(
                f"EXPORT_PART_MB must be a whole number of megabytes from 1 to 2000, got {raw!r}.")
        kwargs["export_part_bytes"] = int(raw) * 1024 * 1024
    exponent = CURRENCY_EXPONENTS[str(kwargs.get("currency", "CNY"))]
    kwargs["bonus_cap_minor"] = 1000 * 10**exponent
    if raw := get("BONUS_CAP"):
        try:
            cap = parse_amount(raw, exponent)
        except ValueError:
            cap = 0
        if not 0 < cap <= MAX_AMOUNT_MINOR:
            raise ConfigError(
                f"BONUS_CAP must be an amount above 0 with at most {exponent} decimals (at most "
                f"{MAX_AMOUNT_MINOR // 10**exponent}), got {raw!r}.")
        kwargs["bonus_cap_minor"] = cap
    kwargs.update(_hooks(get("HOOK_URL"), get("HOOK_SECRET")))
    kwargs.update(_webhook(get("WEBHOOK_URL"), get("WEBHOOK_SECRET"), get("WEBHOOK_LISTEN"),
                           get("WEBHOOK_PORT")))
    return Settings(**kwargs)  # type: ignore[arg-type]


def _hooks(url: str, secret: str) -> dict[str, str]:
    if not url and not secret:
        return {}
    if not url:
        raise ConfigError("HOOK_SECRET is set but HOOK_URL is not: set both (event hooks on) "
                          "or neither.")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed [ of an IPv6 address, or a port that isn't one
        host = None
    if host is None or parts.scheme not in ("http", "https"):
        raise ConfigError(f"HOOK_URL must be an http(s) URL such as "
                          f"https://example.com/guildwork/events, got {url!r}.")
    if not secret:
        raise ConfigError("HOOK_URL is set but HOOK_SECRET is not: give a secret to sign the "
                          "events with (e.g. the output of `openssl rand -hex 32`).")
    return {"hook_url": url, "hook_secret": secret}


_SECRET_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what setWebhook's secret_token takes
# The webhook server's own paths, which the update path must not take.
HEALTH_PATHS = ("/healthz", "/readyz")


def _webhook(url: str, secret: str, listen: str, port: str) -> dict[str, object]:
    kwargs: dict[str, object] = {}
    if listen:
        try:
            ipaddress.ip_address(listen)
        except ValueError:
            if listen != "localhost":
                raise ConfigError(f"WEBHOOK_LISTEN must be an IP address to listen on, such as "
                                  f"127.0.0.1 or 0.0.0.0, got {listen!r}.") from None
        kwargs["webhook_listen"] = listen
    if port:
        if not port.isdecimal() or not 1 <= int(port) <= 65535:
            raise ConfigError(f"WEBHOOK_PORT must be a port number from 1 to 65535, "
                              f"got {port!r}.")
        kwargs["webhook_port"] = int(port)
    if not url:
        if secret:
            raise ConfigError("WEBHOOK_SECRET is set but WEBHOOK_URL is not: set both (webhook "
                              "mode) or neither (long polling).")
        return kwargs
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host = None
    if host is None or parts.scheme != "https" or parts.query or parts.fragment:
        raise ConfigError(f"WEBHOOK_URL must be the public https URL Telegram calls, such as "
                          f"https://bot.example.com/telegram (no query), got {url!r}.")
    if (parts.path or "/").rstrip("/") in HEALTH_PATHS:
        raise ConfigError(f"WEBHOOK_URL's path must not be {' or '.join(HEALTH_PATHS)}: the "
                          f"webhook server answers health checks there.")
    if not secret:
        raise ConfigError("WEBHOOK_URL is set but WEBHOOK_SECRET is not: give the secret "
                          "Telegram sends with every update (1-256 of A-Z a-z 0-9 _ -, e.g. "
                          "the output of `openssl rand -hex 32`).")
    if not _SECRET_TOKEN_RE.match(secret):
        raise ConfigError("WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and - "
                          "(what Telegram accepts as a secret token).")
    kwargs.update(webhook_url=url, webhook_secret=secret)
    return kwargs
