"""Erasing a person (GDPR article 17), on their own request, a partner's of their firm or
an administrator's, each after confirming who they are with their second factor.

The account goes, with everything that was only theirs: sign-ins, second factor, tokens,
sessions, memberships, invitations, queued mail, unsubmitted answers and drafts of their
own. What they answered in results that others read stays, so that no report's scores
change, but under a pseudonym ("Persona 3"): a round's stored name, the submitter a report
names, an action's owner. Every other place that held their name or address as text (the
audit trails, notes and titles others typed, mail subjects, webhook bodies, sign-in
records, cached reports and PDFs, built exports) is renamed or removed. The admin sees an
`Erasure` row: when and on whose kind of request, never who.
"""

import json
import re
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_q.models import Task

from assessments import selectors
from assessments.models import (
    Action,
    Answer,
    Assessment,
    Erasure,
    FirmInvitation,
    FirmMember,
    Invitation,
    Membership,
    OrganisationExport,
    OutgoingMail,
    Response,
    ShareLink,
    WebhookDelivery,
    pseudonym,
)
from assessments.services.errors import AssessmentError
from assessments.services.report_files import forget_cached, report_cache_keys

# Shorter texts than this are not searched for in other people's words: a two-letter
# username would rename every word that happens to be spelt alike.
SHORTEST_NAME = 3


@dataclass(frozen=True)
class Identifiers:
    """How the app may have written a person down: as text, matched case-insensitively
    as whole words."""

    texts: tuple[str, ...]

    @classmethod
    def of(cls, person) -> "Identifiers":
        texts = {person.get_full_name(), person.email, person.get_username()}
        texts.update(EmailAddress.objects.filter(user=person).values_list("email", flat=True))
        for name, address in Response.objects.filter(respondent=person).values_list(
            "invited_name", "invited_email"
        ):
            texts.update((name, address))
        texts.update(Invitation.objects.filter(user=person).values_list("email", flat=True))
        texts.update(FirmInvitation.objects.filter(user=person).values_list("email", flat=True))
        kept = {t.strip() for t in texts if t and len(t.strip()) >= SHORTEST_NAME}
        # Longest first: "Ana García" is renamed whole before "ana" could be.
        return cls(tuple(sorted(kept, key=lambda t: (-len(t), t.casefold()))))

    @property
    def pattern(self) -> re.Pattern:
        alternatives = "|".join(re.escape(t) for t in self.texts)
        return re.compile(rf"(?<![\w@.])(?:{alternatives})(?![\w@])", re.IGNORECASE)

    def search(self, *fields: str) -> Q:
        """Rows whose `fields` may hold one of the texts (as written, or escaped in JSON);
        `renamed` decides for each."""
        query = Q()
        for text in self.texts:
            escaped = json.dumps(text)[1:-1]
            for field in fields:
                query |= Q(**{f"{field}__icontains": text})
                if escaped != text:
                    query |= Q(**{f"{field}__icontains": escaped})
        return query


def renamed(value, pattern: re.Pattern, replacement: str):
    """`value` (text, or JSON-like lists and dicts of text) with every match renamed."""
    if isinstance(value, str):
        return pattern.sub(replacement, value)
    if isinstance(value, list):
        return [renamed(v, pattern, replacement) for v in value]
    if isinstance(value, dict):
        return {k: renamed(v, pattern, replacement) for k, v in value.items()}
    return value


def erasure_refusal(person) -> str | None:
    """Why `person` cannot be erased now, or None."""
    member = FirmMember.objects.filter(user=person, is_active=True).first()
    if member is not None and member.role == FirmMember.Role.PARTNER:
        partners = FirmMember.objects.filter(
            firm_id=member.firm_id, role=FirmMember.Role.PARTNER, is_active=True
        )
        others = FirmMember.objects.filter(firm_id=member.firm_id, is_active=True).exclude(
            user=person
        )
        if not partners.exclude(user=person).exists() and others.exists():
            return _(
                "They are the last partner of a firm that has other people: another "
                "partner must be named first (by the site's administrator)."
            )
    return None


