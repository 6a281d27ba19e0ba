-- Assignments (units of a guild's allocation handed to one worker), their results, the ledger.

CREATE TABLE assignments (
    id               INTEGER PRIMARY KEY,
    task_id          INTEGER NOT NULL REFERENCES tasks (id),
    allocation_id    INTEGER NOT NULL REFERENCES allocations (id),
    guild_id         INTEGER NOT NULL REFERENCES guilds (id),
    worker_id        INTEGER NOT NULL REFERENCES users (id),
    units            INTEGER NOT NULL CHECK (units > 0),
    unit_price_minor INTEGER NOT NULL CHECK (unit_price_minor > 0),
    -- offered → accepted → submitted → approved; submitted → rejected → accepted (rework);
    -- offered → declined | expired; accepted → expired (overdue); open states → cancelled.
    status           TEXT    NOT NULL DEFAULT 'offered'
                     CHECK (status IN ('offered', 'accepted', 'submitted', 'approved',
                                       'rejected', 'declined', 'expired', 'cancelled')),
    accepted_units   INTEGER,          -- units accepted in review (part acceptance)
    reject_reason    TEXT,
    rework_count     INTEGER NOT NULL DEFAULT 0,
    assigned_by      INTEGER NOT NULL,
    offered_at       INTEGER NOT NULL,
    offer_expires_at INTEGER NOT NULL,
    due_at           INTEGER NOT NULL,  -- the task's deadline
    accepted_at      INTEGER,
    submitted_at     INTEGER,
    prechecked_at    INTEGER,          -- the leader's pre-check, when the guild asks for one
    prechecked_by    INTEGER,
    decided_at       INTEGER,
    decided_by       INTEGER,          -- NULL when accepted automatically
    auto_accepted    INTEGER NOT NULL DEFAULT 0 CHECK (auto_accepted IN (0, 1)),
    CHECK (accepted_units IS NULL OR accepted_units BETWEEN 0 AND units)
);
CREATE INDEX assignments_worker ON assignments (worker_id, status);
CREATE INDEX assignments_allocation ON assignments (allocation_id, status);
CREATE INDEX assignments_task_guild ON assignments (task_id, guild_id, status);
CREATE INDEX assignments_review ON assignments (status, submitted_at);

CREATE TABLE results (
    id             INTEGER PRIMARY KEY,
    assignment_id  INTEGER NOT NULL REFERENCES assignments (id),
    round          INTEGER NOT NULL,   -- rework_count when it was sent: older rounds are history
    kind           TEXT    NOT NULL
                   CHECK (kind IN ('text', 'document', 'photo', 'voice', 'audio', 'video')),
    file_id        TEXT,
    file_unique_id TEXT,
    file_name      TEXT,
    mime_type      TEXT,
    file_size      INTEGER,
    text           TEXT,               -- the text, or a file's caption
    created_at     INTEGER NOT NULL
);
CREATE INDEX results_assignment ON results (assignment_id, round, id);
-- The same file is never taken twice, whoever sends it.
CREATE UNIQUE INDEX results_unique_file ON results (file_unique_id)
    WHERE file_unique_id IS NOT NULL;

-- Money in and out, in minor units: credits positive, payouts negative. One acceptance credits
-- the worker's share and the guild's commission exactly once (unique per assignment and kind).
CREATE TABLE ledger (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),  -- who is owed (worker, or leader)
    guild_id      INTEGER REFERENCES guilds (id),
    assignment_id INTEGER REFERENCES assignments (id),
    kind          TEXT    NOT NULL CHECK (kind IN ('worker_share', 'commission', 'payout')),
    amount_minor  INTEGER NOT NULL,
    note          TEXT,
    created_by    INTEGER,
    created_at    INTEGER NOT NULL,
    UNIQUE (assignment_id, kind)
);
-- Covering index for per-user balances and period sums.
CREATE INDEX ledger_user ON ledger (user_id, created_at, kind, amount_minor);
CREATE INDEX ledger_guild ON ledger (guild_id, kind, created_at, amount_minor);
