"""Deleting an organisation (its managers, after confirming who they are and typing its
name) and restoring it within 30 days."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import selectors, services
from assessments.forms import OrganisationDeleteForm
from assessments.models import Membership, OrganisationDeletion
from assessments.services import AssessmentError


@require_http_methods(["GET", "POST"])
def organisation_delete(request, organisation_id: int):
    organisation = selectors.membership_for_user(
        request.user, organisation_id, roles=[Membership.Role.MANAGER]
    ).organisation
    form = OrganisationDeleteForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        deletion = services.organisation_delete(organisation=organisation, user=request.user)
        messages.success(
            request,
            _(
                "%(name)s is deleted: no one reaches it any more. Its managers can restore "
                "it until %(date)s from “Deleted organisations”; then it is erased for good."
            )
            % {
                "name": organisation.name,
                "date": date_format(timezone.localtime(deletion.purge_after), "DATE_FORMAT"),
            },
        )
        return redirect("organisations_deleted")
    context = {
        "organisation": organisation,
        "form": form,
        "restore_days": OrganisationDeletion.RESTORE_DAYS,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "assessments/organisation_delete.html", context, status=status)


@require_GET
def organisations_deleted(request):
    context = {"deletions": selectors.deletions_restorable_by(request.user)}
    return render(request, "assessments/organisations_deleted.html", context)


@require_POST
def organisation_restore(request, deletion_id: int):
    try:
        organisation = services.organisation_restore(deletion_id=deletion_id, user=request.user)
    except AssessmentError:
        # Not theirs, or restored or purged meanwhile: as for any object they cannot reach.
        raise Http404 from None
    messages.success(request, _("%(name)s is restored.") % {"name": organisation.name})
    return redirect("home")
