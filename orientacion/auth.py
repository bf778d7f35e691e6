"""Signing in: django-axes' lockout in front of django-allauth's sign-in and second factor."""

import time
from functools import wraps

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.stages import EmailVerificationStage
from allauth.account.views import EmailView
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.forms import ActivateTOTPForm
from allauth.mfa.totp.internal.auth import TOTP
from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check for sign-ins made through a page. A sign-in without a
    request (the shell, a management command, the test client's login()) has no address
    to count failures against, so it is left to the next backend."""

    def authenticate(self, request=None, *args, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


def typed_username(request, credentials) -> str | None:
    """What a lockout counts failures against: the username or e-mail address typed on the
    sign-in page (allauth passes it on as one or the other), or the username of the
    account whose second-factor code was wrong. Cut to the 255 characters axes stores: the
    sign-in field has no limit of its own, and a longer value would fail the insert."""
    for key in ("username", "email"):
        if credentials and credentials.get(key):
            return credentials[key][:255]
    return request.POST.get("login", "")[:255] or None


class AccountAdapter(DefaultAccountAdapter):
    """django-allauth, this installation's way: sign-up only while SIGNUP_OPEN, every mail
    through the task queue, and the second factor for confirming sensitive changes."""

    def is_open_for_signup(self, request):
        return settings.SIGNUP_OPEN

    def get_client_ip(self, request):
        # The address sign-up is rate limited by, as the lockout sees it.
        from orientacion.client_ip import client_ip

        return client_ip(request) or super().get_client_ip(request)

    def get_login_stages(self):
        return [
            VerifiedAddressStage.path if stage.endswith(".EmailVerificationStage") else stage
            for stage in super().get_login_stages()
        ]

    def send_notification_mail(self, template_prefix, user, context=None, email=None):
        from assessments import services

        # `email`: the address told, where it is not the account's (the old one, after a
        # change of address).
        services.account_notice_queue(
            user=user,
            notice=template_prefix,
            site_url=self.request.build_absolute_uri("/"),
            recipient=email,
        )

    def add_message(self, request, level, message_template=None, message_context=None, **kw):
        # allauth says "confirmation sent to …" only when it sent one, and sends one per
        # address every few minutes: a sign-up repeated for an address would read
        # differently. The page after sign-up says it for every address instead.
        from django.urls import reverse

        if (
            message_template == "account/messages/email_confirmation_sent.txt"
            and request.path == reverse("account_signup")
        ):
            return
        super().add_message(request, level, message_template, message_context, **kw)

    def send_confirmation_mail(self, request, emailconfirmation, signup):
        """Queued: the worker writes the link (allauth's signed key of the address) when it
        sends the mail, so no link waits in the database."""
        from assessments import services

        services.address_confirmation_queue(
            address=emailconfirmation.email_address,
            site_url=(request or self.request).build_absolute_uri("/"),
        )

    def send_account_already_exists_mail(self, email):
        """Somebody signed up with an address that has an account: its owner hears of it,
        the page says what it says to everyone."""
        from allauth.account.internal.userkit import filter_users_by_email

        from assessments import services

        for user in filter_users_by_email(email, is_active=True):
            services.account_notice_queue(
                user=user,
                notice="account/email/account_already_exists",
                site_url=self.request.build_absolute_uri("/"),
            )

    def is_reauthentication_required(self, *, app, **kwargs):
        from allauth.core import context

        return not signed_in_recently(context.request)

    def get_reauthentication_methods(self, user):
        """Whoever has a second factor confirms a sensitive change with it, not with the
        password alone."""
        methods = super().get_reauthentication_methods(user)
        second_factor = [m for m in methods if m["id"].startswith("mfa_")]
        return second_factor or methods

    def reauthenticate(self, user, password):
        from allauth.mfa.utils import is_mfa_enabled

        return not is_mfa_enabled(user) and super().reauthenticate(user, password)

    def send_mail(self, template_prefix, email, context):
        # Every mail allauth sends here has its own queued method above; anything else
        # would be sent from the request, past the queue: refuse it.
        raise NotImplementedError(f"{template_prefix} is not sent through the mail queue")


class VerifiedAddressStage(EmailVerificationStage):
    """allauth's mandatory confirmation, for the addresses it was given at sign-up. An
    account made by an invitation or by an admin has no allauth address record: its
    address was proved by the invitation's one-time link (no password before it) or
    typed by the admin, so it signs in as before."""

    path = "orientacion.auth.VerifiedAddressStage"

    def handle(self):
        from allauth.account.models import EmailAddress

        user = self.login.user
        if user is not None and not EmailAddress.objects.filter(user=user).exists():
            return None, True
        return super().handle()


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator):
        """Whoever must use a second factor cannot turn theirs off (an admin can reset it)."""
        return not second_factor_required_of(authenticator.user)


def second_factor_required_of(user) -> bool:
    from assessments.selectors import account_roles

    required = settings.SECOND_FACTOR_REQUIRED_FOR
    return bool(required and account_roles(user) & required)


class ActivateOnceTOTPForm(ActivateTOTPForm):
    """The code that sets the authenticator up counts as used: it cannot then sign in."""

    def clean_code(self):
        code = super().clean_code()
        # allauth remembers used codes per person for the whole tolerance window; the
        # setup form checks the code against the new secret without that record.
        TOTP(Authenticator(user=self.user, type=Authenticator.Type.TOTP))._mark_code_used(code)
        return code


class _CodeLockout:
    """Five wrong second-factor codes lock the account's username and the address out
    exactly as five wrong passwords do (the same count, the same 429 page); a locked-out
    pair is refused even the right code."""

    def __init__(self, *args, **kwargs):
        from allauth.core import context

        super().__init__(*args, **kwargs)
        self.request = context.request

    def clean_code(self):
        credentials = {"username": self.user.get_username()}
        request = self.request
        if AxesProxyHandler.is_locked(request, credentials):
            request.axes_locked_out = True  # AxesMiddleware answers with its lockout page
            raise ValidationError(_("Too many wrong codes: try again later."))
        try:
            return super().clean_code()
        except ValidationError:
            user_login_failed.send(sender=type(self), credentials=credentials, request=request)
            raise


class LockingAuthenticateForm(_CodeLockout, AuthenticateForm):
    pass


class LockingReauthenticateForm(_CodeLockout, ReauthenticateForm):
    pass


# When this session's person last gave their password (and second factor, if they have
# one): sensitive changes within REAUTHENTICATION_TIMEOUT of it go ahead without asking
# again; later ones go through allauth's reauthentication.
SIGNED_IN_AT = "signed_in_at"


def remember_sign_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    request.session[SIGNED_IN_AT] = time.time()
    if not (request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME")):
        return  # not a browser's request (the test client's force_login)
    from assessments import services

    services.browser_signed_in(
        user=user,
        user_agent=request.headers.get("User-Agent", ""),
        site_url=request.build_absolute_uri("/"),
    )


def signed_in_recently(request) -> bool:
    signed_in_at = request.session.get(SIGNED_IN_AT, 0) if request else 0
    return time.time() - signed_in_at < allauth_settings.REAUTHENTICATION_TIMEOUT


def forget_second_factor_check(user_id) -> None:
    """A person's role or staff status changed: each of their sessions checks afresh
    whether a second factor is now required of them."""
    if not settings.SECOND_FACTOR_REQUIRED_FOR:
        return  # no session holds the check: nobody is asked for a second factor
    from qsessions.models import Session

    from orientacion.middleware import SECOND_FACTOR_CHECKED

    for session in Session.objects.filter(user_id=user_id):
        data = session.get_decoded()
        if data.pop(SECOND_FACTOR_CHECKED, None) is not None:
            session.session_data = Session.get_session_store_class()().encode(data)
            session.save(update_fields=["session_data"])


def signup_context(request) -> dict:
    """Whether pages offer sign-up (the sign-in page's link)."""
    return {"signup_open": settings.SIGNUP_OPEN}


class AddressChangeView(EmailView):
    """allauth's change of address (ACCOUNT_CHANGE_EMAIL: one address, the new one
    confirmed before it replaces the old). An account made by invitation or by the admin
    has no allauth address record yet: its address, proved or given as VerifiedAddressStage
    says, is recorded as confirmed first, or allauth would record it unconfirmed and the
    next sign-in would ask for a confirmation."""

    def dispatch(self, request, *args, **kwargs):
        from allauth.account.models import EmailAddress

        user = request.user
        if user.email and not EmailAddress.objects.filter(user=user).exists():
            EmailAddress.objects.get_or_create(
                user=user, email=user.email.lower(), defaults={"verified": True, "primary": True}
            )
        return super().dispatch(request, *args, **kwargs)


def answered_no_sooner_than(setting: str):
    """A view whose POST answers no sooner than `settings.<setting>` seconds after it
    came. Signing up an address that has an account (a notice mailed to its owner) writes
    fewer rows than a new one (the account, its organisation): about 10 ms less, on every
    try, which would tell who has an account. Both now wait for the same moment; a 429
    does not wait."""

    def decorate(view):
        @wraps(view)
        def padded(request, *args, **kwargs):
            began = time.monotonic()
            response = view(request, *args, **kwargs)
            # A refusal past the rate limit tells nothing of the address, and waiting on
            # it would let a flood of them hold every worker.
            if request.method == "POST" and response.status_code != 429:
                time.sleep(max(0.0, getattr(settings, setting) - (time.monotonic() - began)))
            return response

        return padded

    return decorate
