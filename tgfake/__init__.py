"""An offline Telegram: a fake Bot API and people who talk to the bot through it.

Used by the tests, the benchmarks and any offline sandbox. Nothing here touches the network:
`FakeRequest` plugs into PTB's request layer; `tgfake.server` serves the same fake over HTTP on
loopback for running `python -m bot` against it.
"""

from tgfake.api import BOT_USERNAME, FakeBotAPI, Sent
from tgfake.harness import FakeGroup, FakeUser, Harness
from tgfake.request import FakeRequest

__all__ = ["BOT_USERNAME", "FakeBotAPI", "FakeGroup", "FakeRequest", "FakeUser", "Harness",
           "Sent"]
