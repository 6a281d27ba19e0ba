"""Money out as files, from the users' side: a worker's /statement, the admins' /payroll and
bulk payouts from a CSV file (dry run, Confirm, references that pay once)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.scenario import (
    FIXED_TASK,
    approved_guild,
    assignment_ids,
    guild_holding_units,
    submitted_assignment,
    task_id_in,
)
from tgfake import FakeUser, Harness

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 16:30 UTC on the last day of December: already January in the admin's time zone.
NEW_YEAR_IN_SHANGHAI = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)


def table(h: Harness, sent) -> list[list[str]]:
    """A CSV document the bot sent, as rows (it starts with a BOM, for Excel)."""
    raw = h.api.uploaded[sent.params["document"]]
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def documents(replies) -> list:
    return [s for s in replies if s.method == "sendDocument"]


@pytest.fixture
async def world(h: Harness, admin: FakeUser) -> dict:
    """Alpha (Lee, 10 %): Wu 2 units and Xi 1 unit accepted on 1 December, Xi's next 2 units
    accepted at 00:30 on 1 January Shanghai time; Wu paid 3.00. Beta (Mei, 20 %): Qi 2 photos
    at 1.20 accepted on 1 December."""
    alpha = await guild_holding_units(h, admin)
    wu_first = await submitted_assignment(alpha, 2)
    xi_first = await submitted_assignment(alpha, 1, worker="xi")
    xi_second = await submitted_assignment(alpha, 2, worker="xi")
    for done in (wu_first, xi_first):
        await admin.send(f"/accept {done}")
    mei, qi = h.user("Mei"), h.user("Qi")
    await mei.send("/start")
    beta = await approved_guild(h, admin, "Beta Lens", mei, members=(qi,))
    await mei.send("/commission 20", chat=beta)
    photos = task_id_in((await admin.send(FIXED_TASK))[-1].text)
    await mei.send(f"/claim {photos} 4", chat=beta)
    await mei.send(f"/assign {photos} 2 @qi", chat=beta)
    qi_id = assignment_ids(qi.last_message().text)[0]
    await qi.press("Accept")
    await qi.send_photo()
    await qi.send_photo()
    await qi.press("Submit")
    await admin.send(f"/accept {qi_id}")
    await admin.send("/payout @wu 3.00 December, part 1")
    h.clock.set(NEW_YEAR_IN_SHANGHAI)
    await admin.send(f"/accept {xi_second}")
    return {**alpha, "mei": mei, "qi": qi, "beta": beta}


async def ledger(h: Harness) -> list[tuple]:
    rows = await h.services.db.fetch_all(
        "SELECT l.user_id, l.kind, l.amount_minor, l.created_at, l.assignment_id, a.worker_id,"
        " a.accepted_units, l.guild_id, l.note, l.reference FROM ledger l"
        " LEFT JOIN assignments a ON a.id = l.assignment_id ORDER BY l.id")
    return [tuple(r) for r in rows]


def money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


# --- /statement ---------------------------------------------------------------------------


async def test_a_statement_lists_the_workers_own_ledger_lines(h, admin, world) -> None:
    wu, xi, yan = world["wu"], world["xi"], world["yan"]
    replies = await wu.send("/statement")
    [sent] = documents(replies)
    assert "Your statement: 2 lines" in sent.params["caption"]
    assert "Balance: 1.32 CNY" in sent.params["caption"]
    rows = table(h, sent)
    assert rows[0] == ["time", "kind", "assignment", "task", "amount", "note", "reference",
                       "balance"]
    mine = [r for r in await ledger(h) if r[0] == wu.id]
    balance, expected = 0, []
    for _user_id, kind, amount, at, assignment, *_rest, note, reference in mine:
        balance += amount
        local = datetime.fromtimestamp(at, UTC).astimezone(SHANGHAI)
        expected.append([f"{local:%Y-%m-%d %H:%M:%S}",
                         {"worker_share": "earned", "payout": "payout", "bonus": "bonus",
                          "adjustment": "correction"}[kind],
                         str(assignment or ""),
                         f"T{world['task']} Cantonese lines, batch 1" if assignment else "",
                         money(amount) if amount >= 0 else "-" + money(-amount),
                         note or "", reference or "", money(balance)])
    assert rows[1:] == expected
    assert rows[1][1:5] == ["earned", "1", f"T{world['task']} Cantonese lines, batch 1", "4.32"]
    assert rows[2][4:] == ["-3.00", "December, part 1", "", "1.32"]

    # Xi's second acceptance is in January in her time zone, which the statement uses.
    xi_rows = table(h, documents(await xi.send("/statement"))[0])
    assert xi_rows[-1][0] == "2027-01-01 00:30:00" and xi_rows[-1][-1] == "6.48"

    # Nothing to show: an answer, no file.
    replies = await yan.send("/statement")
    assert documents(replies) == []
    assert "Your statement is empty" in replies[-1].text


async def test_a_statement_in_chinese_has_chinese_headers(h, admin, world) -> None:
    wu = world["wu"]
    await wu.send("/settings language zh")
    [sent] = documents(await wu.send("/statement"))
    rows = table(h, sent)
    assert rows[0][0] == "时间" and rows[1][1] == "收入"
    assert "对账单" in sent.params["caption"]


# --- /payroll -----------------------------------------------------------------------------


def by_hand(rows: list[tuple], start: int, end: int) -> dict[int, list[int]]:
    """Per user from the raw ledger: units, gross, commission, net, bonuses, corrections, paid,
    balance at `end`."""
    found: dict[int, list[int]] = {}
    commission_of = {r[4]: r[2] for r in rows if r[1] == "commission"}
    for user_id, kind, amount, at, assignment, _worker, units, *_rest in rows:
        if at >= end:
            continue
        entry = found.setdefault(user_id, [0, 0, 0, 0, 0, 0, 0, 0])
        entry[7] += amount
        if at < start:
            continue
        if kind == "worker_share":
            commission = commission_of.get(assignment, 0)
            entry[0] += units
            entry[1] += amount + commission
            entry[2] += commission
            entry[3] += amount
        elif kind == "bonus":
            entry[4] += amount
        elif kind == "adjustment":
            entry[5] += amount
        elif kind == "payout":
            entry[6] -= amount
    return found


async def test_payroll_matches_the_ledger_summed_by_hand(h, admin, world) -> None:
    replies = await admin.send("/payroll 2026-12")
    workers, guilds = documents(replies)
    assert "Payroll 2026-12" in workers.params["caption"]
    assert workers.params["document"] != guilds.params["document"]
    rows = table(h, workers)
    assert rows[0] == ["id", "name", "guild", "accepted units", "gross", "commission",
                       "net earned", "bonuses", "corrections", "paid", "balance"]
    start = int(datetime(2026, 12, 1, tzinfo=SHANGHAI).timestamp())
    end = int(datetime(2027, 1, 1, tzinfo=SHANGHAI).timestamp())
    expected = by_hand(await ledger(h), start, end)
    names = {world[k].id: (world[k].first_name, g) for k, g in
             (("lee", "Alpha Dubbers"), ("wu", "Alpha Dubbers"), ("xi", "Alpha Dubbers"),
              ("mei", "Beta Lens"), ("qi", "Beta Lens"))}
    assert rows[1:] == [[str(uid), names[uid][0], names[uid][1], str(e[0]),
                         *(money(v) if v >= 0 else "-" + money(-v) for v in e[1:])]
                        for uid, e in sorted(expected.items())]
    # And the figures themselves: Xi's January acceptance is left out of December.
    by_id = {int(r[0]): r[3:] for r in rows[1:]}
    assert by_id[world["wu"].id] == ["2", "4.80", "0.48", "4.32", "0.00", "0.00", "3.00", "1.32"]
    assert by_id[world["xi"].id] == ["1", "2.40", "0.24", "2.16", "0.00", "0.00", "0.00", "2.16"]
    assert by_id[world["qi"].id] == ["2", "2.40", "0.48", "1.92", "0.00", "0.00", "0.00", "1.92"]
    assert by_id[world["lee"].id] == ["0", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.72"]
    assert table(h, guilds) == [["guild id", "guild", "leader id", "commission earned"],
                                ["1", "Alpha Dubbers", str(world["lee"].id), "0.72"],
                                ["2", "Beta Lens", str(world["mei"].id), "0.48"]]

    # Two days, both included: 31 December and 1 January (Shanghai) take Xi's second credit.
    workers, guilds = documents(await admin.send("/payroll 2026-12-31 2027-01-01"))
    by_id = {int(r[0]): r[3:] for r in table(h, workers)[1:]}
    assert by_id[world["xi"].id] == ["2", "4.80", "0.48", "4.32", "0.00", "0.00", "0.00", "6.48"]
    assert table(h, guilds)[1:] == [["1", "Alpha Dubbers", str(world["lee"].id), "0.48"]]

    # This month so far (January in Shanghai): only Xi's credit moved; balances are carried.
    workers, _guilds = documents(await admin.send("/payroll"))
    assert "Payroll 2027-01" in workers.params["caption"]
    by_id = {int(r[0]): r[3:] for r in table(h, workers)[1:]}
    assert by_id[world["xi"].id][0] == "2" and by_id[world["wu"].id][0] == "0"
    assert by_id[world["wu"].id][-1] == "1.32"


async def test_payroll_refuses_a_bad_period_and_says_when_nothing_moved(h, admin, world
                                                                         ) -> None:
    for period in ("2026-13", "december", "2026-12-01", "2026-02-30 2026-03-01"):
        said = (await admin.send(f"/payroll {period}"))[-1].text
        assert "is not a period" in said, period
    said = (await admin.send("/payroll 2026-12-10 2026-12-01"))[-1].text
    assert "The period ends before it starts" in said
    replies = await admin.send("/payroll 2025-06")
    assert documents(replies) == []
    assert "nothing was credited or paid in that period" in replies[-1].text


async def test_only_admins_get_the_payroll_or_pay_in_bulk(h, admin, world) -> None:
    wu = world["wu"]
    assert (await wu.send("/payroll"))[-1].text == "/payroll is for platform admins only."
    replies = await wu.send_document("pay.csv", mime_type="text/csv", caption="/payouts",
                                     content=b"@wu,1.00,,MINE-1\n")
    assert replies[-1].text == "/payouts is for platform admins only."
    assert [r for r in await ledger(h) if r[9]] == []


# --- bulk payouts -------------------------------------------------------------------------

BAD_FILE = ("user,amount,note,reference\n"
            "@wu,1.00,December,BANK-1\n"
            "@xi,2.00,December,BANK-2\n"
            "@nobody,1.00,,BANK-3\n"
            "@wu,0.50,,BANK-4\n")
GOOD_FILE = ("user,amount,note,reference\n"
             "@wu,1.00,December,BANK-1\n"
             "@xi,2.00,December,BANK-2\n"
             "@wu,0.30,,BANK-4\n"
             "{qi},1.92,十二月,BANK-5\n")


async def test_a_bulk_payout_file_is_refused_line_by_line_corrected_and_paid_once(
        h, admin, world) -> None:
    wu, xi, qi = world["wu"], world["xi"], world["qi"]
    replies = await admin.send_document("payouts.csv", mime_type="text/csv",
                                        caption="/payouts", content=BAD_FILE.encode())
    report = "\n".join(r.text for r in replies)
    assert "Dry run: 4 payouts, 4.50 CNY in all. 2 lines can't be paid" in report
    assert "Line 4: unknown user @nobody" in report
    assert "Line 5: above the balance: @wu has 0.32 CNY, counting the lines above" in report
    assert "Line 2" not in report and "Line 3" not in report
    assert all(not r.buttons for r in replies)  # no Confirm for a file with bad lines

    # Corrected (Qi named by id), as a reply to the file with /payouts: Confirm / Cancel.
    good = GOOD_FILE.format(qi=qi.id).encode("utf-8-sig")
    await admin.send_document("payouts.csv", mime_type="text/csv", content=good)
    replies = await admin.send("/payouts", reply_to=admin.sent[admin.id])
    assert "Dry run: 4 payouts, 5.22 CNY in all. Every line can be paid" in replies[-1].text
    assert replies[-1].button_texts == ["Confirm", "Cancel"]
    confirm = next(b["callback_data"] for b in replies[-1].buttons if b["text"] == "Confirm")
    before = len(await ledger(h))
    said = await admin.press("Confirm")
    assert "Recorded 4 payouts, 5.22 CNY in all" in said[-1].text
    paid = [r for r in await ledger(h) if r[9]]
    assert [(r[0], r[2], r[9]) for r in paid] == [
        (wu.id, -100, "BANK-1"), (xi.id, -200, "BANK-2"), (wu.id, -30, "BANK-4"),
        (qi.id, -192, "BANK-5")]
    assert paid[3][8] == "十二月"
    assert len(await ledger(h)) == before + 4
    # Everyone paid is told, with the reference; audited as /payout is.
    assert any("A payout of 0.30 CNY was recorded for you. Your balance is now 0.02 CNY" in t
               and "Reference: BANK-4" in t for t in wu.texts())
    assert any("A payout of 2.00 CNY" in t and "balance is now 4.48 CNY" in t
               for t in xi.texts())
    assert any("¥1.92" in t or "1.92 CNY" in t for t in qi.texts()[-2:])
    audits = await h.services.db.fetch_all(
        "SELECT target_id, detail FROM audit_log WHERE action = 'ledger.payout' ORDER BY id")
    assert [tuple(a) for a in audits][-4:] == [
        (wu.id, "100 BANK-1 December"), (xi.id, "200 BANK-2 December"), (wu.id, "30 BANK-4"),
        (qi.id, "192 BANK-5 十二月")]

    # Confirm pressed again: nothing more is paid.
    alert = await admin.press_data(confirm)
    assert "no longer valid" in admin.last_alert() or "no longer valid" in alert[-1].text
    assert len(await ledger(h)) == before + 4

    # The same file again: each reference was used, and says when and what it paid.
    replies = await admin.send_document("payouts.csv", mime_type="text/csv",
                                        caption="/payouts", content=good)
    report = "\n".join(r.text for r in replies)
    assert "4 lines can't be paid" in report
    assert ("Line 2: reference BANK-1 was already used: 1.00 CNY to @wu, 2026-12-31 16:30 "
            "UTC") in report or "Line 2: reference BANK-1 was already used: 1.00 CNY to @wu, "\
        "2027-01-01 00:30 UTC+8" in report
    assert all(not r.buttons for r in replies)
    assert len(await ledger(h)) == before + 4


async def test_every_kind_of_bad_line_is_named(h, admin, world) -> None:
    content = ("@wu,abc,,R-1\n"        # 1 malformed amount
               "@wu,0,,R-2\n"          # 2 zero
               "@wu,-1.00,,R-3\n"      # 3 negative
               "@wu,0.10,,\n"          # 4 missing reference
               "@xi,0.10,,R-5\n"       # 5 fine
               "@xi,0.10,,R-5\n"       # 6 repeated within the file
               "wu wu,0.10,,R-7\n"     # 7 not a user
               "@wu,1.234,,R-8\n")     # 8 too many decimals
    replies = await admin.send_document("p.csv", mime_type="text/csv", caption="/payouts",
                                        content=content.encode())
    report = "\n".join(r.text for r in replies)
    assert "Line 1: malformed amount abc" in report
    assert "Line 2: the amount must be above zero, not 0" in report
    assert "Line 3: the amount must be above zero, not -1.00" in report
    assert "Line 4: no reference" in report
    assert "Line 5" not in report
    assert "Line 6: reference R-5 is also on line 5" in report
    assert "Line 7: wu wu is not a user" in report
    assert "Line 8: malformed amount 1.234" in report
    assert "7 lines can't be paid" in report


async def test_a_chinese_header_may_name_the_columns_in_any_order(h, admin, world) -> None:
    await admin.send("/settings language zh")
    content = "参考号,用户,金额,备注\nZH-1,@wu,1.00,十二月\nZH-2,@xi,abc,\n"
    replies = await admin.send_document("结算.csv", mime_type="text/csv", caption="/payouts",
                                        content=content.encode("gb18030"))
    report = "\n".join(r.text for r in replies)
    assert "试算：2 笔结算，共 ¥1.00" in report
    assert "第 3 行：金额格式错误 abc" in report


async def test_cancel_pays_nothing_and_bad_files_are_answered(h, admin, world) -> None:
    replies = await admin.send_document("p.csv", mime_type="text/csv", caption="/payouts",
                                        content=b"@wu,1.00,,C-1\n")
    assert replies[-1].button_texts == ["Confirm", "Cancel"]
    before = await ledger(h)
    said = await admin.press("Cancel")
    assert "Cancelled: nothing was paid" in said[-1].text
    assert await ledger(h) == before
    assert "Send the payouts as a .csv file" in (await admin.send("/payouts"))[-1].text
    replies = await admin.send_document("pay.xlsx", mime_type="application/vnd.ms-excel",
                                        caption="/payouts", content=b"PK\x03\x04")
    assert "Send the payouts as a .csv file" in replies[-1].text
    replies = await admin.send_document("p.csv", mime_type="text/csv", caption="/payouts",
                                        content=b"\n\n")
    assert "I can't read that payout file: it has no lines" in replies[-1].text
    replies = await admin.send_document("p.csv", mime_type="text/csv", caption="/payouts",
                                        content=b"user,sum\n@wu,1\n")
    assert "its header lacks user, amount or reference" in replies[-1].text


async def test_confirm_checks_again_and_pays_nothing_when_a_balance_moved(h, admin, world
                                                                          ) -> None:
    replies = await admin.send_document("p.csv", mime_type="text/csv", caption="/payouts",
                                        content=b"@wu,1.00,,M-1\n@xi,1.00,,M-2\n")
    assert replies[-1].button_texts == ["Confirm", "Cancel"]
    await admin.send("/payout @wu 1.00 paid by hand meanwhile")
    before = await ledger(h)
    said = await admin.press("Confirm")
    report = "\n".join(s.text for s in said)
    assert "Line 1: above the balance: @wu has 0.32 CNY" in report
    assert await ledger(h) == before  # nothing, not even Xi's line
