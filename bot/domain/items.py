"""Item files: a task's inputs, one item per row (CSV, JSONL), read whole or refused whole.

A row's text columns are what the worker is shown; a `key` column names the item (else its
row number). Every refusal names the line and what was expected, and nothing is half-read: the
caller stores the items only when the whole file parsed.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass

from bot.domain.errors import N_, DomainError, Said

MAX_ITEMS = 100_000
MAX_FILE_BYTES = 20 * 1024 * 1024  # what the Bot API lets a bot download
MAX_KEY = 200
MAX_FIELD = 3000  # one column's text, as long as a task's instructions
MAX_COLUMNS = 20
MAX_LABELS = 10  # a choice task's answers: one keyboard's worth
MAX_LABEL = 40
KEY_COLUMN = "key"
GOLDEN_COLUMN = "golden"  # a control item's known answer(s); empty for an ordinary item
# Chinese spreadsheets export UTF-8 (with or without a BOM) or GB18030/GBK; tried in order.
ENCODINGS = ("utf-8-sig", "gb18030")
_EXAMPLE = '{"key": "r1", "text": "…"}'  # a JSONL line, for refusals


@dataclass(frozen=True, slots=True)
class Item:
    key: str
    fields: dict[str, str]  # column → text, in the file's column order
    kind: str | None = None  # a media item's kind (photo, audio, video, document)
    member: str | None = None  # its file's name inside the ZIP
    golden: str | None = None  # a control item's known answer(s), as written in the file
    line: int = 0  # where it is in the file


# A media item's kind by its file's extension; anything else goes as a document.
MEDIA_KINDS = {".jpg": "photo", ".jpeg": "photo", ".png": "photo", ".webp": "photo",
               ".mp3": "audio", ".m4a": "audio", ".wav": "audio", ".flac": "audio",
               ".ogg": "audio", ".aac": "audio", ".opus": "audio",
               ".mp4": "video", ".mov": "video", ".webm": "video", ".mkv": "video"}
# What a bot may upload to Telegram: photos up to 10 MB, other files up to 50 MB.
UPLOAD_LIMITS = {"photo": 10 * 1024 * 1024}
UPLOAD_LIMIT = 50 * 1024 * 1024
_LINK = 0o120000  # a symbolic link, in a ZIP entry's Unix mode


class ItemFileError(DomainError):
    text = N_("Line {line} of {file}: {problem}")


class ItemFileRefused(DomainError):
    text = N_("{file}: {problem}")


def decode(data: bytes, file: str) -> str:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ItemFileRefused(file=file, problem=N_("it is neither UTF-8 nor GB18030/GBK text; "
                                                "save it as UTF-8 CSV and send it again."))


def kind_of(file_name: str) -> str | None:
    """'csv', 'jsonl' or 'zip' by the file's name; None for anything else."""
    name = file_name.lower()
    if name.endswith((".csv", ".txt")):
        return "csv"
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if name.endswith(".zip"):
        return "zip"
    return None


def parse_items(data: bytes, file_name: str) -> list[Item]:
    """The items of a CSV or JSONL file (a ZIP is read by `read_archive`)."""
    kind = kind_of(file_name)
    if kind not in ("csv", "jsonl"):
        raise ItemFileRefused(file=file_name, problem=N_(
            "send items as a .csv or .jsonl file, or media as a .zip."))
    text = decode(data, file_name)
    rows = _csv_rows(text, file_name) if kind == "csv" else _jsonl_rows(text, file_name)
    return _items(rows, file_name)


