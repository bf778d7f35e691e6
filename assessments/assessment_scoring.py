"""Scoring a stored assessment: the bank's areas and the answers given, mapped to the plain
rows of scoring.py, and the one call to `scoring.score`.

Submission (which stores the result) and the report (which shows it) both score through
`score_answers`, so a stored score and its report cannot be computed two ways. Nothing
here queries the database: callers pass the areas with their questions prefetched and the
answers by question id.
"""

from collections.abc import Mapping, Sequence

from assessments import scoring


def scoring_rows(areas: Sequence) -> tuple[list[scoring.AreaRow], list[scoring.QuestionRow]]:
    """The bank's areas and questions as scoring.py's rows."""
    area_rows = [scoring.AreaRow(area.code, area.order, float(area.weight)) for area in areas]
    question_rows = [
        scoring.QuestionRow(question.number, area.code, question.weight)
        for area in areas
        for question in area.questions.all()
    ]
    return area_rows, question_rows


def answer_values(areas: Sequence, answers_by_question_id: Mapping) -> dict[int, float]:
    """Question number → the value of its answer; questions without a choice are left out."""
    values = {}
    for area in areas:
        for question in area.questions.all():
            answer = answers_by_question_id.get(question.pk)
            if answer is not None and answer.choice:
                values[question.number] = scoring.ANSWER_VALUES[answer.choice]
    return values


def score_answers(
    areas: Sequence, answers_by_question_id: Mapping, thresholds: tuple[int, int, int]
) -> scoring.Result:
    """The result of an assessment; raises `scoring.Unanswered` naming what is missing."""
    area_rows, question_rows = scoring_rows(areas)
    values = answer_values(areas, answers_by_question_id)
    return scoring.score(area_rows, question_rows, values, thresholds)


def choices_by_number(areas: Sequence, answers_by_question_id: Mapping) -> dict[int, str]:
    """Question number → the choice of its answer ("yes", "partly", "no")."""
    return {
        question.number: answers_by_question_id[question.pk].choice
        for area in areas
        for question in area.questions.all()
        if question.pk in answers_by_question_id and answers_by_question_id[question.pk].choice
    }


def score_round(
    areas: Sequence,
    responses: Sequence[Mapping],
    agreed_by_question_id: Mapping[int, str],
    thresholds: tuple[int, int, int],
) -> tuple[scoring.Result, scoring.Combined]:
    """The result of a round from its submitted responses (each: question id → answer) and
    the lead's agreed answers (question id → choice)."""
    area_rows, question_rows = scoring_rows(areas)
    numbers = {question.pk: question.number for area in areas for question in area.questions.all()}
    combined = scoring.combine(
        [choices_by_number(areas, answers) for answers in responses],
        {numbers[qid]: choice for qid, choice in agreed_by_question_id.items() if qid in numbers},
    )
    result = scoring.score(
        area_rows, question_rows, combined.values, thresholds, said_no=combined.said_no
    )
    return result, combined


def submitted_values(
    assessment, areas: Sequence, responses: Sequence[Mapping], agreed_by_question_id: Mapping
) -> tuple[dict[int, float], frozenset[int]]:
    """Question number → the value the stored result was scored with, and the questions
    somebody answered "no" in a round (never quick wins): what a what-if starts from."""
    if not assessment.is_round:
        return answer_values(areas, responses[0] if responses else {}), frozenset()
    numbers = {question.pk: question.number for area in areas for question in area.questions.all()}
    combined = scoring.combine(
        [choices_by_number(areas, answers) for answers in responses],
        {numbers[qid]: choice for qid, choice in agreed_by_question_id.items() if qid in numbers},
    )
    return combined.values, combined.said_no