def person_erase(*, person, requested_by: str) -> Erasure:
    """Erase `person` (see the module's text); `requested_by` is an `Erasure.By`."""
    refusal = erasure_refusal(person)
    if refusal:
        raise AssessmentError(refusal)
    with transaction.atomic(), disable_auditlog():
        person = get_user_model().objects.select_for_update().get(pk=person.pk)
        who = Identifiers.of(person)
        organisation_ids = selectors.organisations_of_person(person)
        reports_shown = list(
            Assessment.objects.filter(organisation_id__in=organisation_ids, status="submitted")
            .select_related("organisation", "submitted_by")
            .order_by("pk")
        )
        stale_keys = report_cache_keys(reports_shown)

        erasure = Erasure.objects.create(
            requested_by=requested_by, organisations=len(organisation_ids)
        )
        with translation.override(settings.LANGUAGE_CODE):
            # In text others wrote and in the audit trails, one name for them throughout.
            written_as = pseudonym(erasure.pk)

        drafts_deleted = _drop_unsubmitted(person)
        numbers = _pseudonymise_responses(person)
        _pseudonymise_submitters(person, numbers)
        _pseudonymise_action_owners(person)
        Assessment.objects.filter(pk__in=[a.pk for a in reports_shown]).update(
            names_changed_at=timezone.now()
        )
        if who.texts:
            _rename_in_others_words(who, organisation_ids, written_as)
        audit_entries = _rename_in_audit_trails(person, who, written_as)
        _forget_sign_in_records(who)
        _forget_failed_tasks(who)
        OutgoingMail.objects.filter(
            Q(user=person) | Q(invitation__user=person) | Q(firm_invitation__user=person)
        ).delete()
        addressed = Q()
        for address in (t for t in who.texts if "@" in t):
            addressed |= Q(recipient__iexact=address)
        if addressed:
            OutgoingMail.objects.filter(addressed).delete()
        # Built exports copy names into files: they are made again on request.
        OrganisationExport.objects.filter(
            Q(organisation_id__in=organisation_ids) | Q(requested_by=person)
        ).delete()
        for session in selectors.sessions_of(person):
            session.delete()  # qsessions drops its cached copy too
        Membership.objects.filter(user=person).delete()
        person.delete()

        erasure.responses_kept = len(numbers)
        erasure.drafts_deleted = drafts_deleted
        erasure.audit_entries_renamed = audit_entries
        erasure.save()
        selectors.book_changed()
        transaction.on_commit(lambda: forget_cached(stale_keys))
    return erasure


def _drop_unsubmitted(person) -> int:
    """Their drafts and unsubmitted answers (selectors.unsubmitted_of): no result holds
    them. How many of those drafts and answer sets went."""
    own_drafts, in_others = selectors.unsubmitted_of(person)
    dropped = own_drafts.count() + in_others.count()
    in_others.delete()
    own_drafts.delete()
    return dropped


def _next_number(rows, field: str) -> int:
    """One more than the highest number `field` holds among `rows`: a pseudonym none of
    them has."""
    return (rows.aggregate(highest=Max(field))["highest"] or 0) + 1


def _pseudonymise_responses(person) -> dict[int, int]:
    """Each submitted answer set of theirs stays, named by a number of its assessment
    (in an anonymous round, the number it already had). Assessment id → that number."""
    responses = list(Response.objects.filter(respondent=person).order_by("pk"))
    for response in responses:
        if response.pseudonym_number is None:
            response.pseudonym_number = _next_number(
                Response.objects.filter(assessment_id=response.assessment_id), "pseudonym_number"
            )
        response.respondent = None
        response.label = ""
        response.invited_name = ""
        response.invited_email = ""
        response.save(
            update_fields=[
                "respondent",
                "label",
                "invited_name",
                "invited_email",
                "pseudonym_number",
            ]
        )
    return {r.assessment_id: r.pseudonym_number for r in responses}


def _pseudonymise_submitters(person, numbers: dict[int, int]) -> None:
    """A report says who submitted it: their own number in it (`numbers`), unless the
    round was anonymous (then a number no answer set has, so that the report links none
    of them to the lead)."""
    for assessment in Assessment.objects.filter(submitted_by=person):
        own = None if assessment.anonymous else numbers.get(assessment.pk)
        if own is None:
            own = _next_number(Response.objects.filter(assessment=assessment), "pseudonym_number")
        assessment.submitter_pseudonym = own
        assessment.submitted_by = None
        assessment.save(update_fields=["submitter_pseudonym", "submitted_by"])


