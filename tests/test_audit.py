"""The audit trail: who started, saved and submitted an assessment, added a client and
published a bank version, when and from where; never an answer, a note or a password."""

import json

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from assessments import services
from assessments.models import Assessment, Organisation, QuestionBank
from tests.conftest import all_choices, client_for, form_data, make_user

pytestmark = pytest.mark.django_db(transaction=True)

SECRET_NOTE = "Nota confidencial 7f3a"


def entries_about(instance):
    return LogEntry.objects.get_for_object(instance).order_by("timestamp", "pk")


def test_an_assessment_s_life_is_on_record_with_actor_and_address(client, bank, acme, alice):
    client = client_for(client, alice)
    client.post(reverse("assessment_start", args=[acme.pk]), REMOTE_ADDR="192.0.2.10")
    assessment = Assessment.objects.get()
    url = reverse("assessment_answer", args=[assessment.pk])
    client.post(url, form_data(bank, {1: "yes"}, notes={1: SECRET_NOTE}), REMOTE_ADDR="192.0.2.11")
    client.post(
        url,
        form_data(bank, all_choices("no"), notes={2: SECRET_NOTE}, action="submit"),
        REMOTE_ADDR="192.0.2.12",
    )
    entries = list(entries_about(assessment))
    started, saved, *_more, submitted = entries
    assert started.action == LogEntry.Action.CREATE
    assert saved.changes == {"event": ["", "answers saved"]}
    assert submitted.changes["status"] == ["draft", "submitted"]
    assert {e.actor for e in entries} == {alice}
    assert [started.remote_addr, saved.remote_addr, submitted.remote_addr] == [
        "192.0.2.10",
        "192.0.2.11",
        "192.0.2.12",
    ]


def test_adding_a_client_and_publishing_a_version_are_on_record(client, bank, charlie):
    client_for(client, charlie).post(
        reverse("client_add"),
        {
            "name": "Nueva S.L.",
            "sector": "Comercio",
            "size_band": "micro",
            "country": "Perú",
            "manager_first_name": "Nora",
            "manager_email": "nora@example.org",
        },
    )
    added = entries_about(Organisation.objects.get(name="Nueva S.L.")).get()
    assert added.action == LogEntry.Action.CREATE and added.actor == charlie

    draft = services.bank_new_version(bank=bank)
    staff = make_user("root", is_staff=True, is_superuser=True)
    admin = client_for(client.__class__(), staff)
    admin.post(
        reverse("admin:assessments_questionbank_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    assert QuestionBank.objects.get(pk=draft.pk).status == "published"
    published = entries_about(draft).filter(action=LogEntry.Action.UPDATE).get()
    assert published.changes["status"] == ["draft", "published"]
    assert published.actor == staff


def test_no_answer_note_or_password_ever_enters_the_trail(client, bank, acme, alice):
    client = client_for(client, alice)
    client.post(reverse("assessment_start", args=[acme.pk]))
    assessment = Assessment.objects.get()
    client.post(
        reverse("assessment_answer", args=[assessment.pk]),
        form_data(bank, all_choices("partly"), notes={3: SECRET_NOTE}, action="submit"),
    )
    alice.set_password("otra-clave-larga-2026")
    alice.save()
    trail = json.dumps(
        list(LogEntry.objects.values("changes", "changes_text", "serialized_data", "object_repr")),
        default=str,
    )
    assert LogEntry.objects.exists()
    assert SECRET_NOTE not in trail
    assert "partly" not in trail
    assert alice.password not in trail and "pbkdf2" not in trail and "md5$" not in trail


def test_admins_read_the_trail_but_cannot_change_it(client, bank, acme, alice):
    services.assessment_start(organisation=acme, user=alice)
    entry = LogEntry.objects.first()
    admin = client_for(client, make_user("root", is_staff=True, is_superuser=True))
    assert admin.get(reverse("admin:auditlog_logentry_changelist")).status_code == 200
    page = admin.get(reverse("admin:auditlog_logentry_change", args=[entry.pk])).content.decode()
    assert 'name="_save"' not in page
    admin.post(reverse("admin:auditlog_logentry_delete", args=[entry.pk]), {"post": "yes"})
    assert LogEntry.objects.filter(pk=entry.pk).exists()
