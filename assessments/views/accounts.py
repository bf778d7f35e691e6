"""A person's own account: where they are signed in, their password and second factor."""

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import downloads, selectors, services
from assessments.forms import ApiTokenForm


@require_GET
def account_security(request):
    context = {
        "sessions": selectors.sessions_of(request.user),
        "current_key": request.session.session_key,
        "has_second_factor": is_mfa_enabled(request.user),
    }
    return render(request, "assessments/account_security.html", context)


@require_POST
def sessions_sign_out(request):
    """Sign out one other session (`ref`) or every other one (`everywhere`); a form with
    neither (or a `ref` of no session of theirs) ends nothing."""
    refs = None if request.POST.get("everywhere") else {request.POST.get("ref", "")}
    ended = services.sessions_end(user=request.user, refs=refs, keep=request.session.session_key)
    if ended:
        messages.success(
            request,
            ngettext(
                "Signed out of %(count)d other session.",
                "Signed out of %(count)d other sessions.",
                ended,
            )
            % {"count": ended},
        )
    else:
        messages.info(request, _("That session had already ended."))
    return redirect("account_security")


@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """The person's API tokens: made here (the token shown once, on the page that made
    it), listed with when each was last used, and revoked."""
    form = ApiTokenForm(request.POST or None, user=request.user)
    made = None
    if request.method == "POST" and form.is_valid():
        made = services.api_token_create(user=request.user, **form.cleaned_data)
        form = ApiTokenForm(user=request.user)
    context = {
        "form": form,
        "made": made,
        "tokens": selectors.api_tokens_of(request.user),
        "now": timezone.now(),
    }
    status = 400 if request.method == "POST" and made is None else 200
    return render(request, "assessments/api_tokens.html", context, status=status)


@require_POST
def api_token_revoke(request, token_id: int):
    if services.api_token_revoke(user=request.user, token_id=token_id):
        messages.success(request, _("The token was revoked: it opens nothing any more."))
    else:
        messages.info(request, _("That token was already revoked."))
    return redirect("api_tokens")


@require_GET
def account_data(request):
    """Everything the app holds about the person asking, as one JSON file (GDPR articles
    15 and 20): never anyone else's answers, names or secrets."""
    data = selectors.personal_data(request.user)
    name = downloads.filename(
        request.user.get_username(), "data", timezone.localdate().isoformat(), extension="json"
    )
    return JsonResponse(
        data,
        json_dumps_params={"ensure_ascii": False, "indent": 2},
        headers=downloads.attachment(name),
    )
