"""The PDF of any round the forms allow: notes cut to fit a readable document (and said
so, with the CSV named), a failure remembered instead of retried on every click, and a
time limit that stops the work before gunicorn would kill the worker."""

import time

import pytest
from django.conf import settings
from django.core.cache import caches
from django.urls import reverse

from assessments import downloads, reports, services
from assessments.models import Membership
from tests.conftest import all_choices, answer_inputs, client_for, make_user
from tests.test_pdf_report import pdf_text

LONG_NOTE = "Lo hablamos en el comité y nadie sabe quién lo mide. " * 40


@pytest.fixture
def large_round(bank, acme, alice):
    people = []
    for n in range(12):
        user = make_user(f"persona{n}", first_name=f"Persona{n}")
        Membership.objects.create(user=user, organisation=acme, role="respondent")
        people.append(user)
    assessment = services.round_start(
        organisation=acme,
        lead=alice,
        members=people,
        new_people=[],
        anonymous=False,
        site_url="http://testserver/",
    )
    notes = {number: LONG_NOTE[: settings.ANSWER_NOTE_MAX_LENGTH] for number in range(1, 21)}
    for user in [alice, *people]:
        services.answers_submit(
            assessment=assessment,
            user=user,
            answers=answer_inputs(assessment.bank, all_choices("partly"), notes),
        )
    services.round_close(assessment=assessment, lead=alice)
    assessment.refresh_from_db()
    return assessment


def test_notes_are_cut_to_the_limits_and_counted():
    answer = reports.RoundAnswer(
        value=0.5, counts={}, names={}, agreed=None, notes=[("A", "x" * 50), ("B", "y" * 5)]
    )
    report = reports.Report(
        result=None,
        areas=[],
        work_first=[],
        quick_wins=[],
        strengths=[],
        answers_by_area=[("area", [("q1", answer)] * 3)],
        round=object(),
    )
    cut_report, cut = reports.notes_for_print(report, note_limit=20, total_limit=50)
    notes = [answer.notes for _q, answer in cut_report.answers_by_area[0][1]]
    # 20 + 5 characters twice use the 50; the third question's notes are left out.
    assert notes[0] == [("A", "x" * 19 + "…"), ("B", "y" * 5)]
    assert notes[1] == [("A", "x" * 19 + "…"), ("B", "y" * 5)]
    assert notes[2] == []
    assert (cut.shortened, cut.left_out) == (2, 2)
    assert report.answers_by_area[0][1][0][1].notes[0][1] == "x" * 50  # the report is intact


def test_a_round_with_long_notes_prints_them_cut_and_says_so(client, large_round, alice):
    client = client_for(client, alice)
    response = client.get(reverse("assessment_pdf", args=[large_round.pk]))
    assert response.status_code == 200
    _reader, pages = pdf_text(response)
    text = " ".join(pages)
    assert "guardan todas las notas enteras" in text
    assert LONG_NOTE[:300] not in text.replace("\n", " ")
    # The CSV keeps them whole.
    csv = client.get(reverse("assessment_csv", args=[large_round.pk])).content.decode()
    assert LONG_NOTE[: settings.ANSWER_NOTE_MAX_LENGTH] in csv


def test_a_pdf_that_cannot_be_made_in_time_is_stopped_and_remembered(
    client, settings, submitted, alice
):
    settings.PDF_TIME_LIMIT = 0.001  # as if the document were enormous
    client = client_for(client, alice)
    url = reverse("assessment_pdf", args=[submitted.pk])
    first = client.get(url)
    assert first.status_code == 503
    assert "No se ha podido hacer el PDF" in first.content.decode()
    assert reverse("assessment_csv", args=[submitted.pk]) in first.content.decode()
    # Remembered: the next click answers at once without trying again, even with time.
    settings.PDF_TIME_LIMIT = 20
    started = time.perf_counter()
    again = client.get(url)
    assert again.status_code == 503 and time.perf_counter() - started < 0.5
    key = reports.pdf_cache_key(submitted, "es")
    assert caches["default"].get(key + ":failed") is True
    assert caches["default"].get(key) is None


def test_the_time_limit_stops_work_in_the_main_thread():
    started = time.perf_counter()
    with pytest.raises(downloads.TooSlow), downloads.time_limit(0.2):
        while True:
            pass
    assert time.perf_counter() - started < 1
