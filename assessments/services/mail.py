"""Mail sent on someone's behalf: after the change that asked for it is stored, within the
daily limits that keep the platform from being anyone's mail cannon."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Organisation, SentMail
from assessments.services.errors import refuse_past_limits

logger = logging.getLogger(__name__)


def since_a_day_ago():
    return timezone.now() - timedelta(days=1)


def check_mail_limits(organisation: Organisation, sender, count: int) -> None:
    """Refuse to send `count` more e-mails on `sender`'s behalf past the daily limits.
    Rows older than the limits' window count for nothing: each check drops them, once per
    request rather than once per mail."""
    SentMail.objects.filter(sent_at__lt=since_a_day_ago()).delete()
    recent = SentMail.objects.all()
    limits = (
        (
            recent.filter(sent_by=sender),
            settings.MAILS_PER_PERSON_PER_DAY,
            _(
                "This would pass the limit of %(count)s invitation and reminder e-mails "
                "you can send in 24 hours. Nothing was sent; try again tomorrow."
            ),
        ),
        (
            recent.filter(organisation=organisation),
            settings.MAILS_PER_ORGANISATION_PER_DAY,
            _(
                "This would pass the limit of %(count)s invitation and reminder e-mails "
                "for this organisation in 24 hours. Nothing was sent; try again tomorrow."
            ),
        ),
    )
    refuse_past_limits(limits, adding=count)


def count_mail(organisation: Organisation, sender, kind: str) -> None:
    SentMail.objects.create(
        sent_by=sender, organisation=organisation, kind=kind, sent_at=timezone.now()
    )


def absolute_url(site_url: str, path: str) -> str:
    return site_url.rstrip("/") + path


def mail_on_commit(subject: str, body: str, recipient: str) -> None:
    """Send a mail once the change that asked for it is stored, so a failed request mails
    nobody. The change is kept whatever the mail server says: a refused or unreachable
    server is logged, never turned into an error page for a change already saved."""
    # A subject is one header line; names stored before line breaks were refused may
    # still hold one.
    subject = " ".join(subject.split())

    def send():
        try:
            send_mail(subject=subject, message=body, from_email=None, recipient_list=[recipient])
        except Exception:
            logger.exception("Mail %r could not be sent", subject)

    transaction.on_commit(send)
