"""/hooks: the event hooks' queue, as the admins see it."""

from __future__ import annotations

from datetime import tzinfo

from bot.clock import from_epoch
from bot.i18n import Html, Translator
from bot.outcomes import HookStatus
from bot.views.common import pages, when


def hook_status(_: Translator, status: HookStatus, zone: tzinfo) -> list[Html]:
    if status.url is None:
        return [_("<b>Event hooks</b> are off: set HOOK_URL and HOOK_SECRET to send the "
                  "platform's events to your own systems.")]
    head = _("<b>Event hooks</b> to {url}\nQueued: {queued} · delivered (last 7 days): "
             "{delivered} · failing: {failing}", url=status.url, queued=status.queued,
             delivered=status.delivered, failing=status.failing)
    if not status.failures:
        return [Html(head + "\n" + _("Nothing is failing."))]
    rows = [_("Latest failures:")]
    for event in status.failures:
        tries = _.plural("{count} try", "{count} tries", event.attempts)
        rows.append(_("{type} {event_id} ({tries}): {error} — next try {next}",
                      type=event.type, event_id=event.event_id, tries=tries,
                      error=event.last_error or "", next=when(_, from_epoch(
                          event.next_attempt_at), zone)))
    return pages(head, rows)
