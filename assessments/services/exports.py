"""An organisation's export: one ZIP of everything the app holds about it (its people,
assessments and answers, results, plan, outcomes, shared links, invitations, the audit
trail's entries about it, and each report's PDF), built by a queue worker and handed to
the person who asked, for a day."""

import csv
import io
import json
import logging
import zipfile
from datetime import timedelta

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django_q.tasks import async_task

from assessments import downloads, selectors
from assessments.models import (
    Action,
    AgreedAnswer,
    Answer,
    AreaResult,
    Assessment,
    Invitation,
    Membership,
    OrganisationExport,
    OutcomeValue,
    ShareLink,
    person_name,
)
from assessments.services.queue import run_when_due
from assessments.services.report_files import report_pdf

logger = logging.getLogger(__name__)

BUILD_TASK = "assessments.tasks.build_export"
PURGE_TASK = "assessments.tasks.purge_export"
# How long a ready export can be downloaded; a scheduled purge removes it after.
EXPORT_LIFETIME = timedelta(hours=24)


def organisation_export_request(*, organisation, user, language: str) -> OrganisationExport:
    """Queue an export of `organisation` for `user`, built once the request commits."""
    export = OrganisationExport.objects.create(organisation=organisation, requested_by=user)
    transaction.on_commit(
        lambda: async_task(BUILD_TASK, export.pk, language, task_name=f"export-{export.pk}")
    )
    return export


def organisation_export_build(export_id: int, language: str) -> str:
    """The queue's task: the ZIP made and kept on the export's row (or the row marked
    failed, and the reason logged)."""
    export = (
        OrganisationExport.objects.filter(pk=export_id, status=OrganisationExport.Status.QUEUED)
        .select_related("organisation")
        .first()
    )
    if export is None:
        return "gone"
    try:
        with translation.override(language):
            content = organisation_archive(export.organisation)
    except Exception:
        logger.exception("The export %s could not be made", export_id)
        OrganisationExport.objects.filter(pk=export_id).update(
            status=OrganisationExport.Status.FAILED
        )
        return "failed"
    now = timezone.now()
    OrganisationExport.objects.filter(pk=export_id).update(
        status=OrganisationExport.Status.READY,
        content=content,
        size=len(content),
        ready_at=now,
        expires_at=now + EXPORT_LIFETIME,
    )
    # A second after its day: the row, and the file in it, are deleted.
    run_when_due(PURGE_TASK, export_id, now + EXPORT_LIFETIME + timedelta(seconds=1), "purge", 0)
    return "ready"


def organisation_export_purge(export_id: int) -> int:
    """Delete the export once its day has passed (scheduled when it is made); any other
    export whose day has passed goes with it."""
    deleted, _by_model = OrganisationExport.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


# The archive.


def _when(value) -> str:
    return value.isoformat() if value else ""


def organisation_tables(organisation) -> dict[str, tuple[list, list]]:
    """File name → (header, rows) of every table of the organisation."""
    assessments = list(
        Assessment.objects.filter(organisation=organisation)
        .select_related("bank", "started_by", "submitted_by")
        .order_by("created_at", "pk")
    )
    ids = [a.pk for a in assessments]
    answers = []
    for assessment in assessments:
        if assessment.is_submitted:
            rows = selectors.answer_rows(assessment)
        else:
            # A draft's saved answers are its starter's; a round's unsubmitted answers stay
            # their people's (and an anonymous round's are never named).
            rows = [] if assessment.is_round else _draft_rows(assessment)
        answers += [
            [assessment.pk, row["respondent"] or "", row["area"], row["question"], row["choice"]]
            + [row["note"]]
            for row in rows
        ]
    return {
        "people": (
            ["name", "email", "role", "lead consultant"],
            [
                [person_name(m.user), m.user.email, m.role, "yes" if m.is_lead else ""]
                for m in Membership.objects.filter(organisation=organisation)
                .select_related("user")
                .order_by("role", "pk")
            ],
        ),
        "assessments": (
            ["id", "status", "bank version", "several people", "anonymous", "started by"]
            + ["started", "submitted by", "submitted", "overall score", "maturity level"]
            + ["respondents", "agreement"],
            [
                [a.pk, a.status, a.bank.version, a.is_round, a.anonymous, a.starter_name]
                + [_when(a.created_at), a.submitter_name, _when(a.submitted_at)]
                + [a.overall_score, a.maturity_level, a.respondent_count, a.agreement]
                for a in assessments
            ],
        ),
        "area_results": (
            ["assessment", "area", "score", "priority", "rank"],
            [
                [r.assessment_id, r.area_code, r.score, r.priority, r.rank]
                for r in AreaResult.objects.filter(assessment_id__in=ids).order_by(
                    "assessment_id", "rank"
                )
            ],
        ),
        "answers": (["assessment", "respondent", "area", "question", "answer", "note"], answers),
        "agreed_answers": (
            ["assessment", "question", "answer", "note", "recorded by"],
            [
                [a.assessment_id, a.question.number, a.choice, a.note, person_name(a.recorded_by)]
                for a in AgreedAnswer.objects.filter(assessment_id__in=ids)
                .select_related("question", "recorded_by")
                .order_by("assessment_id", "question__number")
            ],
        ),
        "plan": (
            ["assessment", "question", "title", "owner", "due date", "target", "status"]
            + ["note", "created", "deleted"],
            [
                [a.assessment_id, a.question.number, a.title, a.owner_label, _when(a.due_date)]
                + [a.target, a.status, a.note, _when(a.created_at), _when(a.deleted_at)]
                for a in Action.objects.filter(organisation=organisation)
                .select_related("question", "owner")
                .order_by("pk")
            ],
        ),
        "outcomes": (
            ["month", "measure", "value", "entered by", "entered"],
            [
                [f"{o.period:%Y-%m}", o.measure, o.value, person_name(o.entered_by)]
                + [_when(o.entered_at)]
                for o in OutcomeValue.objects.filter(organisation=organisation)
                .select_related("entered_by")
                .order_by("period", "measure")
            ],
        ),
        "shared_links": (
            ["label", "page", "report", "made by", "made", "expires", "revoked", "views"],
            [
                [s.label, s.kind, s.assessment_id or "", person_name(s.created_by)]
                + [_when(s.created_at), _when(s.expires_at), _when(s.revoked_at), s.views]
                for s in ShareLink.objects.filter(organisation=organisation)
                .select_related("created_by")
                .order_by("pk")
            ],
        ),
        "invitations": (
            ["email", "role", "invited by", "sent", "accepted"],
            [
                [i.email, i.role, person_name(i.invited_by), _when(i.sent_at), _when(i.accepted_at)]
                for i in Invitation.objects.filter(organisation=organisation)
                .select_related("invited_by")
                .order_by("pk")
            ],
        ),
        "audit_trail": (
            ["when", "action", "about", "object", "changes", "by"],
            [
                [_when(e.timestamp), e.get_action_display(), e.content_type.model]
                + [e.object_repr, json.dumps(e.changes, ensure_ascii=False), person_name(e.actor)]
                for e in _audit_entries(organisation, ids)
            ],
        ),
    }


