"""The authorization matrix: every command and button × every role × every kind of chat.

Each is either allowed (it may still be refused for the state things are in) or refused for who
or where it is; a refusal says so, and no business row changes (the tables are compared before
and after). The expectation is written from the README's command reference, not from the code.
"""

from __future__ import annotations

import pytest

from bot.commands import COMMANDS
from tests.scenario import FIXED_TASK, QUOTE_TASK, approved_guild, business_rows
from tgfake import FakeGroup, FakeUser, Harness

ADMIN_ID = 900_001
ROLES = ("admin", "leader", "deputy", "member", "stranger", "other_leader")
CHATS = ("private", "guild", "pending", "suspended", "loose")
# What a refusal for who or where the command was sent says (in English).
WHO_OR_WHERE = ("Only platform admins", "is for platform admins only", "Only the leader",
                "Only members of", "Please use /",
                "This group is not a guild. ", "is suspended by the platform",
                "waiting for a platform admin's approval", "You are not allowed",
                "Only an administrator of this group", "A guild is registered from its group",
                "Tasks are for guild members", "is not yours", "Only the platform's owners")
ARGS = {"register": "New Guild", "promote": "@mo", "demote": "@dee", "remove": "@mo",
        "commission": "10", "approve": "3", "rejectguild": "3 not now", "suspend": "2 spam",
        "task": "1", "quote": "2 1.00 1", "withdraw": "1", "claim": "1 1", "quotes": "2",
        "award": "1", "rejectquote": "1", "canceltask": "1", "assign": "1 1 @mo",
        "distribute": "1", "progress": "1", "precheck": "on", "submit": "1", "done": "1",
        "review": "1", "accept": "1", "reject": "1 blurry", "payout": "@mo 0.01",
        "settings": "daily", "invite": "new", "skill": "grant cantonese @mo",
        "ban": "@mo 2 spam", "unban": "@mo", "qualify": "cantonese", "answers": "1",
        "guild": "1", "payroll": "2026-12", "bonus": "@mo 0.01 thanks",
        "adjust": "@mo -0.01 fix", "audit": "user @mo",
        "admin": "add @bea", "broadcast": "workers Payouts on Friday",
        "announce": "Meeting at 8"}
ADMIN_ONLY = {c.name for c in COMMANDS if c.audience.value == "admin"} - {"tasks", "task"}
LEADING = {"invite", "quote", "withdraw", "claim", "assign", "distribute", "precheck"}
LEADER_ONLY = {"promote", "demote", "remove", "commission", "announce"}
MEMBERS_READ = {"members", "progress", "earnings"}
IN_PRIVATE = {"submit", "done"}


def expected(command: str, role: str, chat: str) -> bool:
    """May this role use the command in this chat (README, "Commands")?"""
    if command in ("start", "help", "cancel"):
        return True
    if command == "leave":
        return chat != "suspended"
    if command == "register":
        return (chat == "loose" and role == "stranger") or (chat == "guild" and role == "leader")
    if chat == "suspended":
        return False  # a suspended guild's group can do nothing but read the reason
    if command == "skill":  # admins in private; leaders and deputies in their group
        return (chat == "private" and role == "admin") or (
            chat == "guild" and role in ("leader", "deputy"))
    if command == "skills":  # an admin's registry, anyone else's own skills
        return chat == "private"
    if command == "undo":  # anyone's own results, in private (nothing to take back: said so)
        return chat == "private"
    if command == "qualify":  # anyone takes a skill's test in private (a guild's member)
        return chat == "private"
    if command in ADMIN_ONLY:
        return role == "admin" and chat == "private"
    if command == "settings":  # one's own in private; the group's language (leading roles)
        return chat == "private" or (chat == "guild" and role in ("leader", "deputy"))
    if command in IN_PRIVATE:  # /submit 1 and /done 1 name Mo's assignment
        return chat == "private" and role == "member"
    if command in ("tasks", "task"):
        if chat == "private":
            return command == "tasks" or role != "stranger"
        return chat == "guild"
    if command == "statement":  # one's own ledger lines, in private (none: it says so)
        return chat == "private"
    if chat != "guild":
        return chat == "private" and command == "earnings"
    if command in LEADING:
        return role in ("leader", "deputy")
    if command in LEADER_ONLY:
        return role == "leader"
    if command in MEMBERS_READ:
        return role in ("admin", "leader", "deputy", "member")
    raise AssertionError(f"no rule for /{command}")


