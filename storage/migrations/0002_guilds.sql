-- Guilds: a group chat that an admin approved, its leader, deputies and members.

CREATE TABLE guilds (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    chat_id       INTEGER NOT NULL UNIQUE,          -- the group chat that is the guild's home
    leader_id     INTEGER NOT NULL REFERENCES users (id),
    status        TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'approved', 'rejected', 'suspended')),
    status_reason TEXT,                              -- the admin's reason for reject / suspend
    commission_bp INTEGER NOT NULL DEFAULT 0 CHECK (commission_bp BETWEEN 0 AND 5000),
    invite_code   TEXT    UNIQUE,                    -- NULL until the first /invite
    precheck      INTEGER NOT NULL DEFAULT 0 CHECK (precheck IN (0, 1)),
    created_at    INTEGER NOT NULL,
    decided_at    INTEGER,
    decided_by    INTEGER
);
CREATE INDEX guilds_status ON guilds (status);

CREATE TABLE guild_members (
    guild_id  INTEGER NOT NULL REFERENCES guilds (id),
    user_id   INTEGER NOT NULL REFERENCES users (id),
    role      TEXT    NOT NULL CHECK (role IN ('leader', 'deputy', 'member')),
    status    TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'left', 'removed')),
    joined_at INTEGER NOT NULL,
    left_at   INTEGER,
    PRIMARY KEY (guild_id, user_id)
);
-- A worker belongs to at most one guild at a time.
CREATE UNIQUE INDEX guild_members_one_active ON guild_members (user_id) WHERE status = 'active';
CREATE INDEX guild_members_guild ON guild_members (guild_id, status);
-- Guild names are told apart by people, so no two guilds that are not rejected share one.
CREATE UNIQUE INDEX guilds_name ON guilds (name COLLATE NOCASE) WHERE status != 'rejected';

-- Every invite code a guild ever had: the current one is guilds.invite_code; a code replaced by
-- `/invite new` stays here with revoked_at set, so opening an old link gets a clear answer.
CREATE TABLE guild_invites (
    code       TEXT    PRIMARY KEY,
    guild_id   INTEGER NOT NULL REFERENCES guilds (id),
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
