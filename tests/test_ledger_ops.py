"""Running the money by hand and reading what happened, from the users' side: /bonus and
/adjust (ledger lines of their own, told to the worker with the reason, once per reference),
and the audit trail (/audit pages with Previous / Next, /audit export) that misses nothing."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.buttons import AUDIT_PAGES
from bot.domain.ledger_ops import AuditScope
from storage.migrate import apply_migrations, bundled_migrations
from tests.scenario import (
    FIXED_TASK,
    QUOTE_TASK,
    approved_guild,
    guild_holding_units,
    submitted_assignment,
    task_id_in,
)
from tests.test_money_out import by_hand, documents, ledger, table
from tgfake import FakeUser, Harness


@pytest.fixture
async def alpha(h: Harness, admin: FakeUser) -> dict:
    """Guild Alpha (Lee, 10 %) holding 8 audio units; Wu's first unit accepted: 2.16 CNY."""
    guild = await guild_holding_units(h, admin)
    await admin.send(f"/accept {await submitted_assignment(guild)}")
    return guild


async def lines(h: Harness, kind: str) -> list[tuple]:
    return [(r[0], r[2], r[8], r[9]) for r in await ledger(h) if r[1] == kind]


def recent(person: FakeUser, count: int = 4) -> str:
    return "\n".join(person.texts()[-count:])


# --- /bonus ---------------------------------------------------------------------------------


async def test_a_bonus_is_credited_once_told_with_its_reason_and_shown_everywhere(
        h, admin, alpha) -> None:
    wu = alpha["wu"]
    replies = await admin.send("/bonus @wu 5.00 Clear voice all week ref:BONUS-12")
    assert f"Bonus of 5.00 CNY to @wu (id {wu.id}) recorded. Their balance is now 7.16 CNY" \
        in replies[-1].text
    await h.settle()
    told = recent(wu)
    assert "You got a bonus of 5.00 CNY: Clear voice all week" in told
    assert "Your balance is now 7.16 CNY" in told and "Reference: BONUS-12" in told
    assert await lines(h, "bonus") == [(wu.id, 500, "Clear voice all week", "BONUS-12")]

    # The same reference again (a retry, another admin): refused, naming the first.
    replies = await admin.send("/bonus @wu 5.00 Clear voice all week ref:BONUS-12")
    said = replies[-1].text
    assert said.startswith("Reference BONUS-12 was used on 2026-")
    assert "for a bonus of 5.00 CNY to @wu; nothing was recorded" in said
    # And the update delivered twice (Telegram after a crash): once.
    await admin.send("/bonus @wu 1.00 Weekend shift")
    await h.redeliver()
    assert [amount for _u, amount, _n, _r in await lines(h, "bonus")] == [500, 100]

    # /earnings: bonuses as their own part, in the balance.
    mine = (await wu.send("/earnings"))[-1].text
    assert "Today: accepted 2.16 CNY, bonuses 6.00 CNY, corrections 0.00 CNY, paid 0.00 CNY" \
        in mine
    assert "(accepted, not yet paid): 8.16 CNY" in mine
    # The statement: a line of its own kind, with the reason and the reference.
    rows = table(h, documents(await wu.send("/statement"))[0])
    assert [r[1:] for r in rows[2:]] == [
        ["bonus", "", "", "5.00", "Clear voice all week", "BONUS-12", "7.16"],
        ["bonus", "", "", "1.00", "Weekend shift", "", "8.16"]]


