-- Quality control (bot/services/quality.py): control items with known answers mixed into
-- assignments, overlap (each item answered by several workers) and decisions without an admin.
-- The share of an assignment's items that are control items, in per cent (0: none).
ALTER TABLE tasks ADD COLUMN control_pct INTEGER NOT NULL DEFAULT 0
    CHECK (control_pct BETWEEN 0 AND 50);
-- A submission whose control answers are right less often than this (per cent) is rejected.
ALTER TABLE tasks ADD COLUMN threshold_pct INTEGER NOT NULL DEFAULT 80
    CHECK (threshold_pct BETWEEN 1 AND 100);
-- How many different workers answer each item (1: no overlap), and whether from different
-- guilds.
ALTER TABLE tasks ADD COLUMN overlap INTEGER NOT NULL DEFAULT 1 CHECK (overlap BETWEEN 1 AND 10);
ALTER TABLE tasks ADD COLUMN overlap_guilds INTEGER NOT NULL DEFAULT 0
    CHECK (overlap_guilds IN (0, 1));
-- 'quality': a submission that passes the controls (and agrees under overlap) is accepted
-- without an admin.
ALTER TABLE tasks ADD COLUMN auto_accept TEXT CHECK (auto_accept IS NULL OR auto_accept = 'quality');
-- How many of the task's items are control items (they are among item_count).
ALTER TABLE tasks ADD COLUMN control_count INTEGER NOT NULL DEFAULT 0;

-- A control item's accepted answers, normalised (JSON list); NULL for an ordinary item.
ALTER TABLE items ADD COLUMN golden TEXT;
CREATE INDEX items_control ON items (task_id, position) WHERE golden IS NOT NULL;

-- An answer as compared (normalised: case, spaces, full-width forms and punctuation), and,
-- for a control item, whether it was right.
ALTER TABLE results ADD COLUMN norm TEXT;
ALTER TABLE results ADD COLUMN correct INTEGER CHECK (correct IS NULL OR correct IN (0, 1));
CREATE INDEX results_item ON results (item_id, norm) WHERE item_id IS NOT NULL;

-- Each submission's control check: the history scores and automatic bans read.
CREATE TABLE control_checks (
    assignment_id INTEGER NOT NULL REFERENCES assignments (id),
    round         INTEGER NOT NULL,
    worker_id     INTEGER NOT NULL REFERENCES users (id),
    guild_id      INTEGER NOT NULL REFERENCES guilds (id),
    task_id       INTEGER NOT NULL REFERENCES tasks (id),
    total         INTEGER NOT NULL,  -- control items answered
    wrong         INTEGER NOT NULL,
    passed        INTEGER NOT NULL CHECK (passed IN (0, 1)),
    checked_at    INTEGER NOT NULL,
    PRIMARY KEY (assignment_id, round)
);
CREATE INDEX control_checks_worker ON control_checks (worker_id, checked_at);
CREATE INDEX control_checks_guild ON control_checks (guild_id, checked_at);

-- A submission whose items did not all agree with the others' answers: the admins see these
-- first.
ALTER TABLE assignments ADD COLUMN disputed INTEGER NOT NULL DEFAULT 0
    CHECK (disputed IN (0, 1));

-- Auto-award by quality: quotes of guilds scoring below min_score (0-100) are passed over, and
-- award_by 'quality' ranks quotes by price adjusted for the guild's score (bot/domain/scores.py).
ALTER TABLE tasks ADD COLUMN min_score INTEGER NOT NULL DEFAULT 0 CHECK (min_score BETWEEN 0 AND 100);
ALTER TABLE tasks ADD COLUMN award_by TEXT NOT NULL DEFAULT 'price'
    CHECK (award_by IN ('price', 'quality'));

-- A qualification test: an item task whose items all have golden answers; a worker who takes
-- it (/qualify <skill>) and gets at least threshold_pct right is granted this skill. Such a
-- task is not announced, quoted or claimed, and pays nothing.
ALTER TABLE tasks ADD COLUMN qualifies TEXT;
CREATE INDEX tasks_qualifies ON tasks (qualifies, status) WHERE qualifies IS NOT NULL;
