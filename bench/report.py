"""Numbers in, a table and JSON out; the machine and versions every result is stamped with."""

from __future__ import annotations

import contextlib
import json
import os
import platform as py_platform
import statistics
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100), nearest-rank on the sorted values; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def rss_kib(pid: int | str = "self") -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in KiB, from /proc."""
    found: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0])
    return found


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_kib = 0
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemTotal:"):
                    mem_kib = int(line.split()[1])
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu_model": cpu,
            "ram_gib": round(mem_kib / 2**20, 1), "kernel": py_platform.release()}


def versions() -> dict[str, str]:
    found = {"python": sys.version.split()[0]}
    for name in ("python-telegram-bot", "aiosqlite", "aiolimiter", "httpx", "APScheduler"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    import sqlite3

    found["sqlite"] = sqlite3.sqlite_version
    return found


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def fmt(value: Any, unit: str = "", digits: int = 0) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}" if isinstance(value, float | int) else str(value)
    return f"{text} {unit}".strip()


def ratio_text(value: float | None, kind: str = "×") -> str:
    return "—" if value is None else f"{value:.2f}{kind}"


def table(rows: list[dict[str, str]]) -> str:
    """A plain text table of rows with keys case, what, measured, baseline, ratio, goal."""
    columns = [("case", "case"), ("what", "what"), ("measured", "measured"),
               ("baseline", "baseline"), ("ratio", "ratio"), ("goal", "goal / check")]
    widths = {key: max(len(title), *(len(r.get(key, "")) for r in rows)) if rows else len(title)
              for key, title in columns}
    line = "  ".join(title.ljust(widths[key]) for key, title in columns)
    out = [line, "  ".join("-" * widths[key] for key, _ in columns)]
    for row in rows:
        out.append("  ".join(row.get(key, "").ljust(widths[key]) for key, _ in columns))
    return "\n".join(out)


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
