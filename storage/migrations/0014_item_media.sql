-- Media items (one file of a ZIP each): the file the bot keeps under DATA_DIR, its kind, and
-- the Telegram file_id once it was uploaded (re-sent by id after that).
ALTER TABLE items ADD COLUMN media_kind TEXT
    CHECK (media_kind IS NULL OR media_kind IN ('photo', 'audio', 'video', 'document'));
ALTER TABLE items ADD COLUMN media_path TEXT;  -- relative to DATA_DIR
ALTER TABLE items ADD COLUMN file_id TEXT;
