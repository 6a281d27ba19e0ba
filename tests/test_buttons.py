"""Callback data: built, matched and read back by one spec per button."""

from __future__ import annotations

import re

import pytest

from bot import buttons
from bot.buttons import Buttons

SPECS = {name: spec for name, spec in vars(buttons).items() if isinstance(spec, Buttons)}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_button_reads_back_what_it_was_built_with(name: str) -> None:
    spec = SPECS[name]
    for action in spec.actions:
        id = 2**63 - 1 if spec.with_id else None
        marks = 2**buttons.MARKABLE - 1 if spec.with_marks else None
        rounds = (2**63 - 1,) if spec.with_marks else (None, 7) if spec.with_round else (None,)
        for round in rounds:
            data = spec.data(action, id, round, marks)
            assert len(data.encode()) <= 64
            assert re.match(spec.pattern, data)
            pressed = spec.parse(data)
            assert pressed is not None
            assert (pressed.action, pressed.id, pressed.round, pressed.marks) == (
                action, id or 0, round, marks or 0)


def test_no_data_is_taken_by_two_buttons() -> None:
    for name, spec in SPECS.items():
        for action in spec.actions:
            data = spec.data(action, 1 if spec.with_id else None,
                             *((1, 5) if spec.with_marks else ()))
            takers = [other for other, o in SPECS.items() if o.parse(data) is not None]
            assert takers == [name], data


@pytest.mark.parametrize("data", ["garbage", "a1:accept:abc", "a1:accept:", "s1:freq:hourly",
                                  "q1:award:1:2", "g1:approve:-1", "", "a1:approve:1:x"])
def test_malformed_data_is_nobodys_button(data: str) -> None:
    assert all(spec.parse(data) is None for spec in SPECS.values())


def test_a_button_is_built_only_with_its_own_fields() -> None:
    with pytest.raises(ValueError):
        buttons.OFFER.data("approve", 1)
    with pytest.raises(ValueError):
        buttons.OFFER.data("accept")
    with pytest.raises(ValueError):
        buttons.FREQUENCY.data("daily", 3)
