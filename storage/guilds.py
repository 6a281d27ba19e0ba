"""Guilds, their members and invite codes."""

from __future__ import annotations

from bot.domain.statuses import GuildStatus, MemberStatus, Role
from storage.db import Reader, Row, Tx, lit, record, records
from storage.models import GuildOverview, GuildRecord, MemberRecord, UserRecord

_GUILD = ("g.id, g.name, g.chat_id, g.leader_id, g.status, g.status_reason, g.commission_bp,"
          " g.invite_code, g.precheck, g.language")
_USER = ("u.id AS u_id, u.first_name AS u_first_name, u.last_name AS u_last_name,"
         " u.username AS u_username, u.language_code AS u_language_code,"
         " u.can_message AS u_can_message, u.timezone AS u_timezone,"
         " u.language AS u_language")
# Leader first, then deputies, then members; each in the order they joined.
_ROLE_ORDER = (f"CASE m.role WHEN {lit(Role.LEADER)} THEN 0 WHEN {lit(Role.DEPUTY)} THEN 1"
               " ELSE 2 END")
_ACTIVE = lit(MemberStatus.ACTIVE)
_PENDING, _APPROVED = lit(GuildStatus.PENDING), lit(GuildStatus.APPROVED)
_SUSPENDED, _REJECTED = lit(GuildStatus.SUSPENDED), lit(GuildStatus.REJECTED)


def _member(row: Row) -> MemberRecord:
    return MemberRecord(guild_id=row["guild_id"], user=record(UserRecord, row, "u_"),
                        role=row["role"], joined_at=row["joined_at"], number=row["number"])


# --- reading guilds --------------------------------------------------------------------------


async def get(db: Reader, guild_id: int) -> GuildRecord | None:
    row = await db.fetch_one(f"SELECT {_GUILD} FROM guilds g WHERE g.id = :id", {"id": guild_id})
    return record(GuildRecord, row) if row else None


async def get_by_chat(db: Reader, chat_id: int) -> GuildRecord | None:
    """The guild whose home is this group chat, whatever its status."""
    row = await db.fetch_one(f"SELECT {_GUILD} FROM guilds g WHERE g.chat_id = :chat",
                             {"chat": chat_id})
    return record(GuildRecord, row) if row else None


async def get_by_invite(db: Reader, code: str) -> GuildRecord | None:
    row = await db.fetch_one(f"SELECT {_GUILD} FROM guilds g WHERE g.invite_code = :code",
                             {"code": code})
    return record(GuildRecord, row) if row else None


async def invite_was_revoked(db: Reader, code: str) -> bool:
    row = await db.fetch_one(
        "SELECT 1 FROM guild_invites WHERE code = :code AND revoked_at IS NOT NULL",
        {"code": code})
    return row is not None


async def find_by_name(db: Reader, name: str) -> list[GuildRecord]:
    """Guilds with this name (any case), those not rejected first."""
    rows = await db.fetch_all(
        f"SELECT {_GUILD} FROM guilds g WHERE g.name = :name COLLATE NOCASE"
        f" ORDER BY g.status = {_REJECTED}, g.id",
        {"name": name})
    return records(GuildRecord, rows)


async def name_taken(db: Reader, name: str, *, except_id: int | None = None) -> bool:
    row = await db.fetch_one(
        f"SELECT 1 FROM guilds WHERE name = :name COLLATE NOCASE AND status != {_REJECTED}"
        " AND id IS NOT :except",
        {"name": name, "except": except_id})
    return row is not None


async def approved(db: Reader) -> list[GuildRecord]:
    rows = await db.fetch_all(
        f"SELECT {_GUILD} FROM guilds g WHERE g.status = {_APPROVED} ORDER BY g.id")
    return records(GuildRecord, rows)


async def suspended_chat_ids(db: Reader) -> set[int]:
    rows = await db.fetch_all(f"SELECT chat_id FROM guilds WHERE status = {_SUSPENDED}")
    return {r[0] for r in rows}


