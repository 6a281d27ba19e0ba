"""The command surface in one place: menus (`setMyCommands`), /help and the README follow it."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.domain.errors import N_, UsageLine


class Audience(enum.Enum):
    ANYONE = "anyone"  # any chat
    WORKER = "worker"  # private chat, any user
    GUILD = "guild"  # a guild's group chat (leaders and deputies act; members read)
    ADMIN = "admin"  # private chat, platform admins


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    args: str  # argument names: an HTML message id (`&lt;task&gt;`), translated when shown
    summary: str
    audience: Audience
    # In a guild's group: may members use it too, or only the leader and deputies?
    members_too: bool = False
    # Answered in any chat, whatever its audience (the handler says what else it needs).
    anywhere: bool = False

    @property
    def usage(self) -> UsageLine:
        return UsageLine(self.name, self.args)


COMMANDS: tuple[Command, ...] = (
    Command("start", "", N_("Start the bot"), Audience.ANYONE),
    Command("help", "", N_("What you can do here"), Audience.ANYONE),
    Command("cancel", "", N_("Leave the current guided step"), Audience.ANYONE),
    # --- guilds and membership ---
    Command("register", N_("&lt;guild name&gt;"),
            N_("Register this group as a guild (group admins)"), Audience.GUILD, anywhere=True),
    Command("invite", N_("[new]"), N_("Invite link for members; new: replace the old one"),
            Audience.GUILD),
    Command("members", "", N_("Members, roles, and whether I can message them"), Audience.GUILD,
            members_too=True),
    Command("promote", N_("@member"), N_("Make a member a deputy (leader)"), Audience.GUILD),
    Command("demote", N_("@member"), N_("Make a deputy a plain member again (leader)"),
            Audience.GUILD),
    Command("remove", N_("@member"), N_("Remove a member from the guild (leader)"),
            Audience.GUILD),
    Command("announce", N_("&lt;text&gt;"),
            N_("Send every member of the guild a message by DM (leader)"), Audience.GUILD),
    Command("commission", N_("&lt;percent&gt;"),
            N_("The guild's cut of members' earnings, 0–50 % (leader)"), Audience.GUILD),
    Command("leave", "", N_("Leave your guild"), Audience.WORKER, anywhere=True),
    Command("guilds", N_("[status]"), N_("Guilds with status and member counts"), Audience.ADMIN),
    Command("guild", N_("&lt;guild&gt;"), N_("One guild, with its score over 90 days"),
            Audience.ADMIN),
    Command("approve", N_("&lt;guild&gt;"), N_("Approve a guild, or lift its suspension"),
            Audience.ADMIN),
    Command("rejectguild", N_("&lt;guild&gt; &lt;reason&gt;"),
            N_("Reject a pending guild, with the reason"), Audience.ADMIN),
    Command("suspend", N_("&lt;guild&gt; &lt;reason&gt;"),
            N_("Suspend a guild; its members are told"), Audience.ADMIN),
    # --- the task market (guild groups) ---
    Command("tasks", "", N_("Open tasks and units left"), Audience.GUILD, members_too=True),
    Command("task", N_("&lt;task&gt;"), N_("One task in full"), Audience.GUILD, members_too=True),
    Command("quote", N_("&lt;task&gt; &lt;price&gt; &lt;units&gt; [note]"),
            N_("Quote for a quote task"), Audience.GUILD),
    Command("withdraw", N_("&lt;quote&gt;"), N_("Withdraw your guild's quote"), Audience.GUILD),
    Command("claim", N_("&lt;task&gt; &lt;units&gt;"), N_("Claim units of a fixed-price task"),
            Audience.GUILD),
    # --- the task market (admins, private) ---
    Command("newtask", N_("[form]"), N_("Post a task (guided, or the one-message form)"),
            Audience.ADMIN),
    Command("items", N_("&lt;task&gt;"),
            N_("Give a task its items: caption of a .csv/.jsonl/.zip file, or a reply to one"),
            Audience.ADMIN),
    Command("tasks", "", N_("Tasks in progress"), Audience.ADMIN),
    Command("task", N_("&lt;task&gt;"), N_("A task with its quotes and allocations"),
            Audience.ADMIN),
    Command("quotes", N_("&lt;task&gt;"), N_("Compare a task's quotes, with Award buttons"),
            Audience.ADMIN),
    Command("award", N_("&lt;quote&gt; [units]"), N_("Award a quote, in full or in part"),
            Audience.ADMIN),
    Command("rejectquote", N_("&lt;quote&gt; [reason]"), N_("Turn a quote down"), Audience.ADMIN),
    Command("canceltask", N_("&lt;task&gt; [reason]"), N_("Cancel a task; its guilds are told"),
            Audience.ADMIN),
    # --- assignments and results (guild groups) ---
    Command("assign", N_("&lt;task&gt; &lt;units&gt; @member"),
            N_("Hand units to a member (or reply to them)"), Audience.GUILD),
    Command("distribute", N_("&lt;task&gt; [members]"),
            N_("Spread the unassigned units evenly over members (members: not the leader or "
               "deputies)"), Audience.GUILD),
    Command("progress", N_("&lt;task&gt; [all]"),
            N_("The task's totals, and what needs you (all: every assignment)"),
            Audience.GUILD, members_too=True),
    Command("precheck", N_("on|off"), N_("Check members' results before the platform does"),
            Audience.GUILD),
    Command("earnings", "", N_("The guild's totals and commission"), Audience.GUILD,
            members_too=True),
    # --- workers (private) ---
    Command("tasks", "", N_("Your assignments and what each still needs"), Audience.WORKER),
    Command("submit", N_("&lt;assignment&gt;"),
            N_("Choose the assignment your next results are for"), Audience.WORKER),
    Command("done", N_("[assignment]"), N_("Submit the results for review"), Audience.WORKER),
    Command("undo", "", N_("Take back the last result you sent (before Submit)"),
            Audience.WORKER),
    Command("earnings", "", N_("Your earnings, pending amounts and balance"), Audience.WORKER),
    Command("statement", "", N_("Your ledger lines as a CSV file"), Audience.WORKER),
    Command("qualify", N_("&lt;skill&gt;"), N_("Take a skill's qualification test"),
            Audience.WORKER),
    # --- review and money (admins, private) ---
    Command("review", N_("[assignment]"), N_("The next submission, with its results"),
            Audience.ADMIN),
    Command("accept", N_("&lt;assignment&gt;"), N_("Accept a submission (whole; send back "
                                                   "what needs rework with /reject)"),
            Audience.ADMIN),
    Command("reject", N_("&lt;assignment&gt; [numbers] &lt;reason&gt;"),
            N_("Send results back for rework"),
            Audience.ADMIN),
    Command("answers", N_("&lt;task&gt;"),
            N_("An item task's answers: each item's majority and confidence, as CSV"),
            Audience.ADMIN),
    Command("payout", N_("&lt;user&gt; &lt;amount&gt; [note]"),
            N_("Record a payout; the user is told"), Audience.ADMIN),
    Command("export", N_("&lt;task&gt; [accepted|all]"),
            N_("A task's results as ZIP files with a manifest (CSV and JSON lines)"),
            Audience.ADMIN),
    Command("payouts", "",
            N_("Bulk payouts: the caption of a CSV file (user, amount, note, reference), or "
               "a reply to one"), Audience.ADMIN),
    Command("payroll", N_("[YYYY-MM | &lt;from&gt; &lt;to&gt;]"),
            N_("Payroll per worker and per guild for a period, as CSV files"), Audience.ADMIN),
    Command("bonus", N_("&lt;user&gt; &lt;amount&gt; &lt;reason&gt; [ref:&lt;reference&gt;]"),
            N_("Credit a bonus; the worker is told why"), Audience.ADMIN),
    Command("adjust", N_("&lt;user&gt; &lt;±amount&gt; &lt;reason&gt; [ref:&lt;reference&gt;]"),
            N_("Correct a balance up or down; the worker is told why"), Audience.ADMIN),
    Command("audit", N_("[export] [guild &lt;id&gt; | user &lt;id|@name&gt; | task &lt;id&gt;] "
                        "[days]"),
            N_("Who did what: the recorded actions, newest first (export: as CSV)"),
            Audience.ADMIN),
    Command("broadcast", N_("all|workers|leaders|guild &lt;id&gt;|skill &lt;name&gt; "
                            "&lt;text&gt;"),
            N_("Tell many people at once (or reply to a text, photo or document): a preview, "
               "then Send"), Audience.ADMIN),
    # --- skills and bans ---
    Command("skill", N_("add &lt;name&gt; &lt;title&gt; | leaders &lt;name&gt; on|off | "
                        "grant|revoke &lt;name&gt; @worker"),
            N_("Define skills, open them to leaders, grant or revoke them"), Audience.ADMIN),
    Command("skill", N_("grant|revoke &lt;name&gt; @member"),
            N_("Grant or revoke a skill that is open to leaders"), Audience.GUILD),
    Command("skills", "", N_("Skills and how many hold each"), Audience.ADMIN),
    Command("skills", "", N_("Your skills"), Audience.WORKER),
    Command("ban", N_("&lt;@worker|id | guild &lt;id&gt;&gt; [skill &lt;name&gt; | task "
                      "&lt;id&gt;] &lt;days&gt; &lt;reason&gt;"),
            N_("Ban a worker or a guild for some days; they are told why"), Audience.ADMIN),
    Command("unban", N_("&lt;@worker|id | guild &lt;id&gt;&gt; [skill &lt;name&gt; | task "
                        "&lt;id&gt;]"), N_("Lift a ban"), Audience.ADMIN),
    Command("bans", "", N_("Active bans"), Audience.ADMIN),
    # --- admins ---
    Command("admin", N_("add|remove &lt;@user|id&gt;"),
            N_("Add or remove a platform admin (owners: ADMIN_IDS)"), Audience.ADMIN),
    Command("admins", "", N_("The platform's owners and admins"), Audience.ADMIN),
    Command("hooks", "", N_("Event hooks: queued, delivered, failing, and the latest failures"),
            Audience.ADMIN),
    # --- the clock ---
    Command("settings",
            N_("[daily|weekly|monthly|off | timezone &lt;Area/City&gt; | language en|zh|app]"),
            N_("Your summaries, time zone and language"), Audience.WORKER),
    Command("settings", "", N_("The group's language"), Audience.GUILD),
    Command("summary", "", N_("Send everyone's summary of the period so far, now"),
            Audience.ADMIN),
)


def command(name: str, audience: Audience | None = None) -> Command:
    for entry in COMMANDS:
        if entry.name == name and audience in (None, entry.audience):
            return entry
    raise KeyError(name)


class Chat(enum.Enum):
    PRIVATE = "private"
    GROUP = "group"
    ANY = "any"


def chat_of(name: str) -> Chat:
    """Where a command works, from its audiences: private chats (workers, admins), groups
    (guilds), or both (it is listed for both, or for anyone)."""
    entries = [c for c in COMMANDS if c.name == name]
    if not entries:
        raise KeyError(name)
    if any(c.anywhere or c.audience is Audience.ANYONE for c in entries):
        return Chat.ANY
    in_groups = {c.audience is Audience.GUILD for c in entries}
    if in_groups == {True}:
        return Chat.GROUP
    return Chat.PRIVATE if in_groups == {False} else Chat.ANY


def for_audiences(*audiences: Audience) -> list[Command]:
    """The commands for these audiences; a name listed twice keeps its last audience's entry."""
    chosen: dict[str, Command] = {}
    for audience in audiences:
        for entry in COMMANDS:
            if entry.audience is audience:
                chosen.pop(entry.name, None)
                chosen[entry.name] = entry
    return list(chosen.values())


def admin_command(name: str) -> bool:
    """Only platform admins use it (every entry of the name is for admins)."""
    entries = [c for c in COMMANDS if c.name == name]
    return bool(entries) and all(c.audience is Audience.ADMIN for c in entries)

