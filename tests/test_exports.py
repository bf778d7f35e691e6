"""An organisation's export: asked for on a page, built by the queue, one ZIP with every
row the app holds about the organisation (and nothing of another), downloaded by the
person who asked, for a day."""

import csv
import io
import json
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import (
    Action,
    Answer,
    Assessment,
    Invitation,
    Membership,
    OrganisationExport,
    OutcomeValue,
    Question,
    ShareLink,
)
from tests.conftest import all_choices, answer_inputs, client_for, work_the_queue


def csv_rows(archive, name):
    text = archive.read(f"{name}.csv").decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))[1:]


@pytest.fixture
def acme_with_everything(bank, acme, bravo, alice, bob, charlie, submitted):
    services.outcomes_save(
        organisation=acme, user=alice, period=date(2026, 3, 1), values={"nps": Decimal(12)}
    )
    services.share_link_create(
        organisation=acme, user=alice, label="Consejo", days=30, assessment=submitted
    )
    question = Question.objects.get(area__bank=bank, number=4)
    services.action_create(
        assessment=submitted, question=question, user=alice, values={"title": "Encuesta"}
    )
    services.assessment_start(organisation=acme, user=alice)  # a draft
    # Bravo's own assessment, which must not reach Acme's export.
    other = services.assessment_start(organisation=bravo, user=bob)
    services.answers_submit(
        assessment=other,
        user=bob,
        answers=answer_inputs(bank, all_choices("no"), {1: "nota de Bravo"}),
    )
    return acme


def test_an_export_holds_every_row_of_the_organisation_and_nothing_of_another(
    client, acme_with_everything, alice, django_capture_on_commit_callbacks
):
    acme = acme_with_everything
    page = client_for(client, alice)
    assert (
        reverse("organisation_export", args=[acme.pk])
        in page.get(reverse("progress", args=[acme.pk])).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = page.post(reverse("organisation_export", args=[acme.pk]))
    assert response.status_code == 302
    export = OrganisationExport.objects.get()
    assert export.status == "queued"
    assert work_the_queue() >= 1
    export.refresh_from_db()
    assert export.status == "ready" and export.expires_at > timezone.now()
    listed = page.get(reverse("organisation_export", args=[acme.pk])).content.decode()
    url = reverse("organisation_export_download", args=[acme.pk, export.pk])
    assert url in listed
    download = page.get(url)
    assert download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    names = set(archive.namelist())
    assert {"README.txt", "data.json", "answers.csv", "audit_trail.csv"} <= names
    assert any(n.startswith("reports/") and n.endswith(".pdf") for n in names)
    # Every row, counted against the database.
    assert (
        len(csv_rows(archive, "assessments"))
        == Assessment.objects.filter(organisation=acme).count()
    )
    assert (
        len(csv_rows(archive, "answers"))
        == Answer.objects.filter(response__assessment__organisation=acme).count()
    )
    assert len(csv_rows(archive, "plan")) == Action.objects.filter(organisation=acme).count()
    assert (
        len(csv_rows(archive, "outcomes")) == OutcomeValue.objects.filter(organisation=acme).count()
    )
    assert len(csv_rows(archive, "shared_links")) == 1
    assert len(csv_rows(archive, "people")) == Membership.objects.filter(organisation=acme).count()
    assert (
        len(csv_rows(archive, "invitations"))
        == Invitation.objects.filter(organisation=acme).count()
    )
    data = json.loads(archive.read("data.json"))
    assert len(data["answers"]) == len(csv_rows(archive, "answers"))
    assert data["audit_trail"]  # the assessments' and the link's entries at least
    # Nothing of Bravo, and no shared link's secret.
    everything = b"".join(archive.read(n) for n in names if not n.endswith(".pdf"))
    assert b"Bravo" not in everything and b"nota de Bravo" not in everything
    assert ShareLink.objects.get().key_hash.encode() not in everything


def test_only_the_person_who_asked_downloads_it_and_only_for_a_day(
    client, acme_with_everything, alice, dave, bob, django_capture_on_commit_callbacks
):
    acme = acme_with_everything
    with django_capture_on_commit_callbacks(execute=True):
        client_for(client, alice).post(reverse("organisation_export", args=[acme.pk]))
    work_the_queue()
    export = OrganisationExport.objects.get()
    url = reverse("organisation_export_download", args=[acme.pk, export.pk])
    # Dave manages Acme too, but did not ask; Bob manages another organisation.
    assert client_for(Client(), dave).get(url).status_code == 404
    assert client_for(Client(), bob).get(url).status_code == 404
    assert (
        client_for(Client(), bob).get(reverse("organisation_export", args=[acme.pk])).status_code
        == 404
    )
    assert Client().get(url).status_code == 302  # to sign in
    OrganisationExport.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert client_for(Client(), alice).get(url).status_code == 404
    assert services.organisation_export_purge(export.pk) == 1
    assert not OrganisationExport.objects.exists()
