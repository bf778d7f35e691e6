"""Write every submitted assessment's report and CSV, in each language, to a folder.

Two snapshots of one database, taken before and after a change (a migration, a new
release), must be identical: what a submitted assessment shows never changes. The tests
compare a snapshot of a demo database made before rounds of several respondents existed
with one taken of the same database migrated to today's schema.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation
from django.utils.text import slugify

from assessments import downloads, reports, selectors
from assessments.models import Assessment


class Command(BaseCommand):
    help = "Write each submitted assessment's report body and CSV, per language, to a folder."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder: Path, **options):
        folder.mkdir(parents=True, exist_ok=True)
        submitted = Assessment.objects.filter(status=Assessment.Status.SUBMITTED).select_related(
            "organisation", "bank", "submitted_by"
        )
        request = RequestFactory().get("/")
        written = 0
        for assessment in submitted.order_by("pk"):
            inputs = selectors.report_inputs(assessment)
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    report = reports.build_report(assessment, *inputs)
                    html = render_to_string(
                        "assessments/_report_body.html",
                        {"assessment": assessment, "report": report},
                        request=request,
                    )
                    csv = downloads.csv_response(
                        slugify(assessment.organisation.name), reports.csv_rows(assessment, report)
                    ).content
                stem = folder / f"assessment-{assessment.pk}-{language}"
                stem.with_suffix(".html").write_text(html, encoding="utf-8")
                stem.with_suffix(".csv").write_bytes(csv)
                written += 2
        self.stdout.write(f"{written} files written to {folder}")
