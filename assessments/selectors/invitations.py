"""Reads of invitations: a consultant's list, and the one a secret link opens."""

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from assessments.models import (
    Invitation,
    Membership,
    OutgoingMail,
)
from assessments.selectors.book import followed_organisations


def invitations_sent_by_consultants_of(user) -> QuerySet:
    """Invitations to manage the organisations the user follows as a consultant, newest
    first (a round's invitations to answer are its lead's business)."""
    return (
        Invitation.objects.filter(
            organisation__in=followed_organisations(user), role=Membership.Role.MANAGER
        )
        .select_related("organisation", "invited_by", "user")
        .prefetch_related(
            Prefetch(
                "mails",
                queryset=OutgoingMail.objects.order_by("-created_at", "-pk"),
                to_attr="mails_newest_first",
            )
        )
        .order_by("-sent_at", "-pk")
    )


def invitation_for_consultant(user, invitation_id: int):
    """An invitation to an organisation the user follows as a consultant, or 404."""
    invitation = invitations_sent_by_consultants_of(user).filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404
    return invitation


def invitation_for_invitee(user, secret: str):
    """The pending invitation whose link holds `secret`, if it was sent to `user`; 404
    otherwise, saying nothing about whether the link exists."""
    invitation = (
        Invitation.objects.filter(
            token_hash=Invitation.hash_of(secret), user=user, accepted_at=None
        )
        .select_related("organisation", "invited_by")
        .first()
    )
    if invitation is None:
        raise Http404
    return invitation
