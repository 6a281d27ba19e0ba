"""Guilds and membership: a leader registers a group, an admin decides, workers join by link."""

from __future__ import annotations

import re
from datetime import UTC

import pytest

from bot.i18n import texts_for
from bot.outcomes import Roster
from bot.views import guilds as views
from storage import work as work_repo
from storage.models import GuildRecord, MemberRecord, UserRecord
from tests.scenario import window_passes
from tgfake import FakeGroup, FakeUser, Harness
from tgfake.harness import command_for

LINK_RE = re.compile(r"https://t\.me/guildwork_test_bot\?start=(join_[A-Za-z0-9_-]+)")


async def register(h: Harness, name: str = "Cantonese Dubbers", *, leader: str = "Lee",
                   title: str = "Dubbers HQ") -> tuple[FakeUser, FakeGroup]:
    lee = h.user(leader)
    group = h.group(title, admins=(lee,))
    await lee.send(f"/register {name}", chat=group)
    return lee, group


async def approved_guild(h: Harness, admin: FakeUser, name: str = "Cantonese Dubbers", *,
                         leader: str = "Lee", title: str = "Dubbers HQ"
                         ) -> tuple[FakeUser, FakeGroup]:
    lee, group = await register(h, name, leader=leader, title=title)
    await admin.press("Approve")
    return lee, group


async def invite_payload(leader: FakeUser, group: FakeGroup, command: str = "/invite") -> str:
    replies = await leader.send(command, chat=group)
    match = LINK_RE.search(replies[-1].text)
    assert match, replies[-1].text
    return match[1]


async def audit_actions(h: Harness) -> list[str]:
    rows = await h.services.db.fetch_all("SELECT action FROM audit_log ORDER BY id")
    return [row[0] for row in rows]


# --- the whole story --------------------------------------------------------------------------


async def test_a_guild_is_registered_approved_joined_and_run(h: Harness, admin: FakeUser) -> None:
    lee = h.user("Lee")
    alice = h.user("Alice")
    bob = h.user("Bob", started=False)  # has never opened the bot
    group = h.group("Dubbers HQ", admins=(lee,), members=(alice, bob))

    # The leader registers the group; the bot checks with Telegram that he is a group admin.
    replies = await lee.send("/register Cantonese Dubbers", chat=group)
    assert "Guild “Cantonese Dubbers” (G1) is registered, with you as its leader" in (
        replies[0].text)
    assert [(int(c["chat_id"]), int(c["user_id"])) for c in h.api.calls_of("getChatMember")] == [
        (group.id, lee.id)]

    # Every platform admin is asked, with buttons.
    review = admin.last_message()
    assert "New guild to review" in review.text
    assert "Cantonese Dubbers" in review.text and "Lee (@lee)" in review.text
    assert review.button_texts == ["✅ Approve", "❌ Reject"]

    # The admin approves by button: the request shows the outcome, group and leader are told.
    await admin.press("Approve")
    assert "✅ Guild G1 “Cantonese Dubbers” is approved" in admin.messages()[-1].text
    assert admin.messages()[-1].method == "editMessageText"
    assert "🎉 Guild “Cantonese Dubbers” is approved!" in group.last_message().text
    assert "Your guild “Cantonese Dubbers” (G1) is approved" in lee.last_message().text

    # The leader shares the invite link; two workers open it.
    payload = await invite_payload(lee, group, command_for("/invite"))
    await alice.send(f"/start {payload}")
    assert "You are now a member of guild “Cantonese Dubbers”" in alice.last_message().text
    await bob.send(f"/start {payload}")
    assert "Welcome, Bob! You are now a member of guild “Cantonese Dubbers”" in (
        bob.last_message().text)
    # The group hears of both joins in one digest once the window ends.
    await window_passes(h)
    assert group.last_message().text == ("2 events in Cantonese Dubbers:\n"
                                         "• 👋 Alice (@alice) joined the guild.\n"
                                         "• 👋 Bob (@bob) joined the guild.")

    # /members: roles, joined dates, and whether the bot can message them (Bob can now).
    replies = await alice.send("/members", chat=group)
    roster = replies[0].text
    assert "Cantonese Dubbers</b> — 3 members · commission 0%" in roster
    assert "👑 M1 Lee (@lee) — leader, joined 2026-12-01" in roster
    assert "• M2 Alice (@alice) — member, joined 2026-12-01 · ✅ can get my messages" in roster
    assert "• M3 Bob (@bob) — member, joined 2026-12-01 · ✅ can get my messages" in roster

    # One leaves.
    await bob.send("/leave")
    assert "You left guild “Cantonese Dubbers”" in bob.last_message().text
    await window_passes(h)
    assert group.last_message().text == "Bob (@bob) left the guild."

    # A deputy is promoted; she is told, and may now invite.
    replies = await lee.send("/promote @alice", chat=group)
    assert replies[0].text == "Alice (@alice) is now a deputy of “Cantonese Dubbers”."
    assert "You are now a deputy of guild “Cantonese Dubbers”" in alice.last_message().text
    assert await invite_payload(alice, group) == payload

    # The commission is set.
    replies = await lee.send("/commission 12.5", chat=group)
    assert "Commission of “Cantonese Dubbers” is now 12.5%" in replies[0].text

    replies = await lee.send("/members", chat=group)
    roster = replies[0].text
    assert "2 members · commission 12.5%" in roster
    assert "⭐ M2 Alice (@alice) — deputy" in roster
    assert "Bob" not in roster

    guild = await h.services.guilds.guild_in_chat(group.id)
    assert guild.commission_bp == 1250
    assert await audit_actions(h) == ["guild.register", "guild.approve", "guild.member.join",
                                      "guild.member.join", "guild.member.leave",
                                      "guild.member.promote", "guild.commission"]


