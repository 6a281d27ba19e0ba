-- migrate: foreign keys off (the ledger is rebuilt; references are checked before the commit)
-- Bonuses and corrections (bot/services/ledger_ops.py): two more kinds of ledger line, each
-- carrying the admin's reason (note) and an optional reference, unique with the payouts'.
-- SQLite can't change a CHECK in place, so the table is rebuilt with its indexes.

CREATE TABLE ledger_new (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),  -- who is owed (worker, or leader)
    guild_id      INTEGER REFERENCES guilds (id),
    assignment_id INTEGER REFERENCES assignments (id),
    kind          TEXT    NOT NULL CHECK (kind IN ('worker_share', 'commission', 'payout',
                                                   'bonus', 'adjustment')),
    amount_minor  INTEGER NOT NULL,
    note          TEXT,
    created_by    INTEGER,
    created_at    INTEGER NOT NULL,
    reference     TEXT,
    UNIQUE (assignment_id, kind)
);
INSERT INTO ledger_new (id, user_id, guild_id, assignment_id, kind, amount_minor, note,
    created_by, created_at, reference)
SELECT id, user_id, guild_id, assignment_id, kind, amount_minor, note, created_by, created_at,
    reference
FROM ledger;
DROP TABLE ledger;
ALTER TABLE ledger_new RENAME TO ledger;
CREATE INDEX ledger_user ON ledger (user_id, created_at, kind, amount_minor);
CREATE INDEX ledger_guild ON ledger (guild_id, kind, created_at, amount_minor);
CREATE INDEX ledger_time ON ledger (created_at, user_id, kind, amount_minor);
CREATE UNIQUE INDEX ledger_reference ON ledger (reference) WHERE reference IS NOT NULL;

-- /audit: the trail newest first, by who acted or on what (the target index exists).
CREATE INDEX audit_log_time ON audit_log (created_at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, created_at);
