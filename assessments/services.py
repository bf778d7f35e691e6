"""Writes. Each service validates before it writes and runs in one transaction, so a
rejected request leaves nothing behind."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from assessments import scoring, selectors
from assessments.models import Answer, AreaResult, Assessment, Membership, Organisation, Response


class AssessmentError(Exception):
    """A request the rules refuse; the message is meant for the user."""


@dataclass(frozen=True)
class AnswerInput:
    choice: str  # "yes" | "partly" | "no" | "" (not answered yet, but the note is kept)
    note: str


def assessment_start(*, organisation: Organisation, user) -> Assessment:
    bank = selectors.current_bank()
    if bank is None:
        raise AssessmentError(_("No question bank is published yet."))
    return Assessment.objects.create(organisation=organisation, bank=bank, started_by=user)


def _lock_draft(assessment_id: int) -> Assessment:
    # The row lock serialises saves and submissions of one assessment on PostgreSQL;
    # SQLite's IMMEDIATE transactions serialise every writer anyway.
    assessment = Assessment.objects.select_for_update().get(pk=assessment_id)
    if assessment.is_submitted:
        raise AssessmentError(_("This assessment was submitted and can no longer be changed."))
    return assessment


@transaction.atomic
def answers_save(*, assessment: Assessment, user, answers: dict[int, AnswerInput]) -> Response:
    """Store the given answers (question id → answer) of `user`, replacing earlier ones."""
    assessment = _lock_draft(assessment.pk)
    question_ids = set(selectors.bank_question_ids(assessment.bank_id))
    unknown = set(answers) - question_ids
    if unknown:
        raise AssessmentError(_("Some answers are for questions that are not in this assessment."))
    response, _created = Response.objects.get_or_create(assessment=assessment, respondent=user)
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
    return response


@transaction.atomic
def assessment_submit(*, assessment: Assessment, user) -> Assessment:
    """Close the round with `user`'s answers; every question must have a choice."""
    assessment = _lock_draft(assessment.pk)
    rows = selectors.scoring_rows(assessment.bank_id)
    values = selectors.answer_values(assessment_id=assessment.pk, respondent=user)
    missing = sorted(q.number for q in rows.questions if q.number not in values)
    if missing:
        raise AssessmentError(
            _("Answer every question before submitting. Missing: %(numbers)s.")
            % {"numbers": ", ".join(str(n) for n in missing)}
        )
    result = scoring.score(rows.areas, rows.questions, values, rows.thresholds)
    assessment.status = Assessment.Status.SUBMITTED
    assessment.submitted_at = timezone.now()
    assessment.submitted_by = user
    assessment.overall_score = _two_places(result.overall)
    assessment.maturity_level = result.level.value
    assessment.save()
    AreaResult.objects.bulk_create(
        AreaResult(
            assessment=assessment,
            area_id=rows.area_ids[p.code],
            area_code=p.code,
            score=_two_places(p.score),
            priority=_two_places(p.priority),
            rank=p.rank,
        )
        for p in result.priorities
    )
    return assessment


@transaction.atomic
def answers_submit(*, assessment: Assessment, user, answers: dict[int, AnswerInput]) -> Assessment:
    """Save the final answers and submit, all or nothing."""
    answers_save(assessment=assessment, user=user, answers=answers)
    return assessment_submit(assessment=assessment, user=user)


def _two_places(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


@dataclass(frozen=True)
class NewClient:
    organisation: Organisation
    manager: object
    uidb64: str
    token: str


@transaction.atomic
def client_add(
    *,
    consultant,
    name,
    sector,
    size_band,
    country,
    manager_email,
    manager_first_name,
    manager_last_name,
) -> NewClient:
    """A client organisation the consultant follows, with a manager who sets their own
    password through a one-time link (Django's password-reset token)."""
    user_model = get_user_model()
    email = user_model.objects.normalize_email(manager_email).lower()
    if user_model.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists():
        raise AssessmentError(
            _("An account with the e-mail %(email)s already exists.") % {"email": email}
        )
    organisation = Organisation.objects.create(
        name=name, sector=sector, size_band=size_band, country=country
    )
    manager = user_model(
        username=email, email=email, first_name=manager_first_name, last_name=manager_last_name
    )
    manager.set_unusable_password()
    manager.save()
    Membership.objects.bulk_create(
        [
            Membership(user=consultant, organisation=organisation, role=Membership.Role.CONSULTANT),
            Membership(user=manager, organisation=organisation, role=Membership.Role.MANAGER),
        ]
    )
    return NewClient(
        organisation=organisation,
        manager=manager,
        uidb64=urlsafe_base64_encode(force_bytes(manager.pk)),
        token=default_token_generator.make_token(manager),
    )


def invitation_send(*, client: NewClient, link: str, consultant) -> None:
    send_mail(
        subject=_("Your access to Orientación"),
        message=_(
            "Hello %(name)s,\n\n%(consultant)s has added %(organisation)s to Orientación, "
            "the customer-orientation self-assessment. Choose your password here (the link "
            "works once):\n\n%(link)s\n\nYour username is %(username)s."
        )
        % {
            "name": client.manager.first_name or client.manager.username,
            "consultant": consultant.get_full_name() or consultant.username,
            "organisation": client.organisation.name,
            "link": link,
            "username": client.manager.username,
        },
        from_email=None,
        recipient_list=[client.manager.email],
    )
