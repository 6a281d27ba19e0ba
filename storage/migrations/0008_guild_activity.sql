-- Guild summaries read each guild's accepted work in a period; without this SQLite walked every
-- approved assignment of the platform in that period once per guild (27 ms each at 2,000 guilds).
CREATE INDEX assignments_guild_decided
    ON assignments (guild_id, status, decided_at, worker_id, accepted_units);
