-- Informational notices (joins, leaves, offers taken, declined or lapsed, submissions, accepted
-- work) gathered into one digest message per chat and guild. The first line of a window queues
-- one outbox row (method 'digest', due when the window ends); later lines of that window join
-- it; the dispatcher renders the row from its lines just before it sends it. A line is keyed by
-- its event, so an event seen twice adds nothing.
CREATE TABLE digest_lines (
    id           INTEGER PRIMARY KEY,
    outbox_id    INTEGER REFERENCES outbox (id),   -- the digest message that carries it
    chat_id      INTEGER NOT NULL,
    guild_id     INTEGER NOT NULL,
    event_key    TEXT    NOT NULL,                 -- e.g. take:12, join:300001:1764579600
    text         TEXT    NOT NULL,                 -- HTML, in the chat's language
    created_at   INTEGER NOT NULL,
    delivered_at INTEGER,                          -- when its digest was sent
    UNIQUE (chat_id, event_key)
);
-- The newest line of a chat and guild names the window that may still be open.
CREATE INDEX digest_lines_newest ON digest_lines (chat_id, guild_id, id);
CREATE INDEX digest_lines_outbox ON digest_lines (outbox_id);
