"""Users as Telegram shows them, recorded from every update."""

from __future__ import annotations

from storage.db import Reader, Tx, in_list, record, records
from storage.models import UserRecord

_COLUMNS = ("id, first_name, last_name, username, language_code, can_message, timezone,"
            " language")


async def upsert_seen(
    tx: Tx,
    *,
    user_id: int,
    first_name: str,
    last_name: str | None,
    username: str | None,
    language_code: str | None,
    in_private: bool,
    now: int,
) -> None:
    """Record the user; a message in a private chat means the bot may now message them."""
    await tx.execute(
        "INSERT INTO users (id, first_name, last_name, username, language_code, can_message,"
        " created_at, updated_at)"
        " VALUES (:id, :first, :last, :username, :lang, :private, :now, :now)"
        " ON CONFLICT (id) DO UPDATE SET first_name = excluded.first_name,"
        " last_name = excluded.last_name, username = excluded.username,"
        " language_code = excluded.language_code,"
        " can_message = CASE WHEN excluded.can_message = 1 THEN 1 ELSE users.can_message END,"
        " unreachable_at = CASE WHEN excluded.can_message = 1 THEN NULL"
        "                       ELSE users.unreachable_at END,"
        " updated_at = excluded.updated_at",
        {"id": user_id, "first": first_name, "last": last_name, "username": username,
         "lang": language_code, "private": int(in_private), "now": now},
    )


async def mark_unreachable(tx: Tx, user_id: int, now: int) -> None:
    await tx.execute(
        "UPDATE users SET can_message = 0, unreachable_at = :now WHERE id = :id",
        {"id": user_id, "now": now},
    )


async def get(db: Reader, user_id: int) -> UserRecord | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM users WHERE id = :id", {"id": user_id})
    return record(UserRecord, row) if row else None


async def get_many(db: Reader, user_ids: list[int]) -> dict[int, UserRecord]:
    if not user_ids:
        return {}
    marks, params = in_list(user_ids, "u")
    rows = await db.fetch_all(f"SELECT {_COLUMNS} FROM users WHERE id IN ({marks})", params)
    return {user.id: user for user in records(UserRecord, rows)}


async def find_by_username(db: Reader, username: str) -> list[UserRecord]:
    """Everyone recorded with this username (more than one when someone gave theirs up and
    another took it since), the most recently seen first."""
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM users WHERE username = :u COLLATE NOCASE"
        " ORDER BY updated_at DESC, id LIMIT 10",
        {"u": username.lstrip("@")},
    )
    return records(UserRecord, rows)


async def set_language(tx: Tx, user_id: int, language: str | None) -> None:
    await tx.execute("UPDATE users SET language = :l WHERE id = :id",
                     {"id": user_id, "l": language})


async def chosen_languages(db: Reader) -> dict[int, str]:
    """Everyone who chose a language in /settings (few: the rest follow their app)."""
    rows = await db.fetch_all("SELECT id, language FROM users WHERE language IS NOT NULL")
    return {r[0]: r[1] for r in rows}


async def set_timezone(tx: Tx, user_id: int, timezone: str | None) -> None:
    await tx.execute(
        "UPDATE users SET timezone = :tz WHERE id = :id", {"id": user_id, "tz": timezone}
    )


async def granted_admin_ids(db: Reader) -> set[int]:
    return {row[0] for row in await db.fetch_all("SELECT user_id FROM admins")}


async def granted_admins(db: Reader) -> list[tuple[int, int | None, int]]:
    """Admins granted at run time: (user, granted by, when), the longest-serving first."""
    rows = await db.fetch_all(
        "SELECT user_id, granted_by, granted_at FROM admins ORDER BY granted_at, user_id")
    return [(row[0], row[1], row[2]) for row in rows]


async def grant_admin(tx: Tx, user_id: int, by: int, now: int) -> bool:
    """False when they are an admin already."""
    cursor = await tx.execute(
        "INSERT OR IGNORE INTO admins (user_id, granted_by, granted_at) VALUES (:u, :by, :now)",
        {"u": user_id, "by": by, "now": now})
    return cursor.rowcount == 1


async def revoke_admin(tx: Tx, user_id: int) -> bool:
    """False when they were no granted admin."""
    cursor = await tx.execute("DELETE FROM admins WHERE user_id = :u", {"u": user_id})
    return cursor.rowcount == 1


async def add_audit(tx: Tx, *, actor_id: int, action: str, target_type: str | None,
                    target_id: int | None, detail: str | None, now: int) -> None:
    await tx.execute(
        "INSERT INTO audit_log (actor_id, action, target_type, target_id, detail, created_at)"
        " VALUES (:actor, :action, :ttype, :tid, :detail, :now)",
        {"actor": actor_id, "action": action, "ttype": target_type, "tid": target_id,
         "detail": detail, "now": now},
    )
