"""Texts of /admin and /admins."""

from __future__ import annotations

from datetime import tzinfo

from bot.clock import from_epoch
from bot.i18n import Html, Translator
from bot.outcomes import AdminChange, AdminList
from bot.views.common import pages, when, who


def made_admin(_: Translator) -> str:
    return _("🛡 You are now a platform admin. /help lists what admins can do; your menu has "
             "the admins' commands.")


def no_longer_admin(_: Translator) -> str:
    return _("You are no longer a platform admin; your menu is a worker's again.")


def added(_: Translator, change: AdminChange) -> str:
    return _("{who} is a platform admin now; they were told.", who=change.user.mention)


def removed(_: Translator, change: AdminChange) -> str:
    return _("{who} is no longer a platform admin; they were told.", who=change.user.mention)


def admin_list(_: Translator, found: AdminList, zone: tzinfo) -> list[Html]:
    lines = [_("Owner: {who} (ADMIN_IDS)", who=who(user, user_id))
             for user_id, user in found.owners]
    lines += [_("Admin: {who}, added by {by} on {at}", who=who(user, user_id),
                by=who(by, 0) if by else _("the configuration"),
                at=when(_, from_epoch(at), zone))
              for user, user_id, by, at in found.granted]
    if not found.granted:
        lines.append(_("No admins added yet: an owner adds one with /admin add @user."))
    return pages(_("<b>Platform admins</b>"), lines)
