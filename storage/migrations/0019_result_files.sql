-- The bot's own copy of each result file (RESULTS_DIR), by Telegram's file_unique_id: one
-- copy however many results carry the file (a rework carries results that stood). Exports
-- read the copy where there is one.
CREATE TABLE result_files (
    file_unique_id TEXT    PRIMARY KEY,
    file_id        TEXT    NOT NULL,          -- what to download it by
    status         TEXT    NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'kept', 'failed')),
    path           TEXT,                      -- relative to RESULTS_DIR, once kept
    size           INTEGER,
    sha256         TEXT,
    attempts       INTEGER NOT NULL DEFAULT 0,
    next_at        INTEGER NOT NULL,          -- when to try (again)
    error          TEXT,                      -- why the last try failed
    created_at     INTEGER NOT NULL
);
CREATE INDEX result_files_due ON result_files (status, next_at);
