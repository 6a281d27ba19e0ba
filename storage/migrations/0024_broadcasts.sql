-- Broadcasts (bot/services/broadcasts.py): an admin's message to many people at once. A draft
-- is shown with its recipient count and Send / Cancel; Send queues it, and the one broadcast
-- sending at a time fans out into the outbox, a row per recipient marked with its id, so its
-- progress is the count of those rows by status. A broadcast sent while another is sending
-- waits, queued, until that one is done.
CREATE TABLE broadcasts (
    id                  INTEGER PRIMARY KEY,
    admin_id            INTEGER NOT NULL,
    audience            TEXT    NOT NULL
                        CHECK (audience IN ('all', 'workers', 'leaders', 'guild', 'skill')),
    audience_ref        TEXT,   -- the guild's id or the skill's name
    method              TEXT    NOT NULL CHECK (method IN ('sendMessage', 'sendPhoto',
                                                           'sendDocument')),
    payload             TEXT    NOT NULL,  -- Bot API parameters as JSON, without chat_id
    status              TEXT    NOT NULL DEFAULT 'draft'
                        CHECK (status IN ('draft', 'queued', 'sending', 'done', 'cancelled')),
    recipients          INTEGER NOT NULL DEFAULT 0,  -- counted at the draft, fixed at the fan-out
    sent                INTEGER NOT NULL DEFAULT 0,  -- the final counts, when done
    failed              INTEGER NOT NULL DEFAULT 0,
    progress_message_id INTEGER,  -- in the admin's private chat: edited as it goes
    created_at          INTEGER NOT NULL,
    started_at          INTEGER,
    finished_at         INTEGER
);
CREATE INDEX broadcasts_open ON broadcasts (status, id) WHERE status IN ('queued', 'sending');

ALTER TABLE outbox ADD COLUMN broadcast_id INTEGER REFERENCES broadcasts (id);
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, status) WHERE broadcast_id IS NOT NULL;
-- The dispatcher takes other notices first and a broadcast's rows with the room left in a
-- batch, so a notice queued during a long broadcast is not stuck behind it: one index each.
CREATE INDEX outbox_pending_notices ON outbox (id) WHERE status = 'pending' AND broadcast_id IS NULL;
CREATE INDEX outbox_pending_broadcasts ON outbox (id)
    WHERE status = 'pending' AND broadcast_id IS NOT NULL;
