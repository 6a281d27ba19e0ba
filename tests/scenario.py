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


AUDIO_TASK = """/newtask Cantonese lines, batch 1
mode: quote
units: 8
price: 2.50
result: audio
deadline: 2026-12-20 18:00

Record each line of the attached script. One recording per line."""


async def guild_holding_units(h: Harness, admin: FakeUser) -> dict:
    """Guild Alpha (leader Lee, 10 % commission) with workers Wu, Xi, Yan, holding the 8 units
    of an audio task at 2.40 per unit (due 2026-12-20 18:00 Shanghai time)."""
    lee, wu, xi, yan = h.user("Lee"), h.user("Wu"), h.user("Xi"), h.user("Yan")
    await lee.send("/start")
    group = await approved_guild(h, admin, "Alpha Dubbers", lee, members=(wu, xi, yan))
    await lee.send("/commission 10", chat=group)
    task_id = task_id_in((await admin.send(AUDIO_TASK))[-1].text)
    await lee.send(f"/quote {task_id} 2.40 8", chat=group)
    await admin.send("/award 1")
    return {"lee": lee, "wu": wu, "xi": xi, "yan": yan, "group": group, "task": task_id}


def assignment_ids(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"Assignment #(\d+)", text)]
