"""Reads about people's accounts."""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac
from qsessions.models import Session

from assessments.models import (
    Action,
    ApiToken,
    Assessment,
    Invitation,
    Membership,
    OrganisationDeletion,
    OutcomeValue,
    Response,
    ShareLink,
)


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


def organisations_of_person(person) -> set[int]:
    """The ids of every organisation whose pages or files may name `person`: those they
    belong to or were invited to, answered, submitted, owned an action of, entered a
    figure or made a shared link for."""
    ids = set(Membership.objects.filter(user=person).values_list("organisation_id", flat=True))
    ids.update(Invitation.objects.filter(user=person).values_list("organisation_id", flat=True))
    ids.update(
        Response.objects.filter(respondent=person).values_list(
            "assessment__organisation_id", flat=True
        )
    )
    ids.update(
        Assessment.objects.filter(Q(started_by=person) | Q(submitted_by=person)).values_list(
            "organisation_id", flat=True
        )
    )
    ids.update(
        Action.objects.filter(
            Q(owner=person) | Q(created_by=person) | Q(updated_by=person)
        ).values_list("organisation_id", flat=True)
    )
    ids.update(
        OutcomeValue.objects.filter(entered_by=person).values_list("organisation_id", flat=True)
    )
    ids.update(
        ShareLink.objects.filter(Q(created_by=person) | Q(revoked_by=person)).values_list(
            "organisation_id", flat=True
        )
    )
    ids.update(
        OrganisationDeletion.objects.filter(restorers=person).values_list(
            "organisation_id", flat=True
        )
    )
    return ids


def unsubmitted_of(person) -> tuple[QuerySet, QuerySet]:
    """What of `person`'s no result holds: their own drafts (assessments they started,
    rounds they lead that are still open), and their unsubmitted answer sets in others'."""
    own_drafts = Assessment.objects.filter(started_by=person, status="draft")
    in_others = Response.objects.filter(respondent=person, submitted_at=None).exclude(
        assessment__in=own_drafts
    )
    return own_drafts, in_others


def erasure_scope(person) -> dict:
    """What erasing `person` would do, counted for the page that asks to confirm it."""
    own_drafts, in_others = unsubmitted_of(person)
    return {
        "organisations": len(organisations_of_person(person)),
        "answers_kept": Response.objects.filter(respondent=person)
        .exclude(submitted_at=None)
        .count(),
        "drafts_deleted": own_drafts.count() + in_others.count(),
        "actions_owned": Action.objects.filter(owner=person).count(),
    }


def erasable_by_partner(partner_firm_id: int, partner, email: str):
    """The person with address `email` whom a partner of firm `partner_firm_id` may have
    erased: a member of the firm, or someone whose every organisation is a client of it
    and who belongs to no other firm; never the partner, nor a staff account. None for
    anyone else, and for an address without an account alike."""
    person = (
        get_user_model()
        .objects.filter(email__iexact=email, is_staff=False, is_superuser=False)
        .exclude(pk=partner.pk)
        .select_related("firm_member")
        .first()
    )
    if person is None:
        return None
    member = getattr(person, "firm_member", None)
    if member is not None:
        return person if member.firm_id == partner_firm_id else None
    firms = set(
        Membership.objects.filter(user=person).values_list("organisation__firm_id", flat=True)
    )
    return person if firms == {partner_firm_id} else None


def deletions_restorable_by(user):
    """The organisations `user` managed that were deleted and are not purged yet."""
    return (
        OrganisationDeletion.objects.filter(restorers=user)
        .select_related("organisation", "deleted_by")
        .order_by("purge_after")
    )
