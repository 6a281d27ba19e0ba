"""Refusals: named errors that say why, in the user's words.

`text` is an English sentence with named placeholders, marked with `N_` for extraction and
translated when rendered, so a handler only needs `error.render(_)`.
"""

from __future__ import annotations

from typing import Any, Protocol

from bot.i18n import Html


class Msg(str):
    """A message id marked with `N_`: translated when rendered, also as a placeholder value."""

    __slots__ = ()


def N_(message: str) -> Msg:
    """Mark a message for extraction without translating it yet."""
    return Msg(message)


class _Translate(Protocol):
    language: str

    def __call__(self, message: str, **values: Any) -> str: ...


class Shown:
    """A value a refusal shows as its reader writes it (an amount, a moment): rendered with
    the reader's translator, not when the refusal is raised."""

    def render_for(self, _: Any) -> str:
        raise NotImplementedError


class DomainError(Exception):
    text = N_("That can't be done right now.")

    def __init__(self, **values: Any) -> None:
        self.values = values
        super().__init__(self.text.format(**values) if values else self.text)

    def render(self, _: _Translate) -> str:
        values = {k: _(v) if isinstance(v, Msg) else v.render_for(_) if isinstance(v, Shown)
                  else _quoted(v) for k, v in self.values.items()}
        return _(self.text, **values)


QUOTE_LIMIT = 64  # what a refusal quotes of someone's input, at most


class Said(Shown):
    """A message with placeholders of its own, as another message's value (a problem that
    names a number inside "Line 3: …")."""

    __slots__ = ("message", "values")

    def __init__(self, message: Msg, **values: Any) -> None:
        self.message, self.values = message, values

    def render_for(self, _: Any) -> Html:
        return _(self.message, **{k: v.render_for(_) if isinstance(v, Shown) else v
                                  for k, v in self.values.items()})

    def __str__(self) -> str:
        return self.message.format(**self.values)


class UsageLine(Shown):
    """A command's usage with its argument names in the reader's language
    (`/submit &lt;派单号&gt;`). The argument names are an HTML message id, `&lt;` for `<`."""

    __slots__ = ("args", "name")

    def __init__(self, name: str, args: str = "") -> None:
        self.name, self.args = name, args

    def render_for(self, _: Any) -> Html:
        args = _(self.args) if self.args else ""
        return Html(f"/{self.name} {args}".rstrip())

    def __str__(self) -> str:
        return f"/{self.name} {self.args}".rstrip()


def _quoted(value: Any) -> Any:
    """A value from the input, cut short: a refusal must stay readable and sendable whatever
    was typed."""
    if isinstance(value, str) and not isinstance(value, Html) \
            and len(value) > QUOTE_LIMIT:
        return value[:QUOTE_LIMIT - 1] + "…"
    return value


class Usage(DomainError):
    """Wrong or missing arguments: the reply is the command's usage, with the reason."""

    text = N_("{reason}\nUsage: {usage}")


class NotAllowed(DomainError):
    text = N_("You are not allowed to do that.")


class AdminsOnly(NotAllowed):
    text = N_("Only platform admins can do that.")


class OwnersOnly(NotAllowed):
    text = N_("Only the platform's owners (ADMIN_IDS in the configuration) add and remove "
              "admins.")


class AlreadyAdmin(DomainError):
    text = N_("{who} is a platform admin already.")


class NotAnAdmin(DomainError):
    text = N_("{who} is not a platform admin.")


class OwnerStays(DomainError):
    text = N_("{who} is an owner (ADMIN_IDS): owners change only in the configuration, "
              "with a restart.")


class AdminCommand(AdminsOnly):
    text = N_("{command} is for platform admins only.")


class PrivateChatOnly(DomainError):
    text = N_("Please use {command} in a private chat with me.")


class GroupChatOnly(DomainError):
    text = N_("Please use {command} in your guild's group chat.")


class StaleButton(DomainError):
    text = N_("That button is no longer valid.")


