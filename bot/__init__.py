"""Guildwork: crowdsourced part-time work distributed through guilds, inside Telegram."""

import os

# Opt in now to PTB's coming behaviour: durations such as RetryAfter.retry_after as timedelta.
os.environ.setdefault("PTB_TIMEDELTA", "1")
