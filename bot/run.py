"""The bot's run: read settings, then take updates (long polling, or a webhook when WEBHOOK_URL
is set) until stopped."""

from __future__ import annotations

import asyncio
import logging
import sys

from telegram import Update
from telegram.error import InvalidToken, NetworkError

from bot import webhook
from bot.app import build_application
from bot.config import ConfigError, load_settings
from storage.db import StorageError
from storage.migrate import MigrationError


class _RefusedToken(logging.Filter):
    """PTB logs a refused token with a traceback before raising it; we say it in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], InvalidToken))


def main() -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"guildwork: configuration error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request at INFO, token in the URL included.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # The scheduler logs every job run at INFO (twice a minute); that is DEBUG detail here.
    if settings.log_level != "DEBUG":
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("telegram.ext").addFilter(_RefusedToken())
    if not settings.admin_ids:
        logging.getLogger("guildwork").warning(
            "ADMIN_IDS is empty: nobody can approve guilds or post tasks. Put your Telegram id "
            "in it (the bot's /start shows it) and start again.")
    application = build_application(settings)
    try:
        if settings.webhook_on:
            webhook.run(application, settings)
        else:
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    except KeyboardInterrupt:  # stopped while still starting (before the signal handlers)
        return 0
    except (StorageError, MigrationError, webhook.WebhookError) as exc:
        print(f"guildwork: {exc}", file=sys.stderr)
        return 1
    except InvalidToken:
        print("guildwork: Telegram refused BOT_TOKEN: check it with @BotFather.", file=sys.stderr)
        return 1
    except NetworkError as exc:
        print(f"guildwork: the Bot API at {settings.bot_api_base_url} can't be reached ({exc}).",
              file=sys.stderr)
        return 1
    finally:
        # A start cut short may skip post_shutdown; the database's threads must not keep the
        # process alive after it.
        services = application.bot_data.services
        if services is not None:
            asyncio.run(services.db.close())
    return 0
