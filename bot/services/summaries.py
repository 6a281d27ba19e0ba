"""Earnings summaries on the clock: workers by DM, guilds in their group, admins a digest.

Due summaries are found per (time zone, frequency) group, built in batches (a few queries per
batch, whatever its size), and queued in the outbox in the same transaction that records the
run, so each is sent once even across restarts, and the dispatcher sends them at the rate
limiter's pace without holding up anyone's commands.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import charts
from bot.clock import to_epoch
from bot.domain.periods import (
    CATCH_UP,
    Period,
    latest_period,
    periods_back,
    so_far,
    zone_named,
)
from bot.domain.work import credit_for
from bot.i18n import texts_for
from bot.outcomes import SummaryReport
from bot.services.base import Deps, Service
from bot.views import summaries as views
from storage import outbox as outbox_repo
from storage import summaries as repo
from storage import users as users_repo

log = logging.getLogger(__name__)
BATCH = 1000


class SummaryService(Service):
    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        # (zone, frequency, period key) groups found complete; rebuilt from the database
        # (one query per group) after a restart. Only saves work: the runs table is the truth.
        self._complete: set[tuple[str, str, str]] = set()
        self._lock = asyncio.Lock()

    @property
    def _default_zone(self) -> str:
        return str(self._settings.timezone.key)

    def _zone(self, name: str) -> ZoneInfo:
        return zone_named(name, self._settings.timezone)

    # --- on the clock ------------------------------------------------------------------------

    async def run_due(self) -> SummaryReport:
        """Queue every summary whose moment has come (and passed less than a day ago)."""
        async with self._lock:  # a slow run and the next tick never overlap
            report = SummaryReport()
            now = self._clock.now()
            for zone_name, frequency in await repo.worker_groups(self._db, self._default_zone):
                period = latest_period(now, frequency, self._settings.summary_time,
                                       self._zone(zone_name))
                group = (zone_name, frequency, period.key)
                if now - period.end > CATCH_UP or group in self._complete:
                    continue
                await self._workers(report, zone_name, frequency, period, period.key)
                self._complete.add(group)
                report.periods.append(f"{zone_name} {period.key}")
            await self._guilds(report, now, manual=False)
            await self._admins(report, now, manual=False)
            return report

    async def send_now(self, admin_id: int) -> SummaryReport:
        """/summary: everyone's summary of the period so far, right away."""
        self._require_admin(admin_id)
        async with self._lock:
            report = SummaryReport()
            now = self._clock.now()
            key = f"now:{to_epoch(now)}"
            for zone_name, frequency in await repo.worker_groups(self._db, self._default_zone):
                period = so_far(now, frequency, self._settings.summary_time,
                                self._zone(zone_name))
                await self._workers(report, zone_name, frequency, period, key)
            await self._guilds(report, now, manual=True)
            await self._admins(report, now, manual=True)
            return report

    async def _workers(self, report: SummaryReport, zone_name: str, frequency: str,
                       period: Period, key: str) -> None:
        due = await repo.workers_due(self._db, zone=zone_name, default_zone=self._default_zone,
                                     frequency=frequency, period_key=key)
        start, end = to_epoch(period.start), to_epoch(period.end)
        zone = self._zone(zone_name)
        bars = periods_back(period, charts.PERIODS, self._settings.summary_time, zone)
        labels, windows = views.chart_labels(bars, zone), _windows(bars)
        scale = 10 ** self._settings.currency_exponent
        for offset in range(0, len(due), BATCH):
            batch = due[offset:offset + BATCH]
            ids = [r.user_id for r in batch]
            figures = await repo.worker_figures(self._db, ids, start, end)
            series = await repo.earnings_series(self._db, ids, windows)
            now = to_epoch(self._clock.now())
            runs, messages = [], []
            for recipient in batch:
                f = figures[recipient.user_id]
                pending = sum(credit_for(1, gross, bp).worker_minor for gross, bp in f.pending
                              or [])
                if not (f.earned or f.bonus or f.adjusted or f.paid or f.units or pending
                        or f.balance):
                    runs.append((recipient.user_id, key, False))
                    continue
                _ = texts_for(recipient.lang)
                text = views.worker_summary(_, period, zone, f, pending, self._settings)
                earned = series.get(recipient.user_id)
                chart = charts.chart(labels, (earned, scale)) if earned else None
                messages.extend(self._notifier.summary_rows(
                    recipient.user_id, text, chart, user_id=recipient.user_id,
                    dedupe_key=f"summary:{key}:{recipient.user_id}", now=now))
                runs.append((recipient.user_id, key, True))
            async with self._db.transaction() as tx:
                await repo.record_runs(tx, "worker", runs, now)
                await outbox_repo.enqueue_many(tx, messages)
                tx.after_commit(self._notifier.wake)
            queued = sum(sent for _user, _key, sent in runs)
            report.workers += queued
            report.skipped += len(runs) - queued
            await asyncio.sleep(0)  # let updates in between batches

    async def _guilds(self, report: SummaryReport, now: datetime, *, manual: bool) -> None:
        for guild in await repo.guild_subjects(self._db, self._default_zone):
            zone = self._zone(guild.zone)
            at = self._settings.summary_time
            period = (so_far(now, "weekly", at, zone) if manual
                      else latest_period(now, "weekly", at, zone))
            key = f"now:{to_epoch(now)}" if manual else period.key
            if not manual and (now - period.end > CATCH_UP or await repo.run_recorded(
                    self._db, "guild", guild.guild_id, key)):
                continue
            figures = await repo.guild_figures(self._db, guild.guild_id,
                                               to_epoch(period.start), to_epoch(period.end))
            send = manual or bool(figures.units or figures.members_earned)
            async with self._db.transaction() as tx:
                await repo.record_runs(tx, "guild", [(guild.guild_id, key, send)],
                                       to_epoch(now))
                if send:
                    _ = texts_for(guild.lang)
                    await self._notifier.message(
                        tx, guild.chat_id,
                        views.guild_summary(_, guild.name, period, zone, figures,
                                            self._settings),
                        dedupe_key=f"summary:guild:{key}:{guild.guild_id}")
            report.guilds += int(send)
            await asyncio.sleep(0)

    async def _admins(self, report: SummaryReport, now: datetime, *, manual: bool) -> None:
        for admin_id in sorted(self._users.admin_ids):
            record = await users_repo.get(self._db, admin_id)
            prefs = await repo.user_preferences(self._db, admin_id)
            frequency = prefs[0] if prefs else "weekly"
            if frequency == "off" and not manual:
                continue
            zone = self._users.zone_for(record)
            at = self._settings.summary_time
            period = (so_far(now, frequency, at, zone) if manual
                      else latest_period(now, frequency, at, zone))
            key = f"now:{to_epoch(now)}" if manual else period.key
            if not manual and (now - period.end > CATCH_UP or await repo.run_recorded(
                    self._db, "admin", admin_id, key)):
                continue
            figures = await repo.platform_figures(self._db, to_epoch(period.start),
                                                  to_epoch(period.end))
            chart = await self._platform_chart(period, zone, manual=manual)
            _ = texts_for(record.lang if record else None)
            async with self._db.transaction() as tx:
                await repo.record_runs(tx, "admin", [(admin_id, key, True)], to_epoch(now))
                await self._notifier.summary(
                    tx, admin_id, views.admin_digest(_, period, zone, figures, self._settings),
                    chart, user_id=admin_id, dedupe_key=f"summary:admin:{key}:{admin_id}")
            report.admins += 1

    async def _platform_chart(self, period: Period, zone: ZoneInfo, *, manual: bool
                              ) -> charts.Chart | None:
        """Units accepted and money credited per day, the last eight days up to the digest's
        end (per day whatever the digest's own frequency)."""
        at = self._settings.summary_time
        last = (so_far(period.end, "daily", at, zone) if manual
                else latest_period(period.end, "daily", at, zone))
        days = periods_back(last, charts.PERIODS, at, zone)
        units, credited = await repo.platform_series(self._db, _windows(days))
        return charts.chart(views.chart_labels(days, zone), (units, 1),
                            (credited, 10 ** self._settings.currency_exponent))


def _windows(periods: list[Period]) -> list[tuple[int, int]]:
    return [(to_epoch(p.start), to_epoch(p.end)) for p in periods]
