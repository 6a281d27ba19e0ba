"""Guild texts and keyboards: registration, the admins' review, invites, members, commission."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

from bot.buttons import GUILD_REVIEW
from bot.clock import from_epoch
from bot.domain.errors import N_, REGISTER_USAGE, UsageLine
from bot.domain.scores import NO_SCORE
from bot.domain.statuses import GUILD_NAMES, ROLE_NAMES, GuildStatus, Role
from bot.i18n import Html, Translator
from bot.outcomes import Decision, GuildList, Invite, MemberChange, Roster
from bot.views.common import Keyboard, button, keyboard, list_pages, percent
from bot.views.scores import score_full, score_short
from storage.models import GuildRecord, UserRecord

GuildText = Callable[[Translator, GuildRecord], Html]
_ROLE_MARKS: dict[str, str] = {Role.LEADER: "👑", Role.DEPUTY: "⭐", Role.MEMBER: "•"}


def person(user: UserRecord | None) -> str:
    if user is None:
        return "?"
    if user.username:
        return f"{user.display_name} (@{user.username})"
    return user.display_name


def _day(epoch: int, zone: tzinfo) -> str:
    return from_epoch(epoch).astimezone(zone).strftime("%Y-%m-%d")


# --- registration and review ---------------------------------------------------------------


def registered(_: Translator, guild: GuildRecord) -> Html:
    return _("Guild “{name}” (G{id}) is registered, with you as its leader. A platform admin "
             "will review it; I'll post the decision here.", name=guild.name, id=guild.id)


def review_request(_: Translator, guild: GuildRecord, leader: UserRecord | None,
                   chat_title: str) -> Html:
    approve = f"/approve {guild.id}"
    return _("<b>New guild to review</b>\nGuild G{id}: “{name}”\nGroup: {group}\n"
             "Leader: {leader}\n\nApprove it, or reject it with a reason (also as text: "
             "{approve} · {reject}).",
             id=guild.id, name=guild.name, group=chat_title or "—", leader=person(leader),
             approve=approve,
             reject=_("/rejectguild G{id} &lt;reason&gt;", id=guild.id))


def review_keyboard(_: Translator, guild_id: int) -> Keyboard:
    return keyboard([
        button(_("✅ Approve"), GUILD_REVIEW.data("approve", guild_id)),
        button(_("❌ Reject"), GUILD_REVIEW.data("reject", guild_id)),
    ])


def reject_prompt(_: Translator, guild: GuildRecord) -> Html:
    return _("Why is guild G{id} “{name}” rejected? Reply to this message with the reason; "
             "the group and its leader will see it.", id=guild.id, name=guild.name)


def reason_placeholder(_: Translator) -> str:
    return str(_("Reason for the rejection"))


def decision(_: Translator, result: Decision) -> Html:
    """What the deciding admin sees (the edited review message, or the reply to a command)."""
    guild = result.guild
    if guild.status == GuildStatus.APPROVED and result.previous == GuildStatus.SUSPENDED:
        return _("Guild G{id} “{name}” is active again; its members were told.",
                 id=guild.id, name=guild.name)
    if guild.status == GuildStatus.APPROVED:
        return _("✅ Guild G{id} “{name}” is approved. Its group and leader were told.",
                 id=guild.id, name=guild.name)
    if guild.status == GuildStatus.REJECTED:
        return _("❌ Guild G{id} “{name}” is rejected: {reason}\nIts group and leader were told.",
                 id=guild.id, name=guild.name, reason=guild.status_reason or "")
    return _("⛔ Guild G{id} “{name}” is suspended: {reason}\nIts group and members were told.",
             id=guild.id, name=guild.name, reason=guild.status_reason or "")


def approved_group(_: Translator, guild: GuildRecord) -> Html:
    return _("🎉 Guild “{name}” is approved! Leader and deputies: send /invite here for the link "
             "that brings members in.", name=guild.name)


def approved_leader(_: Translator, guild: GuildRecord) -> Html:
    return _("Your guild “{name}” (G{id}) is approved. In its group, /invite gives you the link "
             "for members and /help lists what else you can do.", name=guild.name, id=guild.id)


def rejected_group(_: Translator, guild: GuildRecord) -> Html:
    return _("Guild “{name}” was not approved by the platform.\nReason: {reason}\nAn "
             "administrator of this group can apply again with {usage}.",
             name=guild.name, reason=guild.status_reason or "—",
             usage=REGISTER_USAGE.render_for(_))


def rejected_leader(_: Translator, guild: GuildRecord) -> Html:
    return _("Your guild “{name}” (G{id}) was not approved.\nReason: {reason}",
             name=guild.name, id=guild.id, reason=guild.status_reason or "—")


def suspended_group(_: Translator, guild: GuildRecord) -> Html:
    return _("⛔ Guild “{name}” is suspended by the platform.\nReason: {reason}\nUntil a platform "
             "admin lifts the suspension, the guild can't act.",
             name=guild.name, reason=guild.status_reason or "—")


def suspended_member(_: Translator, guild: GuildRecord) -> Html:
    return _("⛔ Your guild “{name}” is suspended by the platform.\nReason: {reason}\nUntil the "
             "suspension is lifted, the guild can't take or hand out work.",
             name=guild.name, reason=guild.status_reason or "—")


def reinstated_group(_: Translator, guild: GuildRecord) -> Html:
    return _("✅ Guild “{name}” is active again: the platform lifted its suspension.",
             name=guild.name)


def reinstated_member(_: Translator, guild: GuildRecord) -> Html:
    return _("✅ Your guild “{name}” is active again: the platform lifted its suspension.",
             name=guild.name)


def guild_list(_: Translator, result: GuildList) -> list[Html]:
    """The admins' guild list, in pages turned with Previous / Next."""
    counts = result.counts
    head = _("<b>Guilds</b>: {pending} pending · {approved} approved · {suspended} suspended · "
             "{rejected} rejected",
             pending=counts.get(GuildStatus.PENDING, 0),
             approved=counts.get(GuildStatus.APPROVED, 0),
             suspended=counts.get(GuildStatus.SUSPENDED, 0),
             rejected=counts.get(GuildStatus.REJECTED, 0))
    lines: list[str] = []
    for entry in result.guilds:
        guild = entry.guild
        lines.append(_.plural(
            "G{id} <b>{name}</b> — {status} · {count} member · leader {leader} · "
            "commission {percent}%",
            "G{id} <b>{name}</b> — {status} · {count} members · leader {leader} · "
            "commission {percent}%",
            entry.member_count, id=guild.id, name=guild.name,
            status=_(GUILD_NAMES[guild.status]), leader=person(entry.leader),
            percent=percent(guild.commission_bp))
            + " · " + score_short(_, result.scores.get(guild.id, NO_SCORE)))
    if not result.guilds:
        lines.append(_("No guilds yet."))
    if result.total > len(result.guilds):
        narrow = UsageLine("guilds", N_("&lt;status&gt;")).render_for(_)
        lines.append(_("… and {more} more; {usage} narrows the list.",
                       more=result.total - len(result.guilds), usage=narrow))
    return list_pages(head, lines)