class NotFound(DomainError):
    text = N_("{thing} was not found.")


class WrongState(DomainError):
    """A transition found the object in another state than it expected."""

    text = N_("{thing} is {state}, so that can't be done now.")


# --- guilds and membership -----------------------------------------------------------------------

REGISTER_USAGE = UsageLine("register", N_("&lt;guild name&gt;"))


class _NamesRegister(DomainError):
    """A refusal whose advice is to register the group (the usage is filled in)."""

    def __init__(self, **values: object) -> None:
        super().__init__(**{"usage": REGISTER_USAGE, **values})


class RegisterInGroup(_NamesRegister):
    text = N_("A guild is registered from its group chat: add me to your group, then send "
              "{usage} there.")


class AnonymousAdmin(DomainError):
    text = N_("I can't tell who you are while you post anonymously. Turn off “Remain anonymous” "
              "in your admin rights, then send /register again: the one who registers becomes "
              "the guild's leader.")


class NotGroupAdmin(NotAllowed):
    text = N_("Only an administrator of this group can register it as a guild.")


class AlreadyRegistered(DomainError):
    text = N_("This group is already registered as guild “{name}” (G{id}, {status}).")


class GuildNameInvalid(DomainError):
    text = N_("A guild name is {min} to {max} characters on one line.")


class ReasonMissing(DomainError):
    text = N_("Please give a reason: the guild will see it.")


class GuildNameTaken(DomainError):
    text = N_("There is already a guild named “{name}”. Please choose another name.")


class NotAGuildChat(_NamesRegister):
    text = N_("This group is not a guild. An administrator of the group can register it with "
              "{usage}.")


class GuildNotApproved(DomainError):
    text = N_("Guild “{name}” is waiting for a platform admin's approval; this works once it "
              "is approved.")


class GuildRejected(_NamesRegister, GuildNotApproved):
    text = N_("Guild “{name}” was not approved: {reason}\nAn administrator of the group can "
              "apply again with {usage}.")


class GuildSuspended(DomainError):
    text = N_("Guild “{name}” is suspended by the platform: {reason}\nNothing can be done in "
              "it until a platform admin lifts the suspension.")


class NotGuildLeader(NotAllowed):
    text = N_("Only the leader or a deputy of “{name}” can do that.")


class LeaderOnly(NotGuildLeader):
    text = N_("Only the leader of “{name}” can do that.")


class NotGuildMember(NotAllowed):
    text = N_("Only members of “{name}” can do that.")


class NotInGuild(DomainError):
    text = N_("You are not a member of any guild. To join one, open the invite link its leader "
              "shares.")


class AlreadyInGuild(DomainError):
    text = N_("You are already a member of guild “{name}”. A worker belongs to one guild at a "
              "time: send /leave first to join another.")


class LeadsAGuild(AlreadyInGuild):
    text = N_("You lead guild “{name}”, and a leader can't also belong to another guild.")


class AlreadyMember(DomainError):
    text = N_("You are already a member of “{name}”.")


class InvalidInvite(DomainError):
    text = N_("That invite link does not belong to any guild. Ask your guild leader for the "
              "current link.")


class MalformedInvite(InvalidInvite):
    text = N_("That invite link is incomplete or mistyped. Please open the link your guild "
              "leader shared exactly as it is.")


class RevokedInvite(InvalidInvite):
    text = N_("That invite link was replaced by a new one. Ask your guild leader for the "
              "current link.")


class NotAMember(DomainError):
    text = N_("{who} is not a member of “{name}”.")


class AlreadyDeputy(DomainError):
    text = N_("{who} is already a deputy.")


class NotADeputy(DomainError):
    text = N_("{who} is not a deputy.")


class LeaderIsTarget(DomainError):
    text = N_("{who} leads “{name}”: the leader can't be removed, promoted or demoted.")


class LeaderCannotLeave(DomainError):
    text = N_("You lead “{name}”, so you can't leave it.")


