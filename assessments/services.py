"""Writes. Each service validates before it writes and runs in one transaction, so a
rejected request leaves nothing behind."""

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from assessments import audit, bank_io, scoring, selectors
from assessments.assessment_scoring import score_answers, score_round
from assessments.formatting import half_up
from assessments.models import (
    Action,
    AgreedAnswer,
    Answer,
    Area,
    AreaResult,
    Assessment,
    Invitation,
    Membership,
    Organisation,
    Question,
    QuestionBank,
    Response,
    SentMail,
    refresh_current_results,
)

logger = logging.getLogger(__name__)


class AssessmentError(Exception):
    """A request the rules refuse; the message is meant for the user."""


@dataclass(frozen=True)
class AnswerInput:
    choice: str  # "yes" | "partly" | "no" | "" (not answered yet, but the note is kept)
    note: str


def assessment_start(*, organisation: Organisation, user) -> Assessment:
    bank = selectors.current_bank()
    if bank is None:
        raise AssessmentError(_("No question bank is published yet."))
    return Assessment.objects.create(organisation=organisation, bank=bank, started_by=user)


def _lock_draft(assessment_id: int) -> Assessment:
    # The row lock serialises saves, submissions and closing of one assessment on
    # PostgreSQL; SQLite's IMMEDIATE transactions serialise every writer anyway.
    assessment = Assessment.objects.select_for_update().get(pk=assessment_id)
    if assessment.is_submitted:
        if assessment.is_round:
            raise AssessmentError(
                _("This round was closed: answers can no longer be saved or submitted.")
            )
        raise AssessmentError(_("This assessment was submitted and can no longer be changed."))
    return assessment


def _open_response(assessment: Assessment, user) -> Response:
    """The user's response to save into: in a round, the one made when they were invited,
    and only until they submit it."""
    if not assessment.is_round:
        return Response.objects.get_or_create(assessment=assessment, respondent=user)[0]
    response = Response.objects.filter(assessment=assessment, respondent=user).first()
    if response is None:
        raise AssessmentError(_("You are not invited to answer this round."))
    if response.submitted_at is not None:
        raise AssessmentError(_("You submitted your answers already; they can no longer change."))
    return response


@transaction.atomic
def answers_save(*, assessment: Assessment, user, answers: dict[int, AnswerInput]) -> Response:
    """Store the given answers (question id → answer) of `user`, replacing earlier ones."""
    assessment = _lock_draft(assessment.pk)
    question_ids = set(selectors.bank_question_ids(assessment.bank_id))
    unknown = set(answers) - question_ids
    if unknown:
        raise AssessmentError(_("Some answers are for questions that are not in this assessment."))
    response = _open_response(assessment, user)
    now = timezone.now()
    keep = [
        Answer(response=response, question_id=qid, choice=a.choice, note=a.note, updated_at=now)
        for qid, a in answers.items()
        if a.choice or a.note
    ]
    cleared = [qid for qid, a in answers.items() if not (a.choice or a.note)]
    if cleared:
        Answer.objects.filter(response=response, question_id__in=cleared).delete()
    Answer.objects.bulk_create(
        keep,
        update_conflicts=True,
        unique_fields=["response", "question"],
        update_fields=["choice", "note", "updated_at"],
    )
    Response.objects.filter(pk=response.pk).update(updated_at=now)
    Assessment.objects.filter(pk=assessment.pk).update(updated_at=now)
    audit.record(assessment, "answers saved", actor=user)
    return response


def _unanswered_error(unanswered: scoring.Unanswered) -> AssessmentError:
    return AssessmentError(
        _("Answer every question before submitting. Missing: %(numbers)s.")
        % {"numbers": ", ".join(str(n) for n in unanswered.numbers)}
    )


