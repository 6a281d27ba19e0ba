"""The layering the design asks for, checked on the source: dependencies point one way
(handlers and scheduler → services → storage; the domain imports neither Telegram nor the
database), no module imports one that imports it back, no service grows past ~350 lines."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "storage", "scheduler")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _imports(path: Path) -> set[str]:
    """Every module named by an import, under TYPE_CHECKING too."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        deps = set()
        for imported in _imports(path):
            parts = imported.split(".")
            # Importing a.b.c imports the packages a and a.b too.
            deps.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        graph[name] = {d for d in deps if d in modules and d != name
                       and not name.startswith(d + ".")}
    return graph


def test_no_module_imports_one_that_imports_it_back() -> None:
    graph = _graph()

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            current = todo.pop()
            if current == goal:
                return True
            if current not in seen:
                seen.add(current)
                todo.extend(graph[current])
        return False

    circles = sorted((a, b) for a in graph for b in graph[a] if reaches(b, a))
    assert circles == []


def test_dependencies_point_one_way() -> None:
    forbidden = {
        "bot.domain": ("telegram", "aiosqlite", "storage", "bot.services", "bot.views",
                       "handlers"),
        "bot.services": ("telegram", "handlers"),
        "bot.views": ("telegram", "aiosqlite", "handlers", "bot.services"),
        "storage": ("telegram", "bot.services", "bot.views", "handlers"),
    }
    broken = []
    for name, path in _modules().items():
        for layer, banned in forbidden.items():
            if name == layer or name.startswith(layer + "."):
                broken += [(name, i) for i in _imports(path)
                           if any(i == b or i.startswith(b + ".") for b in banned)]
    assert broken == []


def test_no_service_file_grows_past_350_lines() -> None:
    sizes = {path.name: len(path.read_text(encoding="utf-8").splitlines())
             for path in (ROOT / "bot" / "services").glob("*.py")}
    assert max(sizes.values()) <= 350, sizes


def test_repositories_speak_the_sql_both_engines_take() -> None:
    """PostgreSQL has no `lastrowid` (`Tx.insert` returns the new id, with RETURNING), no
    PRAGMA, no scalar MAX(a, b) and no `SUM` of a comparison (storage/postgres.py translates
    the rest); the engine's own module is the one place that may know the difference."""
    found = []
    for path in (ROOT / "storage").glob("*.py"):
        if path.name in ("db.py", "postgres.py", "migrate.py", "backup.py"):  # backup: SQLite's
            continue
        text = path.read_text(encoding="utf-8")
        found += [(path.name, bad) for bad in re.findall(
            r"lastrowid|PRAGMA|\bMAX\([^()]*,|\bSUM\(\w+ (?:=|IN|>|<)", text)]
    assert found == []
