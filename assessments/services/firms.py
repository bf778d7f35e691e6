"""A firm's partners run its book: who follows which client (one the lead), handing a
consultant's whole book to another, deactivating a consultant. Every change is one
transaction and lands in the audit trail."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import audit
from assessments.models import (
    FirmInvitation,
    FirmMember,
    Membership,
    Organisation,
    OutgoingMail,
    person_name,
)
from assessments.services.errors import AssessmentError
from assessments.services.invitations import (
    NewPerson,
    account_for,
    fresh_join_path,
    fresh_set_password_path,
    invitation_text,
)
from assessments.services.mail import absolute_url, composes, mail_queue


def _partner_of(user, firm_id: int) -> FirmMember:
    partner = FirmMember.objects.filter(
        user=user, firm_id=firm_id, role=FirmMember.Role.PARTNER, is_active=True
    ).first()
    if partner is None:
        raise AssessmentError(_("Only the firm's partners can do this."))
    return partner


def _locked_members(firm_id: int, user_ids) -> dict[int, FirmMember]:
    """The firm's members among `user_ids`, locked in a fixed order: a hand-over and an
    assignment touching the same people wait for each other instead of interleaving."""
    members = FirmMember.objects.select_for_update().filter(firm_id=firm_id, user_id__in=user_ids)
    return {member.user_id: member for member in members.order_by("pk")}


@transaction.atomic
def client_assign(*, partner, organisation: Organisation, consultant_id: int, lead: bool):
    """A consultant of the firm follows one of its clients; `lead` makes them its lead
    (the others no longer are)."""
    _partner_of(partner, organisation.firm_id)
    member = _locked_members(organisation.firm_id, [consultant_id]).get(consultant_id)
    if member is None or not member.is_active:
        raise AssessmentError(_("Choose an active consultant of the firm."))
    membership, _created = Membership.objects.get_or_create(
        user_id=consultant_id,
        organisation=organisation,
        defaults={"role": Membership.Role.CONSULTANT},
    )
    if membership.role != Membership.Role.CONSULTANT:
        raise AssessmentError(_("This person already takes part in the organisation otherwise."))
    if lead:
        for other in Membership.objects.filter(
            organisation=organisation, role=Membership.Role.CONSULTANT, is_lead=True
        ).exclude(pk=membership.pk):
            other.is_lead = False
            other.save(update_fields=["is_lead"])
        if not membership.is_lead:
            membership.is_lead = True
            membership.save(update_fields=["is_lead"])
    return membership


@transaction.atomic
def client_unassign(*, partner, organisation: Organisation, consultant_id: int) -> None:
    _partner_of(partner, organisation.firm_id)
    _locked_members(organisation.firm_id, [consultant_id])
    membership = Membership.objects.filter(
        user_id=consultant_id, organisation=organisation, role=Membership.Role.CONSULTANT
    ).first()
    if membership is not None:
        membership.delete()


@transaction.atomic
def book_hand_over(*, partner, firm_id: int, from_id: int, to_id: int) -> int:
    """Every client of the firm that `from_id` follows, followed by `to_id` instead (who
    becomes its lead where `from_id` was), in one step: nothing is lost, and a client
    both follow keeps one membership. Returns how many clients moved."""
    _partner_of(partner, firm_id)
    if from_id == to_id:
        raise AssessmentError(_("Choose two different consultants."))
    members = _locked_members(firm_id, [from_id, to_id])
    if from_id not in members or to_id not in members or not members[to_id].is_active:
        raise AssessmentError(_("Choose consultants of the firm; the one taking over active."))
    moving = Membership.objects.select_for_update().filter(
        user_id=from_id, role=Membership.Role.CONSULTANT, organisation__firm_id=firm_id
    )
    already = set(
        Membership.objects.filter(
            user_id=to_id, organisation__in=moving.values("organisation")
        ).values_list("organisation_id", flat=True)
    )
    moved = 0
    for membership in moving.order_by("pk"):
        if membership.organisation_id in already:
            if membership.is_lead:
                Membership.objects.filter(
                    user_id=to_id, organisation_id=membership.organisation_id
                ).update(is_lead=True)
            membership.delete()
        else:
            membership.user_id = to_id
            membership.save(update_fields=["user"])
        moved += 1
    audit.record(
        members[from_id],
        f"book of {members[from_id].user} ({moved} clients) handed to {members[to_id].user}",
        actor=partner,
    )
    return moved


@transaction.atomic
def consultant_deactivate(*, partner, firm_id: int, consultant_id: int, hand_to_id: int) -> int:
    """The consultant leaves: their book goes to `hand_to_id` first, then they reach
    nothing of the firm's. Returns how many clients moved."""
    if consultant_id == partner.pk:
        raise AssessmentError(_("A partner cannot deactivate themselves."))
    moved = book_hand_over(
        partner=partner, firm_id=firm_id, from_id=consultant_id, to_id=hand_to_id
    )
    member = FirmMember.objects.get(firm_id=firm_id, user_id=consultant_id)
    member.is_active = False
    member.save(update_fields=["is_active"])
    return moved


