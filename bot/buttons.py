"""Every button's callback data, one spec per prefix: how it is built (views), matched
(`pattern=` at registration) and read back (handlers), so its shape lives in one place.

Callback data carries ids only, never amounts or authority, within Telegram's 64 bytes:
`<prefix>:<action>[:<id>[:<round>]]`. The prefix is versioned (`a1`): a new shape takes a new
prefix, and buttons already sent keep working. Whatever a press says is checked again by the
service: who pressed it, and the state now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.ids import MAX_ID
from bot.domain.statuses import TaskMode
from bot.domain.tasks import RESULT_TYPES

MAX_DATA_BYTES = 64


@dataclass(frozen=True, slots=True)
class Press:
    """A button press as read back: the action, and the id and round it names (0 / None when
    the button has none)."""

    action: str
    id: int = 0
    round: int | None = None
    marks: int = 0  # the numbers marked on a list's buttons, as bits (bit n-1: number n)


class Buttons:
    def __init__(self, prefix: str, actions: tuple[str, ...], *, with_id: bool = True,
                 with_round: bool = False, with_marks: bool = False) -> None:
        self.prefix = prefix
        self.actions = actions
        self.with_id = with_id
        self.with_round = with_round
        self.with_marks = with_marks
        if with_marks and not (with_id and with_round):
            raise ValueError(f"{prefix}: marks come after an id and a round")
        tail = r":(\d{1,19})" if with_id else ""
        # A round is optional when read back: buttons sent before rounds were named lack it.
        tail += r"(?::(\d{1,19}))?" if with_round else ""
        tail += r":([0-9a-f]{1,8})" if with_marks else ""
        self._tail = tail
        self.pattern = self.pattern_for(*actions)
        self._regex = re.compile(self.pattern)

    def pattern_for(self, *actions: str) -> str:
        """The `pattern=` matching these actions of the spec only."""
        alternatives = "|".join(re.escape(action) for action in actions)
        return f"^{re.escape(self.prefix)}:({alternatives}){self._tail}$"

    def data(self, action: str, id: int | None = None, round: int | None = None,
             marks: int | None = None) -> str:
        if action not in self.actions:
            raise ValueError(f"{self.prefix}: unknown action {action!r}")
        if self.with_id != (id is not None) or (round is not None and not self.with_round) \
                or self.with_marks != (marks is not None and round is not None):
            raise ValueError(f"{self.prefix}: wrong fields for {action!r}")
        parts = [self.prefix, action]
        parts += [str(id)] if id is not None else []
        parts += [str(round)] if round is not None else []
        parts += [f"{marks:x}"] if marks is not None else []
        data = ":".join(parts)
        if len(data.encode()) > MAX_DATA_BYTES:
            raise ValueError(f"callback_data over {MAX_DATA_BYTES} bytes: {data!r}")
        return data

    def parse(self, data: str | None) -> Press | None:
        """The press, or None when the data is not one of this spec's buttons."""
        match = self._regex.match(data or "")
        if match is None:
            return None
        groups = match.groups()
        id = int(groups[1]) if self.with_id else 0
        round = int(groups[2]) if self.with_round and groups[2] is not None else None
        marks = int(groups[3], 16) if self.with_marks else 0
        if id > MAX_ID or (round or 0) > MAX_ID:
            return None  # no such row can exist
        return Press(groups[0], id, round, marks)


@dataclass(frozen=True, slots=True)
class PageTurn:
    """A page button as read back: the page to show (0: the first) and the list's filter, in
    the list's own short encoding."""

    page: int
    key: str


class Pager:
    """Previous / Next under a paged list, for any list: `<prefix>:<page>:<key>`.

    The key is the list's filter as the list encodes it (letters, digits and `._-` only, e.g.
    `g12.7` for "guild 12, 7 days"), so a press reads the list again as it is now, from the
    filter alone: nothing is kept in memory, and buttons survive a restart. Render the buttons
    with `bot.views.common.pager_keyboard`; in the handler, `@press(SPEC)` hands over a
    `PageTurn`, and the list's own code turns the key back into its filter (refusing a key it
    can't read). A new list takes a new prefix.
    """

    KEY_MAX = 40
    PAGE_MAX = 999_999

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.pattern = rf"^{re.escape(prefix)}:(\d{{1,6}}):([A-Za-z0-9._-]{{0,{self.KEY_MAX}}})$"
        self._regex = re.compile(self.pattern)

    def data(self, page: int, key: str) -> str:
        data = f"{self.prefix}:{page}:{key}"
        if not 0 <= page <= self.PAGE_MAX or self._regex.match(data) is None \
                or len(data.encode()) > MAX_DATA_BYTES:
            raise ValueError(f"{self.prefix}: not a page button: {data!r}")
        return data

    def parse(self, data: str | None) -> PageTurn | None:
        match = self._regex.match(data or "")
        return None if match is None else PageTurn(int(match[1]), match[2])