@transaction.atomic
def assessment_submit(*, assessment: Assessment, user) -> Assessment:
    """Submit a one-person assessment with `user`'s answers, or, in a round, `user`'s own
    response; every question must have a choice."""
    assessment = _lock_draft(assessment.pk)
    areas = selectors.questions_by_area(assessment.bank_id)
    try:
        result = score_answers(
            areas, selectors.answers_of(assessment.pk, user), assessment.bank.thresholds
        )
    except scoring.Unanswered as unanswered:
        raise _unanswered_error(unanswered) from None
    now = timezone.now()
    response = _open_response(assessment, user)
    Response.objects.filter(pk=response.pk).update(submitted_at=now, updated_at=now)
    if assessment.is_round:
        audit.record(assessment, "response submitted", actor=user)
        return assessment
    assessment.status = Assessment.Status.SUBMITTED
    assessment.submitted_at = now
    assessment.submitted_by = user
    assessment.respondent_count = assessment.invited_count = 1
    _store_result(assessment, areas, result)
    return assessment


def _store_result(assessment: Assessment, areas, result: scoring.Result) -> None:
    assessment.overall_score = half_up(result.overall, 2)
    assessment.maturity_level = result.level.value
    assessment.save()
    area_ids = {area.code: area.pk for area in areas}
    AreaResult.objects.bulk_create(
        AreaResult(
            assessment=assessment,
            area_id=area_ids[p.code],
            area_code=p.code,
            score=half_up(p.score, 2),
            priority=half_up(p.priority, 2),
            rank=p.rank,
        )
        for p in result.priorities
    )
    refresh_current_results(Organisation.objects.filter(pk=assessment.organisation_id))


@transaction.atomic
def answers_submit(*, assessment: Assessment, user, answers: dict[int, AnswerInput]) -> Assessment:
    """Save the final answers and submit, all or nothing."""
    answers_save(assessment=assessment, user=user, answers=answers)
    return assessment_submit(assessment=assessment, user=user)


# Rounds: one assessment answered by several people of the organisation.

# A reminder to the same respondent within this time is refused.
REMINDER_INTERVAL = timedelta(days=1)


@dataclass(frozen=True)
class NewPerson:
    first_name: str
    last_name: str
    email: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


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
        user = _account_for(person)
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
    _check_mail_limits(organisation, lead, len(invitees))
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
    for user, _person in invitees.values():
        invitation = _respondent_invitation(organisation, user, lead)
        _round_mail(assessment, user, site_url, reminder=False, invitation=invitation)
    return assessment


def _account_for(person: NewPerson):
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


def _respondent_invitation(organisation, user, lead) -> Invitation | None:
    """The invitation to join the organisation as a respondent, for someone not of it yet
    (None for a member): a pending one is sent again with a new link."""
    if Membership.objects.filter(user=user, organisation=organisation).exists():
        return None
    invitation, created = Invitation.objects.select_for_update().get_or_create(
        organisation=organisation,
        user=user,
        defaults={
            "email": user.email or user.get_username(),
            "invited_by": lead,
            "role": Membership.Role.RESPONDENT,
            "new_account": not user.has_usable_password(),
            "sent_at": timezone.now(),
        },
    )
    if not created:
        # Not a member, so not accepted, or accepted and later removed: pending again.
        invitation.accepted_at = None
        invitation.new_account = not user.has_usable_password()
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["accepted_at", "new_account", "sent_at"])
    return invitation


def _since_a_day_ago():
    return timezone.now() - timedelta(days=1)


def _check_round_start_limits(organisation: Organisation, lead) -> None:
    rounds = Assessment.objects.filter(is_round=True, created_at__gte=_since_a_day_ago())
    if rounds.filter(started_by=lead).count() >= settings.ROUND_STARTS_PER_PERSON_PER_DAY:
        raise AssessmentError(
            _(
                "You have started %(count)s rounds in the last 24 hours, the most allowed. "
                "Nothing was started or sent; try again tomorrow."
            )
            % {"count": settings.ROUND_STARTS_PER_PERSON_PER_DAY}
        )
    if (
        rounds.filter(organisation=organisation).count()
        >= settings.ROUND_STARTS_PER_ORGANISATION_PER_DAY
    ):
        raise AssessmentError(
            _(
                "%(count)s rounds of this organisation were started in the last 24 hours, "
                "the most allowed. Nothing was started or sent; try again tomorrow."
            )
            % {"count": settings.ROUND_STARTS_PER_ORGANISATION_PER_DAY}
        )


def _check_mail_limits(organisation: Organisation, sender, count: int) -> None:
    """Refuse to send `count` more e-mails on `sender`'s behalf past the daily limits."""
    recent = SentMail.objects.filter(sent_at__gte=_since_a_day_ago())
    person_limit = settings.MAILS_PER_PERSON_PER_DAY
    if recent.filter(sent_by=sender).count() + count > person_limit:
        raise AssessmentError(
            _(
                "This would pass the limit of %(count)s invitation and reminder e-mails "
                "you can send in 24 hours. Nothing was sent; try again tomorrow."
            )
            % {"count": person_limit}
        )
    organisation_limit = settings.MAILS_PER_ORGANISATION_PER_DAY
    if recent.filter(organisation=organisation).count() + count > organisation_limit:
        raise AssessmentError(
            _(
                "This would pass the limit of %(count)s invitation and reminder e-mails "
                "for this organisation in 24 hours. Nothing was sent; try again tomorrow."
            )
            % {"count": organisation_limit}
        )


def _count_mail(organisation: Organisation, sender, kind: str) -> None:
    now = timezone.now()
    SentMail.objects.filter(sent_at__lt=now - timedelta(days=2)).delete()
    SentMail.objects.create(sent_by=sender, organisation=organisation, kind=kind, sent_at=now)


def _lead_lock(assessment: Assessment, lead) -> Assessment:
    assessment = _lock_draft(assessment.pk)
    if not assessment.is_round or assessment.started_by_id != lead.pk:
        raise AssessmentError(_("Only the person who started this round can do that."))
    return assessment


@transaction.atomic
def round_remind(*, assessment: Assessment, lead, response_id: int, site_url: str) -> Response:
    """Another e-mail to a respondent who has not submitted; at most one a day each."""
    assessment = _lead_lock(assessment, lead)
    response = (
        Response.objects.select_for_update()
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
    _check_mail_limits(assessment.organisation, lead, 1)
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
    """The invitation to answer, or a reminder, sent when the transaction commits. Someone
    not of the organisation yet gets, with a pending `invitation`, a fresh one-time link to
    join it: to choose a password (no account before) or to accept (an account before)."""
    answer_link = site_url.rstrip("/") + reverse("assessment_answer", args=[assessment.pk])
    lead = assessment.started_by
    values = {
        "name": user.first_name or user.get_username(),
        "lead": lead.get_full_name() or lead.get_username(),
        "organisation": assessment.organisation.name,
        "answer_link": answer_link,
        "username": user.get_username(),
    }
    if reminder:
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
    if invitation is not None:
        body += "\n\n" + _join_instructions(invitation, site_url)
    elif not user.has_usable_password():
        body += "\n\n" + _(
            "First choose your password here (the link works once); your username is "
            "%(username)s:\n\n%(link)s"
        ) % {
            "username": user.get_username(),
            "link": _absolute(site_url, _fresh_set_password_path(user)),
        }
    subject = (
        _("Reminder: %(organisation)s's customer-orientation self-assessment")
        if reminder
        else _("Your answers for %(organisation)s's customer-orientation self-assessment")
    ) % {"organisation": assessment.organisation.name}
    email = invitation.email if invitation is not None else user.email
    if not email:
        return  # an account made without an address; the lead's page shows it has none
    kind = SentMail.Kind.ROUND_REMINDER if reminder else SentMail.Kind.ROUND_INVITATION
    _count_mail(assessment.organisation, lead, kind)
    _mail_on_commit(subject, body, email)


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
            "link": _absolute(site_url, _fresh_set_password_path(user)),
        }
    return _(
        "To take part, sign in as %(username)s and accept the invitation to join "
        "%(organisation)s here first. Nothing changes until you accept; if you do not know "
        "this organisation, ignore this message:\n\n%(link)s"
    ) % {
        "username": user.get_username(),
        "organisation": invitation.organisation.name,
        "link": _absolute(site_url, _fresh_join_path(invitation)),
    }


