"""Texts for broadcasts and announcements: the preview, the progress message, the leader's
announcement as members get it."""

from __future__ import annotations

from bot.buttons import BROADCAST
from bot.domain.counts import counted
from bot.domain.errors import N_, Msg
from bot.domain.statuses import BroadcastStatus
from bot.i18n import Html, Translator
from bot.outcomes import BroadcastState
from bot.views.common import Keyboard, button, keyboard
from storage.models import UserRecord

# What a broadcast is, said in a refusal of a button pressed too late ("Broadcast #3 is …").
STATES: dict[str, Msg] = {
    BroadcastStatus.DRAFT: N_("not sent yet"),
    BroadcastStatus.QUEUED: N_("queued behind the broadcast before it"),
    BroadcastStatus.SENDING: N_("being sent"),
    BroadcastStatus.DONE: N_("sent already"),
    BroadcastStatus.CANCELLED: N_("cancelled"),
}


def audience_text(_: Translator, kind: str, ref: str | None) -> str:
    if kind == "guild":
        return str(_("the members of guild G{id}", id=ref))
    if kind == "skill":
        return str(_("the holders of skill {name}", name=ref))
    if kind == "leaders":
        return str(_("guild leaders and deputies"))
    if kind == "workers":
        return str(_("workers (guild members)"))
    return str(_("everyone who started the bot"))


def preview(_: Translator, state: BroadcastState) -> Html:
    """The card under the copy of the message: who gets it, and Send / Cancel."""
    return _("📣 Broadcast #{id} to {audience}: {recipients} will get the message above. "
             "Send it?", id=state.id, audience=audience_text(_, state.audience, state.ref),
             recipients=counted(_, state.recipients, "recipient"))


def preview_keyboard(_: Translator, broadcast_id: int) -> Keyboard:
    return keyboard([button(_("Send"), BROADCAST.data("send", broadcast_id)),
                     button(_("Cancel"), BROADCAST.data("cancel", broadcast_id))])


def progress(_: Translator, state: BroadcastState) -> Html:
    """The one progress message: waiting, sending (sent, failed, left), done, cancelled."""
    values = {"id": state.id, "audience": audience_text(_, state.audience, state.ref),
              "sent": state.sent, "failed": state.failed, "left": state.left,
              "total": counted(_, state.recipients, "recipient")}
    if state.status == BroadcastStatus.QUEUED:
        return _("⏳ Broadcast #{id} to {audience} is waiting for broadcast #{ahead} to "
                 "finish; it goes out right after it.", ahead=state.waiting_for, **values)
    if state.status == BroadcastStatus.CANCELLED:
        return _("Broadcast #{id} cancelled: nothing was sent.", id=state.id)
    if state.status == BroadcastStatus.DONE:
        return _("✅ Broadcast #{id} to {audience}: done.\nSent {sent} · failed {failed} · "
                 "of {total}.", **values)
    return _("📣 Broadcast #{id} to {audience}: sending.\nSent {sent} · failed {failed} · "
             "left {left} · of {total}.", **values)


def announcement(_: Translator, guild_name: str, leader: UserRecord | None, text: str
                 ) -> Html:
    """The leader's text (Telegram HTML already) under a heading naming the guild."""
    heading = _("📣 Announcement from guild “{name}”, by {leader}:", name=guild_name,
                leader=leader.mention if leader else "")
    return Html(f"{heading}\n\n{text}")


def announced(_: Translator, count: int) -> Html:
    return _.plural("📣 Announcement on its way to {count} member by direct message.",
                    "📣 Announcement on its way to {count} members by direct message.", count)
