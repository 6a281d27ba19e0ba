-- Bulk payouts (bot/services/payouts.py): each line of a payout file carries a reference (the
-- admin's own, e.g. a bank transfer number); a reference pays once, whoever sends it again.
ALTER TABLE ledger ADD COLUMN reference TEXT;
CREATE UNIQUE INDEX ledger_reference ON ledger (reference) WHERE reference IS NOT NULL;

-- /payroll: units, gross and commission of the work accepted in a period, per worker, read
-- from this index alone (no visit to the table, no join with the ledger).
CREATE INDEX assignments_payroll
    ON assignments (status, decided_at, worker_id, accepted_units, unit_price_minor,
                    commission_bp, guild_id);
