"""The test suite on PostgreSQL: `make test-pg` sets GUILDWORK_TEST_POSTGRES to a server's URL
(a throwaway one on loopback), and every database a test opens by its SQLite path becomes a
PostgreSQL database of its own, made from a migrated template (the same path gives the same
database again, so a restart finds its data)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ENV = "GUILDWORK_TEST_POSTGRES"
TEMPLATE = "guildwork_template"
_made: set[str] = set()
_template_ready = False


def server_url() -> str:
    return os.environ.get(ENV, "")


def _admin():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(server_url(), autocommit=True)


def _make_template() -> None:
    """The template: a database with every migration applied, made once per test run."""
    from storage import Database

    with _admin() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {TEMPLATE}")

    async def migrate() -> None:
        db = Database(with_database(server_url(), TEMPLATE))
        await db.open()
        await db.close()

    run_aside(migrate)


def run_aside(make: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run the coroutine `make()` to its end on an event loop of its own, in a thread (the
    caller may be inside a running loop: a test's, or a benchmark's)."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(make())
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def with_database(url: str, name: str) -> str:
    """The server's `url`, for the database `name`."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_for(path: str | Path) -> str:
    """The URL of the PostgreSQL database standing in for the SQLite file at `path`."""
    global _template_ready
    name = "t_" + hashlib.sha1(str(Path(path).resolve()).encode()).hexdigest()[:20]
    if name not in _made:
        if not _template_ready:
            _make_template()
            _template_ready = True
        with _admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        _made.add(name)
    return with_database(server_url(), name)
