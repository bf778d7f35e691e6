"""Deleting an organisation: out of everyone's reach at once, restorable as it was by its
managers for 30 days, then purged by the daily task with every row, cache entry and
record of it, and nothing of another organisation."""

import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import (
    Assessment,
    Firm,
    FirmMember,
    Invitation,
    Membership,
    Organisation,
    OrganisationDeletion,
    OutgoingMail,
    Question,
)
from assessments.services.mail import mail_queue
from tests.conftest import all_choices, answer_inputs, client_for, make_user
from tests.test_erasure import cache_entries, signed_in

NAME = "Acme Galáctica"
SITE = "http://testserver/"


@pytest.fixture
def acme_in_use(bank, acme, bravo, alice, bob, charlie, submitted):
    """Acme with a book, a plan, a figure, a shared link, a pending invitation, and its
    pages and drawings read (so cached) by its manager and its consultant."""
    acme.name = NAME
    acme.save()
    firm = Firm.objects.create(name="Consultoría Sur")
    FirmMember.objects.create(firm=firm, user=charlie, role=FirmMember.Role.PARTNER)
    Organisation.objects.filter(pk__in=[acme.pk, bravo.pk]).update(firm=firm)
    Membership.objects.create(user=charlie, organisation=bravo, role="consultant")
    question = Question.objects.get(area__bank=bank, number=4)
    services.action_create(
        assessment=submitted, question=question, user=alice, values={"title": "Encuesta"}
    )
    services.outcomes_save(
        organisation=acme, user=alice, period=date(2026, 3, 1), values={"nps": Decimal(12)}
    )
    link = services.share_link_create(
        organisation=acme, user=alice, label="Consejo", days=30, assessment=submitted
    )
    vera = make_user("vera", email="vera@example.org")
    pending = Invitation.objects.create(
        organisation=acme,
        user=vera,
        email=vera.email,
        invited_by=alice,
        role="manager",
        sent_at=timezone.now(),
    )
    mail_queue(
        kind=OutgoingMail.Kind.CLIENT_INVITATION,
        recipient=vera.email,
        subject="Únete",
        site_url=SITE,
        organisation=acme,
        invitation=pending,
    )
    other = services.assessment_start(organisation=bravo, user=bob)
    services.answers_submit(
        assessment=other, user=bob, answers=answer_inputs(bank, all_choices("no"))
    )
    manager = client_for(Client(), alice)
    consultant = client_for(Client(), charlie)
    pages = [
        reverse("assessment_report", args=[submitted.pk]),
        reverse("assessment_pdf", args=[submitted.pk]),
        reverse("progress", args=[acme.pk]),
        reverse("plan", args=[acme.pk]),
    ]
    for url in pages:
        assert manager.get(url).status_code == 200
    for url in (reverse("portfolio"), reverse("progress", args=[acme.pk])):
        assert consultant.get(url).status_code == 200
    return {"link": link, "pages": pages, "other": other}


def test_a_manager_deletes_it_and_no_one_reaches_it_any_more(acme_in_use, acme, alice, charlie):
    manager = signed_in("alice")
    progress = manager.get(reverse("progress", args=[acme.pk])).text
    assert reverse("organisation_delete", args=[acme.pk]) in progress
    refused = manager.post(reverse("organisation_delete", args=[acme.pk]), {"name": "Acme"})
    assert refused.status_code == 400
    assert "No es el nombre de esta organización." in refused.text
    assert not OrganisationDeletion.objects.exists()

    done = manager.post(reverse("organisation_delete", args=[acme.pk]), {"name": NAME.upper()})
    assert done.status_code == 302 and done["Location"] == reverse("organisations_deleted")
    # Its pending invitation is withdrawn, and its mail still waiting is not sent.
    assert not Invitation.objects.filter(organisation=acme).exists()
    assert not OutgoingMail.objects.filter(
        organisation=acme, status=OutgoingMail.Status.QUEUED
    ).exists()
    for url in acme_in_use["pages"]:
        assert manager.get(url).status_code == 404, url
    consultant = client_for(Client(), charlie)
    assert NAME not in consultant.get(reverse("portfolio")).text
    assert consultant.get(reverse("progress", args=[acme.pk])).status_code == 404
    shared = Client().get(f"/s/{acme_in_use['link'].secret}/")  # its shared link ended
    assert shared.status_code == 404
    assert NAME not in manager.get(reverse("home")).text
    listed = manager.get(reverse("organisations_deleted")).text
    assert NAME in listed
    # Not the consultant's to restore.
    assert NAME not in consultant.get(reverse("organisations_deleted")).text


