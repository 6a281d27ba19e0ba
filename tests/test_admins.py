"""Admins without a restart: the owners (ADMIN_IDS) add and remove admins, from their side."""

from __future__ import annotations

from tgfake import FakeUser, Harness


def _menu(h: Harness, user: FakeUser) -> list[str]:
    return [c["command"] for c in h.api.commands.get(f"chat:{user.id}", [])]


async def test_an_owner_adds_and_removes_an_admin_and_the_menu_follows(h: Harness,
                                                                       admin: FakeUser) -> None:
    bea, sam = h.user("Bea"), h.user("Sam")
    await bea.send("/start")
    await bea.send("/guilds")
    assert bea.last_message().text == "/guilds is for platform admins only."
    await admin.send("/admin add @bea")
    assert admin.last_message().text == "@bea is a platform admin now; they were told."
    await h.settle()
    assert bea.texts()[-1].startswith("🛡 You are now a platform admin.")
    assert "guilds" in _menu(h, bea) and "admin" in _menu(h, bea)
    # At once: no restart.
    await bea.send("/guilds")
    assert "0 pending · 0 approved · 0 suspended · 0 rejected" in bea.last_message().text
    await admin.send("/admins")
    listing = admin.last_message().text
    assert listing.startswith("<b>Platform admins</b>\nOwner: @ada_admin (ADMIN_IDS)")
    assert "Admin: @bea, added by @ada_admin on" in listing
    # Only owners add or remove admins, and an owner stays.
    await bea.send("/admin add @ada_admin")
    assert bea.last_message().text == ("Only the platform's owners (ADMIN_IDS in the "
                                       "configuration) add and remove admins.")
    await admin.send(f"/admin remove {admin.id}")
    assert admin.last_message().text == ("@ada_admin is an owner (ADMIN_IDS): owners "
                                         "change only in the configuration, with a restart.")
    # Bad input: a clear answer each.
    await admin.send("/admin add @bea")
    assert admin.last_message().text == "@bea is a platform admin already."
    await admin.send("/admin add @sam")
    assert admin.last_message().text == "I don't know @sam: they have never written to me."
    await sam.send("/start")
    await admin.send("/admin remove @sam")
    assert admin.last_message().text == "@sam is not a platform admin."
    await admin.send("/admin promote @sam")
    assert admin.last_message().text.startswith(
        "Say add or remove, and whom (@username or numeric id).\nUsage: /admin")
    # Removed: the menu and the rights go at once.
    await admin.send("/admin remove @bea")
    assert admin.last_message().text == "@bea is no longer a platform admin; they were told."
    await h.settle()
    assert bea.texts()[-1] == "You are no longer a platform admin; your menu is a worker's again."
    assert "guilds" not in _menu(h, bea)
    await bea.send("/guilds")
    assert bea.last_message().text == "/guilds is for platform admins only."


async def test_an_added_admin_outlives_a_restart_and_is_audited(h: Harness, admin: FakeUser
                                                                ) -> None:
    bea = h.user("Bea")
    await bea.send("/start")
    await admin.send("/admin add @bea")
    await h.restart()
    await bea.send("/bans")
    assert "platform admins only" not in bea.last_message().text
    rows = await h.services.db.fetch_all(
        "SELECT actor_id, action, target_id FROM audit_log WHERE action LIKE 'admin.%'")
    assert [tuple(r) for r in rows] == [(admin.id, "admin.add", bea.id)]