# --- registering ----------------------------------------------------------------------------


async def test_register_in_a_private_chat_says_where_to_do_it(h: Harness, admin: FakeUser
                                                               ) -> None:
    lee = h.user("Lee")
    replies = await lee.send("/register Cantonese Dubbers")
    assert "A guild is registered from its group chat" in replies[0].text
    assert "/register &lt;guild name&gt;" in replies[0].text
    assert not [m for m in admin.messages() if "New guild" in m.text]


async def test_register_by_a_member_who_is_not_a_group_admin_is_refused(
        h: Harness, admin: FakeUser) -> None:
    lee, alice = h.user("Lee"), h.user("Alice")
    group = h.group("Dubbers HQ", admins=(lee,), members=(alice,))
    replies = await alice.send("/register Alice's Guild", chat=group)
    assert replies[0].text == "Only an administrator of this group can register it as a guild."
    assert [int(c["user_id"]) for c in h.api.calls_of("getChatMember")] == [alice.id]
    assert not admin.messages()


async def test_the_group_creator_may_register(h: Harness, admin: FakeUser) -> None:
    owner = h.user("Olga")
    group = h.group("Olga's group")
    group.add(owner, "creator")
    replies = await owner.send("/register Olga's Guild", chat=group)
    assert "Guild “Olga's Guild” (G1) is registered" in replies[0].text


async def test_registering_the_same_group_twice_is_refused(h: Harness, admin: FakeUser) -> None:
    lee, group = await register(h)
    kim = h.user("Kim")
    group.add(kim, "administrator")
    replies = await kim.send("/register Another Name", chat=group)
    assert replies[0].text == (
        "This group is already registered as guild “Cantonese Dubbers” (G1, pending).")
    await admin.press("Approve")
    replies = await lee.send("/register Cantonese Dubbers", chat=group)
    assert "already registered as guild “Cantonese Dubbers” (G1, approved)" in replies[0].text
    assert len([m for m in admin.messages() if m.method == "sendMessage"]) == 1  # one review


async def test_register_needs_a_sensible_and_free_name(h: Harness, admin: FakeUser) -> None:
    await register(h, "Cantonese Dubbers")
    kim = h.user("Kim")
    group = h.group("Other group", admins=(kim,))
    replies = await kim.send("/register", chat=group)
    assert replies[0].text == (
        "Please give the guild a name.\nUsage: /register &lt;guild name&gt;")
    replies = await kim.send("/register X", chat=group)
    assert replies[0].text == "A guild name is 2 to 64 characters on one line."
    replies = await kim.send("/register cantonese   DUBBERS", chat=group)
    assert replies[0].text == (
        "There is already a guild named “cantonese DUBBERS”. Please choose another name.")


async def test_a_leader_of_one_guild_cannot_register_another(h: Harness, admin: FakeUser
                                                              ) -> None:
    lee, _ = await register(h)
    second = h.group("Second group", admins=(lee,))
    replies = await lee.send("/register Mandarin Subtitlers", chat=second)
    # Not "send /leave first": a leader can't leave the guild they lead.
    assert replies[0].text == ("You lead guild “Cantonese Dubbers”, and a leader can't also "
                               "belong to another guild.")


