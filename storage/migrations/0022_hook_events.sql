-- Events for the platform's own systems (HOOK_URL), queued in the transaction of the change
-- they report and POSTed by the hook sender, at least once, in order per ordering key (a
-- task's events in the order they happened). Nothing is written while hooks are off.
CREATE TABLE hook_events (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,  -- evt_<32 hex>: the same on every repeat of a delivery
    type TEXT NOT NULL,  -- task.posted, submission.accepted, ...
    ordering_key TEXT NOT NULL,  -- task:12, user:5, guild:3: delivered one after another
    payload TEXT NOT NULL,  -- the JSON body, exactly as signed and sent
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER
);
-- The sender reads the due heads of each key; the rest of a key waits behind its head.
CREATE INDEX hook_events_pending ON hook_events (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX hook_events_key ON hook_events (ordering_key, id) WHERE status = 'pending';
-- Delivered events are kept a week (for /hooks and for looking into a complaint), then the
-- sweep forgets them, oldest first.
CREATE INDEX hook_events_delivered ON hook_events (delivered_at) WHERE status = 'delivered';
