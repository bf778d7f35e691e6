"""An organisation's export: asked for by its manager or consultant, built by the queue,
downloaded by whoever asked, for a day."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from assessments import downloads, selectors, services
from assessments.models import Membership

TEAM = [Membership.Role.MANAGER, Membership.Role.CONSULTANT]


@require_http_methods(["GET", "POST"])
def organisation_export(request, organisation_id: int):
    organisation = selectors.membership_for_user(
        request.user, organisation_id, roles=TEAM
    ).organisation
    if request.method == "POST":
        services.organisation_export_request(
            organisation=organisation, user=request.user, language=get_language()
        )
        messages.success(
            request,
            _("The export is being prepared: this page offers it as soon as it is ready."),
        )
        return redirect("organisation_export", organisation_id=organisation.pk)
    context = {
        "organisation": organisation,
        "exports": selectors.exports_of(request.user, organisation.pk),
        "now": timezone.now(),
    }
    return render(request, "assessments/organisation_export.html", context)


@require_GET
def organisation_export_download(request, organisation_id: int, export_id: int):
    selectors.membership_for_user(request.user, organisation_id, roles=TEAM)
    export = selectors.export_file(request.user, organisation_id, export_id)
    name = downloads.filename(
        slugify(export.organisation.name), "export", f"{export.ready_at:%Y-%m-%d}", extension="zip"
    )
    return HttpResponse(
        bytes(export.content), content_type="application/zip", headers=downloads.attachment(name)
    )
