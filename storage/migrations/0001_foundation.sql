-- Times are INTEGER seconds since the epoch, UTC. Money is INTEGER minor units.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,            -- Telegram user id
    first_name    TEXT    NOT NULL,
    last_name     TEXT,
    username      TEXT,
    language_code TEXT,
    -- 1 once the user has written to the bot in private, so the bot may message them;
    -- back to 0 when a send answers Forbidden (never started, or blocked the bot).
    can_message   INTEGER NOT NULL DEFAULT 0 CHECK (can_message IN (0, 1)),
    unreachable_at INTEGER,
    timezone      TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX users_username ON users (username COLLATE NOCASE);

-- Admins granted at run time; ADMIN_IDS from the configuration are admins besides these.
CREATE TABLE admins (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id),
    granted_by INTEGER,
    granted_at INTEGER NOT NULL
);

-- Messages for people other than the one acting, written in the same transaction as the change
-- they report and sent later by the dispatcher at the rate limiter's pace.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    chat_id    INTEGER NOT NULL,
    user_id    INTEGER,                            -- the recipient, for private chats
    method     TEXT    NOT NULL DEFAULT 'sendMessage',
    payload    TEXT    NOT NULL,                   -- Bot API parameters as JSON, without chat_id
    dedupe_key TEXT    UNIQUE,                     -- the same notice is queued once at most
    status     TEXT    NOT NULL DEFAULT 'pending'
               CHECK (status IN ('pending', 'sent', 'failed', 'unreachable')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    not_before INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    sent_at    INTEGER
);
CREATE INDEX outbox_due ON outbox (not_before, id) WHERE status = 'pending';

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    actor_id    INTEGER NOT NULL,
    action      TEXT    NOT NULL,
    target_type TEXT,
    target_id   INTEGER,
    detail      TEXT,
    created_at  INTEGER NOT NULL
);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id);