async def test_the_same_bonus_again_soon_needs_a_confirmation(h, admin, alpha) -> None:
    """A lost reply must not credit twice: without a reference, the same line within ten
    minutes is refused with a button; with the button, it is meant."""
    await admin.send("/bonus @wu 1.00 Weekend shift")
    h.clock.advance(timedelta(minutes=3))
    refused = (await admin.send("/bonus @wu 1.00 Weekend shift"))[-1]
    assert "The same bonus (1.00 CNY to @wu) was recorded 3 min ago" in refused.text
    assert refused.button_texts == ["Record it again"]
    await admin.send("/adjust @wu -1.00 Typo")
    repeat = (await admin.send("/adjust @wu -1.00 Typo"))[-1]
    assert "The same correction (-1.00 CNY to @wu)" in repeat.text
    assert [a for _u, a, _n, _r in await lines(h, "bonus")] == [100]
    said = await admin.press("Record it again", message=refused)
    assert "Bonus of 1.00 CNY to @wu" in said[-1].text
    assert [a for _u, a, _n, _r in await lines(h, "bonus")] == [100, 100]
    # Later, or with another reason, it is a new one.
    h.clock.advance(timedelta(minutes=11))
    assert "Bonus of 1.00 CNY" in (await admin.send("/bonus @wu 1.00 Weekend shift"))[-1].text
    # The repeat of a correction, confirmed, and then below zero: both buttons, in turn.
    await admin.send("/adjust @wu -3.00 Fee")  # 4.16 CNY left, then 1.16 CNY
    await admin.send("/adjust @wu -3.00 Fee")
    said = await admin.press("Record it again")
    assert "below zero" in said[-1].text
    said = await admin.press("Correct it below zero")
    assert "Correction of -3.00 CNY to @wu" in said[-1].text
    assert "Their balance is now -1.84 CNY" in said[-1].text
    assert [a for _u, a, _n, _r in await lines(h, "adjustment")] == [-100, -300, -300]


async def test_bonus_refusals_say_what_is_wrong(h, admin, alpha) -> None:
    async def said(text: str) -> str:
        return (await admin.send(text))[-1].text

    assert "I don't know @nobody: they have never written to me." in \
        await said("/bonus @nobody 1.00 thanks")
    assert "0.00 is zero: a bonus or a correction needs an amount." in \
        await said("/bonus @wu 0.00 thanks")
    assert "1,5 is not an amount: write it with a dot and at most 2 decimals, e.g. 5.00." in \
        await said("/bonus @wu 1,5 thanks")
    assert "-1 is not an amount" in await said("/bonus @wu -1 thanks")
    assert "1.001 is not an amount" in await said("/bonus @wu 1.001 thanks")
    assert "1000.01 is above the cap for a bonus or a correction: 1,000.00 CNY at most" in \
        await said("/bonus @wu 1000.01 thanks")
    assert "is above the cap" in await said("/bonus @wu 99999999999999999999999999999 x")
    missing = await said("/bonus @wu 5.00")
    assert "The reason is missing: the worker is told it." in missing and "Usage: /bonus" \
        in missing
    assert "The reason is missing" in await said("/bonus @wu 5.00 ref:B-9")
    assert "Usage: /bonus" in await said("/bonus @wu")
    assert "Name the user as @username or by their numeric id." in \
        await said("/bonus wu 5.00 thanks")
    # A payout's reference is a reference too.
    await admin.send_document("pay.csv", mime_type="text/csv", caption="/payouts",
                              content=b"user,amount,note,reference\n@wu,1.00,,BANK-7\n")
    await admin.press("Confirm")
    assert "for a payout of 1.00 CNY to @wu" in await said("/bonus @wu 2.00 thanks ref:BANK-7")
    # None of it credited anything; a worker can't give themselves one.
    assert await lines(h, "bonus") == []
    assert "/bonus is for platform admins only." in \
        (await alpha["wu"].send("/bonus @wu 5.00 me"))[-1].text


# --- /adjust --------------------------------------------------------------------------------


