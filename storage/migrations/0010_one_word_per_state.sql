-- migrate: foreign keys off (tables are rebuilt; references are checked before the commit)
-- One word per state, from the database to the screen:
--   assignments: a taken offer is 'in_progress' (was 'accepted'); a review that passed is
--   'accepted' (was 'approved'); the moment an offer was taken is started_at (was accepted_at);
--   quotes: an awarded quote is 'awarded' (was 'accepted').
-- SQLite can't change a CHECK in place, so both tables are rebuilt with their indexes.

CREATE TABLE assignments_new (
    id               INTEGER PRIMARY KEY,
    task_id          INTEGER NOT NULL REFERENCES tasks (id),
    allocation_id    INTEGER NOT NULL REFERENCES allocations (id),
    guild_id         INTEGER NOT NULL REFERENCES guilds (id),
    worker_id        INTEGER NOT NULL REFERENCES users (id),
    units            INTEGER NOT NULL CHECK (units > 0),
    unit_price_minor INTEGER NOT NULL CHECK (unit_price_minor > 0),
    -- the lifecycle is bot/domain/lifecycle.py's ASSIGNMENT table
    status           TEXT    NOT NULL DEFAULT 'offered'
                     CHECK (status IN ('offered', 'in_progress', 'submitted', 'accepted',
                                       'rejected', 'declined', 'expired', 'cancelled')),
    accepted_units   INTEGER,          -- units the review accepted (part acceptance)
    reject_reason    TEXT,
    rework_count     INTEGER NOT NULL DEFAULT 0,
    assigned_by      INTEGER NOT NULL,
    offered_at       INTEGER NOT NULL,
    offer_expires_at INTEGER NOT NULL,
    due_at           INTEGER NOT NULL,  -- the task's deadline
    started_at       INTEGER,          -- the worker took the offer
    submitted_at     INTEGER,
    prechecked_at    INTEGER,          -- the leader's pre-check, when the guild asks for one
    prechecked_by    INTEGER,
    decided_at       INTEGER,
    decided_by       INTEGER,          -- NULL when accepted automatically
    auto_accepted    INTEGER NOT NULL DEFAULT 0 CHECK (auto_accepted IN (0, 1)),
    reminded_24h_at  INTEGER,
    reminded_1h_at   INTEGER,
    commission_bp    INTEGER CHECK (commission_bp IS NULL OR commission_bp BETWEEN 0 AND 5000),
    needs_precheck   INTEGER NOT NULL DEFAULT 0 CHECK (needs_precheck IN (0, 1)),
    CHECK (accepted_units IS NULL OR accepted_units BETWEEN 0 AND units)
);
INSERT INTO assignments_new (id, task_id, allocation_id, guild_id, worker_id, units,
    unit_price_minor, status, accepted_units, reject_reason, rework_count, assigned_by,
    offered_at, offer_expires_at, due_at, started_at, submitted_at, prechecked_at,
    prechecked_by, decided_at, decided_by, auto_accepted, reminded_24h_at, reminded_1h_at,
    commission_bp, needs_precheck)
SELECT id, task_id, allocation_id, guild_id, worker_id, units, unit_price_minor,
    CASE status WHEN 'accepted' THEN 'in_progress' WHEN 'approved' THEN 'accepted'
                ELSE status END,
    accepted_units, reject_reason, rework_count, assigned_by, offered_at, offer_expires_at,
    due_at, accepted_at, submitted_at, prechecked_at, prechecked_by, decided_at, decided_by,
    auto_accepted, reminded_24h_at, reminded_1h_at, commission_bp, needs_precheck
FROM assignments;
DROP TABLE assignments;
ALTER TABLE assignments_new RENAME TO assignments;
CREATE INDEX assignments_worker ON assignments (worker_id, status);
CREATE INDEX assignments_allocation ON assignments (allocation_id, status);
CREATE INDEX assignments_task_guild ON assignments (task_id, guild_id, status);
CREATE INDEX assignments_review ON assignments (status, submitted_at);
CREATE INDEX assignments_due ON assignments (status, due_at);
CREATE INDEX assignments_offer_expiry ON assignments (status, offer_expires_at);
CREATE INDEX assignments_decided ON assignments (status, decided_at, worker_id, accepted_units);
CREATE INDEX assignments_guild_decided
    ON assignments (guild_id, status, decided_at, worker_id, accepted_units);

CREATE TABLE quotes_new (
    id            INTEGER PRIMARY KEY,
    task_id       INTEGER NOT NULL REFERENCES tasks (id),
    guild_id      INTEGER NOT NULL REFERENCES guilds (id),
    price_minor   INTEGER NOT NULL CHECK (price_minor > 0),
    units         INTEGER NOT NULL CHECK (units > 0),
    note          TEXT,
    status        TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'awarded', 'rejected', 'withdrawn', 'expired')),
    awarded_units INTEGER,
    reason        TEXT,
    created_by    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    decided_at    INTEGER,
    decided_by    INTEGER
);
INSERT INTO quotes_new (id, task_id, guild_id, price_minor, units, note, status, awarded_units,
    reason, created_by, created_at, decided_at, decided_by)
SELECT id, task_id, guild_id, price_minor, units, note,
    CASE status WHEN 'accepted' THEN 'awarded' ELSE status END, awarded_units, reason,
    created_by, created_at, decided_at, decided_by
FROM quotes;
DROP TABLE quotes;
ALTER TABLE quotes_new RENAME TO quotes;
CREATE UNIQUE INDEX quotes_one_pending ON quotes (task_id, guild_id) WHERE status = 'pending';
CREATE INDEX quotes_task ON quotes (task_id, status, price_minor, id);
