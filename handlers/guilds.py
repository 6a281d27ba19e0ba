"""Guild commands and buttons: register, review, invite and join, members, roles, commission."""

from __future__ import annotations

import contextlib
import re

from telegram import ForceReply, Message, Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest
from telegram.ext import Application
from telegram.ext.filters import MessageFilter

from bot.commands import command
from bot.context import GuildContext
from bot.domain.errors import N_, Usage
from bot.domain.guilds import (
    INVITE_PREFIX,
    STATUSES,
    AnonymousAdmin,
    RegisterInGroup,
    parse_guild_ref,
    parse_percent,
)
from bot.services.guilds import MemberRef
from bot.views import guilds as views
from handlers.common import (
    RepliesToPrompt,
    group_only,
    is_private,
    member_ref,
    private_only,
    reply,
    texts,
)

# user_data key: the admin's open "why reject?" prompts, {prompt message id: (guild id,
# review message id)}. Conversation scratch only: after a restart /rejectguild still works.
REJECT_PROMPTS = "guilds.reject_prompts"


def _usage(name: str, reason: str) -> Usage:
    return Usage(reason=reason, usage=command(name).usage)




def _ids(update: Update) -> tuple[int, int]:
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    return chat.id, user.id


# --- registration and the admins' review ----------------------------------------------------


