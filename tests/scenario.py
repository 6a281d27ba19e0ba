"""Steps that many scenarios share, taken the way users take them."""

from __future__ import annotations

import re
from datetime import timedelta

from storage import guilds as guilds_repo
from tgfake import FakeGroup, FakeUser, Harness, Sent


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


async def window_passes(h: Harness) -> None:
    """The digest window ends: the joins, answers and submissions gathered in it go out."""
    h.clock.advance(timedelta(minutes=h.settings.digest_minutes))
    await h.settle()


async def guild_of_three(h: Harness, admin: FakeUser, name: str) -> dict:
    """Guild `name`, led by Lee (who started the bot, like the admin), with workers Wu and Xi."""
    lee, wu, xi = h.user("Lee"), h.user("Wu"), h.user("Xi")
    for person in (admin, lee):
        await person.send("/start")
    group = await approved_guild(h, admin, name, lee, members=(wu, xi))
    return {"lee": lee, "wu": wu, "xi": xi, "group": group}


async def alpha_with_task(h: Harness, admin: FakeUser, form: str, claim: int) -> dict:
    """Guild Alpha (leader Lee, who started the bot; workers Wu and Xi) holding `claim` units
    of the fixed-price task the admin posts with `form`."""
    lee, wu, xi = h.user("Lee"), h.user("Wu"), h.user("Xi")
    await lee.send("/start")
    group = await approved_guild(h, admin, "Alpha", lee, members=(wu, xi))
    task = task_id_in((await admin.send(form))[-1].text)
    await lee.send(f"/claim {task} {claim}", chat=group)
    return {"lee": lee, "wu": wu, "xi": xi, "group": group, "task": task}


async def every_page(user: FakeUser, first: Sent, chat: FakeGroup | None = None) -> list[str]:
    """A paged list turned from its first page to its last with Next ▶: each page's text."""
    chat_id = chat.id if chat else user.id
    shown = [first.text]
    while True:
        message = user.h.api.find_message(chat_id, first.message_id)
        assert message is not None
        if "Next ▶" not in message.button_texts:
            return shown
        await user.press("Next ▶", chat=chat, message=message)
        turned = user.h.api.find_message(chat_id, first.message_id)
        assert turned is not None and turned.text != shown[-1], "the page did not turn"
        shown.append(turned.text)


async def guild_id(h: Harness, group: FakeGroup) -> int:
    guild = await guilds_repo.get_by_chat(h.services.db, group.id)
    assert guild is not None
    return guild.id


def task_form(title: str, instructions: str, **fields: object) -> str:
    """The one-message /newtask form: the title, one `key: value` line per field (in the
    order given), a blank line, the instructions."""
    lines = [f"/newtask {title}", *(f"{key}: {value}" for key, value in fields.items())]
    return "\n".join(lines) + "\n\n" + instructions


QUOTE_TASK = task_form(
    "Cantonese dubbing, batch 3",
    "Record each line of the attached script in Cantonese. One voice message per line.",
    mode="quote", units=100, price="2.50", result="voice", deadline="2026-12-20 18:00",
    quote_deadline="2026-12-10 12:00")
FIXED_TASK = task_form("Street photos, Guangzhou",
                       "One photo of a shop front per unit, daylight, no faces.",
                       mode="fixed", units=10, price="1.20", result="photo",
                       deadline="2026-12-15 20:00")


def task_id_in(text: str) -> int:
    match = re.search(r"Task T(\d+)", text)
    assert match, text
    return int(match[1])


AUDIO_TASK = task_form("Cantonese lines, batch 1",
                       "Record each line of the attached script. One recording per line.",
                       mode="quote", units=8, price="2.50", result="audio",
                       deadline="2026-12-20 18:00")


async def guild_holding_units(h: Harness, admin: FakeUser) -> dict:
    """Guild Alpha (leader Lee, 10 % commission) with workers Wu, Xi, Yan, holding the 8 units
    of an audio task at 2.40 per unit (due 2026-12-20 18:00 Shanghai time)."""
    lee, wu, xi, yan = h.user("Lee"), h.user("Wu"), h.user("Xi"), h.user("Yan")
    await lee.send("/start")
    group = await approved_guild(h, admin, "Alpha Dubbers", lee, members=(wu, xi, yan))
    await lee.send("/commission 10", chat=group)
    task_id = task_id_in((await admin.send(AUDIO_TASK))[-1].text)
    await lee.send(f"/quote T{task_id} 2.40 8", chat=group)
    await admin.send("/award 1")
    return {"lee": lee, "wu": wu, "xi": xi, "yan": yan, "group": group, "task": task_id}


def assignment_ids(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"Assignment A(\d+)", text)]


async def taken_assignment(guild: dict, units: int = 1, worker: str = "wu") -> int:
    """The leader assigns `units` to the worker, who takes the offer; its id."""
    member = guild[worker]
    await guild["lee"].send(f"/assign {guild['task']} {units} @{member.username}",
                            chat=guild["group"])
    assignment_id = assignment_ids(member.last_message().text)[0]
    await member.press("Accept")
    return assignment_id


async def submitted_assignment(guild: dict, units: int = 1, worker: str = "wu") -> int:
    """As `taken_assignment`, then the worker records `units` voice messages and submits."""
    assignment_id = await taken_assignment(guild, units, worker)
    for _ in range(units):
        await guild[worker].send_voice()
    await guild[worker].press("Submit")
    return assignment_id


BUSINESS_TABLES = ("tasks", "task_attachments", "quotes", "allocations", "assignments",
                   "results", "ledger", "guilds", "guild_members", "guild_invites", "audit_log")


# Columns that differ between two runs of the same day without meaning anything: random invite
# codes, and the chat's message numbers (a second run's extra replies shift them).
_UNSTABLE = {"invite_code", "code", "chat_message_id"}


async def read_only(db, on: bool) -> None:
    """The database refuses every write from now on (as on a read-only disk), or no more."""
    if db.engine == "postgres":
        await db.writer.execute(f"SET default_transaction_read_only = {'on' if on else 'off'}")
    else:
        await db.writer.execute(f"PRAGMA query_only = {'ON' if on else 'OFF'}")


async def business_rows(h: Harness) -> dict[str, list[tuple]]:
    """Every business table's rows, and the notices queued (chat, text): what a repeat, an
    edit or a refusal must leave as it was."""
    db = h.services.db
    found = {}
    for table in BUSINESS_TABLES:
        columns = [c for c in await db.columns(table) if c not in _UNSTABLE]
        found[table] = [tuple(row) for row in await db.fetch_all(
            f"SELECT {', '.join(columns)} FROM {table}"
            f" ORDER BY {', '.join(map(str, range(1, len(columns) + 1)))}")]
    found["outbox"] = [tuple(row) for row in await db.fetch_all(
        "SELECT chat_id, method, payload FROM outbox ORDER BY id")]
    return found
