-- The language a person reads, when they chose one in /settings ('en' or 'zh_Hans'); NULL:
-- their Telegram app's (users.language_code). A guild group's own choice; NULL: its leader's.
ALTER TABLE users ADD COLUMN language TEXT CHECK (language IS NULL OR language IN ('en', 'zh_Hans'));
ALTER TABLE guilds ADD COLUMN language TEXT CHECK (language IS NULL OR language IN ('en', 'zh_Hans'));
