"""The ledger: credits for accepted work (worker share, guild commission), payouts, and the
admins' bonuses and corrections (adjustments, either sign).

Every period figure (a worker's /earnings, the summaries, the admins' digest) comes from one
query builder, `period_sums`, so a sum over the ledger is written once.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.statuses import LedgerKind
from storage.db import Reader, Tx, in_list, lit

# What a sum may count: credits (anything but payouts), payouts (negative amounts), credits for
# work only (shares and commission), one kind.
EARNED = f"kind != {lit(LedgerKind.PAYOUT)}"
PAID = f"kind = {lit(LedgerKind.PAYOUT)}"
WORK = f"kind IN ({lit(LedgerKind.WORKER_SHARE, LedgerKind.COMMISSION)})"
SHARES = f"kind = {lit(LedgerKind.WORKER_SHARE)}"
COMMISSION = f"kind = {lit(LedgerKind.COMMISSION)}"
BONUS = f"kind = {lit(LedgerKind.BONUS)}"
ADJUSTED = f"kind = {lit(LedgerKind.ADJUSTMENT)}"
# A user's figures for a period: work, bonuses, adjustments, payouts (they sum to the change of
# the balance).
PARTS = (WORK, BONUS, ADJUSTED, PAID)
_OWNERS = ("user_id", "guild_id")
Window = tuple[int | None, int | None]  # (after, up to and including) in epoch seconds


async def credit(tx: Tx, *, assignment_id: int, worker_id: int, worker_minor: int,
                 leader_id: int, guild_id: int, commission_minor: int, by: int | None,
                 now: int) -> None:
    """Credit one acceptance. The unique (assignment, kind) key refuses a second credit."""
    rows = [{"user": worker_id, "guild": guild_id, "a": assignment_id,
             "kind": LedgerKind.WORKER_SHARE, "amount": worker_minor, "by": by, "now": now}]
    if commission_minor:
        rows.append({"user": leader_id, "guild": guild_id, "a": assignment_id,
                     "kind": LedgerKind.COMMISSION, "amount": commission_minor, "by": by,
                     "now": now})
    await tx.executemany(
        "INSERT INTO ledger (user_id, guild_id, assignment_id, kind, amount_minor, created_by,"
        " created_at) VALUES (:user, :guild, :a, :kind, :amount, :by, :now)", rows)


async def payout(tx: Tx, *, user_id: int, amount_minor: int, note: str | None, by: int,
                 now: int, reference: str | None = None) -> int:
    """A payout line; a reference (bulk payouts) is unique: the same one is refused."""
    return await line(tx, user_id=user_id, kind=LedgerKind.PAYOUT, amount_minor=-amount_minor,
                      note=note, by=by, now=now, reference=reference)


async def line(tx: Tx, *, user_id: int, kind: LedgerKind, amount_minor: int, note: str | None,
               by: int, now: int, reference: str | None) -> int:
    """A line outside any assignment (a payout, a bonus, an adjustment); its reference is
    unique over the whole ledger: the same one again is refused."""
    new_id = await tx.insert(
        "INSERT INTO ledger (user_id, kind, amount_minor, note, reference, created_by,"
        " created_at) VALUES (:user, :kind, :amount, :note, :ref, :by, :now)",
        {"user": user_id, "kind": kind, "amount": amount_minor, "note": note,
         "ref": reference, "by": by, "now": now})
    assert new_id is not None
    return new_id


async def by_reference(db: Reader, reference: str) -> tuple[str, int, int, int] | None:
    """The line a reference is on, if any: (kind, user, amount, when)."""
    row = await db.fetch_one(
        "SELECT kind, user_id, amount_minor, created_at FROM ledger WHERE reference = :r",
        {"r": reference})
    return None if row is None else (row[0], row[1], row[2], row[3])


async def last_same(db: Reader, user_id: int, kind: LedgerKind, amount_minor: int,
                    note: str | None, since: int) -> int | None:
    """When the same line (user, kind, amount as stored, note) was last recorded since
    `since`, if it was: a payout, bonus or correction sent again after a lost reply."""
    return await db.fetch_value(
        "SELECT MAX(created_at) FROM ledger WHERE user_id = :u AND kind = :k"
        " AND amount_minor = :a AND note IS :n AND created_at >= :since",
        {"u": user_id, "k": kind, "a": amount_minor, "n": note, "since": since})


async def balance(db: Reader, user_id: int) -> int:
    return int(await db.fetch_value(
        "SELECT COALESCE(SUM(amount_minor), 0) FROM ledger WHERE user_id = :u", {"u": user_id}))


async def period_sums(db: Reader, parts: Sequence[str], windows: Sequence[Window], *,
                      owner: str | None = None, owner_ids: Sequence[int] = ()
                      ) -> dict[int | None, list[list[int]]]:
    """Sums of amount_minor for each window × each part (a condition on `kind`, above), in one
    query: `{owner id: [[part sums] per window]}`, or `{None: …}` over the whole ledger.
    Owners without a row are left out; a window's None end is open."""
    columns: list[str] = []
    params: dict[str, object] = {}
    for w, (after, until) in enumerate(windows):
        bounds = []
        if after is not None:
            bounds.append(f"created_at > :a{w}")
            params[f"a{w}"] = after
        if until is not None:
            bounds.append(f"created_at <= :u{w}")
            params[f"u{w}"] = until
        for part in parts:
            condition = " AND ".join([part, *bounds])
            columns.append(f"COALESCE(SUM(CASE WHEN {condition} THEN amount_minor END), 0)")
    # The rows no window can count are not read at all (the indexes lead with the time).
    where: list[str] = []
    if all(after is not None for after, _until in windows):
        where.append("created_at > :after")
        params["after"] = min(after for after, _until in windows if after is not None)
    if all(until is not None for _after, until in windows):
        where.append("created_at <= :until")
        params["until"] = max(until for _after, until in windows if until is not None)
    group, select_owner = "", "NULL"
    if owner is not None:
        assert owner in _OWNERS
        marks, owners = in_list(owner_ids, "o")
        params.update(owners)
        where.insert(0, f"{owner} IN ({marks})")
        group, select_owner = f" GROUP BY {owner}", owner
    condition = f" WHERE {' AND '.join(where)}" if where else ""
    rows = await db.fetch_all(
        f"SELECT {select_owner}, {', '.join(columns)} FROM ledger{condition}{group}", params)
    width = len(parts)
    return {row[0]: [list(row[1 + w * width:1 + (w + 1) * width]) for w in range(len(windows))]
            for row in rows}


async def entries_for_assignment(db: Reader, assignment_id: int) -> list[tuple[str, int, int]]:
    rows = await db.fetch_all(
        "SELECT kind, user_id, amount_minor FROM ledger WHERE assignment_id = :a ORDER BY id",
        {"a": assignment_id})
    return [(r[0], r[1], r[2]) for r in rows]
