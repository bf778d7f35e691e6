"""Reads for answering and reading an assessment: the one way into an organisation or an
assessment for a user, the answers saved, and what a report is built from."""

from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404

from assessments.models import (
    AgreedAnswer,
    Answer,
    Area,
    Assessment,
    Membership,
    Response,
)
from assessments.selectors.bank import bank_structure, published_banks, questions_by_area
from assessments.selectors.rounds import agreed_answers, submitted_answers


def memberships_for_home(user) -> QuerySet[Membership]:
    """The user's organisations with their assessments; `invited` and `my_submitted_at`
    tell, for each, whether the user answers it and whether they submitted."""
    own = Response.objects.filter(assessment=OuterRef("pk"), respondent=user)
    assessments = (
        Assessment.objects.select_related("started_by", "bank")
        .annotate(invited=Exists(own), my_submitted_at=Subquery(own.values("submitted_at")[:1]))
        .order_by("-created_at")
    )
    # The organisations a consultant follows are listed in the portfolio, by the page: the
    # home page only counts them (book_glance), so that it stays small whatever the book.
    return (
        Membership.objects.filter(user=user)
        .exclude(role=Membership.Role.CONSULTANT)
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


def assessment_for_user(
    user,
    assessment_id: int,
    roles=None,
    related=(),
    annotations=None,
    own_response=True,
    bank=True,
) -> Assessment:
    """An assessment of one of the user's organisations, or 404: the one way into one.
    A respondent reaches only the rounds they are invited to. `related` names further
    relations the page shows (fetched in the same query); `viewer_role`, `viewer_invited`
    and `viewer_submitted_at` say how the user takes part. A page that never shows the
    viewer's own response once submitted (a report, its charts and files) passes
    `own_response=False`: the response is then read only for a respondent (whose access
    depends on it) or a draft, and is otherwise left unread (None, not invited). The
    busiest page (a cached report) passes `bank=False`: its published question bank then
    comes from the worker's memory instead of a join in this query."""
    # The membership is a join (one per user and organisation: a unique constraint):
    # every page of an assessment runs this query, and subqueries cost more to compile
    # and plan than the rest of a cached report.
    memberships = {"organisation__memberships__user": user}
    if roles:
        memberships["organisation__memberships__role__in"] = roles
    invited = Response.objects.filter(assessment=OuterRef("pk"), respondent=user)
    response_columns = (
        {
            "viewer_response": Subquery(invited.values("pk")[:1]),
            "viewer_submitted_at": Subquery(invited.values("submitted_at")[:1]),
        }
        if own_response
        else {}
    )
    joined = ["organisation", *(["bank"] if bank else []), *related]
    # At most one row (one membership per user and organisation): no ORDER BY, which
    # first() would add.
    found = (
        Assessment.objects.select_related(*joined)
        .filter(pk=assessment_id, **memberships)
        .annotate(
            viewer_role=F("organisation__memberships__role"),
            **response_columns,
            **(annotations or {}),
        )[:1]
    )
    if not found:
        raise Http404
    assessment = found[0]
    if not bank:
        assessment.bank = published_banks.bank(assessment.bank_id)
    respondent = assessment.viewer_role == Membership.Role.RESPONDENT
    if not own_response:
        # Read only where it decides access (a respondent) or a draft's page shows it.
        read = respondent or not assessment.is_submitted
        response = (
            Response.objects.filter(assessment=assessment, respondent=user)
            .values_list("pk", "submitted_at")
            .first()
            if read
            else None
        )
        assessment.viewer_response, assessment.viewer_submitted_at = response or (None, None)
    assessment.viewer_invited = assessment.viewer_response is not None
    if respondent and not assessment.viewer_invited:
        raise Http404
    return assessment


def answers_of(assessment_id: int, respondent) -> dict[int, Answer]:
    """Question id → this respondent's saved answer."""
    answers = Answer.objects.filter(
        response__assessment_id=assessment_id, response__respondent=respondent
    ).only("question_id", "choice", "note", "response_id")
    return {a.question_id: a for a in answers}


def saved_answer_values(assessment_id: int, respondent) -> dict[str, str]:
    """This respondent's saved answers as the answer form's field names and values."""
    rows = Answer.objects.filter(
        response__assessment_id=assessment_id, response__respondent=respondent
    ).values_list("question_id", "choice", "note")
    values = {}
    for question_id, choice, note in rows:
        values[f"q{question_id}-choice"] = choice
        values[f"q{question_id}-note"] = note
    return values


def report_inputs(
    assessment: Assessment,
) -> tuple[list[Area], list[dict[int, Answer]], dict[int, AgreedAnswer]]:
    """What the report is computed from: the bank's areas and questions, the submitted
    responses' answers (one response unless it was a round) and the agreed answers. The
    same four queries however many people answered."""
    return (
        questions_by_area(assessment.bank_id),
        list(submitted_answers(assessment.pk).values()),
        agreed_answers(assessment.pk),
    )


def scored_values(assessment: Assessment) -> tuple[list[Area], dict[int, float], frozenset]:
    """A submitted assessment's areas and the values its result was scored with. Both
    never change once submitted, so each worker's page cache keeps the values."""
    from django.core.cache import caches

    from assessments.assessment_scoring import submitted_values

    areas = bank_structure(assessment.bank)
    stored = caches["pages"].get(_values_key(assessment))
    if stored is None:
        responses = list(submitted_answers(assessment.pk).values())
        agreed = {qid: a.choice for qid, a in agreed_answers(assessment.pk).items()}
        stored = remember_values(assessment, submitted_values(assessment, areas, responses, agreed))
    return areas, *stored


def _values_key(assessment: Assessment) -> str:
    return f"values:{assessment.pk}:{assessment.submitted_at.isoformat()}"


def remember_values(assessment: Assessment, values):
    """Keep what `scored_values` returns when the report has just read it anyway."""
    from django.core.cache import caches

    caches["pages"].set(_values_key(assessment), values)
    return values


# For a report: whether a consultant shares the sector percentile with its managers.
# (Whether it is its organisation's current result is read off the organisation.)
STANDING_ANNOTATIONS = {
    "sector_percentile_shared": Exists(
        Membership.objects.filter(
            organisation=OuterRef("organisation"),
            role=Membership.Role.CONSULTANT,
            shares_sector_percentile=True,
        )
    ),
}