def _absolute(site_url: str, path: str) -> str:
    return site_url.rstrip("/") + path


def _fresh_join_path(invitation: Invitation) -> str:
    """A new secret join link for an existing account; the one sent before stops working."""
    secret = secrets.token_urlsafe(32)
    invitation.token_hash = Invitation.hash_of(secret)
    invitation.save(update_fields=["token_hash"])
    return reverse("invitation_accept", args=[secret])


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
        person = response.respondent
        response.label = (
            ""
            if assessment.anonymous
            else (response.invited_name or person.get_full_name() or person.get_username())
        )
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
    _store_result(assessment, areas, result)
    return assessment


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
        name=name, sector=sector, size_band=size_band, country=country
    )
    _check_mail_limits(organisation, consultant, 1)
    Membership.objects.create(
        user=consultant, organisation=organisation, role=Membership.Role.CONSULTANT
    )
    manager = _account_for(
        NewPerson(first_name=manager_first_name, last_name=manager_last_name, email=email)
    )
    invitation = Invitation.objects.create(
        organisation=organisation,
        user=manager,
        email=email,
        invited_by=consultant,
        role=Membership.Role.MANAGER,
        new_account=not manager.has_usable_password(),
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
        _check_mail_limits(invitation.organisation, invitation.invited_by, 1)
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["sent_at"])
    _invitation_mail(invitation, site_url)
    return invitation


def _invitation_mail(invitation: Invitation, site_url: str) -> None:
    """Send the invitation with a fresh secret link. Sent when the transaction commits, so
    a failed request mails nobody."""
    user = invitation.user
    if invitation.new_account:
        path = _fresh_set_password_path(user)
        message = _(
            "Hello %(name)s,\n\n%(consultant)s has added %(organisation)s to Orientación, "
            "the customer-orientation self-assessment, with you as its manager. Choose your "
            "password here (the link works once):\n\n%(link)s\n\nYour username is %(username)s."
        )
    else:
        path = _fresh_join_path(invitation)
        message = _(
            "Hello %(name)s,\n\n%(consultant)s invites you to manage %(organisation)s in "
            "Orientación, the customer-orientation self-assessment. Sign in as %(username)s "
            "and accept here:\n\n%(link)s\n\nIf you do not know this organisation, ignore "
            "this message: nothing changes until you accept."
        )
    consultant = invitation.invited_by
    body = message % {
        "name": user.first_name or user.get_username(),
        "consultant": (consultant.get_full_name() or consultant.get_username())
        if consultant
        else "",
        "organisation": invitation.organisation.name,
        "link": _absolute(site_url, path),
        "username": user.get_username(),
    }
    subject = _("Your access to %(organisation)s in Orientación") % {
        "organisation": invitation.organisation.name
    }
    if consultant is not None:
        _count_mail(invitation.organisation, consultant, SentMail.Kind.CLIENT_INVITATION)
    _mail_on_commit(subject, body, invitation.email)


def _mail_on_commit(subject: str, body: str, recipient: str) -> None:
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


def _fresh_set_password_path(user) -> str:
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
    invitation.accepted_at = timezone.now()
    return membership


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


@transaction.atomic
def bank_new_version(*, bank: QuestionBank) -> QuestionBank:
    """A draft copy of `bank`, with the next version number, to edit and then publish."""
    latest = QuestionBank.objects.select_for_update().order_by("-version").first()
    copy = _copied(
        bank,
        version=latest.version + 1,
        status=QuestionBank.Status.DRAFT,
        published_at=None,
        import_preview="",
    )
    copy.save()
    for area in bank.areas.order_by("order").prefetch_related("questions"):
        area_copy = _copied(area, bank=copy)
        area_copy.save()
        Question.objects.bulk_create(_copied(q, area=area_copy) for q in area.questions.all())
    return copy


