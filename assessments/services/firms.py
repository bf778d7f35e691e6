"""A firm's partners run its book: who follows which client (one the lead), handing a
consultant's whole book to another, deactivating a consultant. Every change is one
transaction and lands in the audit trail."""

from django.db import transaction
from django.utils.translation import gettext as _

from assessments import audit
from assessments.models import FirmMember, Membership, Organisation
from assessments.services.errors import AssessmentError


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
