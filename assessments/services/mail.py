"""Mail: queued with the change that asks for it, sent by a queue worker with retries, and
within the daily limits that keep the platform from being anyone's mail cannon."""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from assessments.models import Organisation, OutgoingMail, SentMail
from assessments.services.errors import AssessmentError, refuse_past_limits
from assessments.services.queue import claim, run_when_due

logger = logging.getLogger(__name__)

DELIVER_TASK = "assessments.tasks.deliver_mail"
# After a failed try, the next comes after these delays; after the last, the mail is
# marked failed with its error, and a person can send it again from the page.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
_composers: dict[str, Callable[[OutgoingMail], str | None]] = {}


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


def composes(*kinds: str):
    """Register the function that writes the text of mails of `kinds` when they are sent:
    it takes the OutgoingMail and returns its body, or None when the mail is no longer
    needed (what it invited to was accepted meanwhile)."""

    def register(compose: Callable[[OutgoingMail], str | None]):
        for kind in kinds:
            _composers[kind] = compose
        return compose

    return register


def mail_queue(*, kind: str, recipient: str, subject: str, site_url: str, **about) -> OutgoingMail:
    """Queue a mail in the transaction of the change that asks for it: a change rolled back
    queues nothing, and once it commits no crash can lose the mail. A queue worker sends
    it; `about` names what it refers to (organisation, assessment, invitation, user)."""
    # A subject is one header line; names stored before line breaks were refused may
    # still hold one.
    mail = OutgoingMail.objects.create(
        kind=kind,
        recipient=recipient,
        subject=" ".join(subject.split())[:300],
        language=get_language() or settings.LANGUAGE_CODE,
        site_url=site_url,
        next_attempt_at=timezone.now(),
        **about,
    )
    hand_to_worker(mail)
    return mail


def hand_to_worker(mail: OutgoingMail) -> None:
    run_when_due(DELIVER_TASK, mail.pk, mail.next_attempt_at, "mail", mail.attempts + 1)


def mail_deliver(mail_id: int) -> str:
    """Send one queued mail (a queue worker's task). Only one worker can claim it, however
    often the queue hands it out; a claim left by a killed worker lapses after MAIL_LEASE.
    Returns what happened, for the worker's log."""
    if not claim(OutgoingMail, mail_id, mail_lease()):
        if OutgoingMail.objects.filter(pk=mail_id, status=OutgoingMail.Status.SENDING).exists():
            # Another worker holds it, perhaps a dead one whose claim has not lapsed yet:
            # failing this task makes the queue hand it out again later, to check.
            raise MailBeingSent(mail_id)
        return "not due"  # sent, failed, or not due yet (a later task will send it)
    mail = OutgoingMail.objects.get(pk=mail_id)
    # The text, with any fresh one-time link, is written in its own transaction: a link
    # made for a try that then fails simply replaces the one before.
    with translation.override(mail.language), transaction.atomic():
        body = _composers[mail.kind](mail)
    if body is None:
        _mail_finish(mail, OutgoingMail.Status.NOT_NEEDED)
        return "not needed"
    message = EmailMessage(subject=mail.subject, body=body, to=[mail.recipient])
    try:
        message.send()
    except Exception as error:  # whatever the mail server or the network did
        return _mail_failed(mail, error)
    # Marked sent at once: a crash between the server's "accepted" and this line is the
    # only way a mail can go twice.
    _mail_finish(mail, OutgoingMail.Status.SENT, sent_at=timezone.now(), last_error="")
    return "sent"


def _mail_finish(mail: OutgoingMail, status: str, **fields) -> None:
    OutgoingMail.objects.filter(pk=mail.pk).update(
        status=status, claimed_until=None, next_attempt_at=None, **fields
    )


@transaction.atomic
def _mail_failed(mail: OutgoingMail, error: Exception) -> str:
    error_text = f"{type(error).__name__}: {error}"[:1000]
    logger.warning("Mail %s (%s) was not sent: %s", mail.pk, mail.kind, error_text)
    if mail.attempts > len(RETRY_DELAYS):
        _mail_finish(mail, OutgoingMail.Status.FAILED, last_error=error_text)
        return "failed"
    mail.status = OutgoingMail.Status.QUEUED
    mail.next_attempt_at = timezone.now() + RETRY_DELAYS[mail.attempts - 1]
    mail.claimed_until = None
    mail.last_error = error_text
    mail.save(update_fields=["status", "next_attempt_at", "claimed_until", "last_error"])
    hand_to_worker(mail)
    return "retry later"


@transaction.atomic
def mail_retry(*, mail: OutgoingMail) -> OutgoingMail:
    """Send a failed mail again, from the first try's delays."""
    mail = OutgoingMail.objects.select_for_update().get(pk=mail.pk)
    if mail.status != OutgoingMail.Status.FAILED:
        raise AssessmentError(_("Only a message that failed can be sent again."))
    mail.status = OutgoingMail.Status.QUEUED
    mail.attempts = 0
    mail.next_attempt_at = timezone.now()
    mail.save(update_fields=["status", "attempts", "next_attempt_at"])
    hand_to_worker(mail)
    return mail


class MailBeingSent(Exception):
    """The mail is claimed by another worker."""


def mail_lease() -> timedelta:
    """How long a worker holds a mail it is sending: longer than the queue lets a task run,
    shorter than the queue waits before handing a task out again."""
    return timedelta(seconds=settings.QUEUE_TIMEOUT_SECONDS + 10)
