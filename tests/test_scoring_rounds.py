"""Several respondents in one assessment (QUESTION-BANK.md, "a round"): hand-worked
examples and properties. No database."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.scoring import ANSWER_VALUES, area_agreement, combine, score
from tests.test_scoring import CHECKLIST_AREAS, CHECKLIST_QUESTIONS, THRESHOLDS

NUMBERS = [q.number for q in CHECKLIST_QUESTIONS]
CHOICES = ["yes", "partly", "no"]


def everyone(choice="yes", **overrides):
    """One response: every question `choice`, except q<n>=<choice> overrides."""
    response = dict.fromkeys(NUMBERS, choice)
    response.update({int(k[1:]): v for k, v in overrides.items()})
    return response


THREE = [
    everyone(q1="yes", q2="yes", q3="no", q4="partly"),
    everyone(q1="no", q2="yes", q3="no", q4="partly"),
    everyone(q1="partly", q2="partly", q3="no", q4="yes"),
]


def test_values_are_the_mean_of_the_responses():
    combined = combine(THREE)
    # q1: (1 + 0 + 0.5) / 3 = 0.5; q2: (1 + 1 + 0.5) / 3 = 0.8333; q3: 0; q4: 2/3.
    assert combined.values[1] == 0.5
    assert combined.values[2] == pytest.approx(2.5 / 3)
    assert combined.values[3] == 0
    assert combined.values[4] == pytest.approx(2 / 3)
    assert combined.counts[1] == {"yes": 1, "partly": 1, "no": 1}


def test_both_si_and_no_make_a_disagreement_and_lower_the_area_s_agreement():
    combined = combine(THREE)
    assert combined.disagreements == (1,)  # q3 is "no" for all: agreed, however bad
    agreement = area_agreement(CHECKLIST_AREAS, CHECKLIST_QUESTIONS, combined.disagreements)
    # Liderazgo holds 1, 2, 3: two of three agreed = 66.7; every other area 100.
    assert agreement["LID"] == pytest.approx(200 / 3)
    assert {code for code, value in agreement.items() if value == 100} == {
        "MED",
        "VAL",
        "CON",
        "PER",
        "RES",
    }


def test_the_round_is_scored_by_the_single_person_rules_from_its_values():
    combined = combine(THREE)
    result = score(
        CHECKLIST_AREAS,
        CHECKLIST_QUESTIONS,
        combined.values,
        THRESHOLDS,
        said_no=combined.said_no,
    )
    # LID: (0.5 + 0.8333 + 0) / 3 = 44.4; MED: (0.6667 + 1 + 1) / 3 = 88.9.
    assert result.area_scores["LID"] == pytest.approx(100 * (0.5 + 2.5 / 3) / 3)
    assert result.area_scores["MED"] == pytest.approx(100 * (2 / 3 + 2) / 3)
    # Work first in Liderazgo: lowest value first: 3 (0), then 1 (0.5), then 2 (0.83).
    first = result.work_first[0]
    assert first.area.code == "LID"
    assert [q.number for q in first.open_questions] == [3, 1, 2]
    # Quick wins: value from 0.5 to below 1 and nobody said "no": 2 and 4, not 1.
    assert result.quick_wins == (2, 4)


def test_an_agreed_answer_stands_instead_of_the_mean():
    combined = combine(THREE, agreed={1: "yes", 3: "partly"})
    assert combined.values[1] == 1.0 and combined.values[3] == 0.5
    assert combined.disagreements == (1,)  # still listed, with the agreed answer beside it
    result = score(CHECKLIST_AREAS, CHECKLIST_QUESTIONS, combined.values, THRESHOLDS)
    # LID: (1 + 0.8333 + 0.5) / 3 = 77.8.
    assert result.area_scores["LID"] == pytest.approx(100 * (1 + 2.5 / 3 + 0.5) / 3)


def test_a_round_needs_a_submitted_response():
    with pytest.raises(ValueError, match="at least one"):
        combine([])


responses = st.fixed_dictionaries({n: st.sampled_from(CHOICES) for n in NUMBERS})


@given(response=responses)
def test_one_respondent_scores_exactly_as_one_person(response):
    combined = combine([response])
    alone = {n: ANSWER_VALUES[c] for n, c in response.items()}
    assert combined.values == alone and combined.disagreements == ()
    as_round = score(
        CHECKLIST_AREAS,
        CHECKLIST_QUESTIONS,
        combined.values,
        THRESHOLDS,
        said_no=combined.said_no,
    )
    assert as_round == score(CHECKLIST_AREAS, CHECKLIST_QUESTIONS, alone, THRESHOLDS)


@given(round_=st.lists(responses, min_size=2, max_size=4), data=st.data())
def test_the_order_of_the_respondents_changes_nothing(round_, data):
    shuffled = data.draw(st.permutations(round_))
    assert combine(shuffled) == combine(round_)


@given(
    round_=st.lists(responses, min_size=1, max_size=4),
    agreed=st.dictionaries(st.sampled_from(NUMBERS), st.sampled_from(CHOICES)),
)
def test_an_agreed_answer_always_overrides_the_mean(round_, agreed):
    combined = combine(round_, agreed)
    for number, choice in agreed.items():
        assert combined.values[number] == ANSWER_VALUES[choice]
    for number in set(NUMBERS) - set(agreed):
        assert combined.values[number] == pytest.approx(
            sum(ANSWER_VALUES[r[number]] for r in round_) / len(round_)
        )


def test_every_value_a_round_can_produce_stays_between_no_and_si():
    for picks in itertools.product(CHOICES, repeat=3):
        value = combine([everyone(p) for p in picks]).values[1]
        assert 0 <= value <= 1
