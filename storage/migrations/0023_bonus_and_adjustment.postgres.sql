-- PostgreSQL's twin of 0023 (see storage/postgres.py): the ledger's CHECK changes in place.

ALTER TABLE ledger DROP CONSTRAINT ledger_kind_check;
ALTER TABLE ledger ADD CONSTRAINT ledger_kind_check
    CHECK (kind IN ('worker_share', 'commission', 'payout', 'bonus', 'adjustment'));

-- /audit: the trail newest first, by who acted or on what (the target index exists).
CREATE INDEX audit_log_time ON audit_log (created_at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, created_at);
