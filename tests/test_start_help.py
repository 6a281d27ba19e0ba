from __future__ import annotations

from tgfake import Harness
from tgfake.harness import command_for


async def test_start_in_private_welcomes_a_worker(h: Harness) -> None:
    alice = h.user("Alice")
    replies = await alice.send("/start")
    assert len(replies) == 1
    assert "Welcome to Guildwork, Alice!" in replies[0].text
    assert replies[0].params["parse_mode"] == "HTML"
    # Alice's own id, for a new admin to put in ADMIN_IDS.
    assert replies[0].text.endswith(f"Your Telegram id: <code>{alice.id}</code>")


async def test_start_in_private_tells_an_admin_what_they_do(h: Harness, admin) -> None:
    await admin.send("/start")
    assert "platform admin" in admin.last_message().text


async def test_help_in_private_lists_admin_commands_only_to_admins(h: Harness, admin) -> None:
    alice = h.user("Alice")
    await alice.send("/help")
    await admin.send("/help")
    assert "/start" in alice.last_message().text
    assert "Platform admin" not in alice.last_message().text
    assert "/tasks — Your assignments and what each still needs" in alice.last_message().text
    shown = admin.last_message().text
    # The admin's commands come first, and /tasks has one meaning there: the admin's.
    assert shown.startswith("<b>Platform admin</b>\n/guilds")
    assert shown.count("\n/tasks ") == 1 and "/tasks — Tasks in progress" in shown
    assert shown.index("<b>Also</b>") > shown.index("/payout")
    assert "/earnings" in shown.split("<b>Also</b>")[1]


async def test_an_admin_command_typed_by_someone_else_says_who_may_use_it(h: Harness, admin
                                                                         ) -> None:
    from tests.scenario import approved_guild
    lee, wu = h.user("Lee"), h.user("Wu")
    await lee.send("/start")
    group = await approved_guild(h, admin, "Alpha", lee, members=(wu,))
    await wu.send("/approve 1")  # a worker: not its usage, who it is for
    assert wu.texts()[-1] == "/approve is for platform admins only."
    await lee.send("/summary", chat=group)  # a leader, in the group: not "use it in private"
    assert group.texts()[-1] == "/summary is for platform admins only."
    await admin.send("/summary", chat=group)  # the admin, in a group: where to use it
    assert "private chat" in group.texts()[-1]


async def test_start_with_bot_name_in_a_group_answers_in_the_group(h: Harness) -> None:
    lee = h.user("Lee")
    group = h.group("Dubbers", admins=(lee,))
    replies = await lee.send(command_for("/start"), chat=group)
    assert replies and "group chat" in replies[0].text
    await lee.send(command_for("/help"), chat=group)
    assert "This group is not a guild yet" in group.last_message().text


async def test_help_in_a_guild_group_depends_on_the_callers_role(h: Harness, admin) -> None:
    from tests.scenario import approved_guild

    lee, wu = h.user("Lee"), h.user("Wu")
    group = await approved_guild(h, admin, "Alpha Dubbers", lee, members=(wu,))
    await lee.send("/help", chat=group)
    leader_help = group.last_message().text
    assert "you are its leader" in leader_help
    assert "/distribute" in leader_help and "/tasks" in leader_help
    await wu.send("/help", chat=group)
    member_help = group.last_message().text
    assert "/tasks" in member_help and "/earnings" in member_help
    assert "/distribute" not in member_help and "/quote" not in member_help
    await wu.send("/start")
    assert "You are a member of Alpha Dubbers" in wu.last_message().text
    await wu.send("/help")
    assert "You are a member of Alpha Dubbers" in wu.last_message().text
    await lee.send("/start", chat=group)
    assert "home of guild Alpha Dubbers" in group.last_message().text


async def test_names_are_escaped_in_html_replies(h: Harness) -> None:
    mallory = h.user("<b>Mal</b> & co")
    await mallory.send("/start")
    text = mallory.last_message().text
    assert "&lt;b&gt;Mal&lt;/b&gt; &amp; co" in text
    assert "<b>Mal</b>" not in text


async def test_command_menus_are_set_per_scope_at_start(h: Harness) -> None:
    from tests.conftest import ADMIN_ID

    private = {c["command"] for c in h.api.commands["all_private_chats"]}
    group = {c["command"] for c in h.api.commands["all_group_chats"]}
    admin = {c["command"] for c in h.api.commands[f"chat:{ADMIN_ID}"]}
    assert {"start", "help"} <= private
    assert {"start", "help"} <= group
    assert private <= admin


async def test_every_update_records_the_user(h: Harness) -> None:
    alice = h.user("Alice", username="alice_w", language="zh-hans")
    group = h.group("G")
    await alice.send("/help", chat=group)
    record = await h.services.users.get(alice.id)
    assert record is not None and record.username == "alice_w"
    assert record.language_code == "zh-hans"
    assert record.can_message is False  # only seen in a group so far
    await alice.send("/start")
    record = await h.services.users.get(alice.id)
    assert record is not None and record.can_message is True


def test_the_fake_refuses_html_and_lengths_as_telegram_does() -> None:
    from tgfake.api import ApiError, check_text, parse_html

    assert parse_html('<b>A &amp; B</b> & <a href="x>y">l</a> &#x41;') == "A & B & l A"
    for bad, why in [("/claim 1 <units>", 'Unsupported start tag "units"'),
                     ("1 < 2", 'Unsupported start tag ""'), ("<b>open", "Can't find end tag"),
                     ("<b>x</i>", "Unmatched end tag"), ("x</b>", "Unexpected end tag")]:
        try:
            parse_html(bad)
        except ApiError as error:
            assert why in error.description, (bad, error.description)
        else:
            raise AssertionError(f"{bad!r} was accepted")
    for text, limit, refusal in [("x" * 4097, 4096, "message is too long"),
                                 (" ", 4096, "message text is empty")]:
        try:
            check_text(text, "HTML", limit)
        except ApiError as error:
            assert refusal in error.description
        else:
            raise AssertionError(refusal)
    assert check_text("<b>é</b>" * 2048, "HTML", 4096) == "é" * 2048
