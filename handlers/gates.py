"""Cross-cutting steps that run before every handler (negative groups)."""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import ApplicationHandlerStop

from bot.commands import Audience, for_audiences
from bot.context import GuildContext
from bot.domain.errors import GuildSuspended, StaleButton
from bot.i18n import plain_text
from bot.services.users import SeenUser
from bot.views import results as result_views
from handlers import results
from handlers.common import Call, refuse, reply, texts


async def unknown_button(update: Update, context: GuildContext) -> None:
    """A button press no handler took: say the button is no longer valid."""
    if update.callback_query is not None:
        _ = await texts(update, context)
        await update.callback_query.answer(plain_text(StaleButton().render(_)), show_alert=True)


async def drop_repeats(update: object, context: GuildContext) -> None:
    """An update handled before (redelivered after a crash, or retried by a webhook) is
    dropped; otherwise the rest of its handling claims it (see storage.db)."""
    if isinstance(update, Update) and not await context.services.updates.begin(
            update.update_id):
        raise ApplicationHandlerStop


async def edits(update: Update, context: GuildContext) -> None:
    """An edited message never runs anything again: in private a result it was is replaced
    (before Submit); an edited command is answered that edits are not taken."""
    message = update.edited_message
    if message is None:
        return
    if message.chat.type == "private":
        if message.from_user is not None and not message.from_user.is_bot:
            await results.edited(Call(update, context, await texts(update, context)))
    elif _command_to_me(message, context.bot.username):
        await reply(update, result_views.edit_not_taken(await texts(update, context)))
    raise ApplicationHandlerStop


def _command_to_me(message: Message, bot_username: str | None) -> str | None:
    """The command's name when the message is a command for this bot (`/x` or `/x@bot`)."""
    text = message.text or ""
    if not text.startswith("/"):
        return None
    name, _at, addressee = text.split()[0][1:].partition("@")
    if addressee and addressee.lower() != (bot_username or "").lower():
        return None
    return name.lower()


async def record_user(update: Update, context: GuildContext) -> None:
    user = update.effective_user
    if user is None or user.is_bot:
        return
    chat = update.effective_chat
    in_private = chat is not None and chat.type == "private"
    await context.services.users.seen(
        SeenUser(user.id, user.first_name, user.last_name, user.username, user.language_code),
        in_private=in_private,
    )


# Commands anyone may use anywhere; everything else in a suspended guild's group is refused.
_ALWAYS_OPEN = frozenset(c.name for c in for_audiences(Audience.ANYONE))


async def refuse_suspended_guilds(update: Update, context: GuildContext) -> None:
    """A command or button in a suspended guild's group gets the suspension, and nothing else."""
    chat = update.effective_chat
    if chat is None or chat.type == "private":
        return
    query = update.callback_query
    if query is None:
        name = _command_to_me(update.message, context.bot.username) if update.message else None
        if name is None or name in _ALWAYS_OPEN:
            return
    guild = await context.services.guilds.suspended_in_chat(chat.id)
    if guild is None:
        return
    _ = await texts(update, context)
    await refuse(update,
                 GuildSuspended(name=guild.name, reason=guild.status_reason or "—").render(_))
    raise ApplicationHandlerStop
