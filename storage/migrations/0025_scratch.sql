-- Conversation scratch: what a person's conversation with the bot is in the middle of (the
-- assignment /submit chose, a text waiting for "is this a result?", the step of a guided
-- /newtask and its draft, an open prompt, a refused repeat offered again under a button). It
-- lived in each process's memory; kept here, it survives a restart and every instance on one
-- database sees the same. One row per person and key; the value is the bot's own pickle of it.
CREATE TABLE scratch (
    user_id    INTEGER NOT NULL,
    key        TEXT    NOT NULL,
    value      BLOB    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
) WITHOUT ROWID;
-- The sweep forgets a conversation nobody has touched for a long time.
CREATE INDEX scratch_updated ON scratch (updated_at);
