"""Quality control's rules, one by one: normalising answers, control items per assignment,
units, aggregation, and auto-award by score."""

from __future__ import annotations

from bot.domain.quality import (
    aggregate,
    controls_for,
    golden_answers,
    is_correct,
    normalise,
    passes,
    task_units,
)
from bot.domain.scores import Score
from bot.domain.tasks import QuoteOffer, claim_choices, plan_auto_award
from bot.domain.work import spread_within


def test_text_answers_compare_without_case_width_spaces_and_punctuation() -> None:
    assert normalise("Hello, World!") == normalise("hello world") == "helloworld"
    assert normalise("ＡＢＣ１２３") == "abc123"
    assert normalise("你好。") == normalise("你 好") == "你好"
    # The marks of a number stay: 3.5 is not 35, -5 not 5, 1/2 not 12.
    assert normalise("3.5") == "3.5" != normalise("35")
    assert normalise("-5") != normalise("5") and normalise("1/2") != normalise("12")
    assert normalise("Yes.") == "yes"
    golden = golden_answers("Hello world | Hi", choice=False)
    assert is_correct(normalise("ＨＥＬＬＯ,  World!!"), golden)
    assert is_correct(normalise("hi."), golden)
    assert not is_correct(normalise("hello"), golden)
    assert not is_correct(None, golden)


def test_choice_answers_are_their_set_of_labels() -> None:
    assert golden_answers("狗 | 猫", choice=True) == golden_answers("猫|狗", choice=True)
    assert golden_answers("猫", choice=True) != golden_answers("猫 | 狗", choice=True)


def test_control_items_per_assignment_and_units() -> None:
    assert controls_for(10, 10, budget=5) == 1
    assert controls_for(5, 10, budget=5) == 1  # 0.5 rounds up
    assert controls_for(4, 10, budget=5) == 0
    assert controls_for(10, 10, budget=0) == 0  # the task's units left no room
    assert controls_for(1, 50, budget=5) == 0  # one unit is never a control item
    assert controls_for(2, 50, budget=5) == 1
    assert task_units(9, 3, 10) == (30, 3)
    assert task_units(100, 1, 0) == (100, 0)


def test_passes_at_the_threshold() -> None:
    assert passes(5, 1, 80) and not passes(5, 2, 80)
    assert passes(0, 0, 100)  # no control answered: nothing failed


def test_an_item_answer_is_the_majority_and_a_tie_is_none() -> None:
    found = aggregate(["猫", "猫", "狗"])
    assert found.answer == "猫" and found.votes == 2 and found.answers == 3 and found.agreed
    assert round(found.confidence, 2) == 0.67
    tie = aggregate(["猫", "狗"])
    assert tie.answer is None and not tie.agreed
    assert aggregate([]).answers == 0


def test_spread_within_caps() -> None:
    assert spread_within(10, [(1, 10), (2, 10)]) == [(1, 5), (2, 5)]
    assert spread_within(10, [(1, 2), (2, 10)]) == [(1, 2), (2, 8)]
    assert spread_within(10, [(1, 0), (2, 3)]) == [(2, 3)]  # 7 left over


def test_auto_award_by_score() -> None:
    good = Score(right=10, controls=10, accepted=10, units=10, on_time=1, ended=1)  # 100
    poor = Score(right=5, controls=10, accepted=5, units=10, on_time=1, ended=2)  # 50
    quotes = [QuoteOffer(1, 150, 10, 1, good), QuoteOffer(2, 100, 10, 2, poor),
              QuoteOffer(3, 120, 10, 3)]  # no score: counts as 80
    assert plan_auto_award(quotes, 10) == [(2, 10)]  # the cheapest
    # Adjusted: 150 / 1.0 = 150, 100 / 0.5 = 200, 120 / 0.8 = 150 (the earlier wins the tie).
    assert plan_auto_award(quotes, 25, by_quality=True) == [(1, 10), (3, 10), (2, 5)]
    assert plan_auto_award(quotes, 30, min_score=60) == [(3, 10), (1, 10)]


def test_one_pass_tally_agrees_with_the_counter() -> None:
    from bot.domain.quality import tally_items
    rows = [("a", "猫", 2, "猫"), ("a", "狗", 1, "狗"), ("b", None, None, None),
            ("c", "猫", 1, "猫"), ("c", "狗", 1, "狗"), ("d", "鸟", 3, "鸟 ")]
    found = {key: (result, sample) for key, result, sample in tally_items(rows)}
    assert found["a"][0] == aggregate(["猫", "猫", "狗"]) and found["a"][1] == "猫"
    assert found["b"][0].answers == 0 and found["b"][0].answer is None
    assert found["c"][0].answer is None and found["c"][0].answers == 2  # a tie
    assert found["d"][0].answer == "鸟" and found["d"][1] == "鸟 "


def test_claim_buttons_offer_a_few_counts_capped_by_what_is_left() -> None:
    assert claim_choices(0) == []
    assert claim_choices(3) == [1, 2, 3]
    assert claim_choices(40) == [5, 10, 20, 40]
    assert claim_choices(999) == [100, 200, 500, 999]
    assert claim_choices(220_000) == [100, 200, 500, 1000]
