from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tgfake import Harness, pgtest

ADMIN_ID = 900_001


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "guildwork.db"


@pytest.fixture
async def h(db_path: Path) -> AsyncIterator[Harness]:
    """A running bot on a fresh database, with one platform admin (ADMIN_ID)."""
    harness = Harness(db_path, admin_ids={ADMIN_ID})
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
    # Whatever a test did, Telegram would have accepted every message the bot sent.
    assert harness.api.refused == [], harness.api.refused


@pytest.fixture
def admin(h: Harness):
    return h.user("Ada", username="ada_admin", user_id=ADMIN_ID)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests of several instances on one PostgreSQL (marked `postgres`) run where there is a
    server: `make test-pg`. `make test` is SQLite alone."""
    if pgtest.server_url():
        return
    kept = [item for item in items if item.get_closest_marker("postgres") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept
