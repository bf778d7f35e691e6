"""A person's own account: where they are signed in, their password and second factor."""

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from assessments import selectors, services


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
