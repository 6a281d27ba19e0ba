"""Skills from the users' side: admins define and grant them (leaders too, where a skill is
open to them), a task names the skills it needs, and only members who hold them get its work."""

from __future__ import annotations

import pytest

from bot.domain.errors import BannedFromTest, UnknownSkill, YouHaveSkill
from bot.i18n import texts_for
from storage import market as market_repo
from storage import skills as skills_repo
from tests.scenario import guild_of_three, task_form, task_id_in
from tgfake import FakeUser, Harness


def dubbing(skills: str, units: int = 4) -> str:
    return task_form("Cantonese dubbing, batch 4", "Record each line in Cantonese.",
                     mode="fixed", units=units, price="2.00", result="voice",
                     deadline="2026-12-20 18:00", skills=skills)


@pytest.fixture
async def world(h: Harness, admin: FakeUser) -> dict:
    """Guild Alpha (leader Lee) with workers Wu and Xi; skill cantonese (粤语配音) defined."""
    world = await guild_of_three(h, admin, "Alpha Dubbers")
    reply = await admin.send("/skill add cantonese 粤语配音")
    assert reply[-1].text.startswith("Skill 粤语配音 (cantonese) is defined.")
    return world


async def test_an_admin_grants_and_revokes_a_skill_and_the_worker_is_told(
        h, admin, world) -> None:
    wu = world["wu"]
    reply = await admin.send("/skill grant cantonese @wu")
    assert reply[-1].text == "@wu now has 粤语配音 (cantonese); they were told."
    assert "🎓 You now have the skill 粤语配音 (cantonese)" in wu.last_message().text
    assert "粤语配音 (cantonese) — 1 worker" in (await admin.send("/skills"))[-1].text
    mine = (await wu.send("/skills"))[-1].text
    assert mine == "<b>Your skills</b>\n粤语配音 (cantonese)"

    again = await admin.send("/skill grant cantonese @wu")
    assert "@wu already has cantonese." in again[-1].text
    # By numeric id too.
    reply = await admin.send(f"/skill revoke cantonese {wu.id}")
    assert reply[-1].text == "@wu no longer has 粤语配音 (cantonese); they were told."
    assert "The skill 粤语配音 (cantonese) was taken from you" in wu.last_message().text
    assert "@wu does not have cantonese." in \
        (await admin.send("/skill revoke cantonese @wu"))[-1].text
    assert "You have no skills yet" in (await wu.send("/skills"))[-1].text
    assert "Skill cantonese already exists (粤语配音)." in \
        (await admin.send("/skill add cantonese Cantonese"))[-1].text


async def test_a_leader_grants_only_skills_open_to_leaders_and_only_to_members(
        h, admin, world) -> None:
    lee, wu, xi, group = world["lee"], world["wu"], world["xi"], world["group"]
    await admin.send("/skill add mandarin 普通话配音")
    await lee.send("/skill grant mandarin @wu", chat=group)
    assert "Only platform admins grant or revoke mandarin" in group.last_message().text

    reply = await admin.send("/skill leaders mandarin on")
    assert reply[-1].text == ("Guild leaders and deputies may now grant 普通话配音 (mandarin) "
                              "to their members.")
    await lee.send("/skill grant mandarin @wu", chat=group)
    assert group.last_message().text == "@wu now has 普通话配音 (mandarin); they were told."
    assert "You now have the skill 普通话配音 (mandarin)" in wu.last_message().text
    # A plain member may not; nor someone outside the guild be given it; nor in private.
    await xi.send("/skill grant mandarin @xi", chat=group)
    assert "Only the leader or a deputy of “Alpha Dubbers”" in group.last_message().text
    await h.user("Sam").send("/start")
    await lee.send("/skill grant mandarin @sam", chat=group)
    assert "@sam is not a member of “Alpha Dubbers”." in group.last_message().text
    assert "Only platform admins" in (await lee.send("/skill grant mandarin @xi"))[-1].text
    await admin.send("/skill leaders mandarin off")
    await lee.send("/skill revoke mandarin @wu", chat=group)
    assert "Only platform admins grant or revoke mandarin" in group.last_message().text
    assert await skills_repo.missing(h.services.db, wu.id, ["mandarin", "cantonese"]) == [
        "cantonese"]


@pytest.mark.parametrize(("command", "expected"), [
    ("/skill", "Say what to do: add, leaders, grant or revoke.\nUsage: /skill add"),
    ("/skill fly", "Say what to do"),
    ("/skill add dubbing", "Give the skill's name and its title."),
    ("/skill add Dubbing! 配音", "“Dubbing!” is not a skill name: use 1 to 32 lowercase"),
    ("/skill add dubbing " + "长" * 61, "A skill's title is 1 to 60 characters"),
    ("/skill grant klingon @wu", "There is no skill klingon. Known skills: cantonese."),
    ("/skill grant cantonese @nobody", "I don't know @nobody"),
    ("/skill grant cantonese", "Name the member as @username, or reply"),
    ("/skill leaders cantonese maybe", "Name the skill, then on or off."),
])
async def test_bad_skill_commands_get_a_clear_answer(h, admin, world, command, expected
                                                     ) -> None:
    assert expected in (await admin.send(command))[-1].text


