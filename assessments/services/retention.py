"""Keeping only what is needed, the daily task: drafts nobody has touched for
DRAFT_RETENTION_DAYS and sign-ups whose address was never confirmed within
SIGN_UP_RETENTION_DAYS are deleted, each after a warning mailed a week before
(RETENTION_WARNING_DAYS), and deleted organisations whose 30 days to be restored have
passed are purged (services/deletion.py). Touching a draft, or confirming the address,
keeps it; a draft touched after its warning needs a new one before it can go.

The warning mail is itself the record that a warning was given: a draft or a sign-up is
deleted only once a warning about it, sent after its last change, is a week old. So a
task that did not run for a while deletes nothing that was not announced a week ahead.
"""

from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.models import Assessment, Erasure, Membership, Organisation, OutgoingMail
from assessments.services.deletion import deletions_purge
from assessments.services.erasure import person_erase
from assessments.services.mail import composes, mail_queue

RETENTION_TASK = "assessments.tasks.apply_retention"


@dataclass(frozen=True)
class RetentionResult:
    drafts_warned: int
    drafts_deleted: int
    sign_ups_warned: int
    sign_ups_deleted: int
    organisations_purged: int = 0


def _warned(about: Q, since_field: str, a_week_before=None):
    """A warning mail about the row, queued after its last change (and at least a week
    before `a_week_before`, when given)."""
    mails = OutgoingMail.objects.filter(
        about, kind=OutgoingMail.Kind.RETENTION_WARNING, created_at__gt=OuterRef(since_field)
    )
    if a_week_before is not None:
        warning = timedelta(days=settings.RETENTION_WARNING_DAYS)
        mails = mails.filter(created_at__lte=a_week_before - warning)
    return Exists(mails)


def retention_apply(*, site_url: str, now=None) -> RetentionResult:
    """The daily task: warn of what goes in a week, delete what was warned of a week ago."""
    now = now or timezone.now()
    warning = timedelta(days=settings.RETENTION_WARNING_DAYS)

    draft_age = timedelta(days=settings.DRAFT_RETENTION_DAYS)
    drafts = Assessment.objects.filter(status=Assessment.Status.DRAFT)
    about_draft = Q(assessment=OuterRef("pk"))
    due = drafts.filter(updated_at__lt=now - draft_age)
    with transaction.atomic():
        _count, by_model = due.filter(
            _warned(about_draft, "updated_at", a_week_before=now)
            # A draft whose starter has no address (none to warn) goes a week later.
            | Q(updated_at__lt=now - draft_age - warning, started_by__email="")
            | Q(updated_at__lt=now - draft_age - warning, started_by=None)
        ).delete()
    drafts_deleted = by_model.get("assessments.Assessment", 0)
    to_warn = (
        drafts.filter(updated_at__lt=now - draft_age + warning)
        .exclude(started_by=None)
        .exclude(started_by__email="")
        .exclude(_warned(about_draft, "updated_at"))
        .select_related("started_by", "organisation")
    )
    drafts_warned = 0
    for draft in to_warn:
        with transaction.atomic():
            mail_queue(
                kind=OutgoingMail.Kind.RETENTION_WARNING,
                recipient=draft.started_by.email,
                subject=str(_("A draft assessment will be deleted in a week")),
                site_url=site_url,
                assessment=draft,
                organisation=draft.organisation,
                user=draft.started_by,
            )
        drafts_warned += 1

    sign_up_age = timedelta(days=settings.SIGN_UP_RETENTION_DAYS)
    confirmed = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    unconfirmed = (
        get_user_model()
        .objects.filter(last_login=None, is_staff=False, is_superuser=False)
        .filter(Exists(EmailAddress.objects.filter(user=OuterRef("pk"))))
        .exclude(Exists(confirmed))
    )
    about_person = Q(user=OuterRef("pk"))
    sign_ups_deleted = 0
    for person in unconfirmed.filter(date_joined__lt=now - sign_up_age).filter(
        _warned(about_person, "date_joined", a_week_before=now)
    ):
        _sign_up_delete(person)
        sign_ups_deleted += 1
    sign_ups_warned = 0
    for person in unconfirmed.filter(date_joined__lt=now - sign_up_age + warning).exclude(
        _warned(about_person, "date_joined")
    ):
        with transaction.atomic():
            mail_queue(
                kind=OutgoingMail.Kind.RETENTION_WARNING,
                recipient=person.email,
                subject=str(_("Your sign-up will be deleted in a week")),
                site_url=site_url,
                user=person,
            )
        sign_ups_warned += 1
    # Deleted organisations whose 30 days to restore have passed.
    purged = deletions_purge(now)
    return RetentionResult(drafts_warned, drafts_deleted, sign_ups_warned, sign_ups_deleted, purged)


def _sign_up_delete(person) -> None:
    """The unconfirmed account, erased like any other, and the organisation it named when
    signing up if no one else ever joined it nor assessed it."""
    with transaction.atomic():
        named = Organisation.objects.filter(memberships__user=person)
        alone = named.exclude(
            Exists(Membership.objects.filter(organisation=OuterRef("pk")).exclude(user=person))
        ).exclude(Exists(Assessment.objects.filter(organisation=OuterRef("pk"))))
        organisation_ids = list(alone.values_list("pk", flat=True))
        person_erase(person=person, requested_by=Erasure.By.RETENTION)
        Organisation.objects.filter(pk__in=organisation_ids).delete()


@composes(OutgoingMail.Kind.RETENTION_WARNING)
def _retention_warning_text(mail: OutgoingMail) -> str | None:
    """None once what it warned of was kept (touched, confirmed) or is gone."""
    site = mail.site_url.rstrip("/")
    with translation.override(mail.language):
        if mail.assessment_id:
            draft = mail.assessment
            if draft is None or draft.updated_at > mail.created_at or draft.is_submitted:
                return None
            return render_to_string(
                "registration/retention_draft_email.txt",
                {
                    "organisation": draft.organisation.name,
                    "touched": timezone.localtime(draft.updated_at),
                    "deleted": timezone.localtime(mail.created_at)
                    + timedelta(days=settings.RETENTION_WARNING_DAYS),
                    "days": settings.DRAFT_RETENTION_DAYS,
                    "link": f"{site}/assessments/{draft.pk}/",
                },
            )
        person = mail.user
        if person is None or EmailAddress.objects.filter(user=person, verified=True).exists():
            return None
        return render_to_string(
            "registration/retention_sign_up_email.txt",
            {
                "joined": timezone.localtime(person.date_joined),
                "deleted": timezone.localtime(mail.created_at)
                + timedelta(days=settings.RETENTION_WARNING_DAYS),
                "days": settings.SIGN_UP_RETENTION_DAYS,
                "link": f"{site}/accounts/login/",
            },
        )
