"""Deleting an organisation: at once out of everyone's reach, restorable by its managers
for 30 days, then purged by the daily task with everything it holds: its rows, its
cached pages, charts and PDFs, its shared links, queued mail and exports, and what the
audit trails and webhook deliveries recorded of it."""

import json
from datetime import timedelta

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments import audit, charts, reports, selectors
from assessments.models import (
    Assessment,
    Firm,
    Invitation,
    Membership,
    Organisation,
    OrganisationDeletion,
    OrganisationExport,
    OutgoingMail,
    WebhookDelivery,
)
from assessments.services.errors import AssessmentError
from assessments.services.report_files import forget_cached, report_cache_keys


def organisation_delete(*, organisation, user) -> OrganisationDeletion:
    """Take the organisation out of reach (its memberships and firm kept aside), withdraw
    its pending invitations and mail, and drop its built exports."""
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if OrganisationDeletion.objects.filter(organisation=organisation).exists():
            raise AssessmentError(_("This organisation is already deleted."))
        memberships = Membership.objects.filter(organisation=organisation)
        deletion = OrganisationDeletion.objects.create(
            organisation=organisation,
            purge_after=timezone.now() + timedelta(days=OrganisationDeletion.RESTORE_DAYS),
            deleted_by=user,
            firm_id=organisation.firm_id,
            people=[
                {
                    "user": m.user_id,
                    "role": m.role,
                    "is_lead": m.is_lead,
                    "shares": m.shares_sector_percentile,
                }
                for m in memberships.order_by("pk")
            ],
        )
        deletion.restorers.set(
            [m.user_id for m in memberships if m.role == Membership.Role.MANAGER]
        )
        memberships.delete()
        organisation.firm = None
        organisation.save(update_fields=["firm"])
        Invitation.objects.filter(organisation=organisation, accepted_at=None).delete()
        OutgoingMail.objects.filter(
            organisation=organisation, status=OutgoingMail.Status.QUEUED
        ).update(status=OutgoingMail.Status.NOT_NEEDED)
        OrganisationExport.objects.filter(organisation=organisation).delete()
        audit.record(organisation, "deleted", actor=user)
        selectors.book_changed()
    return deletion


def organisation_restore(*, deletion_id: int, user) -> Organisation:
    """Bring it back as it was: its people who still have an account, in their roles,
    and its firm's book if the firm is still there."""
    with transaction.atomic():
        deletion = (
            OrganisationDeletion.objects.select_for_update()
            .select_related("organisation")
            .filter(pk=deletion_id)
            .first()
        )
        if deletion is None or not deletion.restorers.filter(pk=user.pk).exists():
            raise AssessmentError(_("That organisation cannot be restored by you."))
        organisation = deletion.organisation
        existing = set(
            get_user_model()
            .objects.filter(pk__in=[p["user"] for p in deletion.people], is_active=True)
            .values_list("pk", flat=True)
        )
        for person in deletion.people:
            if person["user"] in existing:
                Membership.objects.get_or_create(
                    user_id=person["user"],
                    organisation=organisation,
                    defaults={
                        "role": person["role"],
                        "is_lead": person["is_lead"],
                        "shares_sector_percentile": person["shares"],
                    },
                )
        if deletion.firm_id and Firm.objects.filter(pk=deletion.firm_id).exists():
            organisation.firm_id = deletion.firm_id
            organisation.save(update_fields=["firm"])
        deletion.delete()
        audit.record(organisation, "restored", actor=user)
        selectors.book_changed()
    return organisation


def deletions_purge(now=None) -> int:
    """The daily task's part: purge every organisation whose 30 days have passed."""
    now = now or timezone.now()
    due = list(
        OrganisationDeletion.objects.filter(purge_after__lte=now).values_list(
            "organisation_id", flat=True
        )
    )
    for organisation_id in due:
        organisation_purge(organisation_id)
    return len(due)


def organisation_purge(organisation_id: int) -> None:
    """Delete the organisation and every row, cache entry and record of it."""
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
        submitted = list(
            Assessment.objects.filter(organisation=organisation, status="submitted").select_related(
                "organisation", "submitted_by", "bank"
            )
        )
        stale = report_cache_keys(submitted) + _chart_keys(submitted)
        _forget_audit_entries(organisation)
        _forget_webhook_deliveries(organisation)
        with disable_auditlog():  # its rows going would be recorded, naming it again
            organisation.delete()
        selectors.book_changed()
        transaction.on_commit(lambda: forget_cached(stale))


def _chart_keys(assessments) -> list[tuple[str, str]]:
    """The cache keys of the report charts' drawings, in every language. Other drawings
    that named it (progress, comparisons) were made before its deletion, are kept for
    less than the 30 days before a purge (charts.CHART_LIFETIME), and no page can draw
    one of a deleted organisation."""
    keys = []
    for assessment in assessments:
        inputs = selectors.report_inputs(assessment)
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                report = reports.build_report(assessment, *inputs)
            keys += [("default", charts.drawing_key(c.key)) for c in report.charts]
    return keys


def _with_an_organisation() -> dict:
    """The models whose rows belong to an organisation → their foreign keys to it."""
    links = {
        model: [
            f.name
            for f in model._meta.concrete_fields
            if f.is_relation and f.many_to_one and f.related_model is Organisation
        ]
        for model in apps.get_app_config("assessments").get_models()
    }
    return {model: names for model, names in links.items() if names}


def _forget_audit_entries(organisation) -> None:
    """Entries about the organisation and about its assessments, memberships (those of
    its deletion too), invitations, outcome values and shared links; the admin's own
    history of the same objects."""
    pk = str(organisation.pk)
    by_type = {ContentType.objects.get_for_model(Organisation).pk: {pk}}
    for model, links in _with_an_organisation().items():
        query = Q()
        for link in links:
            query |= Q(**{link: organisation})
        own = {str(p) for p in model.objects.filter(query).values_list("pk", flat=True)}
        by_type[ContentType.objects.get_for_model(model).pk] = own
    doomed = []
    entries = LogEntry.objects.filter(content_type_id__in=by_type).only(
        "pk", "content_type_id", "object_pk", "changes"
    )
    for entry in entries.iterator():
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        if entry.object_pk in by_type[entry.content_type_id] or pk in (
            changes.get("organisation") or []
        ):
            doomed.append(entry.pk)
    LogEntry.objects.filter(pk__in=doomed).delete()
    for type_id, pks in by_type.items():
        AdminLogEntry.objects.filter(content_type_id=type_id, object_id__in=pks).delete()


def _forget_webhook_deliveries(organisation) -> None:
    doomed = []
    # Only bodies with its id in them can be about it; each of those is read as JSON.
    maybe = WebhookDelivery.objects.filter(body__contains=str(organisation.pk))
    for delivery in maybe.only("pk", "body").iterator():
        try:
            about = json.loads(delivery.body).get("data", {}).get("organisation", {})
        except (ValueError, AttributeError):
            continue
        if isinstance(about, dict) and about.get("id") == organisation.pk:
            doomed.append(delivery.pk)
    WebhookDelivery.objects.filter(pk__in=doomed).delete()
