from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
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
