-- Each member's short number in their guild (M3): shown by /members and taken by /assign,
-- /promote, /demote, /remove, so a member without a username can be named. Given at the first
-- join and kept (one who comes back keeps theirs), so a number never comes to mean someone else.
ALTER TABLE guild_members ADD COLUMN number INTEGER;
UPDATE guild_members SET number = (
    SELECT COUNT(*) FROM guild_members g
    WHERE g.guild_id = guild_members.guild_id
      AND (g.joined_at < guild_members.joined_at
           OR (g.joined_at = guild_members.joined_at AND g.user_id <= guild_members.user_id)));
CREATE UNIQUE INDEX guild_members_number ON guild_members (guild_id, number);