def guild_card(_: Translator, result: GuildList) -> str:
    """One guild for the admins: the list's line, and its score in full (90 days)."""
    entry = result.guilds[0]
    guild = entry.guild
    return "\n".join([
        _("<b>{name}</b> (guild G{id}) — {status}", name=guild.name, id=guild.id,
          status=_(GUILD_NAMES[guild.status])),
        _("Leader: {leader}", leader=person(entry.leader)),
        _.plural("{count} member", "{count} members", entry.member_count),
        _("Commission: {percent}%", percent=percent(guild.commission_bp)),
        _("Last 90 days: {score}", score=score_full(_, result.scores.get(guild.id, NO_SCORE))),
    ])


# --- invites and membership ----------------------------------------------------------------


def invite_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start=join_{code}"


def invite(_: Translator, result: Invite, link: str) -> Html:
    parts = [_("Invite link for “{name}”:\n{link}\nWhoever opens it starts me and joins the "
               "guild. Send /invite new to replace it (this one then stops working).",
               name=result.guild.name, link=link)]
    if result.replaced:
        parts.insert(0, _("The old invite link no longer works."))
    return Html("\n".join(parts))


def joined(_: Translator, guild: GuildRecord, first_name: str) -> Html:
    return _("Welcome, {first}! You are now a member of guild “{name}”. Your leader hands out "
             "work and I'll bring each assignment to you here. /help shows what you can do; "
             "/leave leaves the guild.", first=first_name, name=guild.name)


