"""Admins change the question bank in new versions; nothing answered ever changes."""

import io
import json
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.db.models import ProtectedError
from django.urls import reverse

from assessments import services
from assessments.freezing import FrozenBankError
from assessments.models import Area, Assessment, Question, QuestionBank
from tests.conftest import all_choices, answer_inputs, client_for, make_user


@pytest.fixture
def staff(db):
    return make_user("admin", is_staff=True, is_superuser=True)


def admin_action(client, action, bank):
    return client.post(
        reverse("admin:assessments_questionbank_changelist"),
        {"action": action, "_selected_action": [bank.pk]},
        follow=True,
    )


def test_a_published_or_answered_bank_refuses_every_kind_of_change(bank, submitted):
    question = Question.objects.get(area__bank=bank, number=5)
    question.text_es = "Otra redacción"
    with pytest.raises(FrozenBankError):
        question.save()
    with pytest.raises(FrozenBankError):
        Question.objects.filter(area__bank=bank).update(weight=2)
    with pytest.raises(FrozenBankError):
        Area.objects.filter(bank=bank).update(weight=3)
    with pytest.raises(FrozenBankError):
        QuestionBank.objects.filter(pk=bank.pk).update(threshold_centred=90)
    with pytest.raises((FrozenBankError, ProtectedError)):  # answered: PROTECT refuses first
        question.delete()
    with pytest.raises(FrozenBankError):
        Area.objects.create(bank=bank, code="NEW", order=9, name_es="x", description_es="y")
    assert Question.objects.get(pk=question.pk).text_es.startswith("¿El programa de medición")


def test_the_admin_shows_a_frozen_bank_read_only_and_says_why(client, bank, staff):
    client = client_for(client, staff)
    url = reverse("admin:assessments_questionbank_change", args=[bank.pk])
    page = client.get(url).content.decode()
    assert "está congelada" in page
    assert 'name="title_es"' not in page  # shown as text, not as an input
    before = QuestionBank.objects.get(pk=bank.pk).title_es
    client.post(url, {"title_es": "Cambiado", "threshold_centred": "90"})
    assert QuestionBank.objects.get(pk=bank.pk).title_es == before


def test_only_staff_reach_the_admin(client, bank, alice):
    response = client_for(client, alice).get(reverse("admin:assessments_questionbank_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_new_version_edit_publish_and_old_reports_stay_byte_for_byte(
    client, bank, staff, submitted, alice
):
    member = client_for(client, alice)
    report_url = reverse("assessment_report", args=[submitted.pk])
    csv_url = reverse("assessment_csv", args=[submitted.pk])

    def report_numbers():
        page = member.get(report_url).content.decode()
        return re.findall(r"data-overall-score>(\d+)<|<td class=\"text-end\">([\d,.–]+)</td>", page)

    numbers_before, csv_before = report_numbers(), member.get(csv_url).content
    admin = client_for(type(client)(), staff)
    response = admin_action(admin, "create_new_version", bank)
    assert "Se ha creado la versión 2" in response.content.decode()
    draft = QuestionBank.objects.get(version=2)
    assert draft.status == "draft" and Question.objects.filter(area__bank=draft).count() == 20

    # Reword question 5, move it to another area, reorder areas, remove question 20.
    q5 = Question.objects.get(area__bank=draft, number=5)
    q5.text_es, q5.text_en = "¿Medimos la satisfacción cada mes?", "Do we measure monthly?"
    q5.area = Area.objects.get(bank=draft, code="VAL")
    q5.save()
    Area.objects.filter(bank=draft, code="RES").update(order=10)
    Area.objects.filter(bank=draft, code="PER").update(order=6)
    Area.objects.filter(bank=draft, code="RES").update(order=5)
    Question.objects.get(area__bank=draft, number=20).delete()
    response = admin_action(admin, "publish", draft)
    assert "La versión 2 está publicada" in response.content.decode()

    assert report_numbers() == numbers_before
    assert member.get(csv_url).content == csv_before
    page = member.get(report_url).content.decode()
    assert "banco de preguntas v1" in page

    # New assessments use the new wording; the old draft still finishes on its own bank.
    started = member.post(reverse("assessment_start", args=[submitted.organisation_id]))
    new = Assessment.objects.order_by("-pk").first()
    assert new.bank == draft
    answer_page = member.get(started.url).content.decode()
    assert "¿Medimos la satisfacción cada mes?" in answer_page
    assert answer_page.count('class="card question-card') == 19


def test_an_assessment_started_on_an_older_bank_is_finished_on_it(bank, acme, alice):
    old = services.assessment_start(organisation=acme, user=alice)
    draft = services.bank_new_version(bank=bank)
    services.bank_publish(bank=draft)
    services.answers_submit(
        assessment=old, user=alice, answers=answer_inputs(bank, all_choices("yes"))
    )
    old.refresh_from_db()
    assert old.bank == bank and old.overall_score == 100


def test_publishing_says_what_is_wrong_and_changes_nothing(client, bank, staff):
    draft = services.bank_new_version(bank=bank)
    Question.objects.filter(area__bank=draft, number=3).update(help_en="")
    Question.objects.filter(area__bank=draft, area__code="RES").delete()
    response = admin_action(client_for(client, staff), "publish", draft)
    page = response.content.decode()
    assert "La versión 2 no se ha publicado" in page
    assert "RES (Proveedores y resultados) no tiene ninguna pregunta" in page
    assert "Pregunta 3: falta" in page
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_admin_changes_are_logged_and_shown_in_the_history(client, bank, staff):
    client = client_for(client, staff)
    admin_action(client, "create_new_version", bank)
    draft = QuestionBank.objects.get(version=2)
    admin_action(client, "publish", draft)
    entries = LogEntry.objects.filter(object_id=str(draft.pk)).order_by("action_time")
    assert [e.user.username for e in entries] == ["admin", "admin"]
    history = client.get(reverse("admin:assessments_questionbank_history", args=[draft.pk]))
    assert "Publicada" in history.content.decode()


def test_a_bank_travels_between_installations_by_natural_keys(bank, tmp_path):
    draft = services.bank_new_version(bank=bank)
    Question.objects.filter(area__bank=draft, number=1).update(text_es="¿Exportada?")
    out = io.StringIO()
    call_command(
        "dumpdata",
        "assessments.QuestionBank",
        "assessments.Area",
        "assessments.Question",
        natural_primary=True,
        natural_foreign=True,
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert all("pk" not in item for item in data)
    draft.delete()  # the other installation has never seen version 2
    fixture = tmp_path / "bank.json"
    fixture.write_text(out.getvalue(), encoding="utf-8")
    call_command("loaddata", str(fixture), verbosity=0)
    imported = QuestionBank.objects.get(version=2)
    assert Question.objects.get(area__bank=imported, number=1).text_es == "¿Exportada?"
    assert Question.objects.filter(area__bank=imported).count() == 20
    assert Question.objects.filter(area__bank=bank).count() == 20  # version 1 untouched


def test_a_worker_keeps_a_published_bank_row_and_rereads_a_draft(bank, django_assert_num_queries):
    from assessments.selectors import published_banks

    draft = services.bank_new_version(bank=bank)
    with django_assert_num_queries(1):
        assert published_banks.bank(bank.pk).version == 1
        assert published_banks.bank(bank.pk).version == 1
    # A draft still changes (its title, its thresholds): read afresh every time.
    QuestionBank.objects.filter(pk=draft.pk).update(title_en="Edited draft")
    with django_assert_num_queries(2):
        assert published_banks.bank(draft.pk).title_en == "Edited draft"
        published_banks.bank(draft.pk)
