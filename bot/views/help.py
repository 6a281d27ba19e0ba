"""/start and /help texts."""

from __future__ import annotations

from bot.commands import Audience, for_audiences
from bot.i18n import Html, Translator


def command_list(_: Translator, audiences: tuple[Audience, ...]) -> Html:
    lines = []
    for cmd in for_audiences(*audiences):
        lines.append(_("{usage} — {summary}", usage=cmd.usage, summary=_(cmd.summary)))
    return Html("\n".join(lines))


def help_text(_: Translator, *, private: bool, is_admin: bool) -> Html:
    if not private:
        return _(
            "<b>Guildwork in a group</b>\n{commands}",
            commands=command_list(_, (Audience.ANYONE, Audience.GUILD)),
        )
    parts = [_("<b>What you can do here</b>\n{commands}",
               commands=command_list(_, (Audience.ANYONE, Audience.WORKER)))]
    if is_admin:
        parts.append(_("<b>Platform admin</b>\n{commands}",
                       commands=command_list(_, (Audience.ADMIN,))))
    return Html("\n\n".join(parts))


def welcome_private(_: Translator, *, name: str, is_admin: bool) -> Html:
    if is_admin:
        return _(
            "Welcome, {name}! You are a platform admin of Guildwork: you approve guilds, post "
            "tasks, review results and record payouts here. Send /help for your commands.",
            name=name,
        )
    return _(
        "Welcome to Guildwork, {name}! Guilds take paid tasks here and hand them to their "
        "members. To join a guild, open the invite link your guild leader shares. "
        "Send /help to see what you can do.",
        name=name,
    )


def welcome_group(_: Translator) -> Html:
    return _(
        "Hello! Guildwork runs a guild's work from its group chat: the leader quotes for and "
        "claims tasks, hands units to members, and members upload their results to me in "
        "private. Send /help to see the commands for this group."
    )
