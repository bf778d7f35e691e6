"""What happens to a person's account that they must hear about, through the mail queue."""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments import selectors
from assessments.models import Membership, Organisation, OutgoingMail, SignInBrowser
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
    "new_browser_sign_in": (
        _("A sign-in from a new browser"),
        _("Your Orientación account was signed in from a browser it had not used before."),
    ),
    "account/email/email_changed": (
        _("Your e-mail address was changed"),
        _(
            "The e-mail address of your Orientación account was changed: its mail now goes "
            "to the new address, and this one no longer signs in."
        ),
    ),
    "account/email/account_already_exists": (
        _("Somebody tried to sign up with your address"),
        _(
            "Somebody tried to create an Orientación account with this address, which "
            "already has one. No new account was made."
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
# What the person should do, where it is not "nothing, if it was you".
NOTICE_ADVICE = {
    "account/email/account_already_exists": _(
        "If it was you, sign in with this address; if you have forgotten the password, "
        "choose a new one from the sign-in page. If it was not you, there is nothing to do."
    ),
}
UNKNOWN_NOTICE = (
    _("A change to your account"),
    _("A security setting of your Orientación account was changed."),
)


def account_notice_queue(
    *, user, notice: str, site_url: str, recipient: str | None = None
) -> OutgoingMail | None:
    """Tell a person what just happened to their account, at their account's address or
    at `recipient` (the address it had, after a change); none: nothing to send."""
    recipient = recipient or user.email
    if not recipient:
        return None
    subject, _text = NOTICES.get(notice, UNKNOWN_NOTICE)
    with transaction.atomic():
        return mail_queue(
            kind=OutgoingMail.Kind.ACCOUNT_NOTICE,
            recipient=recipient,
            subject=str(subject),
            site_url=site_url,
            user=user,
            notice=notice,
        )


@composes(OutgoingMail.Kind.ACCOUNT_NOTICE)
def _account_notice_text(mail: OutgoingMail) -> str:
    _subject, happened = NOTICES.get(mail.notice, UNKNOWN_NOTICE)
    browser = None
    if mail.notice == "new_browser_sign_in":
        browser = (
            SignInBrowser.objects.filter(user=mail.user, first_seen_at__lte=mail.created_at)
            .order_by("-first_seen_at")
            .values_list("browser", flat=True)
            .first()
        )
    return render_to_string(
        "registration/account_notice_email.txt",
        {
            "user": mail.user,
            "happened": happened,
            "advice": NOTICE_ADVICE.get(mail.notice),
            "browser": browser,
            "when": timezone.localtime(mail.created_at),
            "site_url": mail.site_url.rstrip("/"),
        },
    )


def browser_signed_in(*, user, user_agent: str, site_url: str) -> bool:
    """Note the browser a person just signed in from; the first time an account that has
    signed in elsewhere before uses it, tell them by mail. Returns whether it was new."""
    browser = browser_name(user_agent)
    with transaction.atomic():
        known = SignInBrowser.objects.filter(user=user)
        seen_before = known.exists()
        _row, created = SignInBrowser.objects.update_or_create(user=user, browser=browser)
        if created and seen_before:
            account_notice_queue(user=user, notice="new_browser_sign_in", site_url=site_url)
    return created


def browser_name(user_agent: str) -> str:
    """ "Firefox on Linux": the browser's family and the system's, without versions (an
    update is not a new browser)."""
    if not user_agent:
        return "?"
    from ua_parser import parse

    parsed = parse(user_agent[:1000])
    agent = parsed.user_agent.family if parsed.user_agent else "?"
    system = parsed.os.family if parsed.os else "?"
    return f"{agent} / {system}"[:200]


def sessions_end(*, user, refs: set[str] | None, keep: str) -> int:
    """Sign the person out of their sessions named by `refs` (None: all), never the one
    with key `keep` (the one asking). Ended in the database, so refused by every worker
    and server at once. Returns how many ended."""
    ending = [
        session
        for session in selectors.sessions_of(user)
        if session.session_key != keep and (refs is None or session.ref in refs)
    ]
    for session in ending:
        session.delete()  # qsessions also drops its cached copy
    return len(ending)


def second_factor_reset(*, user, site_url: str) -> int:
    """Remove a person's second factor (an admin's doing, when a phone is lost): their
    authenticator app and recovery codes go, they are told by mail, and if their role
    requires one, their next page sends them to set a new one up. Returns how many
    authenticators were removed."""
    from allauth.mfa.models import Authenticator

    from orientacion.auth import forget_second_factor_check

    with transaction.atomic():
        removed, _by_model = Authenticator.objects.filter(user=user).delete()
        if removed:
            account_notice_queue(user=user, notice="second_factor_reset", site_url=site_url)
            forget_second_factor_check(user.pk)
    return removed


def address_confirmation_queue(*, address, site_url: str) -> OutgoingMail:
    """The mail with the link that confirms an address given at sign-up."""
    with transaction.atomic():
        return mail_queue(
            kind=OutgoingMail.Kind.ADDRESS_CONFIRMATION,
            recipient=address.email,
            subject=str(_("Confirm your e-mail address")),
            site_url=site_url,
            user=address.user,
        )


@composes(OutgoingMail.Kind.ADDRESS_CONFIRMATION)
def _address_confirmation_text(mail: OutgoingMail) -> str | None:
    """Written when sent, with allauth's signed key for the address (nothing to store);
    not needed once the address is confirmed or no longer the account's."""
    from allauth.account.models import EmailAddress, EmailConfirmationHMAC

    address = EmailAddress.objects.filter(user=mail.user, email__iexact=mail.recipient).first()
    if address is None or address.verified:
        return None
    key = EmailConfirmationHMAC(address).key
    return render_to_string(
        "account/email/address_confirmation.txt",
        {
            "user": mail.user,
            # A change of address: the account has a confirmed address already.
            "changing": EmailAddress.objects.filter(user=mail.user, verified=True).exists(),
            "confirm_url": mail.site_url.rstrip("/") + reverse("account_confirm_email", args=[key]),
            "days": settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS,
        },
    )


def organisation_sign_up(*, manager, name: str, sector: str, size_band: str, country: str):
    """The organisation a person named when signing up, which they manage."""
    with transaction.atomic():
        organisation = Organisation.objects.create(
            name=name, sector=sector, size_band=size_band, country=country
        )
        Membership.objects.create(
            user=manager, organisation=organisation, role=Membership.Role.MANAGER
        )
    return organisation