async def _world(h: Harness) -> tuple[dict[str, FakeUser], dict[str, FakeGroup | None]]:
    admin = h.user("Ada", username="ada_admin", user_id=ADMIN_ID)
    lee, dee, mo = h.user("Lee"), h.user("Dee"), h.user("Mo")
    sam, bea, pen, sue = h.user("Sam"), h.user("Bea"), h.user("Pen"), h.user("Sue")
    for person in (admin, lee, bea, sue, sam):
        await person.send("/start")
    guild = await approved_guild(h, admin, "Alpha", lee, members=(dee, mo))
    await lee.send("/promote @dee", chat=guild)
    await approved_guild(h, admin, "Beta", bea)
    suspended = await approved_guild(h, admin, "Gamma", sue)
    pending = h.group("Pending chat", admins=(pen,))
    await pen.send("/register Delta", chat=pending)
    await admin.send("/suspend 3 spam")
    loose = h.group("Loose chat", admins=(sam,))
    people = {"admin": admin, "leader": lee, "deputy": dee, "member": mo, "stranger": sam,
              "other_leader": bea}
    for group in (guild, pending, suspended, loose):
        for person in people.values():
            if person.id not in h.api.members[group.id]:
                group.add(person)
    # Something for every id the commands name: task 1 (fixed, claimed by Alpha), task 2
    # (quote; quote 1 by Beta), assignment 1 (Mo's, submitted).
    await admin.send(FIXED_TASK)
    await admin.send(QUOTE_TASK)
    await lee.send("/claim 1 3", chat=guild)
    beta = next(g for g in h.api.chats.values() if g.get("title") == "Beta chat")
    await bea.send("/quote 2 2.00 5", chat=FakeGroup(h, beta))
    await lee.send("/assign 1 1 @mo", chat=guild)
    await mo.press("Accept")
    await mo.send_photo()
    await mo.press("Submit")
    return people, {"private": None, "guild": guild, "pending": pending,
                    "suspended": suspended, "loose": loose}


def _refused(text: str) -> bool:
    return any(marker in text for marker in WHO_OR_WHERE)


# `make test` runs one command of each kind; `make drill` all of them.
SAMPLE = {"start", "register", "payout", "assign", "promote", "members", "tasks", "submit",
          "approve", "leave"}
NAMES = [name if name in SAMPLE else pytest.param(name, marks=pytest.mark.drill)
         for name in sorted({c.name for c in COMMANDS} | {"newtask"})]


@pytest.mark.parametrize("command", NAMES)
async def test_every_command_by_every_role_in_every_chat(h: Harness, command: str) -> None:
    people, chats = await _world(h)
    text = f"/{command} {ARGS.get(command, '')}".strip()
    if command == "newtask":
        text = FIXED_TASK
    wrong = []
    for chat_name in CHATS:
        for role in ROLES:
            before = await business_rows(h)
            replies = await people[role].send(text, chat=chats[chat_name])
            said = replies[-1].text if replies else ""
            if expected(command, role, chat_name) != (not _refused(said)):
                wrong.append((role, chat_name, said[:90]))
            elif _refused(said) and await business_rows(h) != before:
                wrong.append((role, chat_name, "refused, yet something changed"))
    assert wrong == [], wrong


BUTTONS = {  # data → the roles that may press it (in private)
    "a1:accept:1": {"member"}, "a1:decline:1": {"member"}, "a1:submit:1": {"member"},
    "a1:approve:1:0": {"admin"}, "a1:reject:1:0": {"admin"},
    "a1:pass:1:0": {"leader", "deputy"}, "a1:back:1:0": {"leader", "deputy"},
    "q1:award:1": {"admin"}, "q1:reject:1": {"admin"},
    "g1:approve:3": {"admin"}, "g1:reject:3": {"admin"},
}


@pytest.mark.parametrize("data", [
    data if data in ("a1:accept:1", "a1:approve:1:0", "a1:pass:1:0", "q1:award:1")
    else pytest.param(data, marks=pytest.mark.drill) for data in sorted(BUTTONS)])
async def test_every_button_pressed_by_every_role(h: Harness, data: str) -> None:
    people, _chats = await _world(h)
    wrong = []
    for role in ROLES:
        if role in BUTTONS[data]:
            continue  # allowed: what it does is the subject of the other tests
        before = await business_rows(h)
        await people[role].press_data(data)
        alert = people[role].last_alert()
        if not (_refused(alert) or "no longer valid" in alert) \
                or await business_rows(h) != before:
            wrong.append((role, alert[:90]))
    assert wrong == [], wrong
