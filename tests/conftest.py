from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tgfake import Harness

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