async def test_a_correction_goes_either_way_and_below_zero_only_when_confirmed(
        h, admin, alpha) -> None:
    wu = alpha["wu"]
    replies = await admin.send("/adjust @wu +1.50 Missed unit on 2 Dec ref:FIX-1")
    assert "Correction of +1.50 CNY to @wu" in replies[-1].text
    assert "Their balance is now 3.66 CNY" in replies[-1].text
    await h.settle()
    assert "Your balance was corrected by +1.50 CNY: Missed unit on 2 Dec" in recent(wu)

    replies = await admin.send("/adjust @wu -3.00 Double credit")
    assert "Correction of -3.00 CNY to @wu" in replies[-1].text
    assert "Their balance is now 0.66 CNY" in replies[-1].text
    assert replies[-1].button_texts == []
    await admin.send("/adjust @wu -5.00 Paid in cash ref:FIX-2")
    refused = admin.last_message()
    assert refused.text.startswith("@wu's balance is 0.66 CNY; a correction of -5.00 CNY")
    assert "would take it to -4.34 CNY, below zero" in refused.text
    assert refused.button_texts == ["Correct it below zero"]
    confirm = refused.buttons[0]["callback_data"]
    assert [a for _u, a, _n, _r in await lines(h, "adjustment")] == [150, -300]

    said = await admin.press("Correct it below zero")
    assert "Correction of -5.00 CNY to @wu" in said[-1].text
    assert "Their balance is now -4.34 CNY" in said[-1].text
    await h.settle()
    assert "Your balance was corrected by -5.00 CNY: Paid in cash" in recent(wu)
    # The button works once; the reference too.
    await admin.press_data(confirm, message=refused)
    assert "no longer" in admin.last_alert() or "button" in admin.last_alert()
    assert "Reference FIX-2 was used on" in \
        (await admin.send("/adjust @wu -5.00 Paid in cash ref:FIX-2"))[-1].text
    assert [a for _u, a, _n, _r in await lines(h, "adjustment")] == [150, -300, -500]

    assert "-0 is zero" in (await admin.send("/adjust @wu -0 nothing"))[-1].text
    assert "+2,0 is not an amount" in (await admin.send("/adjust @wu +2,0 x"))[-1].text
    assert "e.g. -5.00" in (await admin.send("/adjust @wu minus x"))[-1].text
    assert "is above the cap" in (await admin.send("/adjust @wu -1000.01 x"))[-1].text

    mine = (await wu.send("/earnings"))[-1].text
    assert "bonuses 0.00 CNY, corrections -6.50 CNY" in mine
    assert "(accepted, not yet paid): -4.34 CNY" in mine


async def test_summaries_and_payroll_show_bonuses_and_corrections(h, admin, alpha) -> None:
    wu, xi = alpha["wu"], alpha["xi"]
    await admin.send("/bonus @wu 5.00 Clear voice")
    await admin.send("/adjust @xi +0.40 Rounding")
    await admin.send("/payout @wu 3.00 Week 1")
    await admin.send("/summary")
    await h.settle()
    summary = next(t for t in reversed(wu.texts()) if "Units accepted" in t)
    assert "Earned: 2.16 CNY\nBonuses: 5.00 CNY\nPaid out: 3.00 CNY" in summary
    assert "(earned, not yet paid): 4.16 CNY" in summary
    theirs = next(t for t in reversed(xi.texts()) if "Units accepted" in t)
    assert "Corrections: +0.40 CNY" in theirs and "Bonuses" not in theirs

    workers, _guilds = documents(await admin.send("/payroll"))
    assert "bonuses 5.00 CNY, corrections +0.40 CNY" in workers.params["caption"]
    rows = table(h, workers)
    assert rows[0][7:9] == ["bonuses", "corrections"]
    by_id = {int(r[0]): r[3:] for r in rows[1:]}
    assert by_id[wu.id] == ["1", "2.40", "0.24", "2.16", "5.00", "0.00", "3.00", "4.16"]
    assert by_id[xi.id] == ["0", "0.00", "0.00", "0.00", "0.00", "0.40", "0.00", "0.40"]
    # The balance is still every line summed: the parts add up.
    expected = by_hand(await ledger(h), 0, 2**40)
    assert {uid: e[7] for uid, e in expected.items()} == {
        uid: round(float(r[-1]) * 100) for uid, r in by_id.items()}


# --- /audit ---------------------------------------------------------------------------------


