"""Texts of skills and bans."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import tzinfo

from bot.clock import from_epoch
from bot.domain.ids import Kind, shown_all
from bot.domain.skills import BanScopeText
from bot.domain.statuses import BanSubject
from bot.i18n import Html, Translator, escape
from bot.outcomes import BanLine, BanMade, SkillChange, SkillsOverview
from bot.views.common import list_pages, when
from storage.models import GuildRecord, SkillRecord


def skill_label(title: str | None, name: str) -> Html:
    """粤语配音 (cantonese); a name with no title (not registered) as it is."""
    return Html(f"{escape(title)} ({escape(name)})" if title else escape(name))


def skills_line(names: Sequence[str], titles: Mapping[str, str]) -> Html:
    return Html(", ".join(skill_label(titles.get(n), n) for n in names))


def _until(_: Translator, until: int, zone: tzinfo) -> str:
    return when(_, from_epoch(until), zone)


# --- skills ---------------------------------------------------------------------------------

def skill_added(_: Translator, skill: SkillRecord) -> Html:
    return _("Skill {label} is defined. Grant it with /skill grant {name} @worker; let guild "
             "leaders grant it with /skill leaders {name} on.",
             label=skill_label(skill.title, skill.name), name=skill.name)


def leaders_set(_: Translator, skill: SkillRecord) -> Html:
    if skill.leaders_grant:
        return _("Guild leaders and deputies may now grant {label} to their members.",
                 label=skill_label(skill.title, skill.name))
    return _("Only platform admins grant {label} now.",
             label=skill_label(skill.title, skill.name))


def skill_changed(_: Translator, change: SkillChange) -> Html:
    label = skill_label(change.skill.title, change.skill.name)
    if change.granted:
        return _("{who} now has {label}; they were told.", who=change.worker.mention,
                 label=label)
    return _("{who} no longer has {label}; they were told.", who=change.worker.mention,
             label=label)


def skill_granted_worker(_: Translator, skill: SkillRecord) -> Html:
    return _("🎓 You now have the skill {label}: tasks that need it can be offered to you.",
             label=skill_label(skill.title, skill.name))


def skill_revoked_worker(_: Translator, skill: SkillRecord) -> Html:
    return _("The skill {label} was taken from you: tasks that need it won't be offered to "
             "you.", label=skill_label(skill.title, skill.name))


def skills_overview(_: Translator, found: SkillsOverview) -> list[Html]:
    if found.admin:
        if not found.skills:
            return [_("No skills are defined yet. Define one with /skill add &lt;name&gt; "
                      "&lt;title&gt;.")]
        lines = [_.plural("{label} — {count} worker{leaders}",
                          "{label} — {count} workers{leaders}", count,
                          label=skill_label(s.title, s.name),
                          leaders=_(" · leaders may grant it") if s.leaders_grant else "")
                 for s, count in found.skills]
        return list_pages(_("<b>Skills</b>"), lines)
    if not found.skills:
        return [_("You have no skills yet. Your guild's leader or the platform grants them.")]
    mine = [Html(skill_label(s.title, s.name)
                 + (" " + _("(banned for now)") if s.name in found.banned else ""))
            for s, _count in found.skills]
    return list_pages(_("<b>Your skills</b>"), mine)


# --- bans -----------------------------------------------------------------------------------

def ban_made(_: Translator, made: BanMade, zone: tzinfo) -> Html:
    text = _("Ban #{id}: {who} is banned {scope} until {until}; they were told.",
             id=made.ban_id, who=made.subject, scope=BanScopeText(made.scope, made.ref)
             .render_for(_), until=_until(_, made.until, zone))
    if made.withdrawn:
        text = Html(text + "\n" + _("Taken back to their guild's pool: {ids}.",
                                    ids=shown_all(Kind.ASSIGNMENT, made.withdrawn)))
    return text


def banned_worker(_: Translator, scope: str, ref: str | None, until: int, reason: str,
                  withdrawn: Sequence[int], zone: tzinfo) -> Html:
    text = _("⛔ You are banned {scope} until {until}. Reason: {reason}",
             scope=BanScopeText(scope, ref).render_for(_), until=_until(_, until, zone),
             reason=reason)
    if withdrawn:
        text = Html(text + "\n" + _("Your open assignments {ids} were taken back.",
                                    ids=shown_all(Kind.ASSIGNMENT, withdrawn)))
    return text


def banned_guild(_: Translator, guild: GuildRecord, scope: str, ref: str | None, until: int,
                 reason: str, zone: tzinfo) -> Html:
    return _("⛔ Guild “{name}” is banned {scope} until {until}: it can't quote or claim "
             "there meanwhile. Reason: {reason}", name=guild.name,
             scope=BanScopeText(scope, ref).render_for(_), until=_until(_, until, zone),
             reason=reason)


def work_withdrawn_leader(_: Translator, assignment_id: int, task_id: int, units: int,
                          who: str) -> Html:
    return _.plural("Assignment A{id} ({count} unit of task T{task_id}) was taken back from "
                    "{who}, who is banned: it is back in the guild's pool.",
                    "Assignment A{id} ({count} units of task T{task_id}) was taken back from "
                    "{who}, who is banned: they are back in the guild's pool.", units,
                    id=assignment_id, task_id=task_id, who=who)


def unbanned(_: Translator, who: str, scope: str, ref: str | None) -> Html:
    return _("{who} is no longer banned {scope}; they were told.", who=who,
             scope=BanScopeText(scope, ref).render_for(_))


def unbanned_subject(_: Translator, scope: str, ref: str | None) -> Html:
    return _("✅ Your ban {scope} was lifted.", scope=BanScopeText(scope, ref).render_for(_))


def ban_list(_: Translator, lines: Sequence[BanLine], zone: tzinfo) -> list[Html]:
    if not lines:
        return [_("No bans are active.")]
    rows = []
    for line in lines:
        ban = line.ban
        subject = (line.subject if ban.subject_kind == BanSubject.USER
                   else _("guild {name}", name=line.subject))
        rows.append(_("#{id} {who} — {scope} — until {until} — {reason} ({by})", id=ban.id,
                      who=subject, scope=BanScopeText(ban.scope, ban.scope_ref).render_for(_),
                      until=_until(_, ban.until_at, zone), reason=ban.reason,
                      by=line.by or _("automatic")))
    return list_pages(_("<b>Active bans</b>"), rows)