def test_a_consultant_or_another_organisation_s_manager_cannot_delete_it(
    acme_in_use, acme, charlie, bob
):
    for username in ("charlie", "bob"):
        client = signed_in(username)
        response = client.post(reverse("organisation_delete", args=[acme.pk]), {"name": NAME})
        assert response.status_code == 404
    assert not OrganisationDeletion.objects.exists()


def test_its_manager_restores_it_as_it_was(acme_in_use, acme, alice, charlie, submitted):
    before = set(Membership.objects.filter(organisation=acme).values_list("user_id", "role"))
    services.organisation_delete(organisation=acme, user=alice)
    deletion = OrganisationDeletion.objects.get()
    # Another person cannot restore it, even by posting its id.
    consultant = signed_in("charlie")
    assert consultant.post(reverse("organisation_restore", args=[deletion.pk])).status_code == 404
    assert OrganisationDeletion.objects.exists()

    manager = signed_in("alice")
    response = manager.post(reverse("organisation_restore", args=[deletion.pk]))
    assert response.status_code == 302
    assert not OrganisationDeletion.objects.exists()
    assert (
        set(Membership.objects.filter(organisation=acme).values_list("user_id", "role")) == before
    )
    acme.refresh_from_db()
    assert acme.firm.name == "Consultoría Sur"
    assert manager.get(reverse("assessment_report", args=[submitted.pk])).status_code == 200
    assert Client().get(f"/s/{acme_in_use['link'].secret}/").status_code == 200


def referencing_rows(organisation_id: int, name: str) -> list[str]:
    """Rows with a foreign key to the organisation, or a text naming it."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            points_at_it = (
                isinstance(field, models.ForeignKey)
                and field.related_model is Organisation
                and model._default_manager.filter(**{field.name: organisation_id}).exists()
            )
            if points_at_it:
                found.append(f"{model._meta.label}.{field.name}")
        texts = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        for row in model._default_manager.values_list("pk", *texts):
            if any(value and name.casefold() in str(value).casefold() for value in row[1:]):
                found.append(f"{model._meta.label} #{row[0]}")
    return found


def test_after_30_days_the_daily_task_purges_it_and_everything_of_it(
    acme_in_use, acme, bravo, alice, bob, django_capture_on_commit_callbacks
):
    acme_id = acme.pk
    assert referencing_rows(acme_id, NAME)
    assert any(NAME.encode() in raw for raw in cache_entries(alive_at=time.time()))
    bravo_before = (
        Assessment.objects.filter(organisation=bravo).count(),
        LogEntry.objects.filter(object_repr__icontains="Bravo").count(),
    )
    services.organisation_delete(organisation=acme, user=alice)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            services.retention_apply(
                site_url=SITE, now=now + timedelta(days=29)
            ).organisations_purged
            == 0
        )
        assert Organisation.objects.filter(pk=acme_id).exists()
        purge_day = now + timedelta(days=30, seconds=1)
        assert services.retention_apply(site_url=SITE, now=purge_day).organisations_purged == 1
    assert not Organisation.objects.filter(pk=acme_id).exists()
    assert referencing_rows(acme_id, NAME) == []
    # Nothing the cache holds, or would still hand out on the day of the purge, names it.
    naming = [
        raw[:80] for raw in cache_entries(alive_at=purge_day.timestamp()) if NAME.encode() in raw
    ]
    assert naming == []
    # Bravo is untouched: its assessment, its manager's report.
    assert (
        Assessment.objects.filter(organisation=bravo).count(),
        LogEntry.objects.filter(object_repr__icontains="Bravo").count(),
    ) == bravo_before
    report = client_for(Client(), bob).get(
        reverse("assessment_report", args=[acme_in_use["other"].pk])
    )
    assert report.status_code == 200
