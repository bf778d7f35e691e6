"""A firm's pages: its people for every member; for partners, handing a book over,
deactivating a consultant and choosing who follows each client."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import selectors, services
from assessments.forms import ClientAssignForm, HandOverForm


def _firm_access(request, partner=False) -> selectors.ConsultantAccess:
    """An active member of a firm (a partner where `partner`), or 404."""
    access = selectors.consultant_access(request.user)
    if access.firm_id is None or (partner and not access.is_partner):
        raise Http404
    return access


def _people(firm_id: int):
    members = list(selectors.firm_members(firm_id))
    active = [
        (m.user_id, m.user.get_full_name() or m.user.username) for m in members if m.is_active
    ]
    everyone = [(m.user_id, m.user.get_full_name() or m.user.username) for m in members]
    return members, active, everyone


@require_GET
def firm(request):
    access = _firm_access(request)
    members, active, everyone = _people(access.firm_id)
    context = {
        "firm": members[0].firm if members else None,
        "members": members,
        "access": access,
        "hand_over": HandOverForm(people=everyone, takers=active, prefix="hand"),
        "deactivate": HandOverForm(people=active, takers=active, prefix="leave"),
    }
    return render(request, "assessments/firm.html", context)


def _hand_over(request, deactivate: bool):
    access = _firm_access(request, partner=True)
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
    access = _firm_access(request, partner=True)
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
    if not value or not str(value).isdigit() or len(str(value)) > 18:
        raise Http404
    return int(value)
