"""Scores: how far a worker's or a guild's work can be trusted, over the last 90 days.

Three rates, each only where there is something to count:

- **controls**: control answers right, of all control answers given;
- **accepted**: units accepted, of the units of assignments taken that ended (accepted, or
  expired without being submitted);
- **on time**: of those assignments, the share accepted on work submitted by the deadline (a
  rework that lapsed is not).

The score is the mean of the rates there are, 0–100. A guild's rates add up its members'
work, so each is weighted by work done. Without any scored work, a score counts as
`UNSCORED` (80) where a rule needs one: new guilds get their chance, and do not outrank good
ones on price alone.
"""

from __future__ import annotations

from dataclasses import dataclass

WINDOW_DAYS = 90
UNSCORED = 80


@dataclass(frozen=True, slots=True)
class Score:
    right: int = 0  # control answers right
    controls: int = 0  # control answers given
    accepted: int = 0  # units accepted
    units: int = 0  # units of assignments taken that ended
    on_time: int = 0  # those assignments submitted by the deadline
    ended: int = 0  # assignments taken that ended

    @property
    def accuracy(self) -> float | None:
        return self.right / self.controls if self.controls else None

    @property
    def accepted_share(self) -> float | None:
        return self.accepted / self.units if self.units else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.ended if self.ended else None

    @property
    def value(self) -> int | None:
        """The mean of the rates there are, 0–100 (None: nothing scored yet)."""
        rates = [r for r in (self.accuracy, self.accepted_share, self.on_time_rate)
                 if r is not None]
        return round(100 * sum(rates) / len(rates)) if rates else None

    @property
    def rank_value(self) -> int:
        """What rules use: the score, or UNSCORED without one."""
        value = self.value
        return UNSCORED if value is None else value


NO_SCORE = Score()


def adjusted_price(price_minor: int, score: Score) -> float:
    """A quote's price for ranking by quality: the price divided by the score's share, so a
    guild scoring 50 must be half the price of one scoring 100 to rank with it."""
    return price_minor * 100 / max(score.rank_value, 1)
