"""A firm's pages: its people for every member; for partners, handing a book over,
deactivating a consultant and choosing who follows each client."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import selectors, services
from assessments.forms import (
    ClientAssignForm,
    FirmConsultantInviteForm,
    HandOverForm,
    WebhookForm,
)
from assessments.models import person_name
from assessments.views.paging import page_of


def firm_access(request, partner=False) -> selectors.ConsultantAccess:
    """An active member of a firm (a partner where `partner`), or 404."""
    access = selectors.consultant_access(request.user)
    if access.firm_id is None or (partner and not access.is_partner):
        raise Http404
    return access


def _people(firm_id: int):
    members = list(selectors.firm_members(firm_id))
    active = [(m.user_id, person_name(m.user)) for m in members if m.is_active]
    everyone = [(m.user_id, person_name(m.user)) for m in members]
    return members, active, everyone


@require_GET
def firm(request):
    access = firm_access(request)
    return _firm_page(request, access, FirmConsultantInviteForm(prefix="invite"))


def _firm_page(request, access, invite_form, status=200, webhook_form=None, secret=None):
    members, active, everyone = _people(access.firm_id)
    invitations = selectors.firm_invitations(access.firm_id)
    page, _per_page = page_of(request, invitations if access.is_partner else invitations.none())
    context = {
        "firm": members[0].firm if members else None,
        "members": members,
        "access": access,
        "hand_over": HandOverForm(people=everyone, takers=active, prefix="hand"),
        "deactivate": HandOverForm(people=active, takers=active, prefix="leave"),
        "invite": invite_form,
        "invitations": page.object_list,
        "page": page,
        "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        "page_query": "",
        "webhooks": selectors.firm_webhooks(access.firm_id) if access.is_partner else [],
        "webhook_form": webhook_form or WebhookForm(prefix="hook"),
        "webhook_secret": secret,
    }
    return render(request, "assessments/firm.html", context, status=status)


@require_POST
def firm_invite(request):
    """A partner invites a consultant to join the firm, by e-mail."""
    access = firm_access(request, partner=True)
    form = FirmConsultantInviteForm(request.POST, prefix="invite")
    if form.is_valid():
        try:
            invitation = services.firm_consultant_invite(
                partner=request.user,
                firm_id=access.firm_id,
                site_url=request.build_absolute_uri("/"),
                **form.cleaned_data,
            )
        except services.AssessmentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The invitation to %(email)s is queued: this page shows when it has left.")
                % {"email": invitation.email},
            )
            return redirect("firm")
    return _firm_page(request, access, form, status=400)


@require_http_methods(["GET", "POST"])
def firm_join(request, secret: str):
    """The invited person, signed in, joins the firm; anyone else gets a 404."""
    invitation = selectors.firm_invitation_for_invitee(request.user, secret)
    if request.method == "POST":
        try:
            services.firm_invitation_accept(invitation=invitation, user=request.user)
        except services.AssessmentError as error:
            messages.error(request, str(error))
            return redirect("home")
        messages.success(
            request, _("You are now a consultant of %(firm)s.") % {"firm": invitation.firm.name}
        )
        return redirect("portfolio")
    return render(request, "assessments/firm_join.html", {"invitation": invitation})


def _hand_over(request, deactivate: bool):
    access = firm_access(request, partner=True)
    _members, active, everyone = _people(access.firm_id)
    form = HandOverForm(
        request.POST,
        people=active if deactivate else everyone,
        takers=active,
        prefix="leave" if deactivate else "hand",
    )
    if not form.is_valid():
        messages.error(request, _("Choose who gives and who takes the book."))
        return redirect("firm")
    giver, taker = int(form.cleaned_data["giver"]), int(form.cleaned_data["taker"])
    try:
        if deactivate:
            moved = services.consultant_deactivate(
                partner=request.user, firm_id=access.firm_id, consultant_id=giver, hand_to_id=taker
            )
        else:
            moved = services.book_hand_over(
                partner=request.user, firm_id=access.firm_id, from_id=giver, to_id=taker
            )
    except services.AssessmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(count)s clients were handed over.") % {"count": moved}
            + (" " + _("The consultant was deactivated.") if deactivate else ""),
        )
    return redirect("firm")


@require_POST
def firm_hand_over(request):
    return _hand_over(request, deactivate=False)


@require_POST
def firm_deactivate(request):
    return _hand_over(request, deactivate=True)


@require_http_methods(["GET", "POST"])
def firm_client(request, organisation_id: int):
    """Who of the firm follows a client, and its lead; partners change it."""
    access = firm_access(request, partner=True)
    organisation = selectors.firm_client(access.firm_id, organisation_id)
    _members, active, _everyone = _people(access.firm_id)
    form = ClientAssignForm(request.POST or None, people=active)
    if request.method == "POST":
        try:
            if "remove" in request.POST:
                services.client_unassign(
                    partner=request.user,
                    organisation=organisation,
                    consultant_id=_int(request.POST.get("remove")),
                )
                messages.success(request, _("The consultant no longer follows this client."))
                return redirect("firm_client", organisation_id=organisation.pk)
            if form.is_valid():
                services.client_assign(
                    partner=request.user,
                    organisation=organisation,
                    consultant_id=int(form.cleaned_data["consultant"]),
                    lead=form.cleaned_data["lead"],
                )
                messages.success(request, _("Saved: the consultant follows this client."))
                return redirect("firm_client", organisation_id=organisation.pk)
        except services.AssessmentError as error:
            form.add_error(None, str(error))
    context = {
        "organisation": organisation,
        "consultants": selectors.client_consultants(organisation.pk),
        "form": form,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "assessments/firm_client.html", context, status=status)


def _int(value) -> int:
    # isdigit() alone takes "²" and "٣", which int() refuses.
    if not value or not value.isascii() or not value.isdigit() or len(value) > 18:
        raise Http404
    return int(value)


@require_POST
def firm_webhook_add(request):
    """A partner registers an address of the firm's own system; its signing secret is
    shown on the page that answers, once."""
    access = firm_access(request, partner=True)
    form = WebhookForm(request.POST, prefix="hook")
    if form.is_valid():
        try:
            endpoint, secret = services.webhook_add(partner=request.user, **form.cleaned_data)
        except services.AssessmentError as error:
            form.add_error(None, str(error))
        else:
            invite = FirmConsultantInviteForm(prefix="invite")
            return _firm_page(request, access, invite, secret=(endpoint, secret))
    invite = FirmConsultantInviteForm(prefix="invite")
    return _firm_page(request, access, invite, status=400, webhook_form=form)


@require_POST
def firm_webhook_remove(request, endpoint_id: int):
    access = firm_access(request, partner=True)
    endpoint = selectors.firm_webhook(access.firm_id, endpoint_id)
    services.webhook_remove(partner=request.user, endpoint_id=endpoint.pk)
    messages.success(request, _("The webhook was removed: nothing more is sent to it."))
    return redirect("firm")


@require_POST
def firm_webhook_ping(request, endpoint_id: int):
    access = firm_access(request, partner=True)
    endpoint = selectors.firm_webhook(access.firm_id, endpoint_id)
    services.webhook_ping(partner=request.user, endpoint_id=endpoint.pk)
    messages.success(request, _("A test event is queued: its delivery is listed below."))
    return redirect("firm_webhook", endpoint_id=endpoint.pk)


@require_GET
def firm_webhook(request, endpoint_id: int):
    """A webhook's deliveries, newest first, with what the endpoint answered."""
    access = firm_access(request, partner=True)
    endpoint = selectors.firm_webhook(access.firm_id, endpoint_id)
    page, _per_page = page_of(request, selectors.webhook_deliveries(endpoint.pk))
    context = {
        "endpoint": endpoint,
        "deliveries": page.object_list,
        "page": page,
        "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        "page_query": "",
    }
    return render(request, "assessments/firm_webhook.html", context)