def _draft_rows(assessment) -> list[dict]:
    return [
        {
            "respondent": assessment.starter_name,
            "area": a.question.area.code,
            "question": a.question.number,
            "choice": a.choice,
            "note": a.note,
        }
        for a in Answer.objects.filter(response__assessment=assessment)
        .select_related("question__area")
        .order_by("question__area__order", "question__number")
    ]


def _audit_entries(organisation, assessment_ids):
    """The audit trail's entries about the organisation and what belongs to it."""
    owned = {
        organisation._meta.model: [organisation.pk],
        Assessment: assessment_ids,
        Membership: Membership.objects.filter(organisation=organisation).values_list(
            "pk", flat=True
        ),
        Invitation: Invitation.objects.filter(organisation=organisation).values_list(
            "pk", flat=True
        ),
        OutcomeValue: OutcomeValue.objects.filter(organisation=organisation).values_list(
            "pk", flat=True
        ),
        ShareLink: ShareLink.objects.filter(organisation=organisation).values_list("pk", flat=True),
        Action: Action.objects.filter(organisation=organisation).values_list("pk", flat=True),
    }
    entries = []
    for model, pks in owned.items():
        keys = [str(pk) for pk in pks]
        if keys:
            entries += list(
                LogEntry.objects.filter(
                    content_type=ContentType.objects.get_for_model(model), object_pk__in=keys
                ).select_related("content_type", "actor")
            )
    return sorted(entries, key=lambda e: (e.timestamp, e.pk))


README = """Everything Orientación holds about {name}, exported on {when}.

Each table comes twice: as CSV (comma-separated, UTF-8 with a byte-order mark, a
spreadsheet opens it) and inside data.json (the same rows, for programs).

people          who belongs to the organisation: managers, respondents, consultants
assessments     every assessment, drafts included: who started and submitted it, its
                result (overall score, maturity level), how many people answered
area_results    each submitted assessment's score, priority and rank for each area
answers         every answer and note: per person in a round (a pseudonym, "Persona 3",
                in an anonymous one); a draft's saved answers are its starter's. A
                round's answers not submitted are its people's own, and not here
agreed_answers  the answers a round's lead recorded as agreed, where people disagreed
plan            the action plan: each action, deleted ones with the date they were
outcomes        the customer outcomes recorded month by month, with who entered each
shared_links    every read-only link to its pages (never the link itself)
invitations     every invitation sent to join it
audit_trail     what the audit trail recorded about it and all of the above
reports/        each submitted assessment's report as a PDF
"""


def organisation_archive(organisation) -> bytes:
    """The ZIP: a README, each table as CSV and all of them as JSON, each report's PDF."""
    tables = organisation_tables(organisation)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt",
            README.format(name=organisation.name, when=timezone.now().isoformat()),
        )
        data = {}
        for name, (header, rows) in tables.items():
            text = io.StringIO()
            text.write(downloads.BYTE_ORDER_MARK)
            csv.writer(text).writerows(downloads.safe_rows([header, *rows]))
            archive.writestr(f"{name}.csv", text.getvalue())
            data[name] = [dict(zip(header, row, strict=True)) for row in rows]
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2, default=str))
        submitted = Assessment.objects.filter(
            organisation=organisation, status=Assessment.Status.SUBMITTED
        ).select_related("organisation", "bank", "submitted_by")
        for assessment in submitted.order_by("submitted_at", "pk"):
            pdf = report_pdf(assessment)
            if pdf is not None:
                stem = f"{assessment.submitted_at:%Y-%m-%d}-{assessment.pk}"
                archive.writestr(f"reports/{slugify(organisation.name)}-{stem}.pdf", pdf)
    return buffer.getvalue()
