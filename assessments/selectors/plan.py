"""Reads of the action plan: its owners and actions, the previous assessment's plan a report
judges, and each organisation's open and overdue counts."""

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from assessments.models import (
    Action,
    Assessment,
    Membership,
)
from assessments.selectors.answering import scored_values
from assessments.selectors.book import submitted_of

# The action plan.


def plan_owners(organisation_id: int) -> QuerySet:
    """Who can own an action: the organisation's people (managers and respondents)."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            memberships__organisation_id=organisation_id,
            memberships__role__in=[Membership.Role.MANAGER, Membership.Role.RESPONDENT],
        )
        .order_by("first_name", "last_name", "username")
    )


def plan_free_text_owners(organisation_id: int) -> list[str]:
    return list(
        Action.objects.live()
        .filter(organisation_id=organisation_id, owner=None)
        .exclude(owner_name="")
        .order_by("owner_name")
        .values_list("owner_name", flat=True)
        .distinct()
    )


def plan_actions(organisation_id: int) -> QuerySet[Action]:
    """The organisation's live actions with what the plan page shows of each."""
    return (
        Action.objects.live()
        .filter(organisation_id=organisation_id)
        .select_related("question__area", "owner", "assessment")
        .order_by(F("due_date").asc(nulls_last=True), "pk")
    )


def recently_deleted_actions(organisation_id: int, window) -> list[Action]:
    from django.utils import timezone

    return list(
        Action.objects.filter(
            organisation_id=organisation_id, deleted_at__gte=timezone.now() - window
        )
        .select_related("question")
        .order_by("-deleted_at")
    )


def latest_submitted(organisation_id: int) -> Assessment | None:
    return submitted_of(organisation_id).select_related("bank").first()


def action_for_manager(user, action_id: int) -> Action:
    """An action of an organisation the user manages, or 404."""
    action = (
        Action.objects.filter(
            pk=action_id,
            organisation__memberships__user=user,
            organisation__memberships__role=Membership.Role.MANAGER,
        )
        .select_related("organisation", "assessment", "question__area", "owner")
        .first()
    )
    if action is None:
        raise Http404
    return action


def previous_submitted(assessment_ref, organisation_ref, submitted_at_ref) -> QuerySet:
    return (
        Assessment.objects.filter(
            organisation=organisation_ref,
            status=Assessment.Status.SUBMITTED,
            submitted_at__lt=submitted_at_ref,
        )
        .exclude(pk=assessment_ref)
        .order_by("-submitted_at", "-pk")
        .values("pk")[:1]
    )


# For `assessment_for_user(annotations=...)`: whether an earlier assessment of the
# organisation has a live plan, so a report without one spends no query on it. One plain
# EXISTS, cheap on every report view; true whenever the one just before has a plan
# (previous_plan then tells).
HAS_PREVIOUS_PLAN = {
    "has_previous_plan": Exists(
        Action.objects.live().filter(
            assessment__organisation=OuterRef("organisation"),
            assessment__status=Assessment.Status.SUBMITTED,
            assessment__submitted_at__lt=OuterRef("submitted_at"),
        )
    )
}


def previous_plan(assessment: Assessment) -> tuple[Assessment | None, list[Action]]:
    """The plan the organisation worked on before this assessment, and the assessment it
    was judged from: the live actions of the assessment submitted just before this one,
    and those of earlier ones still open when it was submitted (the carry-over)."""
    previous = (
        Assessment.objects.filter(
            pk=Subquery(
                previous_submitted(
                    assessment.pk, assessment.organisation_id, assessment.submitted_at
                )
            )
        )
        .select_related("bank")
        .first()
    )
    if previous is None:
        return None, []
    carried = Q(assessment__submitted_at__lt=previous.submitted_at) & (
        Q(closed_at=None) | Q(closed_at__gt=previous.submitted_at)
    )
    actions = (
        Action.objects.live()
        .filter(organisation_id=assessment.organisation_id)
        .filter(Q(assessment=previous) | carried)
        .select_related("question__area", "owner", "assessment")
        .order_by("question__area__order", "question__number", "pk")
    )
    return previous, list(actions)


def plan_summaries(organisation_ids) -> dict[int, dict]:
    """Organisation id → its plan's open and overdue actions, in one query (an
    organisation without open actions is absent)."""
    from django.utils import timezone

    open_ = Q(status__in=["pending", "in_progress"])
    rows = (
        Action.objects.live()
        .filter(organisation_id__in=organisation_ids)
        .order_by()
        .values("organisation_id")
        .annotate(
            open_actions=Count("pk", filter=open_),
            overdue_actions=Count("pk", filter=open_ & Q(due_date__lt=timezone.localdate())),
        )
    )
    return {row.pop("organisation_id"): row for row in rows}


def plan_summary(organisation_id: int) -> dict:
    """The organisation's open and overdue actions, in one query."""
    return plan_summaries([organisation_id]).get(
        organisation_id, {"open_actions": 0, "overdue_actions": 0}
    )


def action_for_team(user, action_id: int) -> Action:
    """A live action of an organisation the user manages or follows, or 404."""
    action = (
        Action.objects.live()
        .filter(
            pk=action_id,
            organisation__memberships__user=user,
            organisation__memberships__role__in=[
                Membership.Role.MANAGER,
                Membership.Role.CONSULTANT,
            ],
        )
        .select_related("question")
        .first()
    )
    if action is None:
        raise Http404
    return action


def open_question(assessment, number: int):
    """The question numbered `number` of a submitted assessment, if it was not answered
    "yes" (only an open question is planned), or 404."""
    areas, values, _said_no = scored_values(assessment)
    question = next((q for area in areas for q in area.questions.all() if q.number == number), None)
    if question is None or values.get(question.number, 1) >= 1:
        raise Http404
    return question
