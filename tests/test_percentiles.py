"""Percentiles by the rule in QUESTION-BANK.md: 100 × (lower + half the equal others) ÷
(group size − 1), rounded half-up; no figure for a group under five."""

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from assessments.comparison import (
    MIN_PERCENTILE_GROUP,
    Standing,
    area_standings,
    percentiles,
    standings,
    standings_among,
)


def test_the_lowest_is_0_and_the_highest_100():
    # Five different scores: each is above 0, 1, 2, 3, 4 others of 4 → 0, 25, 50, 75, 100.
    result = percentiles({"a": 10, "b": 20, "c": 30, "d": 40, "e": 50})
    assert result == {"a": 0, "b": 25, "c": 50, "d": 75, "e": 100}


def test_ties_count_half_of_the_other_tied_members():
    # b, c and d tie at 50: each has 1 lower (a) and 2 equal others → 100 × (1 + 1) / 4 = 50.
    # e: 4 lower → 100. a: 0 lower → 0.
    result = percentiles({"a": 10, "b": 50, "c": 50, "d": 50, "e": 90})
    assert result == {"a": 0, "b": 50, "c": 50, "d": 50, "e": 100}


def test_a_tie_at_the_top_is_not_100():
    # d and e tie at 80: 3 lower and 1 equal other → 100 × (3 + 0.5) / 4 = 87.5 → 88 (half up).
    result = percentiles({"a": 10, "b": 20, "c": 30, "d": 80, "e": 80})
    assert result["d"] == result["e"] == 88


def test_everyone_equal_is_the_middle():
    # 0 lower, 5 equal others of 5 → 100 × 2.5 / 5 = 50.
    assert set(percentiles({n: 42 for n in range(6)}).values()) == {50}


def test_a_group_of_four_has_no_percentile_and_five_has():
    four = {"a": 1, "b": 2, "c": 3, "d": 4}
    assert percentiles(four) == dict.fromkeys(four)
    # Five: the new lowest member pushes "a" to 1 lower of 4 → 25.
    assert percentiles({**four, "z": 0})["a"] == 25
    assert MIN_PERCENTILE_GROUP == 5


def test_rounding_is_half_up_at_exact_halves():
    # Seven members: the second lowest has 1 lower of 6 others → 16.67 → 17.
    result = percentiles({"a": 0, "b": 1, "c": 2, "d": 3, "e": 4, "f": 5, "g": 6})
    assert result["b"] == 17
    # Nine members. b and c: one lower and one equal other → 100 × 1.5 / 8 = 18.75 → 19;
    # d: three lower → 100 × 3 / 8 = 37.5 → 38 (half up, not to even); e: 4 of 8 → 50.
    nine = {"a": 0, "b": 1, "c": 1, "d": 2, "e": 3, "f": 4, "g": 5, "h": 6, "i": 7}
    result = percentiles(nine)
    assert result["b"] == result["c"] == 19
    assert result["e"] == 50 and result["d"] == 38


def by_the_rule(scores: dict) -> dict:
    """The rule as written, member by member, in exact fractions."""
    if len(scores) < 5:
        return dict.fromkeys(scores)
    result = {}
    for member, score in scores.items():
        lower = sum(1 for m, s in scores.items() if s < score)
        equal_others = sum(1 for m, s in scores.items() if s == score and m != member)
        exact = Fraction(100) * (lower + Fraction(equal_others, 2)) / (len(scores) - 1)
        rounded = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
        result[member] = int(rounded)
    return result


@given(st.dictionaries(st.integers(), st.integers(0, 100) | st.decimals(0, 100, places=2)))
def test_the_one_pass_matches_the_rule_for_any_group(scores):
    assert percentiles(scores) == by_the_rule(scores)


@given(
    st.dictionaries(
        st.integers(),
        st.tuples(st.sampled_from(["Hostelería", "Industria", "Salud"]), st.integers(0, 20)),
    ),
    st.data(),
)
def test_a_page_ranked_from_the_book_s_counts_matches_ranking_the_whole_book(results, data):
    counts = Counter(results.values())
    page = data.draw(
        st.lists(st.sampled_from(sorted(results)), unique=True) if results else st.just([])
    )
    expected = standings(results)
    assert standings_among(counts, {m: results[m] for m in page}) == {m: expected[m] for m in page}


def test_standings_place_each_member_in_the_portfolio_and_in_its_sector():
    results = {
        # Six hotels: 10, 20, 30, 40, 50, 60; three factories: 15, 25, 35.
        **{f"hotel{i}": ("Hostelería", 10 * i) for i in range(1, 7)},
        **{f"factory{i}": ("Industria", 10 * i + 5) for i in range(1, 4)},
    }
    result = standings(results)
    # hotel3 (30): 4 lower of 8 others in the portfolio (10, 15, 20, 25) → 50; 2 lower of
    # 5 other hotels → 40.
    assert result["hotel3"] == Standing(portfolio=50, portfolio_size=9, sector=40, sector_size=6)
    # factory1 (15): 1 lower of 8 → 12.5 → 13; only three factories: no sector figure.
    assert result["factory1"] == Standing(
        portfolio=13, portfolio_size=9, sector=None, sector_size=3
    )


def test_each_area_is_its_own_group():
    sectors = {f"o{i}": "Hostelería" for i in range(5)}
    # LID rises with i; MED falls; o4's result did not score MED (an older bank).
    area_scores = {f"o{i}": {"LID": 10 * i, "MED": 50 - 10 * i} for i in range(4)}
    area_scores["o4"] = {"LID": 40}
    result = area_standings(sectors, area_scores)
    assert result["o0"]["LID"].portfolio == 0 and result["o4"]["LID"].portfolio == 100
    # MED has four members only: no percentile, and o4 has no MED figure at all.
    assert result["o0"]["MED"] == Standing(None, 4, None, 4)
    assert "MED" not in result["o4"]
