"""Command menus (`setMyCommands`), per scope and per language: Chinese clients get the Chinese
menu; someone who chose a language in /settings gets their own chat's menu in it."""

from __future__ import annotations

import logging

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.commands import Audience, for_audiences
from bot.i18n import ENGLISH, LANGUAGES, telegram_code, texts_for

log = logging.getLogger(__name__)
PRIVATE = (Audience.ANYONE, Audience.WORKER)
GROUP = (Audience.ANYONE, Audience.GUILD)
ADMIN = (Audience.ANYONE, Audience.WORKER, Audience.ADMIN)


def menu(language: str, audiences: tuple[Audience, ...]) -> list[BotCommand]:
    _ = texts_for(language)
    return [BotCommand(c.name, _(c.summary)) for c in for_audiences(*audiences)]


async def set_menus(bot: ExtBot, admins: dict[int, str]) -> None:
    """Every scope's menu in every language (English also as the default), and each admin's
    chat in the admin's language."""
    for language in LANGUAGES:
        code = None if language == ENGLISH else telegram_code(language)
        await bot.set_my_commands(menu(language, PRIVATE), scope=BotCommandScopeAllPrivateChats(),
                                  language_code=code)
        await bot.set_my_commands(menu(language, GROUP), scope=BotCommandScopeAllGroupChats(),
                                  language_code=code)
    for admin_id, language in sorted(admins.items()):
        await set_chat_menu(bot, admin_id, language, admin=True)


async def set_chat_menu(bot: ExtBot, chat_id: int, language: str, *, admin: bool = False,
                        group: bool = False) -> None:
    """One chat's menu in the language chosen for it."""
    audiences = GROUP if group else ADMIN if admin else PRIVATE
    try:
        await bot.set_my_commands(menu(language, audiences), scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:  # e.g. an admin who never opened the bot has no chat yet
        log.warning("could not set the menu of chat %s: %s", chat_id, exc)