class HasOpenAssignments(DomainError):
    text = N_("You still hold {count} in “{name}”. Finish or decline them "
              "before you leave.")


class MemberHasOpenAssignments(DomainError):
    text = N_("{who} still holds {count}. They have to be finished, "
              "declined or taken back before {who} can be removed.")


class CommissionOutOfRange(DomainError):
    text = N_("The commission must be from 0 to 50%, not {percent}%.")


class GuildNotFound(NotFound):
    text = N_("There is no guild “{ref}”. /guilds lists them.")


class GuildNameAmbiguous(DomainError):
    text = N_("More than one guild is called “{ref}”; please use its number (/guilds).")


class GuildWrongState(WrongState):
    text = N_("Guild “{name}” is {state}, so that can't be done now.")


# --- the task market -----------------------------------------------------------------------------

class TaskFormError(DomainError):
    text = N_("Line {line} ({field}): {problem}")


class TaskFieldError(DomainError):
    """A field of the guided flow, or a rule across fields, was refused."""

    text = N_("{problem}")


class TaskNotFound(DomainError):
    text = N_("Task T{task_id} was not found.")


class NotGuildMemberAnywhere(DomainError):
    text = N_("Tasks are for guild members: join a guild through its invite link first.")


class TaskNotOpen(DomainError):
    text = N_("Task T{task_id} is {status}: it takes no more quotes or claims.")


class QuoteOnFixedTask(DomainError):
    text = N_("Task T{task_id} has a fixed price: claim units with /claim T{task_id} "
              "&lt;units&gt;.")


class ClaimOnQuoteTask(DomainError):
    text = N_("Task T{task_id} takes quotes: quote with /quote T{task_id} &lt;price&gt; "
              "&lt;units&gt; [note].")


class PriceOverCap(DomainError):
    text = N_("Your price {price} is above the task's cap of {cap} per unit.")


class NotEnoughUnits(DomainError):
    text = N_("Task T{task_id} has only {left} left; you asked for {asked}.")


class ClaimButtonStale(DomainError):
    """A Claim button drawn before the guild's holding changed (a second tap, say): `held`
    and `left` say how things stand now, so the buttons can be drawn again."""

    text = N_("Your guild holds {held} of task T{task_id} now, so that button was for "
              "before: nothing more was claimed. The buttons are updated.")

    def __init__(self, *, task_id: int, held: Any, held_units: int, left: int) -> None:
        super().__init__(task_id=task_id, held=held)
        self.task_id, self.held_units, self.left = task_id, held_units, left


class QuoteWindowClosed(DomainError):
    text = N_("The quote window of task T{task_id} closed at {closed}.")


class QuoteNotFound(DomainError):
    text = N_("Quote Q{quote_id} was not found.")


class QuoteNotPending(DomainError):
    text = N_("Quote Q{quote_id} is {status}, so it can't be changed now.")


class BadAmount(DomainError):
    text = N_("{value} is not a price: write it with a dot and at most {digits} decimals, "
              "e.g. {example}.")


class AmountTooLarge(BadAmount):
    text = N_("{value} is more than I take as an amount: {max} at most.")


class BadLedgerAmount(DomainError):
    text = N_("{value} is not an amount: write it with a dot and at most {digits} decimals, "
              "e.g. {example}.")


class AmountZero(DomainError):
    text = N_("{value} is zero: a bonus or a correction needs an amount.")


class AmountOverCap(DomainError):
    text = N_("{value} is above the cap for a bonus or a correction: {cap} at most "
              "(BONUS_CAP).")


class ReferenceUsed(DomainError):
    text = N_("Reference {reference} was used on {when} for a {kind} of {amount} to {who}; "
              "nothing was recorded. Give a new reference, or none.")


class BelowZero(DomainError):
    text = N_("{who}'s balance is {balance}; a correction of {amount} would take it to "
              "{after}, below zero. Press the button below if that is meant.")