async def register(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    assert message is not None and chat is not None and user is not None
    if is_private(update):
        raise RegisterInGroup()
    name = " ".join(context.args or [])
    if not name:
        raise _usage("register", N_("Please give the guild a name."))
    if message.sender_chat is not None or user.is_bot:
        raise AnonymousAdmin()
    member = await context.bot.get_chat_member(chat.id, user.id)
    is_group_admin = member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
    guild = await context.services.guilds.register(
        chat.id, chat.title or "", user.id, name, is_group_admin=is_group_admin)
    await reply(update, views.registered(_, guild))


async def review_pressed(update: Update, context: GuildContext) -> None:
    """Approve / Reject under a new guild's review request (admins' private chats)."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_user is not None
    await query.answer()
    _ = texts(update)
    match = re.match(views.REVIEW_PATTERN, query.data)
    assert match is not None
    action, guild_id = match[1], int(match[2])
    guilds = context.services.guilds
    if action == "approve":
        result = await guilds.approve(update.effective_user.id, guild_id, from_button=True)
        await query.edit_message_text(views.decision(_, result), reply_markup=None)
        return
    guild = await guilds.for_review(update.effective_user.id, guild_id)
    message = query.message
    assert isinstance(message, Message)
    prompt = await message.reply_text(
        views.reject_prompt(_, guild),
        reply_markup=ForceReply(selective=True,
                                input_field_placeholder=views.reason_placeholder(_)))
    prompts = context.user_data.setdefault(REJECT_PROMPTS, {})
    prompts[prompt.message_id] = (guild.id, message.message_id)


def awaiting_reject_reason(app: Application) -> MessageFilter:
    """A reply to one of this admin's open "why reject?" prompts."""
    return RepliesToPrompt(app, REJECT_PROMPTS)


async def reject_reason(update: Update, context: GuildContext) -> None:
    """The admin's reply to a "why reject?" prompt: reject with that reason."""
    _ = texts(update)
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.reply_to_message is not None and user is not None
    prompts = context.user_data.get(REJECT_PROMPTS, {})
    guild_id, review_message_id = prompts[message.reply_to_message.message_id]
    # The prompt stays open until the rejection is made: a refused reason may be given again.
    result = await context.services.guilds.reject(user.id, guild_id, message.text or "")
    prompts.pop(message.reply_to_message.message_id, None)
    text = views.decision(_, result)
    await reply(update, text)
    # The review request shows the outcome instead of its buttons (if it still exists).
    with contextlib.suppress(BadRequest):
        await context.bot.edit_message_text(text, chat_id=message.chat_id,
                                            message_id=review_message_id, reply_markup=None)


async def approve(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    private_only(update, "approve")
    if not context.args:
        raise _usage("approve", N_("Which guild? Give its number or name."))
    result = await context.services.guilds.approve(
        _ids(update)[1], parse_guild_ref(" ".join(context.args)))
    await reply(update, views.decision(_, result))


async def reject(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    private_only(update, "rejectguild")
    if len(context.args or []) < 2:
        raise _usage("rejectguild", N_("Give the guild's number and the reason."))
    ref, reason = _ref_and_reason(update)
    result = await context.services.guilds.reject(_ids(update)[1], ref, reason)
    await reply(update, views.decision(_, result))


async def suspend(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    private_only(update, "suspend")
    if len(context.args or []) < 2:
        raise _usage("suspend", N_("Give the guild's number and the reason."))
    ref, reason = _ref_and_reason(update)
    result = await context.services.guilds.suspend(_ids(update)[1], ref, reason)
    await reply(update, views.decision(_, result))


def _ref_and_reason(update: Update) -> tuple[int | str, str]:
    """'/suspend 12 Fake recordings, see ticket 4' -> (12, 'Fake recordings, see ticket 4')."""
    text = update.effective_message.text if update.effective_message else ""
    parts = (text or "").split(maxsplit=2)
    return parse_guild_ref(parts[1]), parts[2]


async def list_guilds(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    private_only(update, "guilds")
    status = (context.args or [None])[0]
    if status is not None and status.lower() not in STATUSES:
        raise _usage("guilds", N_("Filter by a status: pending, approved, suspended or rejected."))
    result = await context.services.guilds.list_guilds(
        _ids(update)[1], status.lower() if status else None)
    for page in views.guild_list(_, result):
        await reply(update, page)


# --- invites and membership -------------------------------------------------------------------


async def invite(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    group_only(update, "invite")
    args = context.args or []
    if args not in ([], ["new"]):
        raise _usage("invite", N_("Send /invite for the link, or /invite new to replace it."))
    chat_id, user_id = _ids(update)
    result = await context.services.guilds.invite(chat_id, user_id, renew=args == ["new"])
    link = views.invite_link(context.bot.username, result.code)
    await reply(update, views.invite(_, result, link))


async def join(update: Update, context: GuildContext) -> None:
    """`/start join_<code>`: the worker opened a guild's invite link."""
    _ = texts(update)
    user = update.effective_user
    assert user is not None
    payload = (context.args or [""])[0]
    guild = await context.services.guilds.join(user.id, payload.removeprefix(INVITE_PREFIX))
    await reply(update, views.joined(_, guild, user.first_name))


async def leave(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    guild = await context.services.guilds.leave(_ids(update)[1])
    await reply(update, views.left(_, guild))


async def members(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    group_only(update, "members")
    result = await context.services.guilds.roster(*_ids(update))
    for page in views.roster(_, result, context.services.settings.timezone):
        await reply(update, page)


def _member_ref(update: Update, context: GuildContext, name: str) -> MemberRef:
    return member_ref(update, context.args or [], command(name).usage)


async def promote(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    group_only(update, "promote")
    target = _member_ref(update, context, "promote")
    result = await context.services.guilds.promote(*_ids(update), target)
    await reply(update, views.promoted(_, result))


async def demote(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    group_only(update, "demote")
    target = _member_ref(update, context, "demote")
    result = await context.services.guilds.demote(*_ids(update), target)
    await reply(update, views.demoted(_, result))


async def remove(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    group_only(update, "remove")
    target = _member_ref(update, context, "remove")
    result = await context.services.guilds.remove(*_ids(update), target)
    await reply(update, views.removed(_, result))


async def commission(update: Update, context: GuildContext) -> None:
    _ = texts(update)
    group_only(update, "commission")
    raw = " ".join(context.args or [])
    commission_bp = parse_percent(raw) if raw else None
    if commission_bp is None:
        raise _usage("commission", N_("Give the guild's cut as a percent from 0 to 50, "
                                      "e.g. /commission 10."))
    shown = views.percent(commission_bp)
    guild = await context.services.guilds.set_commission(*_ids(update), commission_bp, shown)
    await reply(update, views.commission_set(_, guild))


async def chat_migrated(update: Update, context: GuildContext) -> None:
    """The group was upgraded to a supergroup: the guild's home follows the new chat id."""
    message = update.effective_message
    if message is not None and message.migrate_to_chat_id:
        await context.services.guilds.chat_migrated(message.chat_id, message.migrate_to_chat_id)
