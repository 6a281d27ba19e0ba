"""Queries behind the earnings summaries, and the record of summaries sent."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.statuses import AssignmentStatus, GuildStatus, LedgerKind, MemberStatus, TaskStatus
from bot.i18n import language_of
from storage import ledger
from storage.db import Reader, Tx, in_list, lit, records

_ACCEPTED = lit(AssignmentStatus.ACCEPTED)

_RECIPIENTS = (
    f" FROM users u JOIN guild_members m ON m.user_id = u.id"
    f" AND m.status = {lit(MemberStatus.ACTIVE)}"
    f" JOIN guilds g ON g.id = m.guild_id AND g.status = {lit(GuildStatus.APPROVED)}"
    " WHERE u.can_message = 1 AND u.summary_frequency != 'off'"
)


async def worker_groups(db: Reader, default_zone: str) -> list[tuple[str, str]]:
    """The (time zone, frequency) pairs that workers receiving summaries have chosen."""
    rows = await db.fetch_all(
        f"SELECT DISTINCT COALESCE(u.timezone, :dz), u.summary_frequency {_RECIPIENTS}",
        {"dz": default_zone})
    return [(r[0], r[1]) for r in rows]


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: int
    language_code: str | None
    guild_id: int
    language: str | None = None

    @property
    def lang(self) -> str:
        return language_of(self.language, self.language_code)


async def workers_due(db: Reader, *, zone: str, default_zone: str, frequency: str | None,
                      period_key: str, kind: str = "worker") -> list[Recipient]:
    """Workers of a (zone, frequency) group who have no run recorded for the period."""
    frequency_filter = "" if frequency is None else " AND u.summary_frequency = :f"
    rows = await db.fetch_all(
        f"SELECT u.id AS user_id, u.language_code, m.guild_id, u.language {_RECIPIENTS}"
        f" AND COALESCE(u.timezone, :dz) = :zone{frequency_filter}"
        " AND NOT EXISTS (SELECT 1 FROM summary_runs r WHERE r.kind = :kind"
        " AND r.subject_id = u.id AND r.period_key = :key) ORDER BY u.id",
        {"dz": default_zone, "zone": zone, "f": frequency, "key": period_key, "kind": kind})
    return records(Recipient, rows)


@dataclass(slots=True)
class WorkerFigures:
    earned: int = 0  # worker share and commission credited in the period
    bonus: int = 0  # bonuses credited in the period
    adjusted: int = 0  # corrections in the period (either sign)
    paid: int = 0
    units: int = 0  # units accepted in the period
    pending: list[tuple[int, int]] | None = None  # (gross, commission bp) awaiting review
    balance: int = 0


async def worker_figures(db: Reader, user_ids: list[int], start: int, end: int
                         ) -> dict[int, WorkerFigures]:
    """Figures for a batch of workers over (start, end]: four queries, whatever the batch."""
    figures = {uid: WorkerFigures(pending=[]) for uid in user_ids}
    if not user_ids:
        return figures
    # The period's credits (work, bonuses, corrections) and payouts, and all of them (the
    # balance), in one ledger query.
    sums = await ledger.period_sums(db, ledger.PARTS, [(start, end), (None, None)],
                                    owner="user_id", owner_ids=user_ids)
    for user_id, ((earned, bonus, adjusted, paid), every) in sums.items():
        assert user_id is not None
        f = figures[user_id]
        f.earned, f.bonus, f.adjusted, f.paid = earned, bonus, adjusted, -paid
        f.balance = sum(every)
    marks, params = in_list(user_ids, "u")
    window = {**params, "s": start, "e": end}
    for row in await db.fetch_all(
            f"SELECT worker_id, SUM(accepted_units) FROM assignments WHERE status = {_ACCEPTED}"
            f" AND decided_at > :s AND decided_at <= :e AND worker_id IN ({marks})"
            " GROUP BY worker_id", window):
        figures[row[0]].units = row[1]
    for row in await db.fetch_all(
            "SELECT a.worker_id, a.units * a.unit_price_minor,"
            " COALESCE(a.commission_bp, g.commission_bp)"
            " FROM assignments a JOIN guilds g ON g.id = a.guild_id"
            f" WHERE a.status = {lit(AssignmentStatus.SUBMITTED)} AND a.worker_id IN ({marks})",
            params):
        pending = figures[row[0]].pending
        assert pending is not None
        pending.append((row[1], row[2]))
    return figures


async def earnings_series(db: Reader, user_ids: list[int], windows: list[tuple[int, int]]
                          ) -> dict[int, list[int]]:
    """What each worker of a batch earned in each window (a chart's bars): one grouped ledger
    query, whatever the batch. Workers with nothing in any window are left out."""
    if not user_ids or not windows:
        return {}
    sums = await ledger.period_sums(db, [ledger.EARNED], windows, owner="user_id",
                                    owner_ids=user_ids)
    return {uid: [window[0] for window in per] for uid, per in sums.items() if uid is not None}


async def record_runs(tx: Tx, kind: str, rows: list[tuple[int, str, bool]], now: int) -> None:
    await tx.executemany(
        "INSERT OR IGNORE INTO summary_runs (kind, subject_id, period_key, sent, created_at)"
        " VALUES (:kind, :subject, :key, :sent, :now)",
        [{"kind": kind, "subject": s, "key": k, "sent": int(sent), "now": now}
         for s, k, sent in rows])


async def run_recorded(db: Reader, kind: str, subject_id: int, period_key: str) -> bool:
    return await db.fetch_value(
        "SELECT 1 FROM summary_runs WHERE kind = :kind AND subject_id = :s AND period_key = :k",
        {"kind": kind, "s": subject_id, "k": period_key}) is not None


# --- guilds ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class GuildSubject:
    guild_id: int
    name: str
    chat_id: int
    zone: str
    language_code: str | None  # the leader's app
    language: str | None = None  # the group's choice
    leader_language: str | None = None

    @property
    def lang(self) -> str:
        return self.language or language_of(self.leader_language, self.language_code)


async def guild_subjects(db: Reader, default_zone: str) -> list[GuildSubject]:
    rows = await db.fetch_all(
        "SELECT g.id AS guild_id, g.name, g.chat_id, COALESCE(u.timezone, :dz) AS zone,"
        " u.language_code, g.language, u.language AS leader_language"
        " FROM guilds g LEFT JOIN users u ON u.id = g.leader_id"
        f" WHERE g.status = {lit(GuildStatus.APPROVED)} ORDER BY g.id", {"dz": default_zone})
    return records(GuildSubject, rows)


@dataclass(frozen=True, slots=True)
class GuildFigures:
    members_earned: int
    commission: int
    units: int
    leaderboard: list[tuple[str, int, int]]  # (name, units, earned)


async def guild_figures(db: Reader, guild_id: int, start: int, end: int, top: int = 10
                        ) -> GuildFigures:
    params = {"g": guild_id, "s": start, "e": end}
    sums = await ledger.period_sums(db, [ledger.SHARES, ledger.COMMISSION], [(start, end)],
                                    owner="guild_id", owner_ids=[guild_id])
    (members, commission), = sums.get(guild_id, [[0, 0]])
    units = await db.fetch_value(
        "SELECT COALESCE(SUM(accepted_units), 0) FROM assignments WHERE guild_id = :g"
        f" AND status = {_ACCEPTED} AND decided_at > :s AND decided_at <= :e", params)
    board = await db.fetch_all(
        "SELECT COALESCE('@' || u.username, u.first_name), SUM(a.accepted_units),"
        " COALESCE(SUM(l.amount_minor), 0) FROM assignments a JOIN users u ON u.id = a.worker_id"
        f" LEFT JOIN ledger l ON l.assignment_id = a.id"
        f" AND l.kind = {lit(LedgerKind.WORKER_SHARE)}"
        f" WHERE a.guild_id = :g AND a.status = {_ACCEPTED} AND a.decided_at > :s"
        " AND a.decided_at <= :e GROUP BY u.id ORDER BY 3 DESC, 2 DESC, u.id"
        " LIMIT :top", {**params, "top": top})
    return GuildFigures(members, commission, units, [(r[0], r[1], r[2]) for r in board])


# --- the platform ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PlatformFigures:
    tasks_posted: int
    tasks_open: int
    units_accepted: int
    credited: int
    paid: int
    guilds_approved: int
    guilds_pending: int
    top_guilds: list[tuple[str, int]]  # (name, units accepted)


async def platform_figures(db: Reader, start: int, end: int, top: int = 5) -> PlatformFigures:
    params = {"s": start, "e": end}
    tasks = await db.fetch_one(
        "SELECT COUNT(*) FILTER (WHERE created_at > :s AND created_at <= :e),"
        f" COUNT(*) FILTER (WHERE status IN ({lit(TaskStatus.OPEN, TaskStatus.ALLOCATED)}))"
        " FROM tasks", params)
    units = await db.fetch_value(
        f"SELECT COALESCE(SUM(accepted_units), 0) FROM assignments WHERE status = {_ACCEPTED}"
        " AND decided_at > :s AND decided_at <= :e", params)
    (credited, paid), = (await ledger.period_sums(db, [ledger.EARNED, ledger.PAID],
                                                  [(start, end)]))[None]
    guilds = await db.fetch_one(
        f"SELECT COUNT(*) FILTER (WHERE status = {lit(GuildStatus.APPROVED)}),"
        f" COUNT(*) FILTER (WHERE status = {lit(GuildStatus.PENDING)}) FROM guilds")
    best = await db.fetch_all(
        "SELECT g.name, SUM(a.accepted_units) FROM assignments a JOIN guilds g"
        f" ON g.id = a.guild_id WHERE a.status = {_ACCEPTED} AND a.decided_at > :s"
        " AND a.decided_at <= :e GROUP BY g.id ORDER BY 2 DESC, g.id LIMIT :top",
        {**params, "top": top})
    assert tasks and guilds
    return PlatformFigures(tasks[0], tasks[1], units, credited, -paid, guilds[0],
                           guilds[1], [(r[0], r[1]) for r in best])


async def platform_series(db: Reader, windows: list[tuple[int, int]]
                          ) -> tuple[list[int], list[int]]:
    """Units accepted and money credited on the whole platform in each window (the admin
    digest's chart): two queries, one row each."""
    if not windows:
        return [], []
    columns: list[str] = []
    params: dict[str, int] = {}
    for w, (after, until) in enumerate(windows):
        columns.append(f"COALESCE(SUM(CASE WHEN decided_at > :a{w} AND decided_at <= :u{w}"
                       " THEN accepted_units END), 0)")
        params.update({f"a{w}": after, f"u{w}": until})
    params.update(lo=min(a for a, _u in windows), hi=max(u for _a, u in windows))
    row = await db.fetch_one(
        f"SELECT {', '.join(columns)} FROM assignments WHERE status = {_ACCEPTED}"
        " AND decided_at > :lo AND decided_at <= :hi", params)
    credited = (await ledger.period_sums(db, [ledger.EARNED], windows)).get(
        None, [[0] for _w in windows])
    assert row is not None
    return list(row), [window[0] for window in credited]


async def user_preferences(db: Reader, user_id: int) -> tuple[str, str | None] | None:
    row = await db.fetch_one(
        "SELECT summary_frequency, timezone FROM users WHERE id = :id", {"id": user_id})
    return (row[0], row[1]) if row else None


async def set_frequency(tx: Tx, user_id: int, frequency: str) -> None:
    await tx.execute("UPDATE users SET summary_frequency = :f WHERE id = :id",
                     {"id": user_id, "f": frequency})