class BadAuditDays(DomainError):
    text = N_("{value} is not a number of days: give 1 to {most}.")


class NumberTooLarge(DomainError):
    text = N_("{value} is not a number I know: it is far too large.")


class WrongIdKind(DomainError):
    """`A12` typed where a task is meant: `named` and `wanted` are `ID_KINDS` names."""

    text = N_("{value} is {named}, but here I need {wanted}, such as {example}.")


# The kinds of visible ids (bot.domain.ids.Kind values), as `WrongIdKind` names them.
ID_KINDS = {"T": N_("a task"), "A": N_("an assignment"), "Q": N_("a quote"), "G": N_("a guild")}


class BadCount(DomainError):
    text = N_("{value} is not a number of units: write a whole number from 1 to {max}.")


# --- assignments, results, review and money ------------------------------------------------------

class AssignmentNotFound(DomainError):
    text = N_("Assignment A{assignment_id} was not found.")


class NotYourAssignment(DomainError):
    text = N_("Assignment A{assignment_id} is not yours.")


class AssignmentInState(DomainError):
    text = N_("Assignment A{assignment_id} is {status}, so that can't be done now.")



class NotEnoughUnassigned(DomainError):
    text = N_("Your guild has {left} of task T{task_id} not yet assigned; you asked for "
              "{asked}.")


class NoTestForSkill(DomainError):
    text = N_("There is no qualification test for the skill {skill} yet: an admin can grant "
              "it, or your guild's leader where the skill allows.")


class TestRetryLater(DomainError):
    text = N_("You can take the test for {skill} again from {when}.")


class QualificationTask(DomainError):
    text = N_("Task T{task_id} is the qualification test for the skill {skill}: each worker "
              "takes it in a private chat with /qualify {skill}.")


class NotEnoughItemsFor(DomainError):
    text = N_("{who} can take {left} of task T{task_id}: each item goes to a worker once, and "
              "the others are answered by enough workers already.")


class NoAllocation(DomainError):
    text = N_("Your guild holds no units of task T{task_id}. Quote or claim first.")


class NotAnActiveMember(DomainError):
    text = N_("{who} is not an active member of this guild.")


class NoReachableMembers(DomainError):
    text = N_("No member can receive assignments: members must open a private chat with me "
              "first (the invite link does that).")


class ResultTypeMismatch(DomainError):
    text = N_("Task T{task_id} wants {expected} results; that was {got}.")


class ResultTooLarge(DomainError):
    text = N_("That file is {size} MB; the limit is {limit} MB.")


class NothingToUndo(DomainError):
    text = N_("There is no result to take back: only results sent for an assignment that "
              "still takes them can be.")


class DuplicateResult(DomainError):
    text = N_("That file was already submitted. Each result must be new.")


class DuplicateText(DomainError):
    text = N_("That text is already one of this assignment's results: it counts once.")


class AssignmentFull(DomainError):
    text = N_("Assignment A{assignment_id} already has all {units} results. Press Submit or "
              "send /done.")


class AssignmentIncomplete(DomainError):
    text = N_("Assignment A{assignment_id} has {have} of {units}; send the rest "
              "first.")


class WhichAssignment(DomainError):
    text = N_("You have several assignments open ({ids}). Choose one with /submit "
              "&lt;assignment&gt;, then send the results.")


class NothingOpen(DomainError):
    text = N_("You have no assignment waiting for results. /tasks lists yours.")


class OfferNotAcceptedYet(DomainError):
    text = N_("Accept assignment A{assignment_id} first (the Accept button, or /tasks).")


class ReasonRequired(DomainError):
    text = N_("A rejection needs a reason, so the worker knows what to fix.")


class WholeAcceptance(DomainError):
    text = N_("Assignment A{assignment_id} is accepted whole. To pay for part of it, send back "
              "what needs rework by number (as in /review A{assignment_id}), e.g. /reject "
              "A{assignment_id} 2,5 &lt;reason&gt;; the rest stands.")


