"""Reads about people's accounts."""

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac
from qsessions.models import Session

from assessments.models import ApiToken, Membership


def account_roles(user) -> set[str]:
    """The roles a person holds anywhere: "admin" for staff, and each membership's role."""
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True).distinct())
    if user.is_staff:
        roles.add("admin")
    return roles


def session_ref(session_key: str) -> str:
    """How a page names a session: never by its key, which would sign anyone in."""
    return salted_hmac("orientacion.session-ref", session_key).hexdigest()[:20]


def sessions_of(user) -> list:
    """The person's live sessions, the most recently used first, each with its `ref`."""
    sessions = list(
        Session.objects.filter(user=user, expire_date__gt=timezone.now()).order_by("-updated_at")
    )
    for session in sessions:
        session.ref = session_ref(session.session_key)
    return sessions


def api_tokens_of(user) -> QuerySet[ApiToken]:
    """The person's tokens, newest first, revoked and expired ones included (greyed)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")
