"""Rounds: one assessment answered by several people of the organisation, from its start
and reminders to the agreed answers and its closing."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import audit, selectors
from assessments.assessment_scoring import score_round
from assessments.formatting import half_up
from assessments.models import (
    AgreedAnswer,
    Assessment,
    Invitation,
    Membership,
    Organisation,
    OutgoingMail,
    Response,
    SentMail,
    WebhookEndpoint,
    person_name,
)
from assessments.services.answering import lock_draft, store_result
from assessments.services.errors import AssessmentError, refuse_past_limits
from assessments.services.invitations import (
    NewPerson,
    account_for,
    fresh_join_path,
    fresh_set_password_path,
)
from assessments.services.mail import (
    absolute_url,
    check_mail_limits,
    composes,
    count_mail,
    mail_queue,
    since_a_day_ago,
)
from assessments.services.webhooks import webhooks_notify

# Rounds: one assessment answered by several people of the organisation.

# A reminder to the same respondent within this time is refused.
REMINDER_INTERVAL = timedelta(days=1)


# An anonymous round names nobody, but with fewer submitted answers than this, the lead
# (who knows their own) could read another person's answers off the counts.
ANONYMOUS_ROUND_MINIMUM = 3


@transaction.atomic
def round_start(
    *,
    organisation: Organisation,
    lead,
    members,
    new_people: list[NewPerson],
    anonymous: bool,
    site_url: str,
) -> Assessment:
    """An assessment answered by the lead and the invited people, each of whom gets an
    e-mail.

    Someone invited by e-mail who is not yet of the organisation joins it only by
    accepting: an address without an account gets one with no usable password (its
    e-mail's link chooses one), an address with an account gets a join link. The lead sees
    the name and address typed either way, so the round tells nothing about who has an
    account."""
    bank = selectors.current_bank()
    if bank is None:
        raise AssessmentError(_("No question bank is published yet."))
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    _check_round_start_limits(organisation, lead)
    member_ids = {m.pk for m in members}
    if not member_ids <= set(selectors.invitable_member_ids(organisation, lead)):
        raise AssessmentError(_("Only people of this organisation can be invited."))
    invitees: dict[int, tuple[object, NewPerson | None]] = {
        user.pk: (user, None) for user in get_user_model().objects.filter(pk__in=member_ids)
    }
    for person in new_people:
        user = account_for(person)
        role = (
            Membership.objects.filter(user=user, organisation=organisation)
            .values_list("role", flat=True)
            .first()
        )
        if role == Membership.Role.CONSULTANT:
            raise AssessmentError(
                _("%(email)s follows this organisation as its consultant and cannot answer it.")
                % {"email": person.email}
            )
        invitees[user.pk] = (user, person)
    invitees.pop(lead.pk, None)
    if not invitees:
        raise AssessmentError(
            _("Invite at least one other person, or start an assessment on your own.")
        )
    if anonymous and len(invitees) + 1 < ANONYMOUS_ROUND_MINIMUM:
        raise AssessmentError(
            _(
                "An anonymous round needs at least %(count)s people, you included: with "
                "fewer, each person's answers could be read off the counts."
            )
            % {"count": ANONYMOUS_ROUND_MINIMUM}
        )
    check_mail_limits(organisation, lead, len(invitees))
    assessment = Assessment.objects.create(
        organisation=organisation, bank=bank, started_by=lead, is_round=True, anonymous=anonymous
    )
    Response.objects.bulk_create(
        [Response(assessment=assessment, respondent=lead)]
        + [
            Response(
                assessment=assessment,
                respondent=user,
                invited_name=person.full_name if person else "",
                invited_email=person.email if person else "",
            )
            for user, person in invitees.values()
        ]
    )
    for user, person in invitees.values():
        address = person.email.lower() if person else user.email
        invitation = _respondent_invitation(organisation, user, lead, address)
        _round_mail(assessment, user, site_url, reminder=False, invitation=invitation)
    return assessment


def _respondent_invitation(organisation, user, lead, address: str) -> Invitation | None:
    """The invitation to join the organisation as a respondent, mailed to the address the
    lead typed, for someone not of it yet (None for a member): a pending one is sent again
    with a new link."""
    if Membership.objects.filter(user=user, organisation=organisation).exists():
        return None
    invitation, created = Invitation.objects.select_for_update().get_or_create(
        organisation=organisation,
        user=user,
        defaults={
            "email": address,
            "invited_by": lead,
            "role": Membership.Role.RESPONDENT,
            "new_account": not user.has_usable_password(),
            "sent_at": timezone.now(),
        },
    )
    if not created:
        # Not a member, so not accepted, or accepted and later removed: pending again.
        invitation.accepted_at = None
        invitation.email = address
        invitation.new_account = not user.has_usable_password()
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["accepted_at", "email", "new_account", "sent_at"])
    return invitation


def _check_round_start_limits(organisation: Organisation, lead) -> None:
    rounds = Assessment.objects.filter(is_round=True, created_at__gte=since_a_day_ago())
    limits = (
        (
            rounds.filter(started_by=lead),
            settings.ROUND_STARTS_PER_PERSON_PER_DAY,
            _(
                "You have started %(count)s rounds in the last 24 hours, the most allowed. "
                "Nothing was started or sent; try again tomorrow."
            ),
        ),
        (
            rounds.filter(organisation=organisation),
            settings.ROUND_STARTS_PER_ORGANISATION_PER_DAY,
            _(
                "%(count)s rounds of this organisation were started in the last 24 hours, "
                "the most allowed. Nothing was started or sent; try again tomorrow."
            ),
        ),
    )
    refuse_past_limits(limits)


def _lead_lock(assessment: Assessment, lead) -> Assessment:
    assessment = lock_draft(assessment.pk)
    if not assessment.is_round or assessment.started_by_id != lead.pk:
        raise AssessmentError(_("Only the person who started this round can do that."))
    return assessment


@transaction.atomic
def round_remind(*, assessment: Assessment, lead, response_id: int, site_url: str) -> Response:
    """Another e-mail to a respondent who has not submitted; at most one a day each."""
    assessment = _lead_lock(assessment, lead)
    response = (
        # Only the response's row: its respondent may be none (erased), an outer join.
        Response.objects.select_for_update(of=("self",))
        .select_related("respondent")
        .filter(assessment=assessment, pk=response_id)
        .first()
    )
    if response is None or response.respondent_id == lead.pk:
        raise AssessmentError(_("That person is not a respondent of this round."))
    if response.submitted_at is not None:
        raise AssessmentError(_("That person has submitted already."))
    now = timezone.now()
    if response.reminded_at is not None and now - response.reminded_at < REMINDER_INTERVAL:
        raise AssessmentError(
            _("A reminder was sent to this person less than a day ago. You can send one a day.")
        )
    check_mail_limits(assessment.organisation, lead, 1)
    response.reminded_at = now
    response.save(update_fields=["reminded_at"])
    invitation = (
        Invitation.objects.select_for_update()
        .filter(organisation=assessment.organisation, user=response.respondent, accepted_at=None)
        .first()
    )
    _round_mail(assessment, response.respondent, site_url, reminder=True, invitation=invitation)
    audit.record(assessment, "reminder sent", actor=lead)
    return response


def _round_mail(
    assessment: Assessment, user, site_url: str, *, reminder: bool, invitation=None
) -> None:
    """Queue the invitation to answer, or a reminder. Someone not of the organisation yet
    is written to at the address the lead typed, with a pending `invitation`."""
    email = invitation.email if invitation is not None else user.email
    if not email:
        return  # an account made without an address; the lead's page shows it has none
    subject = (
        _("Reminder: %(organisation)s's customer-orientation self-assessment")
        if reminder
        else _("Your answers for %(organisation)s's customer-orientation self-assessment")
    ) % {"organisation": assessment.organisation.name}
    kind = SentMail.Kind.ROUND_REMINDER if reminder else SentMail.Kind.ROUND_INVITATION
    count_mail(assessment.organisation, assessment.started_by, kind)
    mail_queue(
        kind=kind,
        recipient=email,
        subject=subject,
        site_url=site_url,
        organisation=assessment.organisation,
        assessment=assessment,
        user=user,
        invitation=invitation,
    )


@composes(OutgoingMail.Kind.ROUND_INVITATION, OutgoingMail.Kind.ROUND_REMINDER)
def _round_mail_text(mail: OutgoingMail) -> str:
    """The text, written when it is sent. Someone who has still not joined gets a fresh
    one-time link to join: to choose a password (no account before) or to accept (an
    account before); the link sent before stops working."""
    assessment, user, site_url = mail.assessment, mail.user, mail.site_url
    answer_link = site_url.rstrip("/") + reverse("assessment_answer", args=[assessment.pk])
    lead = assessment.started_by
    values = {
        "name": user.first_name or user.get_username(),
        "lead": person_name(lead),
        "organisation": assessment.organisation.name,
        "answer_link": answer_link,
        "username": user.get_username(),
    }
    if mail.kind == OutgoingMail.Kind.ROUND_REMINDER:
        body = _(
            "Hello %(name)s,\n\n%(lead)s reminds you that the customer-orientation "
            "self-assessment of %(organisation)s is waiting for your answers. It takes about "
            "fifteen minutes, and you can save and come back:\n\n%(answer_link)s"
        )
    else:
        body = _(
            "Hello %(name)s,\n\n%(lead)s invites you to answer the customer-orientation "
            "self-assessment of %(organisation)s: 20 questions, about fifteen minutes. Each "
            "person answers alone, and nobody sees your answers before the round is "
            "closed.\n\n%(answer_link)s"
        )
    if assessment.anonymous:
        body += "\n\n" + _("This round is anonymous: the report shows only counts, no names.")
    body = body % values
    invitation = mail.invitation
    if invitation is not None and invitation.is_pending:
        body += "\n\n" + _join_instructions(invitation, site_url)
    elif invitation is None and not user.has_usable_password():
        body += "\n\n" + _(
            "First choose your password here (the link works once); your username is "
            "%(username)s:\n\n%(link)s"
        ) % {
            "username": user.get_username(),
            "link": absolute_url(site_url, fresh_set_password_path(user)),
        }
    return body


def _join_instructions(invitation: Invitation, site_url: str) -> str:
    """How someone not of the organisation yet joins it to answer, with a fresh link (the
    one sent before stops working)."""
    user = invitation.user
    if invitation.new_account:
        return _(
            "To take part, first choose your password here (the link works once); your "
            "username is %(username)s. Nothing else changes until you do:\n\n%(link)s"
        ) % {
            "username": user.get_username(),
            "link": absolute_url(site_url, fresh_set_password_path(user)),
        }
    return _(
        "To take part, sign in as %(username)s and accept the invitation to join "
        "%(organisation)s here first. Nothing changes until you accept; if you do not know "
        "this organisation, ignore this message:\n\n%(link)s"
    ) % {
        "username": user.get_username(),
        "organisation": invitation.organisation.name,
        "link": absolute_url(site_url, fresh_join_path(invitation)),
    }


@transaction.atomic
def agreed_answer_set(
    *, assessment: Assessment, lead, question_id: int, choice: str, note: str
) -> AgreedAnswer | None:
    """Record the answer agreed for a question (its value replaces the mean), or with an
    empty choice remove it."""
    assessment = _lead_lock(assessment, lead)
    if question_id not in set(selectors.bank_question_ids(assessment.bank_id)):
        raise AssessmentError(_("That question is not in this assessment."))
    if not choice:
        AgreedAnswer.objects.filter(assessment=assessment, question_id=question_id).delete()
        audit.record(assessment, "agreed answer removed", actor=lead)
        return None
    agreed, _created = AgreedAnswer.objects.update_or_create(
        assessment=assessment,
        question_id=question_id,
        defaults={"choice": choice, "note": note, "recorded_by": lead},
    )
    audit.record(assessment, "agreed answer recorded", actor=lead)
    return agreed


@transaction.atomic
def round_close(*, assessment: Assessment, lead) -> Assessment:
    """Score the round from its submitted responses and agreed answers, once. Responses
    not submitted by now are left out."""
    assessment = _lead_lock(assessment, lead)
    responses = list(
        Response.objects.filter(assessment=assessment).select_related("respondent").order_by("pk")
    )
    submitted = [r for r in responses if r.submitted_at is not None]
    if not submitted:
        raise AssessmentError(_("Nobody has submitted yet: a round closes with at least one."))
    if assessment.anonymous and len(submitted) < ANONYMOUS_ROUND_MINIMUM:
        raise AssessmentError(
            _(
                "An anonymous round closes once at least %(count)s people have submitted: "
                "with fewer, you could read the others' answers off the counts."
            )
            % {"count": ANONYMOUS_ROUND_MINIMUM}
        )
    areas = selectors.questions_by_area(assessment.bank_id)
    answers = selectors.submitted_answers(assessment.pk)
    agreed = {a.question_id: a.choice for a in assessment.agreed_answers.all()}
    result, combined = score_round(
        areas, [answers[r.pk] for r in submitted], agreed, assessment.bank.thresholds
    )
    for response in submitted:
        # An erased person's answers keep their pseudonym, never a name.
        erased = response.respondent_id is None
        response.label = "" if assessment.anonymous or erased else response.name
    if assessment.anonymous:
        numbers = list(range(1, len(submitted) + 1))
        secrets.SystemRandom().shuffle(numbers)
        for response, number in zip(submitted, numbers, strict=True):
            response.pseudonym_number = number
    Response.objects.bulk_update(submitted, ["label", "pseudonym_number"])
    question_count = sum(len(area.questions.all()) for area in areas)
    assessment.status = Assessment.Status.SUBMITTED
    assessment.submitted_at = timezone.now()
    assessment.submitted_by = lead
    assessment.respondent_count = len(submitted)
    assessment.invited_count = len(responses)
    assessment.agreement = (
        half_up(100 * (question_count - len(combined.disagreements)) / question_count, 2)
        if len(submitted) > 1
        else None
    )
    store_result(assessment, areas, result)
    webhooks_notify(WebhookEndpoint.Event.ROUND_CLOSED, assessment)
    return assessment
