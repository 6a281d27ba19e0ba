"""Texts of the earnings summaries, the admin digest and /settings."""

from __future__ import annotations

from datetime import tzinfo

from bot.config import Settings
from bot.domain.counts import counted
from bot.domain.errors import N_
from bot.domain.periods import Period
from bot.i18n import Translator
from bot.views.common import money_text, signed
from storage.summaries import GuildFigures, PlatformFigures, WorkerFigures

FREQUENCY_NAMES = {"daily": N_("daily"), "weekly": N_("weekly"), "monthly": N_("monthly"),
                   "off": N_("off")}


def _span(_: Translator, period: Period, zone: tzinfo) -> str:
    start = period.start.astimezone(zone)
    end = period.end.astimezone(zone)
    return _("{start} – {end}", start=start.strftime("%Y-%m-%d %H:%M"),
             end=end.strftime("%Y-%m-%d %H:%M"))


def _title(_: Translator, period: Period) -> str:
    titles = {"daily": N_("Your day"), "weekly": N_("Your week"), "monthly": N_("Your month")}
    return _(titles.get(period.frequency, N_("Your earnings")))


def chart_labels(periods: list[Period], zone: tzinfo) -> list[str]:
    """A chart's bars named by the day each period ends, as digits (12-06; a month: 2026-11),
    so that the image needs no words in any language."""
    return [p.end.astimezone(zone).strftime("%Y-%m" if p.frequency == "monthly" else "%m-%d")
            for p in periods]


def worker_summary(_: Translator, period: Period, zone: tzinfo, f: WorkerFigures,
                   pending: int, settings: Settings) -> str:
    # Bonuses and corrections as lines of their own, when the period has any.
    extra = ([_("Bonuses: {amount}", amount=money_text(_, f.bonus, settings))] if f.bonus
             else []) + ([_("Corrections: {amount}", amount=signed(_, f.adjusted, settings))]
                         if f.adjusted else [])
    return "\n".join([
        _("📊 <b>{title}</b> ({span})", title=_title(_, period), span=_span(_, period, zone)),
        _("Units accepted: {units}", units=f.units),
        _("Earned: {amount}", amount=money_text(_, f.earned, settings)),
        *extra,
        _("Paid out: {amount}", amount=money_text(_, f.paid, settings)),
        _("Waiting for review: {amount}", amount=money_text(_, pending, settings)),
        _("<b>Balance</b> (earned, not yet paid): {amount}",
          amount=money_text(_, f.balance, settings)),
        _("Change how often you get this: /settings"),
    ])


def guild_summary(_: Translator, name: str, period: Period, zone: tzinfo, f: GuildFigures,
                  settings: Settings) -> str:
    lines = [
        _("📊 <b>{name}</b>: the week ({span})", name=name, span=_span(_, period, zone)),
        _("Units accepted: {units}", units=f.units),
        _("Members earned: {amount}", amount=money_text(_, f.members_earned, settings)),
        _("Guild commission: {amount}", amount=money_text(_, f.commission, settings)),
    ]
    if f.leaderboard:
        lines.append(_("<b>Leaderboard</b>"))
        for place, (who, units, earned) in enumerate(f.leaderboard, start=1):
            lines.append(_("{place}. {who} — {units}, {amount}", place=place, who=who,
                           units=counted(_, units, "unit"), amount=money_text(_, earned,
                           settings)))
    return "\n".join(lines)


def admin_digest(_: Translator, period: Period, zone: tzinfo, f: PlatformFigures,
                 settings: Settings) -> str:
    lines = [
        _("📊 <b>Platform digest</b> ({span})", span=_span(_, period, zone)),
        _("Tasks posted: {posted}; open now: {open}", posted=f.tasks_posted, open=f.tasks_open),
        _("Units accepted: {units}", units=f.units_accepted),
        _("Credited: {credited}; paid out: {paid}", credited=money_text(_, f.credited, settings),
          paid=money_text(_, f.paid, settings)),
        _("Guilds: {approved} approved, {pending} waiting for approval",
          approved=f.guilds_approved, pending=f.guilds_pending),
    ]
    if f.top_guilds:
        lines.append(_("<b>Most active guilds</b>"))
        lines.extend(_("{name}: {units}", name=name, units=counted(_, units, "unit"))
                     for name, units in f.top_guilds)
    return "\n".join(lines)


def summary_sent(_: Translator, workers: int, guilds: int, admins: int) -> str:
    return _("Summaries queued: {workers} to workers, {guilds} to guild groups, {admins} to "
             "admins. They go out at the rate limit's pace.", workers=workers, guilds=guilds,
             admins=admins)
