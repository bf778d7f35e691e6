"""A submitted report's page, charts and PDF: made once and kept, and made ahead of the
first reader by a queue worker right after submission or closing."""

import logging

from django.conf import settings
from django.core.cache import caches
from django.template.loader import render_to_string
from django.utils import translation
from django_q.tasks import async_task

from assessments import charts, downloads, reports, selectors
from assessments.assessment_scoring import submitted_values
from assessments.models import Assessment

logger = logging.getLogger(__name__)

WARM_TASK = "assessments.tasks.warm_report"


# The report as a shared link shows it: its charts addressed under the link, and a named
# round's people named or not.
SHARED = "shared"
SHARED_WITH_NAMES = "shared-names"


def _page_key(assessment, language: str, variant: str = "") -> str:
    key = reports.page_cache_key(assessment, language)
    return f"{key}:{variant}" if variant else key


def _pdf_key(assessment, language: str, hide_names: bool = False) -> str:
    key = reports.pdf_cache_key(assessment, language)
    return f"{key}:no-names" if hide_names else key


def _failed(pdf_key: str) -> str:
    """Where a PDF that could not be made is remembered."""
    return f"{pdf_key}:failed"


def report_page(assessment, request=None, variant: str = "") -> dict:
    """The report's HTML (and its what-if fold) and its charts' keys and specs, in the
    active language. A submitted report never changes, so it is kept (keyed by everything
    it shows, and by the variant: the team's page, or a shared link's with or without a
    named round's names). Its templates read nothing of the request, so a worker's copy is
    the page's own."""
    key = _page_key(assessment, translation.get_language(), variant)
    page = caches["pages"].get(key)
    if page is None:
        inputs = selectors.report_inputs(assessment)
        report = reports.build_report(assessment, *inputs)
        areas, responses, agreed = inputs
        values, _said_no = selectors.remember_values(
            assessment,
            submitted_values(
                assessment, areas, responses, {qid: a.choice for qid, a in agreed.items()}
            ),
        )
        context = {"assessment": assessment, "report": report}
        if variant:
            context |= {"chart_prefix": "charts/", "hide_names": variant == SHARED}
        page = {
            part: render_to_string(f"assessments/_report_{part}.html", context, request=request)
            for part in ("head", "rest")
        }
        # The what-if's fold for the organisation's team: the questions not answered "sí",
        # each with its value.
        open_questions = [
            (question, values[question.number])
            for area in areas
            for question in area.questions.all()
            if values.get(question.number, 1) < 1
        ]
        page["what_if_fold"] = render_to_string(
            "assessments/_what_if_fold.html",
            {"assessment": assessment, "open_questions": open_questions},
        )
        page["charts"] = {c.kind: (c.key, c.spec) for c in report.charts}
        caches["pages"].set(key, page)
    return page


def report_pdf(assessment, request=None, hide_names: bool = False) -> bytes | None:
    """The report as an A4 PDF in the active language, made once; None when it cannot be
    made (too slow, or WeasyPrint failed), which is remembered for PDF_FAILURE_MEMORY
    seconds so that each click does not cost a worker the same failure again. A shared
    link's may leave a named round's names out."""
    key = _pdf_key(assessment, translation.get_language(), hide_names)
    cache = caches["default"]
    pdf = cache.get(key)
    if pdf is not None:
        return pdf
    failed_key = _failed(key)
    if cache.get(failed_key):
        return None
    try:
        pdf = _made_pdf(assessment, request, hide_names)
    except Exception:
        logger.exception("The PDF of assessment %s could not be made", assessment.pk)
        cache.set(failed_key, True, settings.PDF_FAILURE_MEMORY)
        return None
    cache.set(key, pdf)
    return pdf


def _made_pdf(assessment, request, hide_names=False) -> bytes:
    report = reports.build_report(assessment, *selectors.report_inputs(assessment))
    report, cut = reports.notes_for_print(report, settings.PDF_NOTE_LIMIT, settings.PDF_NOTES_TOTAL)
    context = {
        "assessment": assessment,
        "report": report,
        "inline_charts": True,
        "print_cut": cut,
        "hide_names": hide_names,
    }
    html = render_to_string("assessments/report_pdf.html", context, request=request)
    return downloads.pdf_bytes(html, time_limit_seconds=settings.PDF_TIME_LIMIT)


def report_cache_keys(assessments) -> list[tuple[str, str]]:
    """(cache alias, key) of every copy of these reports and their PDFs, in every
    language and variant: keyed by the names they show, so worked out before the change."""
    keys = []
    for assessment in assessments:
        for language, _name in settings.LANGUAGES:
            for variant in ("", SHARED, SHARED_WITH_NAMES):
                keys.append(("pages", _page_key(assessment, language, variant)))
            for hide_names in (False, True):
                pdf = _pdf_key(assessment, language, hide_names)
                keys += [("default", pdf), ("default", _failed(pdf))]
    return keys


def forget_cached(keys) -> None:
    """Drop these (cache alias, key) entries, each alias in one call."""
    by_alias: dict[str, list[str]] = {}
    for alias, key in keys:
        by_alias.setdefault(alias, []).append(key)
    for alias, alias_keys in by_alias.items():
        caches[alias].delete_many(alias_keys)


def report_warm_queue(assessment: Assessment) -> None:
    """Queue the warm-up in the transaction that submits or closes the assessment."""
    async_task(WARM_TASK, assessment.pk, task_name=f"warm-report-{assessment.pk}")


def report_warm(assessment_id: int) -> list[str]:
    """Draw the report's charts and make its page and PDF in every language (a queue
    worker's task), so that its first reader gets them from the cache. Returns the
    languages whose PDF could not be made."""
    assessment = Assessment.objects.select_related("submitted_by", "organisation", "bank").get(
        pk=assessment_id
    )
    failed = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            page = report_page(assessment)
            for key, spec in page["charts"].values():
                charts.cached_svg(key, spec)
            if report_pdf(assessment) is None:
                failed.append(language)
    return failed
