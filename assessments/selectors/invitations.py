"""Reads of invitations: a consultant's list, and the one a secret link opens."""

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from assessments.models import (
    Invitation,
    Membership,
    OutgoingMail,
)
from assessments.selectors.book import followed_organisation_ids


def newest_mail_first() -> Prefetch:
    """An invitation's mails, newest first, as `mails_newest_first`: the list pages show
    the state of the latest one."""
    return Prefetch(
        "mails",
        queryset=OutgoingMail.objects.order_by("-created_at", "-pk"),
        to_attr="mails_newest_first",
    )


def invitations_sent_by_consultants_of(user) -> QuerySet:
    """Invitations to manage the organisations the user follows as a consultant, newest
    first (a round's invitations to answer are its lead's business)."""
    return (
        Invitation.objects.filter(
            organisation__in=followed_organisation_ids(user), role=Membership.Role.MANAGER
        )
        .select_related("organisation", "invited_by", "user")
        .prefetch_related(newest_mail_first())
        .order_by("-sent_at", "-pk")
    )


def consultant_invitations_managed_by(user) -> QuerySet:
    """Invitations to follow, as a consultant, an organisation the user manages."""
    managed = Membership.objects.filter(user=user, role=Membership.Role.MANAGER)
    return Invitation.objects.filter(
        organisation__in=managed.values("organisation"), role=Membership.Role.CONSULTANT
    )


def consultants_page(organisation_id: int) -> dict:
    """What a manager sees of who follows their organisation as a consultant: the
    consultants and the invitations sent, each with its latest mail."""
    return {
        "consultants": Membership.objects.filter(
            organisation_id=organisation_id, role=Membership.Role.CONSULTANT
        )
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "pk"),
        "invitations": Invitation.objects.filter(
            organisation_id=organisation_id, role=Membership.Role.CONSULTANT
        )
        .select_related("invited_by")
        .prefetch_related(newest_mail_first())
        .order_by("-sent_at", "-pk"),
    }


def invitation_for_consultant(user, invitation_id: int):
    """An invitation to an organisation the user follows as a consultant, or 404."""
    invitation = invitations_sent_by_consultants_of(user).filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404
    return invitation


def invitation_for_invitee(user, secret: str):
    """The pending invitation whose link holds `secret`, if it was sent to `user`; 404
    otherwise, saying nothing about whether the link exists."""
    return pending_for_invitee(
        Invitation.objects.select_related("organisation", "invited_by"), user, secret
    )


def pending_for_invitee(invitations: QuerySet, user, secret: str):
    """Among `invitations` (an organisation's or a firm's), the pending one whose link
    holds `secret`, if sent to `user`; 404 otherwise, whether or not the link exists."""
    invitation = invitations.filter(
        token_hash=Invitation.hash_of(secret), user=user, accepted_at=None
    ).first()
    if invitation is None:
        raise Http404
    return invitation
