"""What happens to a person's account that they must hear about, through the mail queue."""

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import OutgoingMail
from assessments.services.mail import composes, mail_queue

# Each event a notice tells of: its subject and what happened.
NOTICES = {
    "account/email/password_changed": (
        _("Your password was changed"),
        _("The password of your Orientación account was changed."),
    ),
    "account/email/password_set": (
        _("Your password was set"),
        _("A password was set for your Orientación account."),
    ),
    "mfa/email/totp_activated": (
        _("Second factor turned on"),
        _("An authenticator app now gives the second factor of your Orientación account."),
    ),
    "mfa/email/totp_deactivated": (
        _("Second factor turned off"),
        _(
            "The authenticator app was removed from your Orientación account: the password "
            "alone now opens it."
        ),
    ),
    "mfa/email/recovery_codes_generated": (
        _("New recovery codes"),
        _(
            "New recovery codes were made for your Orientación account; the earlier ones "
            "no longer work."
        ),
    ),
    "second_factor_reset": (
        _("Your second factor was reset"),
        _(
            "An administrator removed the second factor of your Orientación account. You "
            "will be asked to set up a new one the next time you sign in."
        ),
    ),
}
UNKNOWN_NOTICE = (
    _("A change to your account"),
    _("A security setting of your Orientación account was changed."),
)


def account_notice_queue(*, user, notice: str, site_url: str) -> OutgoingMail | None:
    """Tell a person what just happened to their account, at their account's address
    (none: nothing to send)."""
    if not user.email:
        return None
    subject, _text = NOTICES.get(notice, UNKNOWN_NOTICE)
    with transaction.atomic():
        return mail_queue(
            kind=OutgoingMail.Kind.ACCOUNT_NOTICE,
            recipient=user.email,
            subject=str(subject),
            site_url=site_url,
            user=user,
            notice=notice,
        )


@composes(OutgoingMail.Kind.ACCOUNT_NOTICE)
def _account_notice_text(mail: OutgoingMail) -> str:
    _subject, happened = NOTICES.get(mail.notice, UNKNOWN_NOTICE)
    return render_to_string(
        "registration/account_notice_email.txt",
        {
            "user": mail.user,
            "happened": happened,
            "when": timezone.localtime(mail.created_at),
            "site_url": mail.site_url.rstrip("/"),
        },
    )


def sessions_end(*, user, refs: set[str] | None, keep: str) -> int:
    """Sign the person out of their sessions named by `refs` (None: all), never the one
    with key `keep` (the one asking). Ended in the database, so refused by every worker
    and server at once. Returns how many ended."""
    from assessments.selectors import sessions_of

    ending = [
        session
        for session in sessions_of(user)
        if session.session_key != keep and (refs is None or session.ref in refs)
    ]
    for session in ending:
        session.delete()  # qsessions also drops its cached copy
    return len(ending)
