import threading
from decimal import Decimal

import pytest
from django.db import connection

from assessments import services
from assessments.models import Answer, AreaResult, Assessment, QuestionBank, Response
from tests.conftest import all_choices, answer_inputs, question_ids


def stored(assessment):
    return dict(
        Answer.objects.filter(response__assessment=assessment).values_list(
            "question__number", "choice"
        )
    )


def test_start_uses_the_current_published_bank(bank, acme, alice):
    QuestionBank.objects.create(version=2, title_es="Borrador", status="draft")
    assessment = services.assessment_start(organisation=acme, user=alice)
    assert assessment.bank == bank
    assert assessment.status == "draft"
    assert assessment.started_by == alice


def test_start_refuses_when_no_bank_is_published(db, acme, alice):
    with pytest.raises(services.AssessmentError, match="ningún banco de preguntas publicado"):
        services.assessment_start(organisation=acme, user=alice)
    assert not Assessment.objects.exists()


def test_saving_keeps_partial_answers_and_replaces_them_later(bank, draft, alice):
    services.answers_save(
        assessment=draft, user=alice, answers=answer_inputs(bank, {1: "no", 2: "partly"})
    )
    services.answers_save(
        assessment=draft, user=alice, answers=answer_inputs(bank, {1: "yes", 3: "no"})
    )
    assert stored(draft) == {1: "yes", 2: "partly", 3: "no"}
    assert Response.objects.filter(assessment=draft).count() == 1


def test_a_note_without_a_choice_is_kept_but_does_not_count_as_answered(bank, draft, alice):
    services.answers_save(
        assessment=draft, user=alice, answers=answer_inputs(bank, {5: ""}, {5: "Pendiente"})
    )
    answer = Answer.objects.get(response__assessment=draft)
    assert (answer.choice, answer.note) == ("", "Pendiente")
    with pytest.raises(services.AssessmentError, match="Faltan: 1, 2, 3, 4, 5, 6"):
        services.assessment_submit(assessment=draft, user=alice)


def test_answers_to_another_bank_are_refused_and_nothing_is_saved(bank, draft, alice):
    other = QuestionBank.objects.create(version=2, title_es="Otra", status="draft")
    area = other.areas.create(code="LID", order=1, name_es="L", description_es="d", weight=1)
    foreign = area.questions.create(number=1, text_es="¿?", help_es="h", recommendation_es="r")
    answers = answer_inputs(bank, {1: "yes"})
    answers[foreign.pk] = services.AnswerInput(choice="yes", note="")
    with pytest.raises(services.AssessmentError):
        services.answers_save(assessment=draft, user=alice, answers=answers)
    assert not Answer.objects.exists()
    assert not Response.objects.exists()


def test_submit_requires_every_question(bank, draft, alice):
    services.answers_save(
        assessment=draft, user=alice, answers=answer_inputs(bank, all_choices(q7="", q20=""))
    )
    with pytest.raises(services.AssessmentError, match="Faltan: 7, 20\\."):
        services.assessment_submit(assessment=draft, user=alice)
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert not AreaResult.objects.exists()


def test_submit_stores_the_scores_of_the_scoring_rules(submitted):
    # Answers: 1 no, 2 partly (LID 50%), 4 no (MED 66.67%), 13 partly (RES 75%), 17 no (PER 66.67%).
    assert submitted.status == "submitted"
    assert submitted.submitted_at is not None
    # 20 questions of weight 1: 15 yes + 2 partly = 16 / 20.
    assert submitted.overall_score == Decimal("80.00")
    assert submitted.maturity_level == "centred"
    results = dict(
        AreaResult.objects.filter(assessment=submitted).values_list("area_code", "score")
    )
    assert results == {
        "LID": Decimal("50.00"),
        "MED": Decimal("66.67"),
        "VAL": Decimal("100.00"),
        "CON": Decimal("100.00"),
        "PER": Decimal("66.67"),
        "RES": Decimal("75.00"),
    }
    ranks = dict(AreaResult.objects.filter(assessment=submitted).values_list("area_code", "rank"))
    assert ranks == {"LID": 1, "MED": 2, "PER": 3, "RES": 4, "VAL": None, "CON": None}


def test_a_submitted_assessment_refuses_further_answers(bank, submitted, alice):
    before = stored(submitted)
    with pytest.raises(services.AssessmentError, match="ya se envió"):
        services.answers_save(
            assessment=submitted, user=alice, answers=answer_inputs(bank, all_choices("no"))
        )
    with pytest.raises(services.AssessmentError, match="ya se envió"):
        services.assessment_submit(assessment=submitted, user=alice)
    assert stored(submitted) == before


def test_each_respondent_keeps_their_own_answers(bank, draft, alice, dave):
    services.answers_save(assessment=draft, user=alice, answers=answer_inputs(bank, {1: "yes"}))
    services.answers_save(assessment=draft, user=dave, answers=answer_inputs(bank, {1: "no"}))
    rows = set(
        Answer.objects.values_list("response__respondent__username", "question__number", "choice")
    )
    assert rows == {("alice", 1, "yes"), ("dave", 1, "no")}


def _in_threads(*targets):
    errors = []

    def run(target):
        try:
            target()
        except Exception as error:  # noqa: BLE001 -- collected and asserted on below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_leave_one_answer_per_question(bank, acme, alice):
    assessment = services.assessment_start(organisation=acme, user=alice)
    first = answer_inputs(bank, all_choices("yes"))
    second = answer_inputs(bank, all_choices("no"))
    barrier = threading.Barrier(2)

    def save(answers):
        def target():
            barrier.wait()
            services.answers_save(assessment=assessment, user=alice, answers=answers)

        return target

    assert _in_threads(save(first), save(second)) == []
    assert Response.objects.filter(assessment=assessment).count() == 1
    assert Answer.objects.count() == 20
    # Whole saves win, never a mixture of the two.
    assert set(stored(assessment).values()) in ({"yes"}, {"no"})


@pytest.mark.django_db(transaction=True)
def test_submitting_twice_at_once_records_one_submission(bank, acme, alice):
    assessment = services.assessment_start(organisation=acme, user=alice)
    services.answers_save(
        assessment=assessment, user=alice, answers=answer_inputs(bank, all_choices("partly"))
    )
    barrier = threading.Barrier(2)

    def submit():
        barrier.wait()
        services.assessment_submit(assessment=assessment, user=alice)

    errors = _in_threads(submit, submit)
    assert len(errors) == 1
    assert isinstance(errors[0], services.AssessmentError)
    assert AreaResult.objects.filter(assessment=assessment).count() == 6
    assessment.refresh_from_db()
    assert assessment.status == "submitted"
    assert assessment.overall_score == Decimal("50.00")


def test_the_database_allows_one_answer_per_question_per_response(bank, draft, alice):
    from django.db import IntegrityError, transaction

    services.answers_save(assessment=draft, user=alice, answers=answer_inputs(bank, {1: "yes"}))
    response = Response.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(response=response, question_id=question_ids(bank)[1], choice="no")