def _pseudonymise_action_owners(person) -> None:
    """An action they owned keeps its owner as a number, one per organisation."""
    by_organisation: dict[int, int] = {}
    for action in Action.objects.filter(owner=person).order_by("pk"):
        number = by_organisation.get(action.organisation_id)
        if number is None:
            number = by_organisation[action.organisation_id] = _next_number(
                Action.objects.filter(organisation_id=action.organisation_id), "owner_pseudonym"
            )
        Action.objects.filter(pk=action.pk).update(owner=None, owner_pseudonym=number)


def _rename(queryset, fields, who: Identifiers, replacement: str, searched=None) -> int:
    """Rename them in `fields` (text or JSON) of the rows of `queryset` that may hold
    them, found by `searched` (text forms of the fields; the fields themselves by
    default). How many rows changed."""
    pattern = who.pattern
    changed = 0
    for row in queryset.filter(who.search(*(searched or fields))).iterator():
        values = {f: renamed(getattr(row, f), pattern, replacement) for f in fields}
        if any(values[f] != getattr(row, f) for f in fields):
            type(row).objects.filter(pk=row.pk).update(**values)
            changed += 1
    return changed


def _rename_in_others_words(who: Identifiers, organisation_ids, replacement: str) -> None:
    """Their name or address typed by others: in notes, action titles and owners, shared
    links' labels, mail subjects and webhook bodies."""
    in_organisations = Q(organisation_id__in=organisation_ids)
    _rename(
        Answer.objects.filter(response__assessment__organisation_id__in=organisation_ids),
        ["note"],
        who,
        replacement,
    )
    _rename(
        Action.objects.filter(in_organisations), ["title", "note", "owner_name"], who, replacement
    )
    _rename(ShareLink.objects.filter(in_organisations), ["label"], who, replacement)
    _rename(OutgoingMail.objects.all(), ["subject", "last_error"], who, replacement)
    _rename(
        WebhookDelivery.objects.all(),
        ["body", "response_body", "last_error"],
        who,
        replacement,
    )


def _rename_in_audit_trails(person, who: Identifiers, replacement: str) -> int:
    """Both trails keep what happened, with them renamed: the app's (django-auditlog) and
    the admin's own history. What they did loses its actor and their address."""
    LogEntry.objects.filter(actor=person).update(
        actor=None, actor_email=None, remote_addr=None, remote_port=None
    )
    if not who.texts:
        return 0
    texts = ["object_repr", "changes_text", "actor_email"]
    json_fields = ["changes", "additional_data", "serialized_data"]
    # JSON columns are searched as text: a name is a value anywhere in them.
    entries = LogEntry.objects.annotate(
        **{f"{f}_as_text": Cast(f, TextField()) for f in json_fields}
    )
    searched = texts + [f"{f}_as_text" for f in json_fields]
    return _rename(entries, texts + json_fields, who, replacement, searched) + _rename(
        AdminLogEntry.objects.exclude(user=person),
        ["object_repr", "change_message"],
        who,
        replacement,
    )


def _forget_sign_in_records(who: Identifiers) -> None:
    """django-axes' records of their sign-ins and failed attempts, by the name typed."""
    typed = Q()
    for text in who.texts:
        typed |= Q(username__iexact=text)
    if typed:
        for model in (AccessAttempt, AccessLog, AccessFailureLog):
            model.objects.filter(typed).delete()


def _forget_failed_tasks(who: Identifiers) -> None:
    """The task queue keeps a failed task with its arguments (an address a password reset
    was asked for): those that name them go."""
    if not who.texts:
        return
    pattern = who.pattern
    doomed = [
        task.pk
        for task in Task.objects.only("id", "args", "kwargs", "result").iterator()
        if pattern.search(repr((task.args, task.kwargs, task.result)))
    ]
    Task.objects.filter(pk__in=doomed).delete()