class PayoutOverBalance(DomainError):
    text = N_("{who}'s balance is {balance}; a payout of {amount} would exceed it.")


class UsernameAmbiguous(DomainError):
    text = N_("{who} has been used by more than one person: {ids}. Name the one you mean by "
              "their id.")


class RepeatedPayout(DomainError):
    text = N_("The same payout ({amount} to {who}) was recorded {minutes} min ago. Send it "
              "once more with the button below if it really is a second payout.")


class RepeatedLine(DomainError):
    text = N_("The same {kind} ({amount} to {who}) was recorded {minutes} min ago. Send it "
              "once more with the button below if it really is a second one.")


class RepeatedTask(DomainError):
    text = N_("You posted the same task {minutes} min ago: task T{task_id}. Post it once more "
              "with the button below if you really want a second one.")


class BadPeriod(DomainError):
    text = N_("{value} is not a period. Give a month (2026-12) or two days (2026-12-01 "
              "2026-12-15), or nothing for this month so far.")


class PayoutFileTooLarge(DomainError):
    text = N_("That payout file is over {most} MB; split it into smaller files.")


class PeriodBackwards(DomainError):
    """/payroll 2026-12-15 2026-12-01: the days the wrong way round."""

    text = N_("The period ends before it starts: {start} to {end}.")


class PayoutFileUnreadable(DomainError):
    text = N_("I can't read that payout file: {problem}. Send a CSV with the columns user, "
              "amount, note, reference.")


class PayoutFileMissing(DomainError):
    text = N_("Send the payouts as a .csv file (columns user, amount, note, reference) with the "
              "caption /payouts, or reply to the file with /payouts.")


class UnknownUser(DomainError):
    text = N_("I don't know {who}: they have never written to me.")


class StaleReview(DomainError):
    text = N_("Those buttons are for an earlier submission of assignment A{assignment_id}; it "
              "was sent back and submitted again since. Use the buttons under the newest one.")


class OfferExpired(DomainError):
    text = N_("The offer of assignment A{assignment_id} has expired; its units are going back "
              "to the guild.")


class NothingToReview(DomainError):
    text = N_("Nothing is waiting for review. 🎉")


# --- free text -----------------------------------------------------------------------------------

class TextTooLong(DomainError):
    text = N_("Please keep the reason under {max} characters.")


# --- settings ------------------------------------------------------------------------------------

class UnknownTimezone(DomainError):
    text = N_("{zone} is not a time zone I know. Use a name such as Asia/Shanghai, "
              "Europe/Berlin or America/New_York.")


class UnknownLanguage(DomainError):
    text = N_("Choose English (en) or Simplified Chinese (zh).")


class UnknownFrequency(DomainError):
    text = N_("Choose daily, weekly, monthly or off.")


# --- item tasks ------------------------------------------------------------------------------

class ItemsAfterAllocation(DomainError):
    text = N_("Guilds already hold units of task T{task_id}, so its items can't change now.")


class ItemNotShown(DomainError):
    text = N_("That item is not the one shown now; nothing was recorded. Send /tasks to "
              "see where you are.")


class ChoiceByButton(DomainError):
    text = N_("This task is answered with the buttons under each item.")


class NoSuchLabel(DomainError):
    text = N_("Choose one of the answers under the item first.")


class TestNotSkipped(DomainError):
    text = N_("A qualification test is graded on every item: answer this one as well as you "
              "can.")


class ReworkNotSkipped(DomainError):
    text = N_("The admins asked for this item again in assignment A{assignment_id}; it can't "
              "be skipped now.")


class ItemFileMissing(DomainError):
    text = N_("Send the items as a .csv, .jsonl or .zip file with the caption /items "
              "T{task_id}, or reply to the file with /items T{task_id}.")


class NoSuchItemNumber(DomainError):
    text = N_("Assignment A{assignment_id} is numbered 1 to {most} in /review A{assignment_id}; "
              "name the ones to send back, e.g. 2,5.")


