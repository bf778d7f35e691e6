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


def _iso(value):
    return value.isoformat() if value is not None else None


def personal_data(user) -> dict:
    """Everything the app holds about one person, as plain data (GDPR articles 15 and 20):
    their account, sessions and browsers, memberships, invitations to their address, their
    own answers and notes, the actions they own, the figures and links they made, their
    API tokens (never a secret) and the audit trail's entries of what they did."""
    from auditlog.models import LogEntry

    from assessments.models import (
        Action,
        Answer,
        Invitation,
        OutcomeValue,
        ShareLink,
        SignInBrowser,
    )

    answers = (
        Answer.objects.filter(response__respondent=user)
        .select_related("response__assessment__organisation", "question__area")
        .order_by("response__assessment_id", "question__area__order", "question__number")
    )
    return {
        "account": {
            "username": user.get_username(),
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "is_active": user.is_active,
        },
        "sessions": [
            {
                "started": _iso(s.created_at),
                "last_used": _iso(s.updated_at),
                "address": s.ip,
                "browser": s.user_agent,
                "expires": _iso(s.expire_date),
            }
            for s in Session.objects.filter(user=user).order_by("created_at")
        ],
        "sign_in_browsers": [
            {
                "browser": b.browser,
                "first_seen": _iso(b.first_seen_at),
                "last_seen": _iso(b.last_seen_at),
            }
            for b in SignInBrowser.objects.filter(user=user).order_by("first_seen_at")
        ],
        "memberships": [
            {"organisation": m.organisation.name, "role": m.role}
            for m in Membership.objects.filter(user=user).select_related("organisation")
        ],
        "invitations": [
            {
                "organisation": i.organisation.name,
                "email": i.email,
                "role": i.role,
                "sent": _iso(i.sent_at),
                "accepted": _iso(i.accepted_at),
            }
            for i in Invitation.objects.filter(user=user).select_related("organisation")
        ],
        "answers": [
            {
                "organisation": a.response.assessment.organisation.name,
                "assessment": a.response.assessment_id,
                "submitted": _iso(a.response.submitted_at),
                "area": a.question.area.code,
                "question": a.question.number,
                "answer": a.choice,
                "note": a.note,
            }
            for a in answers
        ],
        "actions_owned": [
            {
                "organisation": a.organisation.name,
                "title": a.title,
                "status": a.status,
                "due_date": _iso(a.due_date),
                "note": a.note,
            }
            for a in Action.objects.live().filter(owner=user).select_related("organisation")
        ],
        "outcomes_entered": [
            {
                "organisation": o.organisation.name,
                "measure": o.measure,
                "month": f"{o.period:%Y-%m}",
                "value": str(o.value),
                "entered": _iso(o.entered_at),
            }
            for o in OutcomeValue.objects.filter(entered_by=user).select_related("organisation")
        ],
        "shared_links_made": [
            {
                "organisation": link.organisation.name,
                "label": link.label,
                "made": _iso(link.created_at),
                "expires": _iso(link.expires_at),
                "revoked": _iso(link.revoked_at),
                "views": link.views,
            }
            for link in ShareLink.objects.filter(created_by=user).select_related("organisation")
        ],
        "api_tokens": [
            {
                "name": t.name,
                "access": t.access,
                "made": _iso(t.created_at),
                "expires": _iso(t.expires_at),
                "last_used": _iso(t.last_used_at),
                "revoked": _iso(t.revoked_at),
            }
            for t in ApiToken.objects.filter(user=user).order_by("created_at")
        ],
        "audit_trail": [
            {
                "when": _iso(e.timestamp),
                "what": e.get_action_display(),
                "about": f"{e.content_type.model} {e.object_repr}",
                "changes": e.changes,
                "address": e.remote_addr,
            }
            for e in LogEntry.objects.filter(actor=user)
            .select_related("content_type")
            .order_by("timestamp")
        ],
    }