async def test_a_leader_opening_another_guilds_invite_is_told_why_not(
        h: Harness, admin: FakeUser) -> None:
    lee, _ = await approved_guild(h, admin)
    mei, hakka = await approved_guild(h, admin, "Hakka Voices", leader="Mei", title="Hakka HQ")
    replies = await lee.send(f"/start {await invite_payload(mei, hakka)}")
    assert replies[-1].text == ("You lead guild “Cantonese Dubbers”, and a leader can't also "
                                "belong to another guild.")
    assert "/leave" not in replies[-1].text


async def test_an_anonymous_admin_is_asked_to_show_themselves(h: Harness, admin: FakeUser
                                                                ) -> None:
    lee = h.user("Lee")
    group = h.group("Dubbers HQ", admins=(lee,))
    message = h.new_message(lee, group.chat, text="/register Cantonese Dubbers",
                            sender_chat=group.chat)
    message["from"] = {"id": 1087968824, "is_bot": True, "first_name": "Group",
                       "username": "GroupAnonymousBot"}
    await h.feed({"update_id": h.api.next_update_id(), "message": message})
    assert "I can't tell who you are while you post anonymously" in group.last_message().text
    assert not h.api.calls_of("getChatMember")


# --- the admins' decision -------------------------------------------------------------------


async def test_an_admin_rejects_by_button_with_a_reason(h: Harness, admin: FakeUser) -> None:
    lee, group = await register(h)
    review = admin.last_message()
    await admin.press("Reject")
    prompt = admin.last_message()
    assert "Why is guild G1 “Cantonese Dubbers” rejected?" in prompt.text
    assert prompt.params["reply_markup"]["force_reply"] is True

    replies = await admin.reply(prompt, "No dubbing samples & no history")
    assert "❌ Guild G1 “Cantonese Dubbers” is rejected: No dubbing samples &amp; no history" in (
        replies[0].text)
    # The request loses its buttons; the outcome is said once, not twice.
    assert not admin.h.api.find_message(admin.id, review.message_id).buttons
    assert sum("is rejected" in t for t in admin.texts()) == 1
    assert "Reason: No dubbing samples &amp; no history" in group.last_message().text
    assert "Reason: No dubbing samples &amp; no history" in lee.last_message().text
    assert await audit_actions(h) == ["guild.register", "guild.reject"]

    # Commands in the rejected guild's group say so; its admin may apply again.
    replies = await lee.send("/invite", chat=group)
    assert "Guild “Cantonese Dubbers” was not approved: No dubbing samples" in replies[0].text
    replies = await lee.send("/register Cantonese Dubbers", chat=group)
    assert "Guild “Cantonese Dubbers” (G1) is registered" in replies[0].text
    assert "New guild to review" in admin.last_message().text


async def test_a_refused_reason_can_be_given_again_to_the_same_prompt(
        h: Harness, admin: FakeUser) -> None:
    _lee, group = await register(h)
    await admin.press("Reject")
    prompt = admin.last_message()
    replies = await admin.reply(prompt, "x" * 301)
    assert replies[-1].text == "Please keep the reason under 300 characters."
    replies = await admin.reply(prompt, "No dubbing samples")
    assert "❌ Guild G1 “Cantonese Dubbers” is rejected: No dubbing samples" in replies[0].text
    assert "Reason: No dubbing samples" in group.last_message().text


async def test_a_stale_review_button_says_what_happened(h: Harness, admin: FakeUser) -> None:
    await register(h)
    review = admin.last_message()
    await admin.send("/approve 1")
    assert "✅ Guild G1 “Cantonese Dubbers” is approved" in admin.last_message().text
    already = "Guild “Cantonese Dubbers” is approved, so that can't be done now."
    await admin.press("Reject", message=review)
    assert admin.last_alert() == already
    await admin.press("Approve", message=review)
    assert admin.last_alert() == already
    assert await audit_actions(h) == ["guild.register", "guild.approve"]