# --- skills and bans -------------------------------------------------------------------------

class BadSkillName(DomainError):
    text = N_("“{name}” is not a skill name: use 1 to 32 lowercase letters, digits, _ or -, "
              "e.g. cantonese.")


class SkillTitleInvalid(DomainError):
    text = N_("A skill's title is 1 to {max} characters on one line, e.g. 粤语配音.")


class SkillExists(DomainError):
    text = N_("Skill {name} already exists ({title}).")


class UnknownSkill(NotFound):
    text = N_("There is no skill {name}. Known skills: {known}.")


class UnknownTaskSkills(DomainError):
    text = N_("Unknown skills: {names}. Known skills: {known}. An admin defines one with "
              "/skill add &lt;name&gt; &lt;title&gt;.")


class SkillNotForLeaders(NotAllowed):
    text = N_("Only platform admins grant or revoke {name}: it is not open to guild leaders.")


class AlreadyHasSkill(DomainError):
    text = N_("{who} already has {name}.")


class LacksSkill(DomainError):
    text = N_("{who} does not have {name}.")


class MemberLacksSkills(DomainError):
    text = N_("{who} can't take task T{task_id}: it needs {skills}, which they lack.")


class MemberBanned(DomainError):
    text = N_("{who} can't take task T{task_id}: they are banned {scope} until {until}. "
              "Reason: {reason}")


class NoQualifiedMembers(DomainError):
    text = N_("No member can take task T{task_id}: {why}")


class BadDays(DomainError):
    text = N_("{value} is not a number of days: write a whole number from 1 to {max}.")


class BanReasonMissing(DomainError):
    text = N_("Give the reason after the days: the banned person is told it.")


class NoActiveBan(DomainError):
    text = N_("{who} has no active ban {scope}.")


class GuildBanned(DomainError):
    text = N_("Guild “{name}” is banned {scope} until {until}, so it can't quote for or "
              "claim task T{task_id}. Reason: {reason}")


class YouHaveSkill(DomainError):
    text = N_("You already have {name}: there is no test to take for it.")


class BannedFromTest(DomainError):
    text = N_("You are banned {scope} until {until}, so you can't take the test for {name} "
              "now. Reason: {reason}")


class ExportRunning(DomainError):
    text = N_("Task T{task_id} is being exported already ({percent} done): wait for its "
              "files, then export it again.")


class NothingToExport(DomainError):
    text = N_("Task T{task_id} has no {which} to export yet.")


class PrecheckLeaderUnreachable(DomainError):
    text = N_("Pre-check can't be turned on yet: I can't message {leader}, who would get the "
              "submissions to check. {leader}, open a private chat with me and press Start, "
              "then send /precheck on again.")


# --- broadcasts and announcements ---------------------------------------------------------------


class UnknownAudience(DomainError):
    text = N_("Say who the broadcast is for: all, workers, leaders, guild &lt;id&gt; or skill "
              "&lt;name&gt;, then the message. For example: /broadcast workers The payouts "
              "go out on Friday.")


class NoBroadcastText(DomainError):
    text = N_("The message is missing: write it after the audience, or send the command as "
              "a reply to a message with text, a photo or a document.")


class NoAnnouncementText(DomainError):
    text = N_("The announcement is missing: write it after the command, e.g. /announce "
              "Meeting tonight at 8.")


class BroadcastTooLong(DomainError):
    MESSAGE = N_("message")
    CAPTION = N_("caption")
    text = N_("The {what} is {length} characters long, as Telegram counts them; it takes "
              "{most} at most. Please shorten it.")


class NoRecipients(DomainError):
    text = N_("Nobody would get it: no one there has started the bot (or all of them blocked "
              "it). Nothing was sent.")


class BroadcastDecided(DomainError):
    text = N_("Broadcast #{id} is {state}: nothing more was done.")