@transaction.atomic
def firm_consultant_invite(
    *, partner, firm_id: int, email: str, first_name: str, last_name: str, site_url: str
) -> FirmInvitation:
    """A partner invites someone to join the firm as a consultant: a mail through the
    queue. Whether the address has an account changes the mail, never what the partner
    sees; nobody joins before accepting."""
    _partner_of(partner, firm_id)
    email = get_user_model().objects.normalize_email(email).lower()
    person = account_for(NewPerson(first_name=first_name, last_name=last_name, email=email))
    # Both show on the firm's page already: refusing says nothing new about the address.
    if FirmInvitation.objects.filter(firm_id=firm_id, user=person).exists():
        raise AssessmentError(_("%(email)s is already invited.") % {"email": email})
    if FirmMember.objects.filter(firm_id=firm_id, user=person).exists():
        raise AssessmentError(_("%(email)s is already in the firm.") % {"email": email})
    invitation = FirmInvitation.objects.create(
        firm_id=firm_id,
        user=person,
        email=email,
        invited_by=partner,
        new_account=not person.has_usable_password(),
        sent_at=timezone.now(),
    )
    mail_queue(
        kind=OutgoingMail.Kind.FIRM_INVITATION,
        recipient=email,
        subject=_("Join %(firm)s in Orientación") % {"firm": invitation.firm.name},
        site_url=site_url,
        user=person,
        firm_invitation=invitation,
    )
    return invitation


@composes(OutgoingMail.Kind.FIRM_INVITATION)
def _firm_invitation_text(mail: OutgoingMail) -> str | None:
    """With a fresh one-time link (the one sent before stops working); none once taken."""
    invitation = mail.firm_invitation
    if not invitation.is_pending:
        return None
    user = invitation.user
    if invitation.new_account:
        path = fresh_set_password_path(user)
        message = _(
            "Hello %(name)s,\n\n%(partner)s invites you to join %(firm)s in Orientación, the "
            "customer-orientation self-assessment, as a consultant. Choose your password "
            "here (the link works once); your first sign-in accepts:\n\n%(link)s\n\nYour "
            "username is %(username)s."
        )
    else:
        path = fresh_join_path(invitation, "firm_join")
        message = _(
            "Hello %(name)s,\n\n%(partner)s invites you to join %(firm)s in Orientación as a "
            "consultant. Sign in as %(username)s and accept here:\n\n%(link)s\n\nIf you do "
            "not know this firm, ignore this message: nothing changes until you accept."
        )
    return invitation_text(
        message,
        user=user,
        link=absolute_url(mail.site_url, path),
        partner=person_name(invitation.invited_by),
        firm=invitation.firm.name,
    )


@transaction.atomic
def firm_invitation_accept(*, invitation: FirmInvitation, user) -> FirmMember:
    """The invited person joins the firm as a consultant; someone active in another firm
    is asked to leave it first (one firm per person)."""
    invitation = FirmInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.user_id != user.pk or not invitation.is_pending:
        raise AssessmentError(_("This invitation is not open for you."))
    member = _firm_join(invitation)
    invitation.token_hash = ""
    invitation.save(update_fields=["accepted_at", "token_hash"])
    return member


def _firm_join(invitation: FirmInvitation) -> FirmMember:
    member = FirmMember.objects.select_for_update().filter(user_id=invitation.user_id).first()
    if member is not None and member.is_active and member.firm_id != invitation.firm_id:
        raise AssessmentError(
            _("You are an active member of another firm: ask its partner to deactivate you first.")
        )
    if member is None:
        member = FirmMember(user_id=invitation.user_id)
    if member.firm_id != invitation.firm_id or not member.is_active:
        member.firm_id = invitation.firm_id
        member.role = FirmMember.Role.CONSULTANT
        member.is_active = True
        member.save()
    invitation.accepted_at = timezone.now()
    return member


def firm_invitations_accepted_by_sign_in(*, user) -> None:
    """A firm invitation that came with a link to choose a password is accepted at the
    first sign-in after choosing it (one another firm holds stays pending)."""
    pending = FirmInvitation.objects.filter(user=user, new_account=True, accepted_at=None)
    for invitation in pending:
        try:
            with transaction.atomic():
                _firm_join(invitation)
                invitation.save(update_fields=["accepted_at"])
        except AssessmentError:
            continue