async def overview(db: Reader, status: str | None = None, limit: int = 100,
                   guild_id: int | None = None) -> list[GuildOverview]:
    """Guilds (or the one of `guild_id`) with their leader and active member count: pending
    first, then by id."""
    rows = await db.fetch_all(
        f"SELECT {_GUILD}, g.created_at, {_USER},"
        " (SELECT COUNT(*) FROM guild_members m"
        f"   WHERE m.guild_id = g.id AND m.status = {_ACTIVE}) AS member_count"
        " FROM guilds g LEFT JOIN users u ON u.id = g.leader_id"
        " WHERE (:status IS NULL OR g.status = :status) AND (:id IS NULL OR g.id = :id)"
        f" ORDER BY CASE g.status WHEN {_PENDING} THEN 0 WHEN {_APPROVED} THEN 1"
        f"   WHEN {_SUSPENDED} THEN 2 ELSE 3 END, g.id"
        " LIMIT :limit",
        {"status": status, "limit": limit, "id": guild_id})
    return [GuildOverview(guild=record(GuildRecord, r),
                          leader=record(UserRecord, r, "u_") if r["u_id"] is not None else None,
                          member_count=r["member_count"], created_at=r["created_at"])
            for r in rows]


async def status_counts(db: Reader) -> dict[str, int]:
    rows = await db.fetch_all("SELECT status, COUNT(*) FROM guilds GROUP BY status")
    return {r[0]: r[1] for r in rows}


# --- changing guilds -------------------------------------------------------------------------


async def insert(tx: Tx, *, name: str, chat_id: int, leader_id: int, now: int) -> int:
    new_id = await tx.insert(
        "INSERT INTO guilds (name, chat_id, leader_id, created_at)"
        " VALUES (:name, :chat, :leader, :now)",
        {"name": name, "chat": chat_id, "leader": leader_id, "now": now})
    assert new_id is not None
    return new_id


async def reapply(tx: Tx, guild_id: int, *, name: str, leader_id: int, now: int) -> bool:
    """A rejected guild applies again (new name and leader allowed): back to pending."""
    cursor = await tx.execute(
        f"UPDATE guilds SET status = {_PENDING}, name = :name, leader_id = :leader,"
        " status_reason = NULL, decided_at = NULL, decided_by = NULL, created_at = :now"
        f" WHERE id = :id AND status = {_REJECTED}",
        {"id": guild_id, "name": name, "leader": leader_id, "now": now})
    return cursor.rowcount == 1


async def set_status(tx: Tx, guild_id: int, *, expected: str, status: str,
                     reason: str | None, actor_id: int, now: int) -> bool:
    cursor = await tx.execute(
        "UPDATE guilds SET status = :status, status_reason = :reason, decided_at = :now,"
        " decided_by = :actor WHERE id = :id AND status = :expected",
        {"id": guild_id, "expected": expected, "status": status, "reason": reason,
         "actor": actor_id, "now": now})
    return cursor.rowcount == 1


async def set_commission(tx: Tx, guild_id: int, commission_bp: int) -> bool:
    cursor = await tx.execute(
        f"UPDATE guilds SET commission_bp = :bp WHERE id = :id AND status = {_APPROVED}",
        {"id": guild_id, "bp": commission_bp})
    return cursor.rowcount == 1


async def replace_invite(tx: Tx, guild_id: int, *, code: str, user_id: int, now: int) -> None:
    """Make `code` the guild's invite code; the previous one stays on record as revoked."""
    await tx.execute(
        "UPDATE guild_invites SET revoked_at = :now"
        " WHERE guild_id = :guild AND revoked_at IS NULL",
        {"guild": guild_id, "now": now})
    await tx.execute(
        "INSERT INTO guild_invites (code, guild_id, created_by, created_at)"
        " VALUES (:code, :guild, :user, :now)",
        {"code": code, "guild": guild_id, "user": user_id, "now": now})
    await tx.execute("UPDATE guilds SET invite_code = :code WHERE id = :guild",
                     {"code": code, "guild": guild_id})


# --- members ---------------------------------------------------------------------------------


async def membership(db: Reader, user_id: int) -> tuple[GuildRecord, str] | None:
    """The user's active membership (a user has one at most) and their role in it."""
    row = await db.fetch_one(
        f"SELECT {_GUILD}, m.role FROM guild_members m JOIN guilds g ON g.id = m.guild_id"
        f" WHERE m.user_id = :user AND m.status = {_ACTIVE}",
        {"user": user_id})
    return (record(GuildRecord, row), row["role"]) if row else None


async def role_of(db: Reader, guild_id: int, user_id: int) -> str | None:
    """The user's role in the guild while an active member, else None."""
    role: str | None = await db.fetch_value(
        "SELECT role FROM guild_members"
        f" WHERE guild_id = :guild AND user_id = :user AND status = {_ACTIVE}",
        {"guild": guild_id, "user": user_id})
    return role


