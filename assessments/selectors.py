"""Reads, one function per page-shaped query, so each page's query count is fixed."""

from dataclasses import dataclass

from django.core.cache import caches
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from assessments import scoring
from assessments.models import Answer, Area, Assessment, Membership, Question, QuestionBank


def current_bank() -> QuestionBank | None:
    return (
        QuestionBank.objects.filter(status=QuestionBank.Status.PUBLISHED)
        .order_by("-published_at", "-version")
        .first()
    )


def bank_question_ids(bank_id: int) -> list[int]:
    return list(Question.objects.filter(area__bank_id=bank_id).values_list("id", flat=True))


@dataclass(frozen=True)
class ScoringRows:
    areas: tuple[scoring.AreaRow, ...]
    questions: tuple[scoring.QuestionRow, ...]
    thresholds: tuple[int, int, int]
    area_ids: dict[str, int]


def scoring_rows(bank_id: int) -> ScoringRows:
    bank = QuestionBank.objects.get(pk=bank_id)
    areas = list(Area.objects.filter(bank_id=bank_id).order_by("order"))
    questions = Question.objects.filter(area__bank_id=bank_id).values_list(
        "number", "area__code", "weight"
    )
    return ScoringRows(
        areas=tuple(scoring.AreaRow(a.code, a.order, float(a.weight)) for a in areas),
        questions=tuple(scoring.QuestionRow(n, code, w) for n, code, w in questions),
        thresholds=bank.thresholds,
        area_ids={a.code: a.pk for a in areas},
    )


def answer_values(*, assessment_id: int, respondent=None) -> dict[int, float]:
    """Question number → answer value, averaged over respondents when there are several."""
    answers = Answer.objects.filter(response__assessment_id=assessment_id).exclude(choice="")
    if respondent is not None:
        answers = answers.filter(response__respondent=respondent)
    collected: dict[int, list[float]] = {}
    for number, choice in answers.values_list("question__number", "choice"):
        collected.setdefault(number, []).append(scoring.ANSWER_VALUES[choice])
    return {number: sum(v) / len(v) for number, v in collected.items()}


def memberships_for_home(user) -> QuerySet[Membership]:
    assessments = Assessment.objects.select_related("started_by", "bank").order_by("-created_at")
    return (
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .prefetch_related(Prefetch("organisation__assessments", queryset=assessments))
        .order_by("organisation__name")
    )


def membership_for_user(user, organisation_id: int, roles=None) -> Membership:
    """The user's membership of an organisation, or 404: the one way into an organisation."""
    memberships = Membership.objects.select_related("organisation").filter(
        user=user, organisation_id=organisation_id
    )
    if roles:
        memberships = memberships.filter(role__in=roles)
    membership = memberships.first()
    if membership is None:
        raise Http404
    return membership


def assessment_for_user(user, assessment_id: int, roles=None, related=()) -> Assessment:
    """An assessment of one of the user's organisations, or 404: the one way into one.
    `related` names further relations the page shows (fetched in the same query)."""
    memberships = Membership.objects.filter(user=user)
    if roles:
        memberships = memberships.filter(role__in=roles)
    try:
        return Assessment.objects.select_related("organisation", "bank", *related).get(
            pk=assessment_id, organisation__in=memberships.values("organisation")
        )
    except Assessment.DoesNotExist:
        raise Http404 from None


def questions_by_area(bank_id: int) -> list[Area]:
    """The bank's areas in report order, each with its questions prefetched in order."""
    return list(
        Area.objects.filter(bank_id=bank_id)
        .order_by("order")
        .prefetch_related(Prefetch("questions", queryset=Question.objects.order_by("number")))
    )


def bank_structure(bank: QuestionBank) -> list[Area]:
    """`questions_by_area`, kept in each worker's memory for a published bank, whose
    questions never change (edits go into a new version)."""
    if bank.status != QuestionBank.Status.PUBLISHED:
        return questions_by_area(bank.pk)
    key = f"bank-structure:{bank.pk}:{bank.published_at.isoformat()}"
    areas = caches["pages"].get(key)
    if areas is None:
        areas = questions_by_area(bank.pk)
        caches["pages"].set(key, areas, timeout=600)
    return areas


def answers_of(assessment_id: int, respondent) -> dict[int, Answer]:
    """Question id → this respondent's saved answer."""
    answers = Answer.objects.filter(
        response__assessment_id=assessment_id, response__respondent=respondent
    ).only("question_id", "choice", "note", "response_id")
    return {a.question_id: a for a in answers}


def report_inputs(assessment: Assessment) -> tuple[list[Area], dict[int, Answer]]:
    """What the report is computed from: the bank's areas and questions, and the answers
    the assessment was submitted with."""
    return (
        questions_by_area(assessment.bank_id),
        answers_of(assessment.pk, assessment.submitted_by_id),
    )
