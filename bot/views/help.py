"""/start and /help texts, by role and chat."""

from __future__ import annotations

from bot.commands import Audience, Command, for_audiences
from bot.domain.statuses import GUILD_NAMES, ROLE_NAMES, GuildStatus, Role
from bot.i18n import Html, Translator
from bot.outcomes import Standing

_LEADING = (Role.LEADER, Role.DEPUTY)


def _lines(_: Translator, commands: list[Command]) -> Html:
    return Html("\n".join(_("{usage} — {summary}", usage=c.usage.render_for(_),
                             summary=_(c.summary)) for c in commands))


def help_text(_: Translator, *, private: bool, standing: Standing) -> Html:
    if not private:
        return _group_help(_, standing)
    personal = for_audiences(Audience.ANYONE, Audience.WORKER)
    parts = []
    if standing.is_admin:  # theirs first; a name with an admin's meaning shows it only
        admin = for_audiences(Audience.ADMIN)
        names = {c.name for c in admin}
        parts.append(_("<b>Platform admin</b>\n{commands}", commands=_lines(_, admin)))
        parts.append(_("<b>Also</b>\n{commands}",
                       commands=_lines(_, [c for c in personal if c.name not in names])))
    else:
        parts.append(_("<b>What you can do here</b>\n{commands}",
                       commands=_lines(_, personal)))
    if standing.guild is not None and standing.role is not None:
        parts.append(_("You are a {role} of {guild}. Results go to me here, in private; the "
                       "guild's commands work in its group.",
                       role=_(ROLE_NAMES[standing.role]), guild=standing.guild.name))
    return Html("\n\n".join(parts))


def _group_help(_: Translator, standing: Standing) -> Html:
    guild = standing.guild
    everyone = [c for c in for_audiences(Audience.ANYONE, Audience.GUILD)
                if c.audience is Audience.ANYONE or c.members_too]
    if guild is None:
        return _("<b>Guildwork in a group</b>\nThis group is not a guild yet. An administrator "
                 "of the group can register it: /register &lt;guild name&gt;. An admin of the "
                 "platform then approves it.")
    if standing.role in _LEADING:
        leading = [c for c in for_audiences(Audience.GUILD) if not c.members_too]
        return _("<b>{guild}</b> ({status}) — you are its {role}.\n<b>For everyone</b>\n"
                 "{everyone}\n<b>For the leader and deputies</b>\n{leading}", guild=guild.name,
                 status=_(GUILD_NAMES[guild.status]), role=_(ROLE_NAMES[standing.role]),
                 everyone=_lines(_, everyone), leading=_lines(_, leading))
    return _("<b>{guild}</b> ({status})\n{everyone}\nThe leader and deputies quote, claim and "
             "hand out work; you get your assignments from me in private.", guild=guild.name,
             status=_(GUILD_NAMES[guild.status]), everyone=_lines(_, everyone))


def welcome_private(_: Translator, *, name: str, user_id: int, standing: Standing) -> Html:
    """The welcome, and the user's own Telegram id (what ADMIN_IDS takes)."""
    if standing.is_admin:
        text = _(
            "Welcome, {name}! You are a platform admin of Guildwork: you approve guilds, post "
            "tasks, review results and record payouts here. Send /help for your commands.",
            name=name,
        )
    elif standing.guild is not None and standing.role is not None:
        text = _("Welcome back, {name}! You are a {role} of {guild}. Your assignments: /tasks. "
                 "Your earnings: /earnings. Everything else: /help.", name=name,
                 role=_(ROLE_NAMES[standing.role]), guild=standing.guild.name)
    else:
        text = _(
            "Welcome to Guildwork, {name}! Guilds take paid tasks here and hand them to their "
            "members. To join a guild, open the invite link your guild leader shares. "
            "Send /help to see what you can do.",
            name=name,
        )
    return Html(text + "\n" + _("Your Telegram id: <code>{id}</code>", id=user_id))


def welcome_group(_: Translator, standing: Standing) -> Html:
    if standing.guild is not None and standing.guild.status == GuildStatus.APPROVED:
        return _("Hello! This group is the home of guild {guild}. Send /help to see the "
                 "commands here.", guild=standing.guild.name)
    return _(
        "Hello! Guildwork runs a guild's work from its group chat: the leader quotes for and "
        "claims tasks, hands units to members, and members upload their results to me in "
        "private. Send /help to see the commands for this group."
    )
