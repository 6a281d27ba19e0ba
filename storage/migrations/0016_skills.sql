-- Quality control, part one: skills workers hold (granted by admins or leaders, or earned in a
-- qualification test), and bans with an end date (bot/services/skills.py, bans.py).
CREATE TABLE skills (
    name          TEXT    PRIMARY KEY
                  CHECK (length(name) BETWEEN 1 AND 32 AND name NOT GLOB '*[^a-z0-9_-]*'),
    title         TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 60),
    -- 1: a guild's leader or deputies may grant it to their own members.
    leaders_grant INTEGER NOT NULL DEFAULT 0 CHECK (leaders_grant IN (0, 1)),
    created_by    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE worker_skills (
    user_id    INTEGER NOT NULL REFERENCES users (id),
    skill      TEXT    NOT NULL REFERENCES skills (name),
    source     TEXT    NOT NULL CHECK (source IN ('admin', 'leader', 'test')),
    granted_by INTEGER,  -- NULL: a qualification test
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, skill)
);
CREATE INDEX worker_skills_skill ON worker_skills (skill);

-- A ban is over at `until_at` by itself, or earlier when lifted (/unban).
CREATE TABLE bans (
    id           INTEGER PRIMARY KEY,
    subject_kind TEXT    NOT NULL CHECK (subject_kind IN ('user', 'guild')),
    subject_id   INTEGER NOT NULL,
    scope        TEXT    NOT NULL CHECK (scope IN ('platform', 'skill', 'task')),
    scope_ref    TEXT,   -- the skill's name or the task's id; NULL for the platform
    until_at     INTEGER NOT NULL,
    reason       TEXT    NOT NULL,
    banned_by    INTEGER,  -- NULL: automatic (a failed control)
    created_at   INTEGER NOT NULL,
    lifted_at    INTEGER,
    lifted_by    INTEGER,
    CHECK ((scope = 'platform') = (scope_ref IS NULL))
);
CREATE INDEX bans_subject ON bans (subject_kind, subject_id, until_at) WHERE lifted_at IS NULL;
