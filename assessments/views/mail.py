"""Sending again a mail that failed, from the page that lists it."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import selectors, services
from assessments.models import Membership


@require_POST
def mail_retry(request, mail_id: int):
    mail = selectors.mail_for_sender(request.user, mail_id)
    try:
        services.mail_retry(mail=mail)
    except services.AssessmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("The message to %(email)s is queued again.") % {"email": mail.recipient}
        )
    if mail.assessment_id is not None:
        return redirect("round_manage", assessment_id=mail.assessment_id)
    if mail.firm_invitation_id is not None:
        return redirect("firm")
    if mail.invitation.role == Membership.Role.CONSULTANT:
        return redirect("organisation_consultants", organisation_id=mail.organisation_id)
    return redirect("invitations")