async def test_the_trail_pages_newest_first_with_names_and_filters(h, admin, alpha) -> None:
    wu, lee = alpha["wu"], alpha["lee"]
    for n in range(1, 26):
        await admin.send(f"/bonus @wu 0.{n:02d} Tip {n}")
    replies = await admin.send("/audit")
    first = replies[-1]
    assert "<b>Audit trail</b>: everything, the last 7 days" in first.text
    body = first.text.splitlines()
    assert body[1].endswith("@ada_admin: credited a bonus · @wu · 25 Tip 25")
    assert len(body) == 16 and "Tip 11" in first.text and "Tip 10" not in first.text
    assert first.button_texts == ["Next ▶"]

    said = await admin.press("Next ▶")
    page = said[-1]
    assert page.method == "editMessageText" and "Page 2" in page.text
    assert "Tip 10" in page.text and "Tip 11" not in page.text
    assert page.button_texts == ["◀ Previous", "Next ▶"]
    # The guild's own story is on a later page, by name: registered, approved, joined.
    await admin.press("Next ▶")
    last = admin.messages()[-1]
    assert "@lee: registered the guild · guild G1 “Alpha Dubbers”" in last.text
    assert "@ada_admin: approved the guild" in last.text and "@wu: joined" in last.text
    assert last.button_texts == ["◀ Previous"]
    await admin.press("◀ Previous")
    assert "Page 2" in admin.messages()[-1].text

    # Filters: a user (what they did and what was done to them), a guild, a task, more days.
    mine = (await admin.send("/audit user @wu 30"))[-1].text
    assert "<b>Audit trail</b>: @wu, the last 30 days" in mine
    assert mine == (await admin.send(f"/audit user {wu.id} 30"))[-1].text
    await admin.press("Next ▶")
    assert "@wu: joined · guild G1 “Alpha Dubbers”" in admin.messages()[-1].text
    guild = (await admin.send("/audit guild 1"))[-1].text
    assert "“Alpha Dubbers”" in guild.splitlines()[0]
    assert "@lee: set the commission" in guild and "credited a bonus" not in guild
    assert "@ada_admin: accepted · assignment A1" in guild
    task = (await admin.send(f"/audit task {alpha['task']}"))[-1].text
    assert "@ada_admin: posted the task · task T1 “Cantonese lines, batch 1”" in task
    assert "@lee: quoted · quote Q1" in task and "@ada_admin: awarded the quote" in task
    assert "@ada_admin: accepted · assignment A1" in task and "bonus" not in task
    assert "Nothing was recorded" not in task
    h.clock.advance(timedelta(days=10))
    assert "Nothing was recorded in that time." in (await admin.send("/audit"))[-1].text
    assert "credited a bonus" in (await admin.send("/audit 30"))[-1].text

    # Bad filters, and people who may not read it.
    async def said_to(text: str) -> str:
        return (await admin.send(text))[-1].text
    assert "I don't know @nobody" in await said_to("/audit user @nobody")
    assert "Say what the trail is about" in await said_to("/audit planet 3")
    assert "Usage: /audit" in await said_to("/audit guild")
    assert "0 is not a number of days: give 1 to 3660." in await said_to("/audit 0")
    assert "T99" in await said_to("/audit task 99")
    assert "/audit is for platform admins only." in (await lee.send("/audit"))[-1].text
    # A crafted page button names nothing it can read.
    await admin.send("/audit 30")
    alert = await admin.press_data("au1:1:z9.7")
    assert alert and alert[0].method == "answerCallbackQuery"


