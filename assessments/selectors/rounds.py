"""Reads of a round: who may be invited, its responses and their answers, the agreed ones."""

from django.db.models import Count, F, Q

from assessments.models import (
    AgreedAnswer,
    Answer,
    Membership,
    OutgoingMail,
    Response,
)
from assessments.reports import respondent_labels


def invitable_member_ids(organisation, lead) -> list[int]:
    """Who a lead may invite to a round from the organisation: its managers and
    respondents, the lead aside."""
    return list(
        Membership.objects.filter(
            organisation=organisation,
            role__in=[Membership.Role.MANAGER, Membership.Role.RESPONDENT],
        )
        .exclude(user=lead)
        .values_list("user_id", flat=True)
    )


def round_responses(assessment_id: int) -> list[Response]:
    """A round's responses, the lead's first, each with its respondent and how many
    questions it has answered."""
    return list(
        Response.objects.filter(assessment_id=assessment_id)
        .select_related("respondent")
        .annotate(answered=Count("answers", filter=~Q(answers__choice="")))
        .order_by("pk")
    )


def round_mails(assessment_id: int) -> dict[int, OutgoingMail]:
    """Respondent's user id → the latest e-mail to them for this round."""
    latest = {}
    for mail in OutgoingMail.objects.filter(assessment_id=assessment_id).order_by(
        "created_at", "pk"
    ):
        latest[mail.user_id] = mail
    return latest


def submitted_answers(assessment_id: int) -> dict[int, dict[int, Answer]]:
    """Response id → question id → answer, for the submitted responses: in a closed
    anonymous round in pseudonym order (drawn at random), otherwise in invitation order."""
    answers = (
        Answer.objects.filter(
            response__assessment_id=assessment_id, response__submitted_at__isnull=False
        )
        .select_related("response")
        .order_by(F("response__pseudonym_number").asc(nulls_first=True), "response_id")
    )
    by_response: dict[int, dict[int, Answer]] = {}
    for answer in answers:
        by_response.setdefault(answer.response_id, {})[answer.question_id] = answer
    return by_response


def agreed_answers(assessment_id: int) -> dict[int, AgreedAnswer]:
    """Question id → the answer the lead agreed for it."""
    return {
        agreed.question_id: agreed
        for agreed in AgreedAnswer.objects.filter(assessment_id=assessment_id)
    }


def answer_rows(assessment) -> list[dict]:
    """Every submitted response's answers of an assessment, never a draft's: in a round,
    each person named as the report names them (a pseudonym in an anonymous round)."""
    answers = (
        Answer.objects.filter(
            response__assessment_id=assessment.pk, response__submitted_at__isnull=False
        )
        .select_related("response", "question__area")
        .order_by(
            F("response__pseudonym_number").asc(nulls_first=True),
            "response_id",
            "question__area__order",
            "question__number",
        )
    )
    by_response: dict[int, list[Answer]] = {}
    for answer in answers:
        by_response.setdefault(answer.response_id, []).append(answer)
    responses = list(by_response.values())
    labels = (
        respondent_labels(assessment, [{a.question_id: a for a in r} for r in responses])
        if assessment.is_round
        else [None] * len(responses)
    )
    return [
        {
            "respondent": label,
            "area": answer.question.area.code,
            "question": answer.question.number,
            "choice": answer.choice,
            "note": answer.note,
        }
        for label, response in zip(labels, responses, strict=True)
        for answer in response
    ]
