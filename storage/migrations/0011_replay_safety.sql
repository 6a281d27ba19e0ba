-- Updates already handled, so a redelivery (after a crash, a webhook retry) does nothing twice.
-- An update is claimed by the first transaction that changes something for it; the gate drops
-- any update found here. Pruned by the sweep once Telegram can no longer redeliver it.
CREATE TABLE processed_updates (
    update_id  INTEGER PRIMARY KEY,
    handled_at INTEGER NOT NULL
);
CREATE INDEX processed_updates_age ON processed_updates (handled_at);

-- The message a result came in, so that editing a text result (before Submit) replaces it.
ALTER TABLE results ADD COLUMN chat_message_id INTEGER;
CREATE INDEX results_message ON results (chat_message_id)
    WHERE chat_message_id IS NOT NULL;
