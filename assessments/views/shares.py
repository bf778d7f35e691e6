"""Read-only links for people without an account. An organisation's team makes them (on a
report or the progress page), lists and revokes them; whoever holds one opens that one
page, its charts and its PDF, and nothing else, signed in or not."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import downloads, selectors, services
from assessments.forms import ShareLinkForm
from assessments.models import Membership, ShareLink
from assessments.services.report_files import SHARED, SHARED_WITH_NAMES
from assessments.services.shares import GUESS_WINDOW_SECONDS
from assessments.views.assessments import _report_file_name
from assessments.views.portfolio import progress_figures
from orientacion.client_ip import client_ip

TEAM = [Membership.Role.MANAGER, Membership.Role.CONSULTANT]


# Making, listing and revoking: the organisation's team.


@require_http_methods(["GET", "POST"])
def share_report(request, assessment_id: int):
    assessment = selectors.assessment_for_user(
        request.user, assessment_id, roles=TEAM, related=["submitted_by"]
    )
    if not assessment.is_submitted:
        raise Http404
    return _make(request, assessment.organisation, assessment)


@require_http_methods(["GET", "POST"])
def share_progress(request, organisation_id: int):
    organisation = selectors.membership_for_user(
        request.user, organisation_id, roles=TEAM
    ).organisation
    return _make(request, organisation, None)


def _make(request, organisation, assessment):
    named_round = bool(assessment and assessment.is_round and not assessment.anonymous)
    form = ShareLinkForm(request.POST or None, named_round=named_round)
    context = {"organisation": organisation, "assessment": assessment, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            new = services.share_link_create(
                organisation=organisation,
                user=request.user,
                assessment=assessment,
                label=form.cleaned_data["label"],
                days=form.cleaned_data["days"],
                shows_names=form.cleaned_data.get("shows_names", False),
            )
        except services.AssessmentError as error:
            messages.error(request, str(error))
        else:
            # The one time the link is shown: only its hash is kept.
            context |= {
                "link": new.link,
                "url": request.build_absolute_uri(reverse("shared", args=[new.secret])),
            }
            return render(request, "assessments/share_made.html", context)
    status = 400 if request.method == "POST" else 200
    return render(request, "assessments/share_form.html", context, status=status)


@require_GET
def share_links(request, organisation_id: int):
    membership = selectors.membership_for_user(request.user, organisation_id, roles=TEAM)
    context = {
        "organisation": membership.organisation,
        "links": selectors.share_links_of(organisation_id),
        "now": timezone.now(),
    }
    return render(request, "assessments/share_links.html", context)


@require_POST
def share_link_revoke(request, organisation_id: int, link_id: int):
    selectors.membership_for_user(request.user, organisation_id, roles=TEAM)
    link = selectors.share_link_of_team(organisation_id, link_id)
    if link is None:
        raise Http404
    if services.share_link_revoke(link=link, user=request.user):
        messages.success(
            request, _("“%(label)s” no longer opens anything.") % {"label": link.label}
        )
    return redirect("share_links", organisation_id=organisation_id)


# Opening a link: anyone who holds it.


class TooManyGuesses(Exception):
    """This address asked for too many unknown links lately."""


def shared_page(view):
    """A view of a shared link's: open to anyone (no sign-in, no second factor asked),
    answered with no referrer and not to be indexed (and, as every response, kept by
    nobody: orientacion.middleware.private_responses)."""

    @functools.wraps(view)
    def opened(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except TooManyGuesses:
            response = HttpResponse(
                _("Too many unknown links were asked for from this address: try again later."),
                status=429,
                content_type="text/plain; charset=utf-8",
                headers={"Retry-After": str(GUESS_WINDOW_SECONDS)},
            )
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
        return response

    opened.opens_a_shared_link = True
    return login_not_required(opened)


def _link(request, secret: str, kind: str | None = None) -> ShareLink:
    """The live link, or the same 404 for every way a link can fail; 429 (and no lookup)
    for an address that has asked for too many unknown ones."""
    address = client_ip(request)
    if services.share_guesses_exceeded(address):
        raise TooManyGuesses
    link = selectors.share_link_for(secret)
    if link is None:
        services.share_guess_missed(address)
        raise Http404
    if kind is not None and link.kind != kind:
        raise Http404
    return link


def _variant(link: ShareLink) -> str:
    return SHARED_WITH_NAMES if link.shows_names else SHARED


@shared_page
@require_GET
def shared(request, secret: str):
    """The page a link names: a report, or an organisation's progress."""
    link = _link(request, secret)
    services.share_link_viewed(link)
    if link.kind == ShareLink.Kind.PROGRESS:
        view, timeline = progress_figures(link.organisation)
        context = {"link": link, "progress": view, "timeline": timeline}
        return render(request, "assessments/shared_progress.html", context)
    page = services.report_page(link.assessment, variant=_variant(link))
    context = {
        "link": link,
        # Our own autoescaped templates' output, kept in the cache as plain text.
        "head": mark_safe(page["head"]),  # noqa: S308
        "rest": mark_safe(page["rest"]),  # noqa: S308
    }
    return render(request, "assessments/shared_report.html", context)


@shared_page
@require_GET
def shared_report_chart(request, secret: str, kind: str, key: str):
    link = _link(request, secret, ShareLink.Kind.REPORT)
    charts = services.report_page(link.assessment, variant=_variant(link))["charts"]
    current_key, spec = charts.get(kind, (None, None))
    return downloads.svg_response(request, key, current_key, spec)


@shared_page
@require_GET
def shared_progress_chart(request, secret: str, key: str):
    link = _link(request, secret, ShareLink.Kind.PROGRESS)
    view, timeline = progress_figures(link.organisation)
    chart = timeline.view if timeline.view and timeline.view.key == key else view.chart
    return downloads.svg_response(
        request, key, chart.key if chart else None, chart.spec if chart else None
    )


@shared_page
@require_GET
def shared_pdf(request, secret: str):
    link = _link(request, secret, ShareLink.Kind.REPORT)
    pdf = services.report_pdf(link.assessment, hide_names=not link.shows_names)
    if pdf is None:
        return HttpResponse(
            _("The PDF cannot be made just now: print the page instead."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    name = _report_file_name(link.assessment, get_language(), extension="pdf")
    return downloads.pdf_response(name, pdf)