async def test_admins_decide_by_text_by_number_or_name(h: Harness, admin: FakeUser) -> None:
    await register(h)
    _, other_group = await register(h, "Hakka Voices", leader="Hana", title="Hakka")
    replies = await admin.send("/rejectguild 2 Duplicate of guild G1")
    assert "Guild G2 “Hakka Voices” is rejected: Duplicate of guild G1" in replies[0].text
    assert "Reason: Duplicate of guild G1" in other_group.last_message().text
    replies = await admin.send("/approve cantonese dubbers")
    assert "Guild G1 “Cantonese Dubbers” is approved" in replies[0].text
    replies = await admin.send("/approve 2")
    assert replies[0].text == "Guild “Hakka Voices” is rejected, so that can't be done now."
    replies = await admin.send("/approve 99")
    assert replies[0].text == "There is no guild “G99”. /guilds lists them."
    replies = await admin.send("/rejectguild 1")
    assert replies[0].text == ("Give the guild's number and the reason.\n"
                               "Usage: /rejectguild &lt;guild&gt; &lt;reason&gt;")
    assert await audit_actions(h) == ["guild.register", "guild.register", "guild.reject",
                                      "guild.approve"]


async def test_only_platform_admins_decide_on_guilds(h: Harness, admin: FakeUser) -> None:
    _, group = await register(h)
    mallory = h.user("Mallory")
    replies = await mallory.send("/approve 1")
    assert replies[0].text == "/approve is for platform admins only."
    replies = await mallory.send("/guilds")
    assert replies[0].text == "/guilds is for platform admins only."
    # A crafted button press is refused too.
    await mallory.send("/start")
    await mallory.press_data("g1:approve:1")
    assert mallory.last_alert() == "Only platform admins can do that."
    # Admin commands belong in the admin's private chat.
    group.add(admin, "member")
    replies = await admin.send("/approve 1", chat=group)
    assert replies[0].text == "Please use /approve in a private chat with me."
    guild = await h.services.db.fetch_value("SELECT status FROM guilds WHERE id = 1")
    assert guild == "pending"
    assert await audit_actions(h) == ["guild.register"]


async def test_guilds_lists_status_and_member_counts(h: Harness, admin: FakeUser) -> None:
    lee, group = await approved_guild(h, admin)
    payload = await invite_payload(lee, group)
    await h.user("Alice").send(f"/start {payload}")
    await register(h, "Hakka Voices", leader="Hana", title="Hakka")
    replies = await admin.send("/guilds")
    text = replies[0].text
    assert "1 pending · 1 approved · 0 suspended · 0 rejected" in text
    lines = text.splitlines()
    assert lines[1] == ("G2 <b>Hakka Voices</b> — pending · 1 member · leader Hana (@hana) · "
                        "commission 0% · no score yet")
    assert lines[2] == ("G1 <b>Cantonese Dubbers</b> — approved · 2 members · leader Lee (@lee) · "
                        "commission 0% · no score yet")
    replies = await admin.send("/guilds approved")
    assert "Hakka" not in replies[0].text and "Cantonese Dubbers" in replies[0].text
    replies = await admin.send("/guilds sleeping")
    assert "Usage: /guilds [status]" in replies[0].text


# --- suspension -------------------------------------------------------------------------------


async def test_a_suspended_guild_cannot_act_and_its_members_are_told(
        h: Harness, admin: FakeUser) -> None:
    lee, group = await approved_guild(h, admin)
    payload = await invite_payload(lee, group)
    alice = h.user("Alice")
    await alice.send(f"/start {payload}")

    replies = await admin.send("/suspend 1 Fake recordings in batch 3")
    assert "⛔ Guild G1 “Cantonese Dubbers” is suspended: Fake recordings in batch 3" in (
        replies[0].text)
    assert "Reason: Fake recordings in batch 3" in group.last_message().text
    for member in (lee, alice):
        assert "Your guild “Cantonese Dubbers” is suspended" in member.last_message().text
        assert "Fake recordings in batch 3" in member.last_message().text

    suspended = ("Guild “Cantonese Dubbers” is suspended by the platform: Fake recordings in "
                 "batch 3")
    for command in ("/invite", "/members", "/commission 5", command_for("/promote @alice")):
        replies = await lee.send(command, chat=group)
        assert suspended in replies[0].text, command
    bea = h.user("Bea")
    await bea.send(f"/start {payload}")
    assert suspended in bea.last_message().text
    # /help still answers in the group, and says the guild is suspended.
    await lee.send("/help", chat=group)
    assert "<b>Cantonese Dubbers</b> (suspended)" in group.last_message().text

    # Lifting the suspension: /approve again.
    replies = await admin.send("/approve 1")
    assert "Guild G1 “Cantonese Dubbers” is active again" in replies[0].text
    assert "is active again" in group.last_message().text
    assert "is active again" in alice.last_message().text
    assert LINK_RE.search((await lee.send("/invite", chat=group))[0].text)
    assert await audit_actions(h) == ["guild.register", "guild.approve", "guild.member.join",
                                      "guild.suspend", "guild.reinstate"]


