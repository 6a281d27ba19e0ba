"""Guildwork: crowdsourced part-time work distributed through guilds, inside Telegram."""