async def test_a_task_names_registered_skills_and_shows_their_titles(h, admin, world) -> None:
    group = world["group"]
    refused = (await admin.send(dubbing("cantonese, klingon")))[-1].text
    assert refused.startswith("Unknown skills: klingon. Known skills: cantonese.")
    assert await market_repo.tasks_in(h.services.db, ("open",), 10) == []

    await admin.send("/skill add mandarin 普通话配音")
    posted = (await admin.send(dubbing("Cantonese，mandarin、cantonese")))[-1].text
    task_id = task_id_in(posted)
    line = "Skills: 粤语配音 (cantonese), 普通话配音 (mandarin)"
    assert line in posted and line in group.last_message().text
    task = await market_repo.get_task(h.services.db, task_id)
    assert task is not None and task.skill_names == ("cantonese", "mandarin")
    assert line in (await world["lee"].send(f"/task T{task_id}", chat=group))[-1].text
    # The Chinese key reads the same way.
    chinese = dubbing("x").replace("skills: x", "技能：cantonese mandarin").replace(
        "batch 4", "batch 5")
    assert line in (await admin.send(chinese))[-1].text


async def test_work_goes_only_to_members_with_the_skills(h, admin, world) -> None:
    lee, wu, xi, group = world["lee"], world["wu"], world["xi"], world["group"]
    task_id = task_id_in((await admin.send(dubbing("cantonese")))[-1].text)
    await lee.send(f"/claim T{task_id} 4", chat=group)

    await lee.send(f"/distribute T{task_id}", chat=group)
    assert group.last_message().text == (
        f"No member can take task T{task_id}: @lee (lacks cantonese); @wu (lacks cantonese); "
        "@xi (lacks cantonese)")
    await admin.send("/skill grant cantonese @wu")
    await lee.send(f"/assign T{task_id} 1 @xi", chat=group)
    assert group.last_message().text == (
        f"@xi can't take task T{task_id}: it needs cantonese, which they lack.")
    assert "Assignment A" not in xi.last_message().text

    await lee.send(f"/distribute T{task_id}", chat=group)
    listing = group.last_message().text
    assert "Assignment A1: 4 units to @wu" in listing
    assert "Left out: @lee (lacks cantonese); @xi (lacks cantonese)" in listing
    assert "Assignment A1" in wu.last_message().text

    await lee.send("/members", chat=group)
    roster = group.last_message().text
    assert "@wu" in roster and "   skills: cantonese" in roster
    assert roster.count("skills:") == 1


async def test_a_qualification_test_grants_inside_its_own_transaction(h, admin, world) -> None:
    wu, services = world["wu"], h.services
    async with services.db.transaction() as tx:
        assert await services.skills.grant_in(tx, wu.id, "cantonese", "test", None) is True
        assert await services.skills.grant_in(tx, wu.id, "cantonese", "test", None) is False
    await h.settle()
    assert "You now have the skill 粤语配音 (cantonese)" in wu.last_message().text
    assert await skills_repo.missing(services.db, wu.id, ["cantonese"]) == []


async def test_a_chinese_worker_reads_skill_notices_in_chinese(h, admin, world) -> None:
    mei = h.user("Mei", language="zh")
    await mei.send("/start")
    await admin.send("/skill grant cantonese @mei")
    assert mei.last_message().text.startswith("🎓 你获得了技能 粤语配音 (cantonese)")
    assert (await mei.send("/skills"))[-1].text == "<b>你的技能</b>\n粤语配音 (cantonese)"
    await admin.send("/ban @mei skill cantonese 1 口音不对")
    assert mei.last_message().text.startswith(
        "⛔ 你已被封禁（技能 cantonese），至 2026-12-02 17:00 北京时间。原因：口音不对")


async def test_who_may_take_a_qualification_test(h, admin, world) -> None:
    wu, skills, db = world["wu"], h.services.skills, h.services.db
    await skills.check_testable(db, wu.id, "cantonese")  # not held, not banned: may
    with pytest.raises(UnknownSkill):
        await skills.check_testable(db, wu.id, "klingon")
    await admin.send("/skill grant cantonese @wu")
    with pytest.raises(YouHaveSkill):
        await skills.check_testable(db, wu.id, "cantonese")
    await admin.send("/ban @wu skill cantonese 1 wrong dialect")
    with pytest.raises(BannedFromTest) as refused:
        await skills.check_testable(db, wu.id, "cantonese")
    assert refused.value.render(texts_for("en")) == (
        "You are banned from skill cantonese until 2026-12-02 17:00 UTC+8, so you can't take "
        "the test for cantonese now. Reason: wrong dialect")
