"""Steps that many scenarios share, taken the way users take them."""

from __future__ import annotations

import re

from storage import guilds as guilds_repo
from tgfake import FakeGroup, FakeUser, Harness


async def approved_guild(h: Harness, admin: FakeUser, name: str, leader: FakeUser,
                         members: tuple[FakeUser, ...] = ()) -> FakeGroup:
    """A group registered by `leader`, approved by `admin`, joined by `members` via the link."""
    group = h.group(f"{name} chat", admins=(leader,))
    await leader.send(f"/register {name}", chat=group)
    guild = await guilds_repo.get_by_chat(h.services.db, group.id)
    assert guild is not None, group.texts()
    await admin.send(f"/approve {guild.id}")
    if members:
        await leader.send("/invite", chat=group)
        code = re.search(r"start=(join_[\w-]+)", group.last_message().text)
        assert code, group.last_message().text
        for member in members:
            group.add(member)
            await member.send(f"/start {code[1]}")
    return group


async def guild_id(h: Harness, group: FakeGroup) -> int:
    guild = await guilds_repo.get_by_chat(h.services.db, group.id)
    assert guild is not None
    return guild.id


QUOTE_TASK = """/newtask Cantonese dubbing, batch 3
mode: quote
units: 100
price: 2.50
result: voice
deadline: 2026-12-20 18:00
quote_deadline: 2026-12-10 12:00

Record each line of the attached script in Cantonese. One voice message per line."""

FIXED_TASK = """/newtask Street photos, Guangzhou
mode: fixed
units: 10
price: 1.20
result: photo
deadline: 2026-12-15 20:00

One photo of a shop front per unit, daylight, no faces."""


def task_id_in(text: str) -> int:
    match = re.search(r"Task #(\d+)", text)
    assert match, text
    return int(match[1])
