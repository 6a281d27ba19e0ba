-- The clock: reminders sent once, summary preferences, and a record of every summary run.

ALTER TABLE assignments ADD COLUMN reminded_24h_at INTEGER;
ALTER TABLE assignments ADD COLUMN reminded_1h_at INTEGER;
CREATE INDEX assignments_due ON assignments (status, due_at);
CREATE INDEX assignments_offer_expiry ON assignments (status, offer_expires_at);
CREATE INDEX assignments_decided ON assignments (status, decided_at, worker_id, accepted_units);

ALTER TABLE users ADD COLUMN summary_frequency TEXT NOT NULL DEFAULT 'weekly'
    CHECK (summary_frequency IN ('daily', 'weekly', 'monthly', 'off'));

-- One row per summary sent (or found empty): who (a worker, a guild, an admin) and which period.
-- Written in the same transaction as the outbox rows, so a restart never sends one twice.
CREATE TABLE summary_runs (
    kind       TEXT    NOT NULL CHECK (kind IN ('worker', 'guild', 'admin')),
    subject_id INTEGER NOT NULL,
    period_key TEXT    NOT NULL,
    sent       INTEGER NOT NULL CHECK (sent IN (0, 1)),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (kind, subject_id, period_key)
) WITHOUT ROWID;

-- Period sums over everyone (summaries) read only the period's rows.
CREATE INDEX ledger_time ON ledger (created_at, user_id, kind, amount_minor);