# Guilds: the admins' review of a new guild.
GUILD_REVIEW = Buttons("g1", ("approve", "reject"))
# The market: an admin's decision on a quote.
QUOTE = Buttons("q1", ("award", "reject"))
# The work loop. Under an offer "accept" means taking it; "submit" once every result is in.
OFFER = Buttons("a1", ("accept", "decline", "submit"))
# A text in a worker's chat: "take" it as a result of the assignment (id), or "drop" it (just a
# message); "remove" a result already taken (id: the result), before Submit.
RESULT = Buttons("r1", ("take", "drop", "remove"))
# The admins' review; the round is the submission the buttons were shown under.
REVIEW = Buttons("a1", ("approve", "reject"), with_round=True)
# Send back some: under a submission of up to MARKABLE items (or results), number buttons mark
# the ones to send back (the marks travel in the data); then Send back asks the reason.
MARKABLE = 30
MARK = Buttons("a2", ("some", *(f"t{n}" for n in range(1, MARKABLE + 1)), "send", "cancel"),
               with_round=True, with_marks=True)
# The guild's pre-check of a submission.
PRECHECK = Buttons("a1", ("pass", "back"), with_round=True)
# Money: "record it again" under a refused repeat of a payout (the id is a slot of the admin's
# conversation scratch, never an amount).
# An item of an assignment (id) at its position (the "round" field): a label (p0…p9), Next
# (several labels), Back, Skip with a reason; Continue (position 0) shows where the worker is.
ITEM = Buttons("i1", (*(f"p{n}" for n in range(10)), "next", "back", "skip_unreadable",
                      "skip_cannot", "show"), with_round=True)
PAYOUT_AGAIN = Buttons("m1", ("again",))
# Money: Confirm / Cancel under a bulk payout's dry run (the id is a slot of the admin's
# conversation scratch holding the file, never an amount).
BULK_PAYOUT = Buttons("m2", ("confirm", "cancel"))
# The market: Claim <units> under a fixed task's announcement (id: the task; round: the units;
# marks: the units the guild held when the buttons were drawn, so a second tap of the same
# button, or one under an older message, claims nothing more).
CLAIM = Buttons("c1", ("claim",), with_round=True, with_marks=True)
# Money: "correct it below zero" under a refused correction, "record it again" under a refused
# repeat of a bonus or correction (the id is a slot of the admin's conversation scratch, never
# an amount).
LEDGER_CONFIRM = Buttons("m3", ("below_zero", "again"))
# Broadcasts: Send / Cancel under a draft's preview (id: the broadcast).
BROADCAST = Buttons("b1", ("send", "cancel"))
# /audit: the trail's pages (the key is its filter, bot.domain.ledger_ops.AuditScope.key).
AUDIT_PAGES = Pager("au1")
# The market: "post it again" under a refused repeat of the one-message task form.
TASK_AGAIN = Buttons("t1", ("again",))
# /settings: how often summaries come, the language, one of the common time zones (its index
# in bot.domain.zones.COMMON_ZONES); a group's language.
FREQUENCY = Buttons("s1:freq", ("daily", "weekly", "monthly", "off"), with_id=False)
LANGUAGE = Buttons("s1:lang", ("en", "zh_Hans"), with_id=False)
ZONE = Buttons("s1:zone", ("set",))
GROUP_LANGUAGE = Buttons("s1:glang", ("en", "zh_Hans", "leader"), with_id=False)

# The guided /newtask flow: one spec per step. Any other `nt1:` button is from an earlier step.
NEWTASK_PREFIX = "nt1"
NEWTASK_ANY = rf"^{NEWTASK_PREFIX}:"
NEWTASK_STEP = Buttons(NEWTASK_PREFIX, ("done", "skip", "post", "cancel"), with_id=False)
NEWTASK_RESULT = Buttons(f"{NEWTASK_PREFIX}:result", RESULT_TYPES, with_id=False)
NEWTASK_MODE = Buttons(f"{NEWTASK_PREFIX}:mode", tuple(TaskMode), with_id=False)
NEWTASK_AUTO = Buttons(f"{NEWTASK_PREFIX}:auto", ("yes", "no"), with_id=False)

# Long lists, turned in place with ◀ Previous / Next ▶ (handlers.paging): one prefix a list, the
# key its arguments (`T12.all` for /progress T12 all, a status for /guilds, nothing where the
# chat and the presser say it all; `s3` for /payouts: a slot of the admin's scratch).
TASKS_PAGES = Pager("pt1")
TASK_PAGES = Pager("pd1")
QUOTES_PAGES = Pager("pq1")
PROGRESS_PAGES = Pager("pp1")
GUILDS_PAGES = Pager("pg1")
MEMBERS_PAGES = Pager("pm1")
BANS_PAGES = Pager("pb1")
SKILLS_PAGES = Pager("ps1")
PAYOUTS_PAGES = Pager("po1")
