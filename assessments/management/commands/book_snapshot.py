"""Write what each consultant reads of their book to a folder: the portfolio's rows, page
by page, both exports, and where each current result stands on its report.

Two snapshots of one database, taken before and after a change, must be the same: the
tests compare a snapshot of the demo database made at the last commit before firms with
one of the same database migrated to today's schema (every consultant is then a firm's
partner, reading "Mis clientes" by default).
"""

import re
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.test import Client
from django.urls import reverse

from assessments.models import Membership, Organisation

ROWS = re.compile(r"<tbody>.*?</tbody>", re.S)
STANDING = re.compile(r"<section[^>]*data-standing>.*?</section>", re.S)
CSRF = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">')
# An action's being overdue depends on today's date, not on the database.
PLAN_SUMMARY = re.compile(r"<small[^>]*data-plan-summary>.*?</small>", re.S)


def _rows(html: str) -> str:
    """The table rows, whitespace collapsed (templates may indent differently)."""
    rows = "\n".join(PLAN_SUMMARY.sub("", rows) for rows in ROWS.findall(html))
    return re.sub(r"\s+", " ", rows)


class Command(BaseCommand):
    help = "Write each consultant's portfolio rows, exports and report standings to a folder."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder: Path, **options):
        folder.mkdir(parents=True, exist_ok=True)
        consultants = (
            get_user_model()
            .objects.filter(memberships__role=Membership.Role.CONSULTANT)
            .distinct()
            .order_by("username")
        )
        written = 0
        for user in consultants:
            client = Client(SERVER_NAME="localhost", HTTP_ACCEPT_LANGUAGE="es")
            client.force_login(user)
            files = {}
            for page in range(1, 4):
                response = client.get(reverse("portfolio"), {"page": page})
                files[f"portfolio-{page}.html"] = _rows(response.content.decode())
            for name in ("portfolio_csv", "portfolio_answers_csv"):
                response = client.get(reverse(name))
                files[f"{name}.csv"] = b"".join(response.streaming_content).decode()
            followed = Organisation.objects.filter(
                memberships__user=user, memberships__role=Membership.Role.CONSULTANT
            ).exclude(current_result=None)
            for organisation in followed.order_by("pk"):
                page = client.get(
                    reverse("assessment_report", args=[organisation.current_result_id])
                ).content.decode()
                standing = CSRF.sub("", "\n".join(STANDING.findall(page)))
                files[f"standing-{organisation.pk}.html"] = re.sub(r"\s+", " ", standing)
            for name, text in files.items():
                (folder / f"{user.username}-{name}").write_text(text)
                written += 1
        self.stdout.write(f"{written} files written to {folder}")
