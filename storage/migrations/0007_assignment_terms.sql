-- Terms fixed when an assignment is offered or submitted, so later changes to the guild do not
-- change what was promised: the commission the offer stated, and whether the leader pre-checks.

ALTER TABLE assignments ADD COLUMN commission_bp INTEGER
    CHECK (commission_bp IS NULL OR commission_bp BETWEEN 0 AND 5000);
UPDATE assignments SET commission_bp = (SELECT g.commission_bp FROM guilds g
                                        WHERE g.id = assignments.guild_id);
ALTER TABLE assignments ADD COLUMN needs_precheck INTEGER NOT NULL DEFAULT 0
    CHECK (needs_precheck IN (0, 1));
