"""Invitations to join an organisation by e-mail (a consultant's new client, a round's
new person): nobody joins before accepting, and the inviter sees the same whether or not
the address has an account."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from assessments.models import (
    FirmMember,
    Invitation,
    Membership,
    Organisation,
    OutgoingMail,
    SentMail,
    person_name,
)
from assessments.selectors import book_changed
from assessments.services.errors import AssessmentError
from assessments.services.mail import (
    absolute_url,
    check_mail_limits,
    composes,
    count_mail,
    mail_queue,
)


@dataclass(frozen=True)
class NewPerson:
    first_name: str
    last_name: str
    email: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def account_for(person: NewPerson):
    """The account of an address typed by a round's lead, made (without a usable
    password) if there is none."""
    user_model = get_user_model()
    user = user_model.objects.filter(
        Q(username__iexact=person.email) | Q(email__iexact=person.email)
    ).first()
    if user is None:
        user = user_model(
            username=person.email,
            email=person.email,
            first_name=person.first_name,
            last_name=person.last_name,
        )
        user.set_unusable_password()
        user.save()
    return user


def fresh_join_path(invitation, view: str = "invitation_accept") -> str:
    """A new secret join link for an existing account (to an organisation, or with
    `view` to a firm); the one sent before stops working."""
    secret = secrets.token_urlsafe(32)
    invitation.token_hash = Invitation.hash_of(secret)
    invitation.save(update_fields=["token_hash"])
    return reverse(view, args=[secret])


# A resend within this time is refused: one click sends one e-mail.
RESEND_INTERVAL = timedelta(minutes=1)
# How long a link to join with an existing account stays valid (a link to choose a new
# account's password follows Django's PASSWORD_RESET_TIMEOUT).
JOIN_LINK_MAX_AGE = timedelta(days=14)


@transaction.atomic
def client_add(
    *,
    consultant,
    name,
    sector,
    size_band,
    country,
    manager_email,
    manager_first_name,
    manager_last_name,
    site_url,
) -> Invitation:
    """A client organisation the consultant follows, and an e-mail inviting its manager.

    Whether the address already has an account changes what the e-mail says, never what
    the consultant sees: either way the manager becomes a member only by accepting, so no
    page, list or filter could tell the consultant who has an account.
    """
    user_model = get_user_model()
    email = user_model.objects.normalize_email(manager_email).lower()
    organisation = Organisation.objects.create(
        name=name,
        sector=sector,
        size_band=size_band,
        country=country,
        # The new client is in the book of the consultant's firm.
        firm_id=_firm_id_of(consultant),
    )
    check_mail_limits(organisation, consultant, 1)
    Membership.objects.create(
        user=consultant,
        organisation=organisation,
        role=Membership.Role.CONSULTANT,
        is_lead=True,
    )
    manager = account_for(
        NewPerson(first_name=manager_first_name, last_name=manager_last_name, email=email)
    )
    return _invite(
        organisation=organisation,
        person=manager,
        email=email,
        invited_by=consultant,
        role=Membership.Role.MANAGER,
        site_url=site_url,
    )


@transaction.atomic
def consultant_invite(*, manager, organisation, email, first_name, last_name, site_url):
    """A manager asks their consultant to follow the organisation: an e-mail invitation
    that, once accepted, puts the organisation in the consultant's book. The manager sees
    the same whether or not the address has an account."""
    user_model = get_user_model()
    email = user_model.objects.normalize_email(email).lower()
    check_mail_limits(organisation, manager, 1)
    consultant = account_for(NewPerson(first_name=first_name, last_name=last_name, email=email))
    # Both show on the manager's page already: refusing says nothing new about the address.
    if Invitation.objects.filter(organisation=organisation, user=consultant).exists():
        raise AssessmentError(_("%(email)s is already invited.") % {"email": email})
    if Membership.objects.filter(organisation=organisation, user=consultant).exists():
        raise AssessmentError(
            _("%(email)s already takes part in this organisation.") % {"email": email}
        )
    return _invite(
        organisation=organisation,
        person=consultant,
        email=email,
        invited_by=manager,
        role=Membership.Role.CONSULTANT,
        site_url=site_url,
    )


def _invite(*, organisation, person, email, invited_by, role, site_url) -> Invitation:
    """The invitation, and its mail queued: with a link to choose a password for an
    account that has none, else a join link."""
    invitation = Invitation.objects.create(
        organisation=organisation,
        user=person,
        email=email,
        invited_by=invited_by,
        role=role,
        new_account=not person.has_usable_password(),
        sent_at=timezone.now(),
    )
    _invitation_mail(invitation, site_url)
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, site_url: str) -> Invitation:
    """The invitation again, with a new link: the one sent before stops working."""
    invitation = Invitation.objects.select_for_update().select_related("user").get(pk=invitation.pk)
    if not invitation.is_pending:
        raise AssessmentError(_("This invitation was accepted already."))
    if timezone.now() - invitation.sent_at < RESEND_INTERVAL:
        raise AssessmentError(
            _(
                "The invitation was sent less than a minute ago. "
                "Wait a moment before sending it again."
            )
        )
    if invitation.invited_by is not None:
        check_mail_limits(invitation.organisation, invitation.invited_by, 1)
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["sent_at"])
    _invitation_mail(invitation, site_url)
    return invitation


def _invitation_mail(invitation: Invitation, site_url: str) -> None:
    """Queue the invitation; its text, with a fresh secret link, is written when it is sent."""
    consultant = invitation.invited_by
    if consultant is not None:
        count_mail(invitation.organisation, consultant, SentMail.Kind.CLIENT_INVITATION)
    mail_queue(
        kind=OutgoingMail.Kind.CLIENT_INVITATION,
        recipient=invitation.email,
        subject=_("Your access to %(organisation)s in Orientación")
        % {"organisation": invitation.organisation.name},
        site_url=site_url,
        organisation=invitation.organisation,
        invitation=invitation,
        user=invitation.user,
    )


@composes(OutgoingMail.Kind.CLIENT_INVITATION)
def _invitation_mail_text(mail: OutgoingMail) -> str | None:
    """The invitation with a fresh secret link (the one sent before stops working); none
    once it is accepted."""
    invitation = mail.invitation
    if not invitation.is_pending:
        return None
    user = invitation.user
    if invitation.role == Membership.Role.CONSULTANT:
        return _consultant_invitation_text(invitation, mail.site_url)
    if invitation.new_account:
        path = fresh_set_password_path(user)
        message = _(
            "Hello %(name)s,\n\n%(consultant)s has added %(organisation)s to Orientación, "
            "the customer-orientation self-assessment, with you as its manager. Choose your "
            "password here (the link works once):\n\n%(link)s\n\nYour username is %(username)s."
        )
    else:
        path = fresh_join_path(invitation)
        message = _(
            "Hello %(name)s,\n\n%(consultant)s invites you to manage %(organisation)s in "
            "Orientación, the customer-orientation self-assessment. Sign in as %(username)s "
            "and accept here:\n\n%(link)s\n\nIf you do not know this organisation, ignore "
            "this message: nothing changes until you accept."
        )
    return invitation_text(
        message,
        user=user,
        link=absolute_url(mail.site_url, path),
        consultant=person_name(invitation.invited_by),
        organisation=invitation.organisation.name,
    )


def invitation_text(message: str, *, user, link: str, **names) -> str:
    """An invitation mail's text: `message` filled with the invitee's name and username,
    the link, and `names` (who invites, to what)."""
    return message % {
        "name": user.first_name or user.get_username(),
        "username": user.get_username(),
        "link": link,
        **names,
    }


def _consultant_invitation_text(invitation: Invitation, site_url: str) -> str:
    user = invitation.user
    if invitation.new_account:
        path = fresh_set_password_path(user)
        message = _(
            "Hello %(name)s,\n\n%(manager)s invites you to follow %(organisation)s as its "
            "consultant in Orientación, the customer-orientation self-assessment: its "
            "reports, progress and action plan. Choose your password here (the link works "
            "once); your first sign-in accepts:\n\n%(link)s\n\nYour username is "
            "%(username)s."
        )
    else:
        path = fresh_join_path(invitation)
        message = _(
            "Hello %(name)s,\n\n%(manager)s invites you to follow %(organisation)s as its "
            "consultant in Orientación: it joins your portfolio when you accept. Sign in as "
            "%(username)s and accept here:\n\n%(link)s\n\nIf you do not know this "
            "organisation, ignore this message: nothing changes until you accept."
        )
    return invitation_text(
        message,
        user=user,
        link=absolute_url(site_url, path),
        manager=person_name(invitation.invited_by),
        organisation=invitation.organisation.name,
    )


def fresh_set_password_path(user) -> str:
    """A one-time link for an account without a password to choose one. A new unusable
    password changes what the password-reset token is made of, so every link sent before
    this one stops working."""
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return reverse(
        "password_reset_confirm",
        args=[
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        ],
    )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> Membership:
    """The invited person, signed in, joins the organisation in the invitation's role."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.user_id != user.pk or not invitation.is_pending:
        raise AssessmentError(_("This invitation is not open for you."))
    if timezone.now() - invitation.sent_at > JOIN_LINK_MAX_AGE:
        raise AssessmentError(_("This invitation has expired. Ask for it to be sent again."))
    membership = _join(invitation)
    invitation.token_hash = ""
    invitation.save(update_fields=["accepted_at", "token_hash"])
    return membership


def _join(invitation: Invitation) -> Membership:
    membership, _created = Membership.objects.get_or_create(
        user_id=invitation.user_id,
        organisation_id=invitation.organisation_id,
        defaults={"role": invitation.role},
    )
    if invitation.role == Membership.Role.CONSULTANT:
        # A client in no firm's book joins the book of the consultant's firm.
        firm_id = _firm_id_of(invitation.user)
        if firm_id is not None:
            Organisation.objects.filter(pk=invitation.organisation_id, firm=None).update(
                firm_id=firm_id
            )
            book_changed()
    invitation.accepted_at = timezone.now()
    return membership


def _firm_id_of(user) -> int | None:
    return (
        FirmMember.objects.filter(user=user, is_active=True)
        .values_list("firm_id", flat=True)
        .first()
    )


@transaction.atomic
def invitations_accepted_by_sign_in(*, user) -> None:
    """An invitation that came with a link to choose a new password is accepted when its
    owner, having chosen one, first signs in."""
    pending = Invitation.objects.select_for_update().filter(
        user=user, new_account=True, accepted_at=None
    )
    for invitation in pending:
        _join(invitation)
        invitation.save(update_fields=["accepted_at"])
