#!/usr/bin/env python
"""Time the PDF report of the largest rounds the forms allow: 10, 25 and 51 people, each
with a 2,000-character note on every question (the note field's limit).

    .venv/bin/python scripts/benchmark_round_pdf.py
    BENCH_PDF_PEOPLE=10,51 BENCH_RUNS=3 .venv/bin/python scripts/benchmark_round_pdf.py

It builds its data in a temporary SQLite database (or BENCH_DATABASE_URL, which it resets),
as scripts/benchmark.py does, and prints for each round: the time to make the PDF once its
report page was seen (median), its pages and size, and what the PDF left out of the notes.
"""

# ruff: noqa: E402, I001 - Django is set up by scripts.benchmark before the app's imports

import os
import statistics
import sys
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.benchmark import RUNS, closed_round, get_ok, reset_database, row, timed

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache, caches
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from assessments import reports
from assessments.models import Membership, Organisation

PEOPLE = [int(n) for n in os.environ.get("BENCH_PDF_PEOPLE", "10,25,51").split(",")]
NOTE = ("Lo comentamos en la reunión de equipo y no hay acuerdo sobre cómo medirlo. " * 40)[
    : settings.ANSWER_NOTE_MAX_LENGTH
]


def main():
    print(f"PDF of a round with {len(NOTE)}-character notes on every question")
    reset_database()
    client = Client()
    runs = max(3, RUNS // 10)
    print(
        f"  limits: {settings.PDF_NOTE_LIMIT} characters a note, {settings.PDF_NOTES_TOTAL} "
        f"in all, {settings.PDF_TIME_LIMIT} s to make it; median of {runs} runs"
    )
    for people in PEOPLE:
        lead = get_user_model().objects.create_user(f"lead-{people}", first_name="Lead")
        organisation = Organisation.objects.create(
            name=f"Ronda de {people}", sector="Industria", size_band="large", country="España"
        )
        Membership.objects.create(user=lead, organisation=organisation, role="manager")
        assessment = closed_round(organisation, lead, people, note=NOTE, prefix=f"pdf-{people}")
        client.force_login(lead)
        get_ok(client, reverse("assessment_report", args=[assessment.pk]))
        url = reverse("assessment_pdf", args=[assessment.pk])
        key = reports.pdf_cache_key(assessment, "es")
        statuses = []

        def make(url=url, key=key, statuses=statuses):
            cache.delete(key)
            cache.delete(key + ":failed")
            caches["pages"].clear()
            statuses.append(client.get(url).status_code)

        times = [timed(make) for _ in range(runs)]
        body = client.get(url).content
        print(f"\nRound of {people} people ({people * 20} answers, {people * 20} notes):")
        row("PDF made, report page seen (median)", statistics.median(times), "ms")
        row("slowest run", max(times), "ms")
        print(f"  {'HTTP status of each run':<44}{', '.join(map(str, statuses)):>9}")
        if body.startswith(b"%PDF-"):
            reader = PdfReader(BytesIO(body))
            row("PDF size", len(body) // 1024, f"KB, {len(reader.pages)} pages")
            text = " ".join(page.extract_text() for page in reader.pages)
            said = "yes" if "guardan todas las notas enteras" in text else "no"
            print(f"  {'says what it left out, with the CSV named':<44}{said:>9}")


if __name__ == "__main__":
    main()
