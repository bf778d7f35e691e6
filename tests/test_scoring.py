"""The rules of QUESTION-BANK.md, checked on examples worked out by hand and on
properties that must hold for any bank and any answers. No database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.scoring import AreaRow, Level, QuestionRow, maturity_level, score

# The checklist's real shape: areas, weights and which questions each holds.
CHECKLIST_AREAS = [
    AreaRow("LID", 1, 1.5),
    AreaRow("MED", 2, 1.25),
    AreaRow("VAL", 3, 1.0),
    AreaRow("CON", 4, 1.0),
    AreaRow("PER", 5, 1.0),
    AreaRow("RES", 6, 1.0),
]
MEMBERS = {
    "LID": [1, 2, 3],
    "MED": [4, 5, 6],
    "VAL": [7, 8, 9, 11],
    "CON": [10, 12, 14, 15, 16],
    "PER": [17, 18, 19],
    "RES": [13, 20],
}
CHECKLIST_QUESTIONS = [QuestionRow(n, code, 1) for code, ns in MEMBERS.items() for n in ns]
THRESHOLDS = (40, 60, 80)
Y, P, N = 1.0, 0.5, 0.0


def test_a_checklist_example_worked_by_hand():
    values = dict.fromkeys(range(1, 21), Y)
    values.update({1: N, 2: P, 7: P, 8: P, 9: N, 15: N, 18: N, 19: N, 13: P})
    result = score(CHECKLIST_AREAS, CHECKLIST_QUESTIONS, values, THRESHOLDS)

    # LID (0 + .5 + 1)/3; VAL (.5 + .5 + 0 + 1)/4; CON 4/5; PER 1/3; RES 1.5/2.
    assert result.area_scores == pytest.approx(
        {"LID": 50, "MED": 100, "VAL": 50, "CON": 80, "PER": 100 / 3, "RES": 75}
    )
    # 13 points of 20 questions; not the mean of the area scores (64.7).
    assert result.overall == pytest.approx(65)
    assert result.level is Level.ORIENTED
    # Priorities: LID 1.5×50 = 75, PER 66.7, VAL 50, RES 25, CON 20, MED none.
    ranked = [(p.code, p.rank) for p in result.priorities]
    assert ranked == [("LID", 1), ("PER", 2), ("VAL", 3), ("RES", 4), ("CON", 5), ("MED", None)]
    assert [p.priority for p in result.priorities] == pytest.approx([75, 200 / 3, 50, 25, 20, 0])
    focus = [(f.area.code, [q.number for q in f.open_questions]) for f in result.work_first]
    assert focus == [("LID", [1, 2]), ("PER", [18, 19]), ("VAL", [9, 7, 8])]
    assert result.quick_wins == (2, 7, 8, 13)
    assert result.strengths == ("MED",)


def test_weights_other_than_one_worked_by_hand():
    areas = [AreaRow("A", 1, 1.0), AreaRow("B", 2, 2.0), AreaRow("C", 3, 1.0)]
    questions = [
        QuestionRow(1, "A", 1),
        QuestionRow(2, "A", 3),
        QuestionRow(3, "B", 1),
        QuestionRow(4, "C", 2),
        QuestionRow(5, "C", 1),
    ]
    values = {1: Y, 2: N, 3: P, 4: N, 5: Y}
    result = score(areas, questions, values, THRESHOLDS)
    # A (1×1 + 3×0)/4 = 25; B 50; C (2×0 + 1×1)/3 = 33.3.
    assert result.area_scores == pytest.approx({"A": 25, "B": 50, "C": 100 / 3})
    # (1 + 0 + .5 + 0 + 1) / (1 + 3 + 1 + 2 + 1) = 2.5 / 8.
    assert result.overall == pytest.approx(31.25)
    assert result.level is Level.REACTIVE
    # B 2×50 = 100 beats A 1×75 although A scores lower: the weight decides.
    assert [p.code for p in result.priorities] == ["B", "A", "C"]


def test_a_tie_in_priority_goes_to_the_earlier_area():
    # Y: weight 2, gap 25 → 50. X: weight 1, gap 50 → 50. Y comes first in the checklist.
    areas = [AreaRow("X", 2, 1.0), AreaRow("Y", 1, 2.0)]
    questions = [QuestionRow(1, "X", 1), QuestionRow(2, "Y", 1), QuestionRow(3, "Y", 1)]
    result = score(areas, questions, {1: P, 2: Y, 3: P}, THRESHOLDS)
    assert [(p.code, p.priority, p.rank) for p in result.priorities] == [
        ("Y", 50, 1),
        ("X", 50, 2),
    ]


def test_open_questions_list_no_before_partly_then_weight_then_number():
    areas = [AreaRow("A", 1, 1.0)]
    questions = [
        QuestionRow(1, "A", 1),
        QuestionRow(2, "A", 3),
        QuestionRow(3, "A", 2),
        QuestionRow(4, "A", 2),
        QuestionRow(5, "A", 1),
    ]
    result = score(areas, questions, {1: N, 2: P, 3: N, 4: N, 5: Y}, THRESHOLDS)
    assert [q.number for q in result.work_first[0].open_questions] == [3, 4, 1, 2]


def test_only_three_areas_are_listed_first_and_never_one_without_gap():
    values = dict.fromkeys(range(1, 21), Y)
    values.update({1: N, 4: N})  # only LID and MED have a gap
    result = score(CHECKLIST_AREAS, CHECKLIST_QUESTIONS, values, THRESHOLDS)
    assert [f.area.code for f in result.work_first] == ["LID", "MED"]

    values = dict.fromkeys(range(1, 21), N)
    result = score(CHECKLIST_AREAS, CHECKLIST_QUESTIONS, values, THRESHOLDS)
    assert [f.area.code for f in result.work_first] == ["LID", "MED", "VAL"]


@pytest.mark.parametrize(
    ("overall", "level"),
    [
        (0, Level.REACTIVE),
        (39.99, Level.REACTIVE),
        (40, Level.DEVELOPING),
        (59.99, Level.DEVELOPING),
        (60, Level.ORIENTED),
        (79.99, Level.ORIENTED),
        (80, Level.CENTRED),
        (100, Level.CENTRED),
    ],
)
def test_maturity_levels_start_at_their_thresholds(overall, level):
    assert maturity_level(overall, THRESHOLDS) is level


def test_thresholds_come_from_the_bank():
    assert maturity_level(55, (30, 50, 70)) is Level.ORIENTED


def test_an_unanswered_question_cannot_be_scored():
    with pytest.raises(ValueError, match=r"\[20\]"):
        score(CHECKLIST_AREAS, CHECKLIST_QUESTIONS, dict.fromkeys(range(1, 20), Y), THRESHOLDS)


@st.composite
def banks_and_answers(draw):
    area_count = draw(st.integers(1, 6))
    areas = [
        AreaRow(f"A{i}", i, draw(st.sampled_from([0.5, 1.0, 1.25, 1.5, 2.0, 3.0])))
        for i in range(1, area_count + 1)
    ]
    questions = []
    for area in areas:
        for _ in range(draw(st.integers(1, 5))):
            questions.append(QuestionRow(len(questions) + 1, area.code, draw(st.integers(1, 3))))
    values = {q.number: draw(st.sampled_from([N, P, Y])) for q in questions}
    thresholds = tuple(sorted(draw(st.sets(st.integers(1, 100), min_size=3, max_size=3))))
    return areas, questions, values, thresholds


@given(banks_and_answers())
def test_every_score_is_between_0_and_100(case):
    result = score(*case)
    assert 0 <= result.overall <= 100
    assert all(0 <= s <= 100 for s in result.area_scores.values())


@given(banks_and_answers(), st.data())
def test_raising_one_answer_never_lowers_any_score(case, data):
    areas, questions, values, thresholds = case
    raisable = [n for n, v in values.items() if v < Y]
    if not raisable:
        return
    number = data.draw(st.sampled_from(raisable))
    higher = data.draw(st.sampled_from([v for v in (P, Y) if v > values[number]]))
    before = score(areas, questions, values, thresholds)
    after = score(areas, questions, {**values, number: higher}, thresholds)
    assert after.overall >= before.overall
    for code, area_score in before.area_scores.items():
        assert after.area_scores[code] >= area_score
    priority_before = {p.code: p.priority for p in before.priorities}
    assert all(p.priority <= priority_before[p.code] for p in after.priorities)


@given(banks_and_answers())
def test_an_all_si_assessment_has_no_priorities(case):
    areas, questions, values, thresholds = case
    result = score(areas, questions, dict.fromkeys(values, Y), thresholds)
    assert result.work_first == ()
    assert all(p.rank is None for p in result.priorities)
    assert result.quick_wins == ()
    assert result.strengths == tuple(a.code for a in areas)
    assert result.overall == 100
