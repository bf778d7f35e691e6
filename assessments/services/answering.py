"""Answering an assessment: starting one, saving answers, submitting and storing its result."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import audit, scoring, selectors
from assessments.assessment_scoring import score_answers
from assessments.formatting import half_up
from assessments.models import (
    Answer,
    AreaResult,
    Assessment,
    Organisation,
    Response,
    WebhookEndpoint,
    refresh_current_results,
)
from assessments.services.errors import AssessmentError
from assessments.services.report_files import report_warm_queue
from assessments.services.webhooks import webhooks_notify


@dataclass(frozen=True)
class AnswerInput:
    choice: str  # "yes" | "partly" | "no" | "" (not answered yet, but the note is kept)
    note: str


def assessment_start(*, organisation: Organisation, user) -> Assessment:
    bank = selectors.current_bank()
    if bank is None:
        raise AssessmentError(_("No question bank is published yet."))
    return Assessment.objects.create(organisation=organisation, bank=bank, started_by=user)


def lock_draft(assessment_id: int) -> Assessment:
    # The row lock serialises saves, submissions and closing of one assessment on
    # PostgreSQL; SQLite's IMMEDIATE transactions serialise every writer anyway.
    assessment = Assessment.objects.select_for_update().get(pk=assessment_id)
    if assessment.is_submitted:
        if assessment.is_round:
            raise AssessmentError(
                _("This round was closed: answers can no longer be saved or submitted.")
            )
        raise AssessmentError(_("This assessment was submitted and can no longer be changed."))
    return assessment


def _open_response(assessment: Assessment, user) -> Response:
    """The user's response to save into: in a round, the one made when they were invited,
    and only until they submit it."""
    if not assessment.is_round:
        return Response.objects.get_or_create(assessment=assessment, respondent=user)[0]
    response = Response.objects.filter(assessment=assessment, respondent=user).first()
    if response is None:
        raise AssessmentError(_("You are not invited to answer this round."))
    if response.submitted_at is not None:
        raise AssessmentError(_("You submitted your answers already; they can no longer change."))
    return response


@transaction.atomic
def answers_save(*, assessment: Assessment, user, answers: dict[int, AnswerInput]) -> Response:
    """Store the given answers (question id → answer) of `user`, replacing earlier ones."""
    assessment = lock_draft(assessment.pk)
    question_ids = set(selectors.bank_question_ids(assessment.bank_id))
    unknown = set(answers) - question_ids
    if unknown:
        raise AssessmentError(_("Some answers are for questions that are not in this assessment."))
    response = _open_response(assessment, user)
    now = timezone.now()
    keep = [
        Answer(response=response, question_id=qid, choice=a.choice, note=a.note, updated_at=now)
        for qid, a in answers.items()
        if a.choice or a.note
    ]
    cleared = [qid for qid, a in answers.items() if not (a.choice or a.note)]
    if cleared:
        Answer.objects.filter(response=response, question_id__in=cleared).delete()
    Answer.objects.bulk_create(
        keep,
        update_conflicts=True,
        unique_fields=["response", "question"],
        update_fields=["choice", "note", "updated_at"],
    )
    Response.objects.filter(pk=response.pk).update(updated_at=now)
    Assessment.objects.filter(pk=assessment.pk).update(updated_at=now)
    audit.record(assessment, "answers saved", actor=user)
    return response


def _unanswered_error(unanswered: scoring.Unanswered) -> AssessmentError:
    return AssessmentError(
        _("Answer every question before submitting. Missing: %(numbers)s.")
        % {"numbers": ", ".join(str(n) for n in unanswered.numbers)}
    )


@transaction.atomic
def assessment_submit(*, assessment: Assessment, user) -> Assessment:
    """Submit a one-person assessment with `user`'s answers, or, in a round, `user`'s own
    response; every question must have a choice."""
    assessment = lock_draft(assessment.pk)
    areas = selectors.questions_by_area(assessment.bank_id)
    try:
        result = score_answers(
            areas, selectors.answers_of(assessment.pk, user), assessment.bank.thresholds
        )
    except scoring.Unanswered as unanswered:
        raise _unanswered_error(unanswered) from None
    now = timezone.now()
    response = _open_response(assessment, user)
    Response.objects.filter(pk=response.pk).update(submitted_at=now, updated_at=now)
    if assessment.is_round:
        audit.record(assessment, "response submitted", actor=user)
        return assessment
    assessment.status = Assessment.Status.SUBMITTED
    assessment.submitted_at = now
    assessment.submitted_by = user
    assessment.respondent_count = assessment.invited_count = 1
    store_result(assessment, areas, result)
    webhooks_notify(WebhookEndpoint.Event.ASSESSMENT_SUBMITTED, assessment)
    return assessment


def store_result(assessment: Assessment, areas, result: scoring.Result) -> None:
    assessment.overall_score = half_up(result.overall, 2)
    assessment.maturity_level = result.level.value
    assessment.save()
    area_ids = {area.code: area.pk for area in areas}
    AreaResult.objects.bulk_create(
        AreaResult(
            assessment=assessment,
            area_id=area_ids[p.code],
            area_code=p.code,
            score=half_up(p.score, 2),
            priority=half_up(p.priority, 2),
            rank=p.rank,
        )
        for p in result.priorities
    )
    refresh_current_results(Organisation.objects.filter(pk=assessment.organisation_id))
    report_warm_queue(assessment)


@transaction.atomic
def answers_submit(*, assessment: Assessment, user, answers: dict[int, AnswerInput]) -> Assessment:
    """Save the final answers and submit, all or nothing."""
    answers_save(assessment=assessment, user=user, answers=answers)
    return assessment_submit(assessment=assessment, user=user)
