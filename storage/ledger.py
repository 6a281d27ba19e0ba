"""The ledger: credits for accepted work (worker share, guild commission) and payouts."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database, Tx

Reader = Database | Tx


async def credit(tx: Tx, *, assignment_id: int, worker_id: int, worker_minor: int,
                 leader_id: int, guild_id: int, commission_minor: int, by: int | None,
                 now: int) -> None:
    """Credit one acceptance. The unique (assignment, kind) key refuses a second credit."""
    rows = [{"user": worker_id, "guild": guild_id, "a": assignment_id, "kind": "worker_share",
             "amount": worker_minor, "by": by, "now": now}]
    if commission_minor:
        rows.append({"user": leader_id, "guild": guild_id, "a": assignment_id,
                     "kind": "commission", "amount": commission_minor, "by": by, "now": now})
    await tx.executemany(
        "INSERT INTO ledger (user_id, guild_id, assignment_id, kind, amount_minor, created_by,"
        " created_at) VALUES (:user, :guild, :a, :kind, :amount, :by, :now)", rows)


async def payout(tx: Tx, *, user_id: int, amount_minor: int, note: str | None, by: int,
                 now: int) -> int:
    cursor = await tx.execute(
        "INSERT INTO ledger (user_id, kind, amount_minor, note, created_by, created_at)"
        " VALUES (:user, 'payout', :amount, :note, :by, :now)",
        {"user": user_id, "amount": -amount_minor, "note": note, "by": by, "now": now})
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def balance(db: Reader, user_id: int) -> int:
    row = await db.fetch_one(
        "SELECT COALESCE(SUM(amount_minor), 0) FROM ledger WHERE user_id = :u", {"u": user_id})
    return int(row[0]) if row else 0


@dataclass(frozen=True, slots=True)
class PeriodSums:
    earned: int
    paid: int


@dataclass(frozen=True, slots=True)
class GuildSums:
    members_earned: int
    commission: int


async def _two_sums_since(db: Reader, owner: str, owner_id: int, first: str, second: str,
                          starts: list[int]) -> list[tuple[int, int]]:
    """Two conditional sums of amount_minor since each start (epoch s), in one query.
    `first`/`second` are SQL conditions on `kind`; `owner` is the column the rows belong to."""
    assert owner in ("user_id", "guild_id")
    columns = []
    params: dict[str, object] = {"owner": owner_id}
    for i, start in enumerate(starts):
        params[f"s{i}"] = start
        columns.append(
            f"COALESCE(SUM(CASE WHEN {first} AND created_at >= :s{i} THEN amount_minor END), 0),"
            f" COALESCE(SUM(CASE WHEN {second} AND created_at >= :s{i} THEN amount_minor END),"
            " 0)")
    row = await db.fetch_one(
        f"SELECT {', '.join(columns)} FROM ledger WHERE {owner} = :owner", params)
    assert row is not None
    return [(row[2 * i], row[2 * i + 1]) for i in range(len(starts))]


async def user_sums(db: Reader, user_id: int, starts: list[int]) -> list[PeriodSums]:
    """Credits and payouts of the user since each start."""
    sums = await _two_sums_since(db, "user_id", user_id, "kind != 'payout'", "kind = 'payout'",
                                 starts)
    return [PeriodSums(earned, -paid) for earned, paid in sums]


async def guild_sums(db: Reader, guild_id: int, starts: list[int]) -> list[GuildSums]:
    """Members' shares and the guild's commission since each start."""
    sums = await _two_sums_since(db, "guild_id", guild_id, "kind = 'worker_share'",
                                 "kind = 'commission'", starts)
    return [GuildSums(members, commission) for members, commission in sums]


async def entries_for_assignment(db: Reader, assignment_id: int) -> list[tuple[str, int, int]]:
    rows = await db.fetch_all(
        "SELECT kind, user_id, amount_minor FROM ledger WHERE assignment_id = :a ORDER BY id",
        {"a": assignment_id})
    return [(r[0], r[1], r[2]) for r in rows]
