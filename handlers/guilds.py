"""Guild commands and buttons: register, review, invite and join, members, roles, commission."""

from __future__ import annotations

import contextlib
from functools import partial

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest

from bot.buttons import GUILD_REVIEW, GUILDS_PAGES, MEMBERS_PAGES, Press
from bot.context import GuildContext
from bot.domain.errors import N_, AnonymousAdmin, RegisterInGroup, StaleButton
from bot.domain.guilds import INVITE_PREFIX, parse_guild_ref, parse_percent
from bot.domain.ids import Kind
from bot.domain.statuses import GuildStatus
from bot.views import guilds as views
from handlers.common import Call, Prompt, command, press
from handlers.paging import Listing, paged

# The admin's "why reject?" prompts, about (guild id, review message id).
REJECT_REASON = Prompt("guilds.reject_prompts")


# --- registration and the admins' review ----------------------------------------------------


@command("register")
async def register(call: Call) -> None:
    if call.private:
        raise RegisterInGroup()
    name = " ".join(call.args)
    if not name:
        raise call.wrong(N_("Please give the guild a name."))
    user = call.update.effective_user
    if call.message.sender_chat is not None or user is None or user.is_bot:
        raise AnonymousAdmin()
    member = await call.context.bot.get_chat_member(call.chat_id, call.user_id)
    is_group_admin = member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
    chat = call.update.effective_chat
    guild = await call.services.guilds.register(
        call.chat_id, (chat.title if chat else None) or "", call.user_id, name,
        is_group_admin=is_group_admin)
    await call.reply(views.registered(call._, guild))


@press(GUILD_REVIEW)
async def review_pressed(call: Call, pressed: Press) -> None:
    """Approve / Reject under a new guild's review request (admins' private chats)."""
    query = call.update.callback_query
    assert query is not None
    guilds = call.services.guilds
    if pressed.action == "approve":
        result = await guilds.approve(call.user_id, pressed.id, from_button=True)
        await query.edit_message_text(views.decision(call._, result), reply_markup=None)
        return
    guild = await guilds.for_review(call.user_id, pressed.id)
    review_message = query.message.message_id if query.message else 0
    await REJECT_REASON.ask(call, views.reject_prompt(call._, guild), (guild.id, review_message),
                            views.reason_placeholder(call._))


@REJECT_REASON.answered
async def reject_reason(call: Call, about: tuple[int, int], reason: str) -> None:
    """The admin's reply to a "why reject?" prompt: reject with that reason."""
    guild_id, review_message_id = about
    result = await call.services.guilds.reject(call.user_id, guild_id, reason)
    await call.reply(views.decision(call._, result))
    # The review request loses its buttons (if it still exists); the outcome is said once.
    with contextlib.suppress(BadRequest):
        await call.context.bot.edit_message_reply_markup(
            chat_id=call.chat_id, message_id=review_message_id, reply_markup=None)


@command("approve")
async def approve(call: Call) -> None:
    call.need(1, N_("Which guild? Give its number or name."))
    result = await call.services.guilds.approve(call.user_id,
                                                parse_guild_ref(" ".join(call.args)))
    await call.reply(views.decision(call._, result))


async def _decide_with_reason(call: Call, decision: str) -> None:
    """'/suspend 12 Fake recordings, see ticket 4': the guild 12, for that reason."""
    call.need(2, N_("Give the guild's number and the reason."))
    _command, ref, reason = (call.message.text or "").split(maxsplit=2)
    decide = (call.services.guilds.reject if decision == "reject"
              else call.services.guilds.suspend)
    result = await decide(call.user_id, parse_guild_ref(ref), reason)
    await call.reply(views.decision(call._, result))


reject = command("rejectguild")(partial(_decide_with_reason, decision="reject"))
suspend = command("suspend")(partial(_decide_with_reason, decision="suspend"))


@command("guilds")
async def list_guilds(call: Call) -> None:
    status = call.args[0].lower() if call.args else None
    if status is not None and status not in tuple(GuildStatus):
        raise call.wrong(N_("Filter by a status: pending, approved, suspended or rejected."))
    await guild_list.show(call, status or "")


@paged("guilds", GUILDS_PAGES)
async def guild_list(call: Call, key: str) -> Listing:
    """The guilds with the status `key` (all of them: an empty key)."""
    if key and key not in tuple(GuildStatus):
        raise StaleButton()
    result = await call.services.guilds.list_guilds(call.user_id, key or None)
    return Listing(views.guild_list(call._, result))


@command("guild")
async def guild_card(call: Call) -> None:
    """/guild <id>: one guild, with its score."""
    guild_id = call.id(call.need(1)[0], Kind.GUILD)
    result = await call.services.guilds.guild_card(call.user_id, guild_id)
    await call.reply(views.guild_card(call._, result))


# --- invites and membership -------------------------------------------------------------------


@command("invite")
async def invite(call: Call) -> None:
    if call.args not in ([], ["new"]):
        raise call.wrong(N_("Send /invite for the link, or /invite new to replace it."))
    result = await call.services.membership.invite(call.chat_id, call.user_id,
                                                   renew=call.args == ["new"])
    link = views.invite_link(call.context.bot.username, result.code)
    await call.reply(views.invite(call._, result, link))


@command("start")
async def join(call: Call) -> None:
    """`/start join_<code>`: the worker opened a guild's invite link."""
    payload = (call.args or [""])[0]
    guild = await call.services.membership.join(call.user_id,
                                                payload.removeprefix(INVITE_PREFIX))
    await call.reply(views.joined(call._, guild, call.first_name))


@command("leave")
async def leave(call: Call) -> None:
    await call.reply(views.left(call._, await call.services.membership.leave(call.user_id)))


@command("members")
async def members(call: Call) -> None:
    await roster.show(call, "")


@paged("members", MEMBERS_PAGES)
async def roster(call: Call, key: str) -> Listing:
    """The group's guild, as whoever asks (or presses) may see it."""
    result = await call.services.membership.roster(call.chat_id, call.user_id)
    return Listing(views.roster(call._, result, call.services.settings.timezone))


_MEMBER_CHANGED = {"promote": views.promoted, "demote": views.demoted, "remove": views.removed}


async def _change_member(call: Call, change: str) -> None:
    """/promote, /demote and /remove: the leader changes a member's place in the guild."""
    result = await call.services.membership.change_member(call.chat_id, call.user_id,
                                                          call.member(call.args), change)
    await call.reply(_MEMBER_CHANGED[change](call._, result))


promote, demote, remove = (command(change)(partial(_change_member, change=change))
                           for change in ("promote", "demote", "remove"))


@command("commission")
async def commission(call: Call) -> None:
    raw = " ".join(call.args)
    commission_bp = parse_percent(raw) if raw else None
    if commission_bp is None:
        raise call.wrong(N_("Give the guild's cut as a percent from 0 to 50, e.g. "
                            "/commission 10."))
    shown = views.percent(commission_bp)
    guild = await call.services.membership.set_commission(call.chat_id, call.user_id,
                                                          commission_bp, shown)
    await call.reply(views.commission_set(call._, guild))


async def chat_migrated(update: Update, context: GuildContext) -> None:
    """The group was upgraded to a supergroup: the guild's home follows the new chat id."""
    message = update.effective_message
    if message is not None and message.migrate_to_chat_id:
        await context.services.guilds.chat_migrated(message.chat_id, message.migrate_to_chat_id)
