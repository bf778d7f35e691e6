"""The one way a stored assessment is scored, on plain stand-ins for the bank's rows: no
database needed."""

from types import SimpleNamespace

import pytest

from assessments import scoring
from assessments.assessment_scoring import answer_values, score_answers, scoring_rows


class Rows(list):
    """A prefetched related manager, as far as the mapping uses one."""

    def all(self):
        return self


def bank():
    question = SimpleNamespace
    return [
        SimpleNamespace(
            code="LID",
            order=1,
            weight=1.5,
            questions=Rows(
                [question(pk=11, number=1, weight=1), question(pk=12, number=2, weight=2)]
            ),
        ),
        SimpleNamespace(
            code="MED",
            order=2,
            weight=1.25,
            questions=Rows([question(pk=21, number=3, weight=1)]),
        ),
    ]


def answers(**choices):
    return {int(pk[1:]): SimpleNamespace(choice=c) for pk, c in choices.items()}


def test_rows_carry_codes_orders_and_weights():
    areas, questions = scoring_rows(bank())
    assert areas == [scoring.AreaRow("LID", 1, 1.5), scoring.AreaRow("MED", 2, 1.25)]
    assert [(q.number, q.area_code, q.weight) for q in questions] == [
        (1, "LID", 1),
        (2, "LID", 2),
        (3, "MED", 1),
    ]


def test_a_note_without_a_choice_is_not_an_answer():
    values = answer_values(bank(), answers(p11="yes", p12="", p21="partly"))
    assert values == {1: 1.0, 3: 0.5}


def test_it_scores_by_the_bank_s_weights():
    result = score_answers(bank(), answers(p11="yes", p12="partly", p21="no"), (40, 60, 80))
    # LID: (1×1 + 2×0.5) / 3 = 66.7; MED: 0; overall (1 + 1 + 0) / 4 = 50.
    assert result.area_scores["LID"] == pytest.approx(200 / 3)
    assert result.area_scores["MED"] == 0
    assert result.overall == 50
    assert result.level is scoring.Level.DEVELOPING
    # MED 1.25 × 100 = 125 before LID 1.5 × 33.3 = 50.
    assert [p.code for p in result.priorities] == ["MED", "LID"]


def test_unanswered_questions_are_named():
    with pytest.raises(scoring.Unanswered) as raised:
        score_answers(bank(), answers(p11="yes"), (40, 60, 80))
    assert raised.value.numbers == (2, 3)
