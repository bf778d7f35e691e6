"""Password resets, through the mail queue like every other mail."""

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import get_language
from django_q.tasks import async_task

from assessments.models import OutgoingMail
from assessments.services.mail import composes, mail_queue

RESET_TASK = "assessments.tasks.password_reset_mails"


def password_reset_request(*, email: str, site_url: str) -> None:
    """Queue the search for accounts with this address: the request does the same work
    (one queued task) whether or not the address has an account, so neither its answer
    nor its time tells. The task's arguments are not kept once it has run."""
    async_task(RESET_TASK, email, site_url, get_language(), task_name="password-reset")


def password_reset_mails(email: str, site_url: str, language: str) -> int:
    """Queue a reset mail to each active account with a password at this address (a queue
    worker's task). Returns how many, for the worker's log."""
    users = list(PasswordResetForm().get_users(email))
    with translation.override(language):
        subject = render_to_string("registration/password_reset_subject.txt").strip()
        for user in users:
            mail_queue(
                kind=OutgoingMail.Kind.PASSWORD_RESET,
                recipient=getattr(user, user.get_email_field_name()),
                subject=subject,
                site_url=site_url,
                user=user,
            )
    return len(users)


@composes(OutgoingMail.Kind.PASSWORD_RESET)
def _password_reset_text(mail: OutgoingMail) -> str:
    """Written when sent: the one-time link exists only in the mail."""
    protocol, domain = mail.site_url.rstrip("/").split("://", 1)
    user = mail.user
    return render_to_string(
        "registration/password_reset_email.html",
        {
            "user": user,
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
            "protocol": protocol,
            "domain": domain,
        },
    )