async def test_the_trail_as_a_csv_file(h, admin, alpha) -> None:
    await admin.send("/bonus @wu 1.00 Tip ref:T-1")
    replies = await admin.send("/audit export user @wu")
    [sent] = documents(replies)
    assert "Audit trail: " in sent.params["caption"] and "newest first" in sent.params["caption"]
    rows = table(h, sent)
    assert rows[0] == ["time", "actor id", "actor", "action", "code", "target type",
                       "target id", "target", "detail"]
    assert rows[1][1:] == [str(admin.id), "@ada_admin", "credited a bonus", "ledger.bonus",
                           "user", str(alpha["wu"].id), "@wu", "100 T-1 Tip"]
    everything = table(h, documents(await admin.send("/audit export"))[0])
    count = await h.services.db.fetch_value("SELECT count(*) FROM audit_log")
    assert len(everything) - 1 == count


async def test_a_scripted_day_leaves_every_action_in_the_trail(h, admin) -> None:
    """Every kind of action that moves money or changes a guild, task, quote or review
    decision, once; the trail has each, and one entry per ledger line moved by hand and per
    decision."""
    alpha = await guild_holding_units(h, admin)  # register, approve, join, commission, quote
    lee, wu, xi, yan, group = (alpha[k] for k in ("lee", "wu", "xi", "yan", "group"))
    await lee.send("/precheck on", chat=group)
    checked = await submitted_assignment(alpha)
    await lee.press("Pass to review")
    await admin.send(f"/accept {checked}")
    await lee.send("/precheck off", chat=group)
    await admin.send(f"/reject {await submitted_assignment(alpha, worker='xi')} blurry")
    await submitted_assignment(alpha, worker="yan")
    fixed = task_id_in((await admin.send(FIXED_TASK))[-1].text)
    await lee.send(f"/claim {fixed} 2", chat=group)
    await admin.send(f"/canceltask {fixed} Client withdrew")
    quoted = task_id_in((await admin.send(QUOTE_TASK))[-1].text)
    await lee.send(f"/quote {quoted} 2.00 10", chat=group)
    await lee.send("/withdraw 2", chat=group)
    await lee.send(f"/quote {quoted} 2.10 10", chat=group)
    await admin.send("/rejectquote 3 Too few units")
    await lee.send("/promote @xi", chat=group)
    await lee.send("/demote @xi", chat=group)
    await admin.send("/payout @wu 1.00 Week 1")
    await admin.send_document("pay.csv", mime_type="text/csv", caption="/payouts",
                              content=b"user,amount,note,reference\n@wu,0.50,,BANK-1\n")
    await admin.press("Confirm")
    await admin.send("/bonus @wu 2.00 Quick work")
    await admin.send("/adjust @wu -0.10 Rounding")
    h.clock.advance(timedelta(days=4))
    await h.services.sweep.sweep()  # Yan's submission, unreviewed past its window
    await lee.send("/remove @yan", chat=group)
    mei, qi = h.user("Mei"), h.user("Qi")
    await mei.send("/start")
    beta = h.group("Beta chat", admins=(mei,))
    await mei.send("/register Beta Lens", chat=beta)
    await admin.send("/rejectguild 2 Duplicate of Alpha")
    await approved_guild(h, admin, "Gamma", qi)
    await admin.send("/suspend 1 Spam")
    await admin.send("/approve 1")
    await admin.send("/admin add @mei")
    await admin.send("/admin remove @mei")
    await admin.send("/broadcast workers Payouts go out on Friday")
    await admin.press("Send")
    await admin.send("/broadcast all Never mind")
    await admin.press("Cancel")
    await lee.send("/announce Meeting tonight", chat=group)
    await h.settle()

    actions = {row[0] for row in await h.services.db.fetch_all("SELECT action FROM audit_log")}
    missing = {
        "guild.register", "guild.approve", "guild.reject", "guild.suspend", "guild.reinstate",
        "guild.member.join", "guild.member.promote", "guild.member.demote",
        "guild.member.remove", "guild.commission", "guild.precheck", "task.post",
        "task.claim", "task.cancel", "quote.place", "quote.withdraw", "quote.award",
        "quote.reject", "assignment.precheck", "assignment.accept", "assignment.reject",
        "assignment.auto_accept", "ledger.payout", "ledger.bonus", "ledger.adjustment",
        "admin.add", "admin.remove", "broadcast.send", "broadcast.cancel", "guild.announce",
    } - actions
    assert not missing, f"not in the audit trail: {sorted(missing)}"

    async def count(sql: str) -> int:
        return int(await h.services.db.fetch_value(sql))
    # One entry per line moved by hand, and per decision on a submission.
    for kind in ("payout", "bonus", "adjustment"):
        assert await count(f"SELECT count(*) FROM ledger WHERE kind = '{kind}'") == \
            await count(f"SELECT count(*) FROM audit_log WHERE action = 'ledger.{kind}'"), kind
    assert await count("SELECT count(*) FROM assignments WHERE status = 'accepted'") == \
        await count("SELECT count(*) FROM audit_log WHERE action IN"
                    " ('assignment.accept', 'assignment.auto_accept')")
    # Every credit for work is an acceptance on the trail.
    assert await count("SELECT count(DISTINCT assignment_id) FROM ledger"
                       " WHERE kind = 'worker_share'") == 2
    assert wu and xi and yan


