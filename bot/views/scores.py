"""Scores as people read them (bot/domain/scores.py)."""

from __future__ import annotations

from bot.domain.scores import Score
from bot.i18n import Translator


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{round(100 * rate)} %"


def score_short(_: Translator, score: Score) -> str:
    value = score.value
    return _("no score yet") if value is None else _("score {value}", value=value)


def score_full(_: Translator, score: Score) -> str:
    """`score 92 (controls 95 %, accepted 90 %, on time 100 %)`."""
    if score.value is None:
        return _("no score yet")
    return _("score {value} (controls {controls}, accepted {accepted}, on time {on_time})",
             value=score.value, controls=_percent(score.accuracy),
             accepted=_percent(score.accepted_share), on_time=_percent(score.on_time_rate))