async def test_a_suspension_outlives_a_restart(h: Harness, admin: FakeUser) -> None:
    lee, group = await approved_guild(h, admin)
    await admin.send("/suspend 1 Unpaid fines")
    await h.restart()
    replies = await lee.send("/invite", chat=group)
    assert "is suspended by the platform: Unpaid fines" in replies[0].text


async def test_a_pending_guild_waits_for_approval(h: Harness, admin: FakeUser) -> None:
    lee, group = await register(h)
    replies = await lee.send("/invite", chat=group)
    assert "Guild “Cantonese Dubbers” is waiting for a platform admin's approval" in (
        replies[0].text)
    replies = await admin.send("/suspend 1 spam")
    assert replies[0].text == "Guild “Cantonese Dubbers” is pending, so that can't be done now."


# --- invites and joining ----------------------------------------------------------------------


async def test_unknown_revoked_and_malformed_invites_are_refused(h: Harness, admin: FakeUser
                                                                  ) -> None:
    lee, group = await approved_guild(h, admin)
    old = await invite_payload(lee, group)
    assert await invite_payload(lee, group) == old  # the link stays until replaced
    replies = await lee.send("/invite new", chat=group)
    assert "The old invite link no longer works." in replies[0].text
    new = LINK_RE.search(replies[0].text)[1]  # type: ignore[index]
    assert new != old

    alice = h.user("Alice")
    await alice.send(f"/start {old}")
    assert alice.last_message().text == (
        "That invite link was replaced by a new one. Ask your guild leader for the current link.")
    await alice.send("/start join_" + "A" * 22)
    assert alice.last_message().text == (
        "That invite link does not belong to any guild. Ask your guild leader for the current "
        "link.")
    for broken in ("join_", "join_abc", f"{new}!", f"{new}x"):
        await alice.send(f"/start {broken}")
        assert "That invite link is incomplete or mistyped" in alice.last_message().text, broken
    replies = await lee.send("/invite please", chat=group)
    assert "Usage: /invite [new]" in replies[0].text

    await alice.send(f"/start {new}")
    assert "You are now a member of guild “Cantonese Dubbers”" in alice.last_message().text
    await alice.send(f"/start {new}")
    assert alice.last_message().text == "You are already a member of “Cantonese Dubbers”."


async def test_a_worker_belongs_to_one_guild_at_a_time(h: Harness, admin: FakeUser) -> None:
    lee, dubbers = await approved_guild(h, admin)
    hana, hakka = await approved_guild(h, admin, "Hakka Voices", leader="Hana", title="Hakka")
    alice = h.user("Alice")
    await alice.send(f"/start {await invite_payload(lee, dubbers)}")
    hakka_link = await invite_payload(hana, hakka)
    await alice.send(f"/start {hakka_link}")
    assert alice.last_message().text == (
        "You are already a member of guild “Cantonese Dubbers”. A worker belongs to one guild at "
        "a time: send /leave first to join another.")
    await alice.send("/leave")
    await alice.send(f"/start {hakka_link}")
    assert "You are now a member of guild “Hakka Voices”" in alice.last_message().text
    assert (await h.services.guilds.membership(alice.id))[1] == "member"  # type: ignore[index]


async def test_leaving_is_refused_to_leaders_strangers_and_holders_of_open_work(
        h: Harness, admin: FakeUser, monkeypatch: pytest.MonkeyPatch) -> None:
    lee, group = await approved_guild(h, admin)
    alice = h.user("Alice")
    await alice.send(f"/start {await invite_payload(lee, group)}")

    replies = await lee.send("/leave")
    assert replies[0].text == "You lead “Cantonese Dubbers”, so you can't leave it."
    stranger = h.user("Sam")
    replies = await stranger.send("/leave")
    assert "You are not a member of any guild" in replies[0].text

    async def two_open(db: object, user_id: int) -> int:
        return 2 if user_id == alice.id else 0

    monkeypatch.setattr(work_repo, "open_count", two_open)
    replies = await alice.send("/leave")
    assert replies[0].text == ("You still hold 2 open assignments in “Cantonese Dubbers”. "
                               "Finish or decline them before you leave.")
    assert (await h.services.guilds.membership(alice.id)) is not None


