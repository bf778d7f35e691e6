"""The what-if of QUESTION-BANK.md: the same rules, with some open questions marked as if
answered otherwise. No database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.scoring import Level, score, what_if
from tests.test_scoring import CHECKLIST_AREAS, CHECKLIST_QUESTIONS, THRESHOLDS

Y, P, N = 1.0, 0.5, 0.0


def known_answers():
    """Medición all "no", Liderazgo half-way, everything else "sí"."""
    values = dict.fromkeys(range(1, 21), Y)
    values.update({1: P, 2: P, 3: P, 4: N, 5: N, 6: N})
    return values


def test_closing_two_no_questions_worked_by_hand():
    values = known_answers()
    today = score(CHECKLIST_AREAS, CHECKLIST_QUESTIONS, values, THRESHOLDS)
    # MED (0 + 0 + 0) / 3 = 0; LID 1.5 / 3 = 50.
    # Overall: (1.5 + 0 + 14) / 20 = 15.5 / 20 = 77.5 → "orientada" (60 to below 80).
    assert today.area_scores["MED"] == 0
    assert today.overall == pytest.approx(77.5)
    assert today.level is Level.ORIENTED
    # Priorities: MED 1.25 × 100 = 125 first, LID 1.5 × 50 = 75 second.
    assert [p.code for p in today.priorities[:2]] == ["MED", "LID"]

    closed = what_if(CHECKLIST_AREAS, CHECKLIST_QUESTIONS, values, THRESHOLDS, {4: Y, 5: Y})
    # MED (1 + 1 + 0) / 3 = 66.67, priority 1.25 × 33.33 = 41.67, now behind LID's 75.
    # Overall: (1.5 + 2 + 14) / 20 = 17.5 / 20 = 87.5 → "centrada en el cliente".
    assert closed.area_scores["MED"] == pytest.approx(200 / 3)
    assert closed.overall == pytest.approx(87.5)
    assert closed.level is Level.CENTRED
    assert [p.code for p in closed.priorities[:2]] == ["LID", "MED"]
    assert values[4] == N  # the answers themselves are untouched


def test_a_no_marked_as_parcialmente_counts_half():
    values = known_answers()
    marked = what_if(CHECKLIST_AREAS, CHECKLIST_QUESTIONS, values, THRESHOLDS, {6: P})
    # MED (0 + 0 + 0.5) / 3 = 16.67; overall (1.5 + 0.5 + 14) / 20 = 80 → centred.
    assert marked.area_scores["MED"] == pytest.approx(50 / 3)
    assert marked.overall == pytest.approx(80)
    assert marked.level is Level.CENTRED


values_strategy = st.fixed_dictionaries({n: st.sampled_from([Y, P, N]) for n in range(1, 21)})


@given(values=values_strategy)
def test_nothing_marked_is_the_report(values):
    assert what_if(CHECKLIST_AREAS, CHECKLIST_QUESTIONS, values, THRESHOLDS, {}) == score(
        CHECKLIST_AREAS, CHECKLIST_QUESTIONS, values, THRESHOLDS
    )


@given(values=values_strategy, data=st.data())
def test_marking_open_questions_never_lowers_a_score(values, data):
    open_questions = [n for n, v in values.items() if v < 1]
    marked = (
        data.draw(st.lists(st.sampled_from(open_questions), unique=True)) if open_questions else []
    )
    marks = {n: Y for n in marked}
    today = score(CHECKLIST_AREAS, CHECKLIST_QUESTIONS, values, THRESHOLDS)
    simulated = what_if(CHECKLIST_AREAS, CHECKLIST_QUESTIONS, values, THRESHOLDS, marks)
    assert simulated.overall >= today.overall
    for code, value in today.area_scores.items():
        assert simulated.area_scores[code] >= value
