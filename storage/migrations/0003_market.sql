-- The task market: tasks posted by admins, quotes and claims by guilds, allocations.

CREATE TABLE tasks (
    id                INTEGER PRIMARY KEY,
    title             TEXT    NOT NULL,
    instructions      TEXT    NOT NULL DEFAULT '',
    mode              TEXT    NOT NULL CHECK (mode IN ('quote', 'fixed')),
    result_type       TEXT    NOT NULL
                      CHECK (result_type IN ('text', 'document', 'photo', 'voice', 'audio',
                                             'video', 'any')),
    units             INTEGER NOT NULL CHECK (units > 0),
    price_minor       INTEGER NOT NULL CHECK (price_minor > 0),  -- per unit; a cap for quotes
    allocated_units   INTEGER NOT NULL DEFAULT 0,
    status            TEXT    NOT NULL DEFAULT 'open'
                      CHECK (status IN ('open', 'allocated', 'completed', 'cancelled',
                                        'expired')),
    deadline_at       INTEGER NOT NULL,
    quote_deadline_at INTEGER,
    quote_window_closed INTEGER NOT NULL DEFAULT 0 CHECK (quote_window_closed IN (0, 1)),
    review_days       INTEGER NOT NULL DEFAULT 3 CHECK (review_days BETWEEN 0 AND 60),
    auto_award        INTEGER NOT NULL DEFAULT 0 CHECK (auto_award IN (0, 1)),
    skills            TEXT,
    cancel_reason     TEXT,
    created_by        INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    closed_at         INTEGER,
    CHECK (allocated_units BETWEEN 0 AND units)
);
CREATE INDEX tasks_status ON tasks (status, id);
CREATE INDEX tasks_quote_window ON tasks (quote_deadline_at)
    WHERE status = 'open' AND quote_window_closed = 0;

CREATE TABLE task_attachments (
    id             INTEGER PRIMARY KEY,
    task_id        INTEGER NOT NULL REFERENCES tasks (id),
    kind           TEXT    NOT NULL,   -- document, photo, voice, audio, video
    file_id        TEXT    NOT NULL,
    file_unique_id TEXT    NOT NULL,
    file_name      TEXT,
    position       INTEGER NOT NULL
);
CREATE INDEX task_attachments_task ON task_attachments (task_id, position);

CREATE TABLE quotes (
    id            INTEGER PRIMARY KEY,
    task_id       INTEGER NOT NULL REFERENCES tasks (id),
    guild_id      INTEGER NOT NULL REFERENCES guilds (id),
    price_minor   INTEGER NOT NULL CHECK (price_minor > 0),
    units         INTEGER NOT NULL CHECK (units > 0),
    note          TEXT,
    status        TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'accepted', 'rejected', 'withdrawn', 'expired')),
    awarded_units INTEGER,
    reason        TEXT,
    created_by    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    decided_at    INTEGER,
    decided_by    INTEGER
);
-- One live quote per guild per task: a new one replaces it.
CREATE UNIQUE INDEX quotes_one_pending ON quotes (task_id, guild_id) WHERE status = 'pending';
CREATE INDEX quotes_task ON quotes (task_id, status, price_minor, id);

-- What a guild holds of a task: awarded quotes and claims. Assignments draw on these units.
CREATE TABLE allocations (
    id               INTEGER PRIMARY KEY,
    task_id          INTEGER NOT NULL REFERENCES tasks (id),
    guild_id         INTEGER NOT NULL REFERENCES guilds (id),
    units            INTEGER NOT NULL CHECK (units > 0),
    unit_price_minor INTEGER NOT NULL CHECK (unit_price_minor > 0),
    source           TEXT    NOT NULL CHECK (source IN ('quote', 'claim')),
    quote_id         INTEGER REFERENCES quotes (id),
    created_by       INTEGER NOT NULL,
    created_at       INTEGER NOT NULL
);
CREATE INDEX allocations_task ON allocations (task_id, guild_id);
CREATE INDEX allocations_guild ON allocations (guild_id, task_id);
