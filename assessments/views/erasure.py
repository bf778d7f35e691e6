"""Erasing a person: by themselves from their account, or by a partner of their firm. Both
pages sit behind a fresh confirmation of who is asking (their second factor, where they
have one: see urls.py), say what will go and what stays, and erase only once the
account's address is typed."""

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assessments import selectors, services
from assessments.forms import ErasureConfirmForm, PersonByAddressForm
from assessments.models import Erasure
from assessments.services import AssessmentError
from assessments.views.firms import firm_access


@require_http_methods(["GET", "POST"])
def account_erase(request):
    person = request.user
    form = ErasureConfirmForm(request.POST or None, person=person)
    refusal = services.erasure_refusal(person)
    if request.method == "POST" and refusal is None and form.is_valid():
        services.person_erase(person=person, requested_by=Erasure.By.SELF)
        logout(request)
        messages.success(request, _("Your account and what named you are erased."))
        return redirect("account_login")
    context = {
        "form": form,
        "scope": selectors.erasure_scope(person),
        "refusal": refusal,
        "yourself": True,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "assessments/erase.html", context, status=status)


@require_http_methods(["GET", "POST"])
def firm_erase(request):
    """A partner erases one of the firm's people or of its clients' people, found by
    address: an address of no one they may erase gets the same answer as an address
    without an account."""
    access = firm_access(request, partner=True)
    find = PersonByAddressForm(request.POST or None)
    context = {"find": find, "yourself": False}
    if request.method == "GET":
        return render(request, "assessments/erase.html", context)
    person = None
    if find.is_valid():
        person = selectors.erasable_by_partner(
            access.firm_id, request.user, find.cleaned_data["email"]
        )
        if person is None:
            find.add_error(
                "email",
                _("No one with that address is among your firm's people or its clients' people."),
            )
    if person is None:
        return render(request, "assessments/erase.html", context, status=400)
    form = ErasureConfirmForm(request.POST if "confirm" in request.POST else None, person=person)
    refusal = services.erasure_refusal(person)
    if form.is_bound and refusal is None and form.is_valid():
        try:
            services.person_erase(person=person, requested_by=Erasure.By.PARTNER)
        except AssessmentError as error:
            refusal = str(error)
        else:
            messages.success(request, _("The person's account and what named them are erased."))
            return redirect("firm")
    context |= {
        "form": form,
        "person": person,
        "scope": selectors.erasure_scope(person),
        "refusal": refusal,
    }
    return render(request, "assessments/erase.html", context, status=400 if form.is_bound else 200)