# --- members and roles ------------------------------------------------------------------------


async def test_commands_from_non_members_are_refused(h: Harness, admin: FakeUser) -> None:
    lee, group = await approved_guild(h, admin)
    alice, sam = h.user("Alice"), h.user("Sam")
    group.add(sam)
    await alice.send(f"/start {await invite_payload(lee, group)}")

    replies = await sam.send("/members", chat=group)
    assert replies[0].text == "Only members of “Cantonese Dubbers” can do that."
    replies = await sam.send("/invite", chat=group)
    assert replies[0].text == "Only the leader or a deputy of “Cantonese Dubbers” can do that."
    replies = await alice.send("/invite", chat=group)
    assert replies[0].text == "Only the leader or a deputy of “Cantonese Dubbers” can do that."
    replies = await alice.send("/commission 10", chat=group)
    assert replies[0].text == "Only the leader or a deputy of “Cantonese Dubbers” can do that."
    replies = await alice.send("/members")
    assert replies[0].text == "Please use /members in your guild's group chat."

    elsewhere = h.group("Just friends", admins=(sam,))
    replies = await sam.send("/members", chat=elsewhere)
    assert "This group is not a guild." in replies[0].text
    assert "/register &lt;guild name&gt;" in replies[0].text


async def test_the_leader_manages_roles_and_members(h: Harness, admin: FakeUser) -> None:
    lee, group = await approved_guild(h, admin)
    payload = await invite_payload(lee, group)
    alice, bob = h.user("Alice"), h.user("Bob")
    for worker in (alice, bob):
        await worker.send(f"/start {payload}")

    # By reply to the member's message, as well as by @username.
    replies = await lee.send("/promote", chat=group, reply_to=alice.said("hi", chat=group))
    assert replies[0].text == "Alice (@alice) is now a deputy of “Cantonese Dubbers”."
    replies = await lee.send("/promote @Alice", chat=group)
    assert replies[0].text == "@alice is already a deputy."

    # Deputies invite, but do not manage roles or the commission.
    replies = await alice.send("/promote @bob", chat=group)
    assert replies[0].text == "Only the leader of “Cantonese Dubbers” can do that."
    replies = await alice.send("/commission 10", chat=group)
    assert replies[0].text == "Only the leader of “Cantonese Dubbers” can do that."

    replies = await lee.send("/demote @alice", chat=group)
    assert replies[0].text == "Alice (@alice) is no longer a deputy of “Cantonese Dubbers”."
    assert "You are no longer a deputy" in alice.last_message().text
    replies = await lee.send("/demote @bob", chat=group)
    assert replies[0].text == "@bob is not a deputy."

    # The leader can't remove or demote himself; strangers aren't members.
    for command in ("/remove @lee", "/demote @lee", "/promote @lee"):
        replies = await lee.send(command, chat=group)
        assert replies[0].text == (
            "@lee leads “Cantonese Dubbers”: the leader can't be removed, promoted or "
            "demoted."), command
    replies = await lee.send("/remove @ghost_user", chat=group)
    assert replies[0].text == "@ghost_user is not a member of “Cantonese Dubbers”."
    replies = await lee.send("/remove", chat=group)
    assert "Name the member as @username, or reply to one of their messages." in replies[0].text
    replies = await lee.send("/remove bob alice", chat=group)
    assert "Usage: /remove @member" in replies[0].text

    replies = await lee.send("/remove @bob", chat=group)
    assert replies[0].text == "Bob (@bob) was removed from “Cantonese Dubbers”."
    assert "The leader removed you from guild “Cantonese Dubbers”" in bob.last_message().text
    replies = await lee.send("/remove @bob", chat=group)
    assert replies[0].text == "@bob is not a member of “Cantonese Dubbers”."
    # A removed worker may come back through the link (or join another guild).
    await bob.send(f"/start {payload}")
    assert "You are now a member" in bob.last_message().text
    assert await audit_actions(h) == ["guild.register", "guild.approve", "guild.member.join",
                                      "guild.member.join", "guild.member.promote",
                                      "guild.member.demote", "guild.member.remove",
                                      "guild.member.join"]


