"""Texts for the audit trail: /audit's pages and the /audit export CSV."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.buttons import AUDIT_PAGES
from bot.domain.errors import N_
from bot.i18n import Html, Translator, escape
from bot.outcomes import AuditPage, AuditRow
from bot.views.common import Keyboard, csv_bytes, pager_keyboard

# Characters of an entry's detail, and of a name, on a page (the export has all): 15 entries
# stay within one message.
DETAIL_SHOWN = 80
NAME_SHOWN = 40

# Every action the services record, in the reader's words (an unknown one is shown as it is).
ACTIONS = {
    "task.post": N_("posted the task"), "task.items": N_("added items"),
    "task.cancel": N_("cancelled the task"), "task.expire": N_("task expired"),
    "task.complete": N_("task completed"),
    "task.claim": N_("claimed units"), "task.assign": N_("handed out units"),
    "task.quote_window_closed": N_("quote window closed"),
    "quote.place": N_("quoted"), "quote.withdraw": N_("withdrew the quote"),
    "quote.award": N_("awarded the quote"), "quote.reject": N_("rejected the quote"),
    "assignment.precheck": N_("pre-checked"), "assignment.accept": N_("accepted"),
    "assignment.auto_accept": N_("accepted automatically"),
    "assignment.reject": N_("sent back for rework"),
    "assignment.settle": N_("settled a lapsed rework"),
    "assignment.precheck_skipped": N_("pre-check skipped (too late)"),
    "assignment.precheck_undeliverable": N_("pre-check undeliverable"),
    "guild.register": N_("registered the guild"), "guild.approve": N_("approved the guild"),
    "guild.reinstate": N_("lifted the suspension"), "guild.reject": N_("rejected the guild"),
    "guild.suspend": N_("suspended the guild"), "guild.commission": N_("set the commission"),
    "guild.precheck": N_("set pre-checks"), "guild.language": N_("set the group's language"),
    "guild.chat_migrated": N_("the group moved"), "guild.member.join": N_("joined"),
    "guild.member.leave": N_("left"), "guild.member.promote": N_("promoted a member"),
    "guild.member.demote": N_("demoted a member"), "guild.member.remove": N_("removed a member"),
    "ledger.payout": N_("recorded a payout"), "ledger.bonus": N_("credited a bonus"),
    "ledger.adjustment": N_("corrected a balance"),
    "skill.add": N_("defined a skill"), "skill.leaders": N_("opened a skill to leaders"),
    "skill.grant": N_("granted a skill"), "skill.revoke": N_("revoked a skill"),
    "skill.test": N_("took a qualification test"),
    "skill.test_graded": N_("qualification test graded"),
    "ban": N_("banned"), "unban": N_("lifted a ban"),
    "admin.add": N_("added a platform admin"), "admin.remove": N_("removed a platform admin"),
    "broadcast.send": N_("sent a broadcast"), "broadcast.cancel": N_("cancelled a broadcast"),
    "guild.announce": N_("announced to the guild"),
}
TARGETS = {"guild": N_("guild G{id}"), "task": N_("task T{id}"), "quote": N_("quote Q{id}"),
           "assignment": N_("assignment A{id}"), "allocation": N_("allocation #{id}"),
           "ban": N_("ban #{id}"), "user": N_("user {id}"),
           "broadcast": N_("broadcast #{id}")}


def action_name(_: Translator, action: str) -> str:
    return _(ACTIONS[action]) if action in ACTIONS else action


def actor_name(_: Translator, row: AuditRow) -> str:
    return row.actor or _("the clock")


def target_name(_: Translator, row: AuditRow, most: int | None = None) -> str:
    """guild G3 “Alpha”, @wu, task T5 “Dubbing”; empty when there is none (a skill's 0). The
    name is cut to `most` characters."""
    if row.target_type is None or not row.target_id:
        return ""
    name = row.target if most is None or row.target is None else row.target[:most]
    if row.target_type == "user" and name:
        return name
    label = TARGETS.get(row.target_type)
    shown = _(label, id=row.target_id) if label else f"{row.target_type} {row.target_id}"
    return f"{shown} “{name}”" if name else shown


def _moment(row: AuditRow, page: AuditPage) -> datetime:
    return datetime.fromtimestamp(row.created_at, UTC).astimezone(page.zone)


def audit_text(_: Translator, page: AuditPage) -> Html:
    scope = page.scope
    days = _.plural("the last day", "the last {n} days", scope.days, n=scope.days)
    head: str
    if page.subject is not None:
        head = _("<b>Audit trail</b>: {subject}, {days} (times in {zone})",
                 subject=target_name(_, page.subject), days=days, zone=str(page.zone))
    else:
        head = _("<b>Audit trail</b>: everything, {days} (times in {zone})", days=days,
                 zone=str(page.zone))
    if page.page:
        head += "\n" + _("Page {number}", number=page.page + 1)
    if not page.rows:
        return Html(head + "\n" + _("Nothing was recorded in that time."))
    lines: list[str] = [head]
    for row in page.rows:
        detail = (row.detail or "")[:DETAIL_SHOWN]
        target = target_name(_, row, NAME_SHOWN)
        lines.append(_("{time} · {actor}: {action}", time=f"{_moment(row, page):%m-%d %H:%M}",
                       actor=actor_name(_, row)[:NAME_SHOWN],
                       action=action_name(_, row.action))
                     + "".join(f" · {escape(part)}" for part in (target, detail) if part))
    return Html("\n".join(lines))


def audit_keyboard(_: Translator, page: AuditPage) -> Keyboard | None:
    return pager_keyboard(_, AUDIT_PAGES, page.page, page.scope.key, page.more)


def audit_csv(_: Translator, page: AuditPage) -> bytes:
    return csv_bytes((_("time"), _("actor id"), _("actor"), _("action"), _("code"),
                      _("target type"), _("target id"), _("target"), _("detail")),
                     ((f"{_moment(row, page):%Y-%m-%d %H:%M:%S}", row.actor_id,
                       actor_name(_, row), action_name(_, row.action), row.action,
                       row.target_type or "", row.target_id or "", row.target or "",
                       row.detail or "") for row in page.rows))


def audit_caption(_: Translator, page: AuditPage) -> Html:
    return _.plural("Audit trail: {n} action, newest first, times in {zone}.",
                    "Audit trail: {n} actions, newest first, times in {zone}.",
                    len(page.rows), n=len(page.rows), zone=str(page.zone))
