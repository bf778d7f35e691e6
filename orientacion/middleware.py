from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.shortcuts import redirect
from qsessions.middleware import SessionMiddleware as QSessionsMiddleware

from orientacion.client_ip import client_ip


def private_responses(get_response):
    """Every page and file the app serves is about somebody's organisation (or is a form
    with a CSRF token): no browser or proxy may keep a copy, so a shared computer shows
    nothing after its user signs out. Static files are served before this, cacheable."""

    def middleware(request):
        response = get_response(request)
        response["Cache-Control"] = "private, no-store"
        return response

    return middleware


class AuditMiddleware(AuditlogMiddleware):
    """django-auditlog's actor and address for each entry, with the address read the way
    the sign-in lockout reads it (auditlog alone would trust any X-Forwarded-For)."""

    @staticmethod
    def _get_remote_addr(request):
        return client_ip(request)


class SessionMiddleware(QSessionsMiddleware):
    """django-qsessions' sessions (each one knows its user, so an admin can end them),
    recording the address the way the sign-in lockout reads it."""

    def process_request(self, request):
        request.session = self.SessionStore(
            ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
            session_key=request.COOKIES.get(settings.SESSION_COOKIE_NAME),
        )


# The session remembers that its person may go on without setting up a second factor
# (they have one, or their roles need none); a change of role or staff status forgets it.
SECOND_FACTOR_CHECKED = "second_factor_checked"
# What a person who must set up a second factor can still reach.
SECOND_FACTOR_SETUP_PAGES = {
    "mfa_activate_totp",
    "mfa_index",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_reauthenticate",
    "account_reauthenticate",
    "account_logout",
    "set_language",
}


class SecondFactorRequiredMiddleware:
    """Whoever's role (settings.SECOND_FACTOR_REQUIRED_FOR) asks for a second factor and
    has none is taken to set one up right after the password, and reaches nothing else
    (the admin included) until it is done."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        required = settings.SECOND_FACTOR_REQUIRED_FOR
        user = request.user
        if not required or not user.is_authenticated:
            return None
        if getattr(view_func, "opens_a_shared_link", False):
            return None  # a shared link's page is the same for everyone
        if request.session.get(SECOND_FACTOR_CHECKED):
            return None
        if request.resolver_match.url_name in SECOND_FACTOR_SETUP_PAGES:
            return None
        from allauth.mfa.utils import is_mfa_enabled

        from orientacion.auth import second_factor_required_of

        if is_mfa_enabled(user) or not second_factor_required_of(user):
            request.session[SECOND_FACTOR_CHECKED] = True
            return None
        return redirect("mfa_activate_totp")
