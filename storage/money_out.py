"""Money out of the bot as files: a worker's statement, the admins' payroll, and what a bulk
payout file is checked against (users by name, balances, references already used)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.statuses import AssignmentStatus, LedgerKind
from storage.db import Reader, Row, in_list, lit

CHUNK = 500  # values bound in one IN (…), well under SQLite's limit


@dataclass(frozen=True, slots=True)
class StatementLine:
    created_at: int
    kind: str
    assignment_id: int | None
    task_id: int | None
    task_title: str | None
    amount_minor: int
    note: str | None
    reference: str | None


@dataclass(frozen=True, slots=True)
class PayrollRow:
    user_id: int
    first_name: str | None
    last_name: str | None
    username: str | None
    guild: str | None
    units: int
    gross_minor: int
    commission_minor: int
    earned_minor: int
    bonus_minor: int  # bonuses credited in the period
    adjusted_minor: int  # corrections in the period, either sign
    paid_minor: int  # positive: what was paid out in the period
    balance_minor: int  # at the period's end


@dataclass(frozen=True, slots=True)
class GuildCommission:
    guild_id: int
    name: str
    leader_id: int
    commission_minor: int


@dataclass(frozen=True, slots=True)
class UsedReference:
    reference: str
    user_id: int
    amount_minor: int  # positive
    created_at: int


async def statement(db: Reader, user_id: int) -> list[StatementLine]:
    """Every ledger line of one user, oldest first, with the assignment's task."""
    rows = await db.fetch_all(
        "SELECT l.created_at, l.kind, l.assignment_id, a.task_id, t.title, l.amount_minor,"
        " l.note, l.reference FROM ledger l LEFT JOIN assignments a ON a.id = l.assignment_id"
        " LEFT JOIN tasks t ON t.id = a.task_id WHERE l.user_id = :u"
        " ORDER BY l.created_at, l.id", {"u": user_id})
    return [StatementLine(*row) for row in rows]


# Per user in one pass over the ledger's (user_id, created_at, kind, amount_minor) index: the
# worker's shares, bonuses, corrections and payouts of the period, and the balance at its end.
_LEDGER_PASS = f"""
SELECT user_id,
  SUM(CASE WHEN created_at >= :start AND kind = {lit(LedgerKind.WORKER_SHARE)}
      THEN amount_minor ELSE 0 END) AS earned,
  SUM(CASE WHEN created_at >= :start AND kind = {lit(LedgerKind.BONUS)}
      THEN amount_minor ELSE 0 END) AS bonus,
  SUM(CASE WHEN created_at >= :start AND kind = {lit(LedgerKind.ADJUSTMENT)}
      THEN amount_minor ELSE 0 END) AS adjusted,
  -SUM(CASE WHEN created_at >= :start AND kind = {lit(LedgerKind.PAYOUT)}
       THEN amount_minor ELSE 0 END) AS paid,
  SUM(amount_minor) AS balance
FROM ledger WHERE created_at < :end GROUP BY user_id
"""
# Per worker from the assignments accepted in the period, read from assignments_payroll alone.
# A NULL commission_bp (assignments from before 0007) falls back to the guild's.
_WORK_PASS = f"""
SELECT worker_id, SUM(accepted_units) AS units,
  SUM(accepted_units * unit_price_minor) AS gross,
  SUM(accepted_units * unit_price_minor * COALESCE(commission_bp,
      (SELECT g.commission_bp FROM guilds g WHERE g.id = guild_id)) / 10000) AS commission
FROM assignments
WHERE status = {lit(AssignmentStatus.ACCEPTED)} AND decided_at >= :start AND decided_at < :end
GROUP BY worker_id
"""


async def payroll(db: Reader, start: int, end: int) -> list[PayrollRow]:
    """Everyone who earned or was paid in [start, end), or has a balance at `end` (a leader
    whose commission was paid out in the period counts by the payout): one query of two
    grouped passes joined by user, the names and guild looked up once per user."""
    rows = await db.fetch_all(
        f"WITH money AS ({_LEDGER_PASS}), work AS ({_WORK_PASS})"
        " SELECT m.user_id, u.first_name, u.last_name, u.username, g.name,"
        " COALESCE(w.units, 0), COALESCE(w.gross, 0), COALESCE(w.commission, 0),"
        " m.earned, m.bonus, m.adjusted, m.paid, m.balance"
        " FROM money m LEFT JOIN work w ON w.worker_id = m.user_id"
        " LEFT JOIN users u ON u.id = m.user_id"
        " LEFT JOIN guild_members gm ON gm.user_id = m.user_id AND gm.status = 'active'"
        " LEFT JOIN guilds g ON g.id = gm.guild_id"
        " WHERE m.balance != 0 OR m.earned != 0 OR m.bonus != 0 OR m.adjusted != 0"
        " OR m.paid != 0",
        {"start": start, "end": end})
    # In user order as the ledger pass reads them; sorted here all the same (a pass over a
    # sorted list), where an ORDER BY would build a temporary B-tree.
    return sorted((PayrollRow(*row) for row in rows), key=lambda row: row.user_id)


async def guild_commissions(db: Reader, start: int, end: int) -> list[GuildCommission]:
    """Each guild's commission credited in [start, end) (the ledger_guild index)."""
    rows = await db.fetch_all(
        "SELECT g.id, g.name, g.leader_id, c.commission FROM (SELECT guild_id,"
        " SUM(amount_minor) AS commission FROM ledger"
        f" WHERE kind = {lit(LedgerKind.COMMISSION)} AND created_at >= :start"
        " AND created_at < :end GROUP BY guild_id) c JOIN guilds g ON g.id = c.guild_id"
        " ORDER BY g.id", {"start": start, "end": end})
    return [GuildCommission(*row) for row in rows]


async def _in_chunks(db: Reader, sql: str, values: Sequence[object]) -> list[Row]:
    """The rows of `sql` (its `{marks}` an IN list) over the distinct values, CHUNK at a time:
    one query per chunk, never one per value."""
    found: list[Row] = []
    distinct = sorted(set(values), key=str)
    for at in range(0, len(distinct), CHUNK):
        marks, params = in_list(distinct[at:at + CHUNK], "v")
        found += await db.fetch_all(sql.format(marks=marks), params)
    return found


async def ids_by_username(db: Reader, usernames: Sequence[str]) -> dict[str, list[int]]:
    """Who holds each username (lower-cased), as ids: more than one is ambiguous."""
    found: dict[str, list[int]] = {}
    for user_id, name in await _in_chunks(
            db, "SELECT id, lower(username) FROM users WHERE username COLLATE NOCASE"
            " IN ({marks}) ORDER BY id", [name.lower() for name in usernames]):
        found.setdefault(name, []).append(user_id)
    return found


async def known_ids(db: Reader, user_ids: Sequence[int]) -> set[int]:
    return {row[0] for row in await _in_chunks(
        db, "SELECT id FROM users WHERE id IN ({marks})", user_ids)}


async def balances(db: Reader, user_ids: Sequence[int]) -> dict[int, int]:
    return {row[0]: row[1] for row in await _in_chunks(
        db, "SELECT user_id, SUM(amount_minor) FROM ledger WHERE user_id IN ({marks})"
        " GROUP BY user_id", user_ids)}


async def used_references(db: Reader, references: Sequence[str]) -> dict[str, UsedReference]:
    return {row[0]: UsedReference(*row) for row in await _in_chunks(
        db, "SELECT reference, user_id, -amount_minor, created_at FROM ledger"
        " WHERE reference IN ({marks})", references)}