def joined_group(_: Translator, user: UserRecord | None) -> Html:
    return _("👋 {who} joined the guild.", who=person(user))


def left(_: Translator, guild: GuildRecord) -> Html:
    return _("You left guild “{name}”. You can join a guild again through an invite link.",
             name=guild.name)


def left_group(_: Translator, user: UserRecord | None) -> Html:
    return _("{who} left the guild.", who=person(user))


def roster(_: Translator, result: Roster, zone: tzinfo) -> list[Html]:
    """The member list, in pages turned with Previous / Next."""
    guild = result.guild
    head = _.plural("<b>{name}</b> — {count} member · commission {percent}%",
                    "<b>{name}</b> — {count} members · commission {percent}%",
                    len(result.members), name=guild.name, percent=percent(guild.commission_bp))
    lines: list[str] = []
    for member in result.members:
        reach = (_("✅ can get my messages") if member.user.can_message
                 else _("⚠️ can't get my messages (hasn't started me, or blocked me)"))
        line: str = _("{mark} {number} {who} — {role}, joined {day} · {reach}",
                      mark=_ROLE_MARKS.get(member.role, "•"), number=f"M{member.number}",
                      who=person(member.user),
                      role=_(ROLE_NAMES[member.role]), day=_day(member.joined_at, zone),
                      reach=reach)
        if result.scores is not None:
            line += " · " + score_full(_, result.scores.get(member.user.id, NO_SCORE))
        if skills := result.skills.get(member.user.id):  # on the member's page, under them
            line += "\n   " + _("skills: {names}", names=", ".join(skills))
        lines.append(line)
    lines.append(_("Name a member by their number in /assign, /promote, /demote and /remove: "
                   "/assign &lt;task&gt; 2 M3."))
    if any(not m.user.can_message for m in result.members):
        lines.append(_("Members I can't message won't get their assignments: ask them to "
                       "open a private chat with me and press Start."))
    return list_pages(head, lines)


def promoted(_: Translator, change: MemberChange) -> Html:
    return _("{who} is now a deputy of “{name}”.", who=person(change.member),
             name=change.guild.name)


def demoted(_: Translator, change: MemberChange) -> Html:
    return _("{who} is no longer a deputy of “{name}”.", who=person(change.member),
             name=change.guild.name)


def removed(_: Translator, change: MemberChange) -> Html:
    return _("{who} was removed from “{name}”.", who=person(change.member),
             name=change.guild.name)


def promoted_member(_: Translator, guild: GuildRecord) -> Html:
    return _("⭐ You are now a deputy of guild “{name}”: in its group you can invite members "
             "and help run the guild's work.", name=guild.name)


def demoted_member(_: Translator, guild: GuildRecord) -> Html:
    return _("You are no longer a deputy of guild “{name}”; you remain a member.",
             name=guild.name)


def removed_member(_: Translator, guild: GuildRecord) -> Html:
    return _("The leader removed you from guild “{name}”. You can join a guild again through an "
             "invite link.", name=guild.name)


def commission_set(_: Translator, guild: GuildRecord) -> Html:
    # No "% " before a letter in a msgid: gettext tools would read it as a %-placeholder.
    return _("Commission of “{name}” is now {percent}%: from now on the guild keeps that share "
             "of what its members earn.", name=guild.name, percent=percent(guild.commission_bp))
