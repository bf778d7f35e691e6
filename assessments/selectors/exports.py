"""Reads of organisation exports: those a person asked for, without their files."""

from django.http import Http404
from django.utils import timezone

from assessments.models import OrganisationExport


def exports_of(user, organisation_id: int) -> list[OrganisationExport]:
    """The exports of the organisation this person asked for, newest first (never their
    content: a page lists them without reading megabytes)."""
    return list(
        OrganisationExport.objects.filter(organisation_id=organisation_id, requested_by=user)
        .defer("content")
        .order_by("-requested_at", "-pk")
    )


def export_file(user, organisation_id: int, export_id: int) -> OrganisationExport:
    """A ready, unexpired export this person asked for, with its file; 404 otherwise."""
    export = (
        OrganisationExport.objects.filter(
            pk=export_id,
            organisation_id=organisation_id,
            requested_by=user,
            status=OrganisationExport.Status.READY,
            expires_at__gt=timezone.now(),
        )
        .select_related("organisation")
        .first()
    )
    if export is None:
        raise Http404
    return export
