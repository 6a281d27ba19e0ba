"""Result files from Telegram: `getFile`, then the download, with the Bot API's refusals turned
into the reasons an export lists (too big for the cloud Bot API, gone) or a fault to retry."""

from __future__ import annotations

from pathlib import Path

from telegram import Bot
from telegram.error import BadRequest, EndPointNotFound, NetworkError, TelegramError

from bot.domain.exports import FAILED, GONE, TOO_BIG, FileUnavailable


class TelegramFiles:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def download(self, file_id: str, dest: Path) -> None:
        try:
            found = await self._bot.get_file(file_id)
            await found.download_to_drive(dest)
        except BadRequest as exc:
            text = exc.message.lower()
            if "too big" in text:
                raise FileUnavailable(TOO_BIG, exc.message) from exc
            if "wrong file_id" in text or "unavailable" in text or "not found" in text:
                raise FileUnavailable(GONE, exc.message) from exc
            raise FileUnavailable(FAILED, exc.message) from exc
        except EndPointNotFound as exc:  # the download itself: no such file (any more)
            raise FileUnavailable(GONE, exc.message) from exc
        except NetworkError as exc:  # time-outs too: worth another try later
            raise FileUnavailable(FAILED, exc.message, retry=True) from exc
        except TelegramError as exc:
            raise FileUnavailable(FAILED, exc.message, retry=True) from exc
