"""The action plan: actions created, edited (refusing a stale save), deleted and restored."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import audit
from assessments.models import (
    Action,
    Assessment,
    Membership,
    person_name,
)
from assessments.services.errors import AssessmentError

# The action plan.

# A deleted action can be restored for this long; after it, it is no longer offered.
RESTORE_WINDOW = timedelta(days=30)
ACTION_FIELDS = ("title", "owner", "owner_name", "due_date", "target", "status", "note")
CLOSED_STATUSES = (Action.Status.DONE, Action.Status.DISCARDED)


def _note_closing(action: Action, was_open: bool) -> None:
    """Keep `closed_at` to when the action left the open statuses, so later reports judge
    it in every plan it was still open in."""
    if action.status in CLOSED_STATUSES:
        if was_open or action.closed_at is None:
            action.closed_at = timezone.now()
    else:
        action.closed_at = None


class ActionConflict(AssessmentError):
    """The action changed since the form was opened; `current` holds the newer values."""

    def __init__(self, current):
        self.current = current
        super().__init__(
            _(
                "Nothing was saved: %(name)s changed this action while you were editing it. "
                "Its current values are shown below; save again to replace them with yours."
            )
            % {"name": person_name(current.updated_by) or _("someone")}
        )


def _check_owner(organisation, owner) -> None:
    if (
        owner is not None
        and not Membership.objects.filter(organisation=organisation, user=owner)
        .exclude(role=Membership.Role.CONSULTANT)
        .exists()
    ):
        raise AssessmentError(_("The owner must be a person of this organisation."))


@transaction.atomic
def action_create(*, assessment: Assessment, question, user, values: dict) -> Action:
    """An action of the organisation's plan for one open question of a submitted
    assessment."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not assessment.is_submitted:
        raise AssessmentError(_("Actions are planned from a submitted assessment's report."))
    if question.area.bank_id != assessment.bank_id:
        raise AssessmentError(_("That question is not in this assessment."))
    _check_owner(assessment.organisation, values.get("owner"))
    action = Action(
        organisation=assessment.organisation,
        assessment=assessment,
        question=question,
        created_by=user,
        updated_by=user,
        **{field: values.get(field) for field in ACTION_FIELDS if field in values},
    )
    action.full_clean(exclude=["owner", "created_by", "updated_by"])
    _note_closing(action, was_open=True)
    action.save()
    audit.record(action, "action created", actor=user)
    return action


@transaction.atomic
def action_save(*, action: Action, user, values: dict, version: int) -> Action:
    """Save an edit made from `version`; refused with the newer values if the action
    changed since."""
    # No join in a locking query: PostgreSQL refuses FOR UPDATE on a nullable outer join.
    current = Action.objects.select_for_update().get(pk=action.pk)
    if current.deleted_at is not None:
        raise AssessmentError(_("This action was deleted; restore it first."))
    if current.version != version:
        raise ActionConflict(current)
    _check_owner(current.organisation, values.get("owner"))
    was_open = current.status not in CLOSED_STATUSES
    for field in ACTION_FIELDS:
        if field in values:
            setattr(current, field, values[field])
    _note_closing(current, was_open)
    current.version += 1
    current.updated_by = user
    current.save()
    return current


@transaction.atomic
def action_delete(*, action: Action, user) -> Action:
    current = Action.objects.select_for_update().get(pk=action.pk)
    if current.deleted_at is None:
        current.deleted_at = timezone.now()
        current.version += 1
        current.updated_by = user
        current.save(update_fields=["deleted_at", "version", "updated_by", "updated_at"])
        audit.record(current, "action deleted", actor=user)
    return current


@transaction.atomic
def action_restore(*, action: Action, user) -> Action:
    current = Action.objects.select_for_update().get(pk=action.pk)
    if current.deleted_at is None:
        return current
    if timezone.now() - current.deleted_at > RESTORE_WINDOW:
        raise AssessmentError(_("This action was deleted more than 30 days ago."))
    current.deleted_at = None
    current.version += 1
    current.updated_by = user
    current.save(update_fields=["deleted_at", "version", "updated_by", "updated_at"])
    audit.record(current, "action restored", actor=user)
    return current