async def member(db: Reader, guild_id: int, user_id: int) -> MemberRecord | None:
    """An active member of the guild, or None."""
    row = await db.fetch_one(
        f"SELECT m.guild_id, m.role, m.joined_at, m.number, {_USER} FROM guild_members m"
        " JOIN users u ON u.id = m.user_id"
        f" WHERE m.guild_id = :guild AND m.user_id = :user AND m.status = {_ACTIVE}",
        {"guild": guild_id, "user": user_id})
    return _member(row) if row else None


async def active_members(db: Reader, guild_id: int) -> list[MemberRecord]:
    rows = await db.fetch_all(
        f"SELECT m.guild_id, m.role, m.joined_at, m.number, {_USER} FROM guild_members m"
        " JOIN users u ON u.id = m.user_id"
        f" WHERE m.guild_id = :guild AND m.status = {_ACTIVE} ORDER BY {_ROLE_ORDER}, m.joined_at,"
        " m.user_id",
        {"guild": guild_id})
    return [_member(r) for r in rows]


async def user_with_number(db: Reader, guild_id: int, number: int) -> int | None:
    """The active member of the guild with this number (M3), if any."""
    found = await db.fetch_value(
        "SELECT user_id FROM guild_members WHERE guild_id = :guild AND number = :number"
        f" AND status = {_ACTIVE}", {"guild": guild_id, "number": number})
    return None if found is None else int(found)


async def member_count(db: Reader, guild_id: int) -> int:
    return int(await db.fetch_value(
        f"SELECT COUNT(*) FROM guild_members WHERE guild_id = :guild AND status = {_ACTIVE}",
        {"guild": guild_id}))


async def add_member(tx: Tx, guild_id: int, user_id: int, *, role: str, now: int) -> None:
    """Add (or bring back) a member; one who left before gets a fresh membership."""
    await tx.execute(
        "INSERT INTO guild_members (guild_id, user_id, role, joined_at, number)"
        " VALUES (:guild, :user, :role, :now, (SELECT COALESCE(MAX(number), 0) + 1"
        " FROM guild_members WHERE guild_id = :guild))"
        " ON CONFLICT (guild_id, user_id) DO UPDATE SET role = excluded.role,"
        f" status = {_ACTIVE}, joined_at = excluded.joined_at, left_at = NULL",
        {"guild": guild_id, "user": user_id, "role": role, "now": now})


async def end_membership(tx: Tx, guild_id: int, user_id: int, *, status: str, now: int,
                         role: str | None = None) -> bool:
    """Mark an active membership `left` or `removed` (only in `role`, when given)."""
    cursor = await tx.execute(
        "UPDATE guild_members SET status = :status, left_at = :now"
        f" WHERE guild_id = :guild AND user_id = :user AND status = {_ACTIVE}"
        " AND (:role IS NULL OR role = :role)",
        {"guild": guild_id, "user": user_id, "status": status, "now": now, "role": role})
    return cursor.rowcount == 1


async def set_role(tx: Tx, guild_id: int, user_id: int, *, expected: str, role: str) -> bool:
    cursor = await tx.execute(
        "UPDATE guild_members SET role = :role"
        f" WHERE guild_id = :guild AND user_id = :user AND status = {_ACTIVE}"
        " AND role = :expected",
        {"guild": guild_id, "user": user_id, "expected": expected, "role": role})
    return cursor.rowcount == 1


async def set_language(tx: Tx, guild_id: int, language: str | None) -> None:
    await tx.execute("UPDATE guilds SET language = :l WHERE id = :id",
                     {"id": guild_id, "l": language})


async def set_precheck(tx: Tx, guild_id: int, on: bool) -> None:
    await tx.execute("UPDATE guilds SET precheck = :on WHERE id = :id",
                     {"id": guild_id, "on": int(on)})


async def move_home(tx: Tx, old_chat_id: int, new_chat_id: int) -> int | None:
    """A group became a supergroup (a new chat id): the guild moves with it."""
    guild_id: int | None = await tx.fetch_value(
        "UPDATE guilds SET chat_id = :new WHERE chat_id = :old RETURNING id",
        {"old": old_chat_id, "new": new_chat_id})
    return guild_id
