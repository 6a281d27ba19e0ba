"""/export's messages: the progress message (edited as it goes) and how the export ended."""

from __future__ import annotations

from bot.i18n import Html, Translator
from bot.outcomes import ExportDone, ExportJob
from bot.views.common import percent_bar


def progress(_: Translator, job: ExportJob, done: int) -> Html:
    percent = 100 if job.total <= 0 else min(100, done * 100 // job.total)
    return _("📦 Exporting task T{task_id} ({scope}): {done} of {total} results\n"
             "{bar} {percent} %", task_id=job.task.id, scope=_scope(_, job.scope), done=done,
             total=job.total, bar=percent_bar(percent), percent=percent)


def _scope(_: Translator, scope: str) -> str:
    return _("accepted results") if scope == "accepted" else _("all results")


def part_caption(_: Translator, job: ExportJob, number: int) -> Html:
    return _("Task T{task_id}, part {number}", task_id=job.task.id, number=number)


def finished(_: Translator, done: ExportDone) -> Html:
    job = done.job
    lines = [_("✅ Task T{task_id} exported: {results} results and {files} files "
               "({megabytes} MB); ZIP parts: {parts}. The last part holds manifest.csv and "
               "manifest.jsonl, one row per result.", task_id=job.task.id,
               results=done.results, files=done.files,
               megabytes=f"{done.bytes / 1048576:.1f}", parts=len(done.parts))]
    if done.missing:
        lines.append(_.plural(
            "⚠️ {count} file could not be downloaded: the manifest says why (column problem).",
            "⚠️ {count} files could not be downloaded: the manifest says why (column problem).",
            done.missing))
    if done.kept_in:
        lines.append(_("The parts are also kept in {folder}.", folder=done.kept_in))
    return Html("\n".join(lines))


def failed(_: Translator, job: ExportJob, error: Exception) -> Html:
    return _("❌ The export of task T{task_id} stopped: {error}. Nothing is lost; export it "
             "again.", task_id=job.task.id, error=type(error).__name__)
