"""Reads of the mail the app sends on someone's behalf."""

from django.db.models import Q
from django.http import Http404

from assessments.models import Assessment, OutgoingMail
from assessments.selectors.firms import firm_invitations_of_partner
from assessments.selectors.invitations import (
    consultant_invitations_managed_by,
    invitations_sent_by_consultants_of,
)


def mail_for_sender(user, mail_id: int) -> OutgoingMail:
    """A mail sent on the user's behalf, or 404: a client's invitation from the consultants
    of an organisation the user follows, an invitation to follow one the user manages,
    or a mail of an open round the user leads."""
    mail = (
        OutgoingMail.objects.filter(pk=mail_id)
        .filter(
            Q(invitation__in=invitations_sent_by_consultants_of(user).values("pk"))
            | Q(invitation__in=consultant_invitations_managed_by(user).values("pk"))
            | Q(firm_invitation__in=firm_invitations_of_partner(user).values("pk"))
            | Q(
                assessment__started_by=user,
                assessment__is_round=True,
                assessment__status=Assessment.Status.DRAFT,
            )
        )
        .first()
    )
    if mail is None:
        raise Http404
    return mail
