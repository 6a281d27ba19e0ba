"""The clock's jobs. Nothing here holds state: every run asks the database what is due, so
jobs are simply scheduled again at start and a restart repeats nothing."""

from __future__ import annotations

import logging

from telegram.ext import Application

from bot.context import GuildContext

log = logging.getLogger(__name__)
SWEEP_SECONDS = 60
SUMMARY_SECONDS = 60


async def sweep(context: GuildContext) -> None:
    await context.services.sweep.sweep()
    # Admins added or removed by another instance on the same database.
    await context.services.users.reload_admins()


async def summaries(context: GuildContext) -> None:
    report = await context.services.summaries.run_due()
    if report.workers or report.guilds or report.admins:
        log.info("summaries queued: %s", report)


def schedule(app: Application) -> None:
    queue = app.job_queue
    if queue is None:  # PTB installed without the job-queue extra
        raise RuntimeError("python-telegram-bot[job-queue] is required for the clock")
    queue.run_repeating(sweep, interval=SWEEP_SECONDS, first=5, name="sweep",
                        job_kwargs={"max_instances": 1, "coalesce": True})
    queue.run_repeating(summaries, interval=SUMMARY_SECONDS, first=15, name="summaries",
                        job_kwargs={"max_instances": 1, "coalesce": True})