def _copied(instance, **changes):
    """An unsaved copy of a bank, area or question with `changes` applied."""
    fields = {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if not field.primary_key and field.name not in changes
    }
    return type(instance)(**fields, **changes)


def bank_problems(bank: QuestionBank) -> list[str]:
    """Why a draft cannot be published yet; empty when it can."""
    labels = {
        "name": _("name"),
        "description": _("description"),
        "text": _("question text"),
        "help": _("help text"),
        "recommendation": _("recommendation"),
    }
    # Thresholds that rise, positive area weights and question weights of 1 to 3 are
    # check constraints: a bank that breaks them is never stored.
    problems = []
    if not (bank.title_es.strip() and bank.title_en.strip()):
        problems.append(_("The title needs both a Spanish and an English text."))
    areas = list(bank.areas.order_by("order").prefetch_related("questions"))
    if not areas:
        problems.append(_("The bank has no areas."))
    numbers = [q.number for area in areas for q in area.questions.all()]
    for number in sorted({n for n in numbers if numbers.count(n) > 1}):
        problems.append(_("Question number %(number)s is used twice.") % {"number": number})
    for area in areas:
        questions = list(area.questions.all())
        label = f"{area.code} ({area.name_es})"
        if not questions:
            problems.append(_("Area %(area)s has no question.") % {"area": label})
        for field in ("name", "description"):
            if not (getattr(area, f"{field}_es").strip() and getattr(area, f"{field}_en").strip()):
                problems.append(
                    _("Area %(area)s: the %(field)s is missing in Spanish or English.")
                    % {"area": label, "field": labels[field]}
                )
        for question in questions:
            for field in ("text", "help", "recommendation"):
                if not (
                    getattr(question, f"{field}_es").strip()
                    and getattr(question, f"{field}_en").strip()
                ):
                    problems.append(
                        _("Question %(number)s: the %(field)s is missing in Spanish or English.")
                        % {"number": question.number, "field": labels[field]}
                    )
    return problems


@transaction.atomic
def bank_publish(*, bank: QuestionBank) -> QuestionBank:
    """Make a valid draft the current bank: new assessments use it from now on."""
    bank = QuestionBank.objects.select_for_update().get(pk=bank.pk)
    if bank.status != QuestionBank.Status.DRAFT:
        raise AssessmentError(_("Only a draft can be published."))
    problems = bank_problems(bank)
    if problems:
        raise AssessmentError(" ".join(problems))
    bank.status = QuestionBank.Status.PUBLISHED
    bank.published_at = timezone.now()
    bank.save(update_fields=["status", "published_at"])
    return bank


# The action plan.

# A deleted action can be restored for this long; after it, it is no longer offered.
RESTORE_WINDOW = timedelta(days=30)
ACTION_FIELDS = ("title", "owner", "owner_name", "due_date", "target", "status", "note")


class ActionConflict(AssessmentError):
    """The action changed since the form was opened; `current` holds the newer values."""

    def __init__(self, current):
        self.current = current
        super().__init__(
            _(
                "Nothing was saved: %(name)s changed this action while you were editing it. "
                "Its current values are shown below; save again to replace them with yours."
            )
            % {
                "name": (current.updated_by.get_full_name() or current.updated_by.get_username())
                if current.updated_by
                else _("someone")
            }
        )


def _check_owner(organisation, owner) -> None:
    if (
        owner is not None
        and not Membership.objects.filter(organisation=organisation, user=owner)
        .exclude(role=Membership.Role.CONSULTANT)
        .exists()
    ):
        raise AssessmentError(_("The owner must be a person of this organisation."))