async def test_members_shows_who_the_bot_cannot_message(h: Harness, admin: FakeUser) -> None:
    lee, group = await approved_guild(h, admin)
    carol = h.user("Carol")
    await carol.send(f"/start {await invite_payload(lee, group)}")
    h.api.block(carol.id)
    await lee.send("/promote @carol", chat=group)  # the notice to Carol finds her unreachable
    replies = await lee.send("/members", chat=group)
    assert ("⭐ M2 Carol (@carol) — deputy, joined 2026-12-01 · ⚠️ can't get my messages "
            "(hasn't started me, or blocked me)") in replies[0].text
    assert "Members I can't message won't get their assignments" in replies[0].text


async def test_commission_is_a_percent_from_0_to_50(h: Harness, admin: FakeUser) -> None:
    lee, group = await approved_guild(h, admin)
    replies = await lee.send("/commission 80", chat=group)
    assert replies[0].text == "The commission must be from 0 to 50%, not 80%."
    replies = await lee.send("/commission 50.01", chat=group)
    assert "not 50.01%." in replies[0].text
    replies = await lee.send("/commission lots", chat=group)
    assert replies[0].text == ("Give the guild's cut as a percent from 0 to 50, e.g. "
                               "/commission 10.\nUsage: /commission &lt;percent&gt;")
    replies = await lee.send("/commission 10%", chat=group)
    assert "is now 10%" in replies[0].text
    replies = await lee.send("/commission 0", chat=group)
    assert "is now 0%" in replies[0].text
    replies = await lee.send("/commission 50", chat=group)
    assert "is now 50%" in replies[0].text
    guild = await h.services.guilds.guild_in_chat(group.id)
    assert guild.commission_bp == 5000


# --- the command surface ----------------------------------------------------------------------


async def test_guild_commands_are_in_the_menus_and_help(h: Harness, admin: FakeUser) -> None:
    from tests.conftest import ADMIN_ID

    group_menu = {c["command"] for c in h.api.commands["all_group_chats"]}
    private_menu = {c["command"] for c in h.api.commands["all_private_chats"]}
    admin_menu = {c["command"] for c in h.api.commands[f"chat:{ADMIN_ID}"]}
    assert {"register", "invite", "members", "promote", "demote", "remove",
            "commission"} <= group_menu
    assert "leave" in private_menu
    assert {"guilds", "approve", "rejectguild", "suspend"} <= admin_menu
    assert not {"approve", "guilds"} & private_menu
    lee = h.user("Lee")
    group = h.group("Dubbers HQ", admins=(lee,))
    await lee.send("/help", chat=group)
    assert "/register &lt;guild name&gt;" in group.last_message().text


def test_a_big_guild_is_listed_in_messages_that_fit_telegram() -> None:
    guild = GuildRecord(id=1, name="Big", chat_id=-1, leader_id=1, status="approved",
                        status_reason=None, commission_bp=0, invite_code=None, precheck=False)
    people = [MemberRecord(1, UserRecord(i, f"Worker {i}", "Longname", f"worker_{i}", None,
                                         i % 2 == 0, None), "member", 1_796_000_000)
              for i in range(1, 301)]
    pages = views.roster(texts_for("en"), Roster(guild, people), UTC)
    assert len(pages) > 1
    assert all(len(page) <= 4096 for page in pages)
    text = "\n".join(pages)
    assert "Worker 1 Longname (@worker_1)" in text and "Worker 300 Longname" in text


async def test_a_guild_follows_its_group_when_telegram_upgrades_it(h, admin) -> None:
    from storage import guilds as guilds_repo
    from tests.scenario import approved_guild

    lee = h.user("Lee")
    group = await approved_guild(h, admin, "Upgraded Guild", lee)
    old_id = group.id
    new_chat = h.api.add_group(-100_777_000_001, group.title)
    await lee.h.feed({"update_id": h.api.next_update_id(), "message": {
        "message_id": h.api.next_message_id(old_id), "date": 0, "chat": group.chat,
        "from": lee.data, "migrate_to_chat_id": new_chat["id"]}})
    guild = await guilds_repo.get_by_chat(h.services.db, new_chat["id"])
    assert guild is not None and guild.name == "Upgraded Guild"
    group.chat, group.id = new_chat, new_chat["id"]
    h.api.set_member(group.id, lee.id, "administrator")
    await lee.send("/members", chat=group)
    assert "Upgraded Guild" in group.last_message().text