def _csv_rows(text: str, file: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise ItemFileRefused(file=file, problem=N_("the file is empty: the first line "
                                                        "names the columns."))
        columns = [cell.strip() for cell in header]
        _check_columns(columns, file)
        rows = []
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # a blank line between rows
            if len(cells) != len(columns):
                raise ItemFileError(line=line, file=file, problem=Said(N_(
                    "expected {expected} columns, as in the first line; found {found}."),
                    expected=len(columns), found=len(cells)))
            rows.append((line, dict(zip(columns, cells, strict=True))))
            if len(rows) > MAX_ITEMS:
                raise _too_many(file)
    except csv.Error as exc:
        raise ItemFileError(line=reader.line_num, file=file, problem=Said(N_(
            "the quotes do not match ({detail}); a field with a comma or a line break must be "
            "in double quotes, and a quote inside it doubled."), detail=str(exc))) from None
    return rows


def _jsonl_rows(text: str, file: str) -> list[tuple[int, dict[str, str]]]:
    rows = []
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            raise ItemFileError(line=line, file=file, problem=Said(N_(
                "not a JSON object; each line holds one, e.g. {example}."),
                example=_EXAMPLE)) from None
        if not isinstance(value, dict) or not value or not all(
                isinstance(v, str | int | float) and not isinstance(v, bool)
                for v in value.values()):
            raise ItemFileError(line=line, file=file, problem=Said(N_(
                "expected an object of texts or numbers, e.g. {example}."),
                example=_EXAMPLE))
        columns = [str(k).strip() for k in value]
        _check_columns(columns, file)
        rows.append((line, {str(k).strip(): str(v) for k, v in value.items()}))
        if len(rows) > MAX_ITEMS:
            raise _too_many(file)
    return rows


def _check_columns(columns: list[str], file: str) -> None:
    if any(not c for c in columns):
        raise ItemFileError(line=1, file=file, problem=N_("a column has no name."))
    if len(set(columns)) != len(columns):
        raise ItemFileError(line=1, file=file, problem=N_("two columns have the same name."))
    if len(columns) > MAX_COLUMNS:
        raise ItemFileError(line=1, file=file, problem=Said(N_("at most {most} columns."),
                            most=MAX_COLUMNS))


def _too_many(file: str) -> ItemFileRefused:
    return ItemFileRefused(file=file, problem=Said(
        N_("more than {most} items; split the task."), most=f"{MAX_ITEMS:,}"))


def _items(rows: list[tuple[int, dict[str, str]]], file: str) -> list[Item]:
    if not rows:
        raise ItemFileRefused(file=file, problem=N_("no items: one row per item, after the "
                                                    "line that names the columns."))
    items: list[Item] = []
    seen: dict[str, int] = {}
    for number, (line, row) in enumerate(rows, start=1):
        key = (row.pop(KEY_COLUMN, None) or "").strip() or str(number)
        golden = (row.pop(GOLDEN_COLUMN, None) or "").strip() or None
        fields = {column: value.strip() for column, value in row.items()}
        if not any(fields.values()):
            raise ItemFileError(line=line, file=file, problem=N_("the item is empty."))
        if len(key) > MAX_KEY:
            raise ItemFileError(line=line, file=file, problem=Said(N_(
                "the key is longer than {most} characters."), most=MAX_KEY))
        if any(len(value) > MAX_FIELD for value in fields.values()):
            raise ItemFileError(line=line, file=file, problem=Said(N_(
                "a column is longer than {most} characters."), most=MAX_FIELD))
        if key in seen:
            raise ItemFileError(line=line, file=file, problem=Said(N_(
                "the key “{key}” is on line {first} already; keys must be unique."),
                key=key, first=seen[key]))
        seen[key] = line
        items.append(Item(key, fields, golden=golden, line=line))
    return items


def parse_labels(text: str) -> tuple[str, ...]:
    """`食品 | 交通 | 住宿 | 其他` → the labels, in order; ValueError when unusable."""
    labels = tuple(part.strip() for part in text.replace("｜", "|").split("|"))
    if len(labels) < 2 or len(labels) > MAX_LABELS or any(not label for label in labels) \
            or len(set(labels)) != len(labels) or any(len(label) > MAX_LABEL for label in labels):
        raise ValueError(text)
    return labels


def read_archive(archive: zipfile.ZipFile, file_name: str, max_bytes: int) -> list[Item]:
    """One media item per file in the ZIP, keyed by its path, in the ZIP's order; refused
    whole for a path outside the ZIP's root, a link, too many entries, an uncompressed size
    over `max_bytes`, or a file over Telegram's upload limit."""
    items: list[Item] = []
    seen: set[str] = set()
    total = 0
    for info in archive.infolist():
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if info.is_dir() or parts[0] == "__MACOSX" or any(p.startswith(".") and p != ".."
                                                           for p in parts if p):
            continue  # folders, and what macOS and editors leave behind
        if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
            raise ItemFileRefused(file=file_name, problem=Said(N_(
                "“{path}” points outside the ZIP; every file must be inside it."), path=name))
        if (info.external_attr >> 16) & 0o170000 == _LINK:
            raise ItemFileRefused(file=file_name, problem=Said(N_(
                "“{path}” is a link; send the files themselves."), path=name))
        key = "/".join(p for p in parts if p)
        if key in seen:
            raise ItemFileRefused(file=file_name, problem=Said(N_(
                "“{path}” is in it twice."), path=key))
        seen.add(key)
        kind = MEDIA_KINDS.get("." + key.rsplit(".", 1)[-1].lower() if "." in key else "",
                               "document")
        if info.file_size > UPLOAD_LIMITS.get(kind, UPLOAD_LIMIT):
            raise ItemFileRefused(file=file_name, problem=Said(N_(
                "“{path}” is {size} MB; Telegram takes at most {limit} MB for it."),
                path=key, size=f"{info.file_size / 1048576:.1f}",
                limit=UPLOAD_LIMITS.get(kind, UPLOAD_LIMIT) // 1048576))
        total += info.file_size
        if total > max_bytes:
            raise ItemFileRefused(file=file_name, problem=Said(N_(
                "it unpacks to more than {limit} MB."), limit=max_bytes // 1048576))
        items.append(Item(key, {}, kind, name))
        if len(items) > MAX_ITEMS:
            raise _too_many(file_name)
    if not items:
        raise ItemFileRefused(file=file_name, problem=N_("the ZIP holds no files."))
    return items