@transaction.atomic
def action_create(*, assessment: Assessment, question, user, values: dict) -> Action:
    """An action of the organisation's plan for one open question of a submitted
    assessment."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not assessment.is_submitted:
        raise AssessmentError(_("Actions are planned from a submitted assessment's report."))
    if question.area.bank_id != assessment.bank_id:
        raise AssessmentError(_("That question is not in this assessment."))
    _check_owner(assessment.organisation, values.get("owner"))
    action = Action(
        organisation=assessment.organisation,
        assessment=assessment,
        question=question,
        created_by=user,
        updated_by=user,
        **{field: values.get(field) for field in ACTION_FIELDS if field in values},
    )
    action.full_clean(exclude=["owner", "created_by", "updated_by"])
    action.save()
    audit.record(action, "action created", actor=user)
    return action


@transaction.atomic
def action_save(*, action: Action, user, values: dict, version: int) -> Action:
    """Save an edit made from `version`; refused with the newer values if the action
    changed since."""
    # No join in a locking query: PostgreSQL refuses FOR UPDATE on a nullable outer join.
    current = Action.objects.select_for_update().get(pk=action.pk)
    if current.deleted_at is not None:
        raise AssessmentError(_("This action was deleted; restore it first."))
    if current.version != version:
        raise ActionConflict(current)
    _check_owner(current.organisation, values.get("owner"))
    for field in ACTION_FIELDS:
        if field in values:
            setattr(current, field, values[field])
    current.version += 1
    current.updated_by = user
    current.save()
    return current


@transaction.atomic
def action_delete(*, action: Action, user) -> Action:
    current = Action.objects.select_for_update().get(pk=action.pk)
    if current.deleted_at is None:
        current.deleted_at = timezone.now()
        current.version += 1
        current.updated_by = user
        current.save(update_fields=["deleted_at", "version", "updated_by", "updated_at"])
        audit.record(current, "action deleted", actor=user)
    return current


@transaction.atomic
def action_restore(*, action: Action, user) -> Action:
    current = Action.objects.select_for_update().get(pk=action.pk)
    if current.deleted_at is None:
        return current
    if timezone.now() - current.deleted_at > RESTORE_WINDOW:
        raise AssessmentError(_("This action was deleted more than 30 days ago."))
    current.deleted_at = None
    current.version += 1
    current.updated_by = user
    current.save(update_fields=["deleted_at", "version", "updated_by", "updated_at"])
    audit.record(current, "action restored", actor=user)
    return current


class AlreadyImported(AssessmentError):
    def __init__(self, bank: QuestionBank):
        self.bank = bank
        super().__init__(
            _("This preview was imported already, as version %(version)s: nothing was added.")
            % {"version": bank.version}
        )


def bank_import(*, content: bank_io.BankContent, preview: str | None = None) -> QuestionBank:
    """A new draft version holding `content`, with the next version number. Nothing that
    exists is changed, so no published or answered version can be; all or nothing. A
    `preview` (the admin's signed preview's id) imports once: AlreadyImported after."""
    problems = bank_io.check(content)
    if problems:
        raise AssessmentError(" ".join(problems))
    with transaction.atomic():
        latest = QuestionBank.objects.select_for_update().order_by("-version").first()
        if preview is not None:
            earlier = QuestionBank.objects.filter(import_preview=preview).first()
            if earlier is not None:
                raise AlreadyImported(earlier)
        bank = QuestionBank.objects.create(
            version=(latest.version if latest else 0) + 1,
            status=QuestionBank.Status.DRAFT,
            import_preview=preview or "",
            **{name: getattr(content, name) for name in bank_io.BANK_COLUMNS},
        )
        areas = {
            a.code: Area.objects.create(
                bank=bank, **{c: getattr(a, c) for c in bank_io.AREA_COLUMNS}
            )
            for a in content.areas
        }
        Question.objects.bulk_create(
            Question(area=areas[q.area], **{c: getattr(q, c) for c in bank_io.QUESTION_COLUMNS[1:]})
            for q in content.questions
        )
    return bank


def sector_percentile_share(*, membership: Membership, shared: bool) -> None:
    """A consultant's choice to show an organisation's managers its sector percentile."""
    membership.shares_sector_percentile = shared
    membership.save(update_fields=["shares_sector_percentile"])
