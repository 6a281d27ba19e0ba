"""Results out as files: what an export is called, where each result goes inside the ZIP,
and the manifest's columns (a spreadsheet's or a pipeline's view of every result)."""

from __future__ import annotations

import json
import mimetypes
import re
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

SCOPES = ("accepted", "all")
# A part stays a little under the upload limit (bot.domain.work), for the ZIP's own headers.
PART_MARGIN = 512 * 1024

# Why a result's file is not in the ZIP (the manifest's `problem`).
TOO_BIG, GONE, FAILED = "too_big", "gone", "download_failed"

_KIND_EXTENSIONS = {"photo": ".jpg", "voice": ".ogg", "audio": ".mp3", "video": ".mp4",
                    "document": ".bin"}
_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)

MANIFEST_COLUMNS = (
    "task", "result", "assignment", "unit", "item", "input", "control", "control_correct",
    "item_answer", "item_confidence", "kind", "answer", "file", "part", "file_name", "mime_type",
    "size", "sha256", "problem", "problem_detail", "worker_id", "worker_name",
    "worker_username", "guild_id", "guild", "status", "submitted_at", "decided_at",
    "reviewer_id", "reviewer", "auto_accepted", "reason",
)


class FileUnavailable(Exception):
    """A file that can't be had: `problem` says why (TOO_BIG, GONE or FAILED); `retry` when
    trying again later may work."""

    def __init__(self, problem: str, detail: str, *, retry: bool = False) -> None:
        super().__init__(detail)
        self.problem, self.detail, self.retry = problem, detail, retry


def extension(kind: str, file_name: str | None, mime_type: str | None) -> str:
    """A file's extension: its own name's, a photo's or voice note's usual one, its MIME
    type's, or its kind's."""
    if file_name and (suffix := PurePosixPath(file_name).suffix) and len(suffix) <= 10:
        return "." + safe_part(suffix.lower())
    if kind in ("photo", "voice"):
        return _KIND_EXTENSIONS[kind]
    guessed = mimetypes.guess_extension(mime_type or "") if mime_type else None
    return guessed or _KIND_EXTENSIONS.get(kind, ".bin")


def safe_part(text: str, most: int = 80) -> str:
    """A piece of a path inside the ZIP: letters (any script), digits, `.`, `-`, `_`."""
    cleaned = _UNSAFE.sub("_", text).strip("._") or "_"
    return cleaned[:most]


def member_name(folder: str, assignment_id: int, worker_id: int, ext: str) -> str:
    """`<item key or unit>/<assignment>-<worker>.<ext>`: a person finds a result by its item
    (or unit) first, then by who did it."""
    return f"{safe_part(folder)}/{assignment_id}-{worker_id}{ext}"


def part_name(task_id: int, scope: str, stamp: datetime, part: int) -> str:
    return f"task-{task_id}-{scope}-{stamp.strftime('%Y%m%d-%H%M%S')}-part{part}.zip"


def iso(epoch: int | None) -> str:
    return "" if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat()


def manifest_csv_row(record: dict[str, Any]) -> list[str]:
    """A manifest record as a CSV row, in MANIFEST_COLUMNS' order (JSON for the item input)."""
    return ["" if record.get(c) is None else _cell(record[c]) for c in MANIFEST_COLUMNS]


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class FileSource(Protocol):
    """Where result files come from (Telegram, through the bot): `download` writes the file
    to `dest`, or raises FileUnavailable."""

    async def download(self, file_id: str, dest: Path) -> None: ...
