"""Numbers as people see them: rounded half-up, in the active language's format."""

from decimal import Decimal

import pytest
from django.utils import translation

from assessments import formatting


@pytest.fixture(autouse=True)
def spanish():
    with translation.override("es"):
        yield


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        (52.5, 0, "53"),  # round() would show 52
        (62.5, 0, "63"),
        (0.5, 0, "1"),
        (66.66666666666667, 0, "67"),
        (33.33333333333333, 1, "33,3"),
        (41.666666666666664, 1, "41,7"),
        (15.625, 2, "15,63"),  # round() would show 15,62
        (Decimal("40.00"), 0, "40"),
        (None, 0, "–"),
    ],
)
def test_scores_round_half_up(value, places, shown):
    assert formatting.number(value, places) == shown


@pytest.mark.parametrize("score", [62.5, 37.5, 52.5, 0.5, 99.5, 66.66666666666667, 100, 0])
def test_a_shown_score_and_its_gap_add_up_to_100(score):
    assert int(formatting.number(score)) + int(formatting.gap(score)) == 100


def test_changes_carry_their_sign():
    assert formatting.signed(12.25) == "+12,3"
    assert formatting.signed(-3) == "-3,0"
    assert formatting.signed(0) == "0,0"
    assert formatting.signed(0.04) == "0,0"  # rounds to zero: no sign
    assert formatting.signed(None) == "–"


def test_weights_show_the_decimals_they_have():
    assert [formatting.weight(w) for w in (1, 1.25, 1.5, Decimal("2.00"))] == [
        "1",
        "1,25",
        "1,5",
        "2",
    ]


def test_percentages_and_plain_numbers_for_files():
    assert formatting.percent(1, 8) == 13  # 12.5
    assert formatting.percent(0, 0) == 0
    assert str(formatting.plain(62.5)) == "62.50"
    assert str(formatting.plain(15.625)) == "15.63"
    assert formatting.plain(None) is None


def test_english_uses_a_decimal_point():
    with translation.override("en"):
        assert formatting.number(52.25, 1) == "52.3"
