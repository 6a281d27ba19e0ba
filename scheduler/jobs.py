"""The clock's jobs. Nothing here holds state: every run asks the database what is due, so
jobs are simply scheduled again at start and a restart repeats nothing. With several instances
on one PostgreSQL, the sweep and the summaries run on the one that leads (`Database.lead`: an
advisory lock its connection holds, free again when it dies), so each runs once at a time."""

from __future__ import annotations

import logging

from telegram.ext import Application

from bot.context import GuildContext
from bot.ratelimit import PriorityRateLimiter

log = logging.getLogger(__name__)
SWEEP_SECONDS = 60
SUMMARY_SECONDS = 60
SHARE_SECONDS = 10  # how soon the send caps follow an instance that starts or dies


async def sweep(context: GuildContext) -> None:
    if await context.services.db.lead():
        await context.services.sweep.sweep()
    # Admins added or removed by another instance on the same database.
    await context.services.users.reload_admins()


async def summaries(context: GuildContext) -> None:
    if not await context.services.db.lead():
        return
    report = await context.services.summaries.run_due()
    if report.workers or report.guilds or report.admins:
        log.info("summaries queued: %s", report)


async def share_caps(context: GuildContext) -> None:
    """Several instances send for one bot: each keeps to its share of the send caps."""
    limiter = context.bot.rate_limiter
    if isinstance(limiter, PriorityRateLimiter):
        limiter.share(await context.services.db.instances())


def schedule(app: Application) -> None:
    queue = app.job_queue
    if queue is None:  # PTB installed without the job-queue extra
        raise RuntimeError("python-telegram-bot[job-queue] is required for the clock")
    queue.run_repeating(sweep, interval=SWEEP_SECONDS, first=5, name="sweep",
                        job_kwargs={"max_instances": 1, "coalesce": True})
    queue.run_repeating(summaries, interval=SUMMARY_SECONDS, first=15, name="summaries",
                        job_kwargs={"max_instances": 1, "coalesce": True})
    if app.bot_data.settings.database_url:
        queue.run_repeating(share_caps, interval=SHARE_SECONDS, first=0, name="share caps",
                            job_kwargs={"max_instances": 1, "coalesce": True})