# --- the rules underneath -------------------------------------------------------------------


def test_a_page_button_carries_its_filter_and_refuses_what_it_cannot_read() -> None:
    scope = AuditScope("guild", 12, 30)
    data = AUDIT_PAGES.data(3, scope.key)
    assert data == "au1:3:g12.30" and len(data.encode()) <= 64
    turn = AUDIT_PAGES.parse(data)
    assert turn is not None and turn.page == 3 and AuditScope.from_key(turn.key) == scope
    assert AuditScope.from_key(AuditScope(None, None).key) == AuditScope(None, None, 7)
    for key in ("x1.7", "g.7", "g1.0", "g1", "u1.99999"):
        assert AuditScope.from_key(key) is None, key
    for data in ("au1:-1:.7", "au1:1:g1;7", "au2:1:.7", "au1:1234567:.7"):
        assert AUDIT_PAGES.parse(data) is None, data
    with pytest.raises(ValueError):
        AUDIT_PAGES.data(1, "a key with spaces")


async def test_the_rebuilt_ledger_keeps_every_line_and_takes_the_new_kinds(
        tmp_path: Path) -> None:
    conn = await aiosqlite.connect(str(tmp_path / "old.db"), isolation_level=None)
    await conn.execute("PRAGMA foreign_keys = ON")
    await apply_migrations(conn, [m for m in bundled_migrations() if m.version < 23])
    await conn.executescript("""
        INSERT INTO users (id, first_name, created_at, updated_at) VALUES (1, 'Wu', 0, 0);
        INSERT INTO ledger (user_id, kind, amount_minor, note, reference, created_by,
            created_at) VALUES (1, 'worker_share', 432, NULL, NULL, 9, 5),
            (1, 'payout', -100, 'December', 'BANK-1', 9, 6);
    """)
    before = list(await conn.execute_fetchall("SELECT * FROM ledger ORDER BY id"))
    await apply_migrations(conn)
    assert list(await conn.execute_fetchall("SELECT * FROM ledger ORDER BY id")) == before
    await conn.execute("INSERT INTO ledger (user_id, kind, amount_minor, created_at)"
                       " VALUES (1, 'bonus', 500, 7), (1, 'adjustment', -20, 8)")
    for bad in ("INSERT INTO ledger (user_id, kind, amount_minor, created_at)"
                " VALUES (1, 'gift', 1, 9)",
                "INSERT INTO ledger (user_id, kind, amount_minor, reference, created_at)"
                " VALUES (1, 'bonus', 1, 'BANK-1', 9)",
                "INSERT INTO ledger (user_id, kind, amount_minor, created_at)"
                " VALUES (2, 'bonus', 1, 9)"):
        with pytest.raises(sqlite3.IntegrityError):
            await conn.execute(bad)
    indexes = {row[0] for row in await conn.execute_fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ledger'")}
    assert {"ledger_user", "ledger_guild", "ledger_time", "ledger_reference"} <= indexes
    await conn.close()
