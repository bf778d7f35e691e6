import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import translation

from assessments import services
from assessments.models import Area, Question

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "003_33a493910689a70f.txt"

# QUESTION-BANK.md: order, code, weight and checklist question numbers per area.
EXPECTED_AREAS = [
    ("LID", Decimal("1.50"), [1, 2, 3]),
    ("MED", Decimal("1.25"), [4, 5, 6]),
    ("VAL", Decimal("1.00"), [7, 8, 9, 11]),
    ("CON", Decimal("1.00"), [10, 12, 14, 15, 16]),
    ("PER", Decimal("1.00"), [17, 18, 19]),
    ("RES", Decimal("1.00"), [13, 20]),
]


def test_the_bank_has_twenty_questions_in_six_areas_as_specified(bank):
    areas = list(bank.areas.order_by("order").prefetch_related("questions"))
    assert [(a.code, a.weight, sorted(q.number for q in a.questions.all())) for a in areas] == (
        EXPECTED_AREAS
    )
    assert [a.order for a in areas] == [1, 2, 3, 4, 5, 6]
    assert Question.objects.filter(area__bank=bank).count() == 20
    assert set(Question.objects.values_list("weight", flat=True)) == {1}
    assert bank.thresholds == (40, 60, 80)
    assert bank.status == "published"


def test_every_question_and_area_is_written_in_both_languages(bank):
    for question in Question.objects.filter(area__bank=bank):
        for field in ("text", "help", "recommendation"):
            for language in ("es", "en"):
                assert getattr(question, f"{field}_{language}").strip(), (question.number, field)
        assert question.text_es != question.text_en
        assert question.recommendation_es != question.help_es
    for area in Area.objects.filter(bank=bank):
        assert area.name_en and area.description_es and area.description_en


@pytest.mark.skipif(not SEED.exists(), reason="the shared seeds are not beside this checkout")
def test_spanish_questions_are_the_checklist_word_for_word(bank):
    seed_questions = dict(
        (int(number), text.rstrip())
        for number, text in re.findall(r"^  (\d+)\. (¿.*)$", SEED.read_text("utf-8"), re.M)
    )
    stored = dict(Question.objects.filter(area__bank=bank).values_list("number", "text_es"))
    assert stored == seed_questions


def test_text_follows_the_active_language(bank):
    question = Question.objects.get(area__bank=bank, number=4)
    with translation.override("es"):
        assert (
            question.text == "¿Tenemos un programa formal de medición de la satisfacción cliente?"
        )
    with translation.override("en"):
        assert question.text.startswith("Do we have a formal customer-satisfaction")


def test_loading_the_fixture_again_duplicates_nothing(bank):
    call_command("loaddata", "fixtures/question_bank.json", verbosity=0)
    assert Question.objects.count() == 20
    assert Area.objects.count() == 6


def test_the_database_refuses_a_question_weight_outside_1_to_3(bank):
    draft = services.bank_new_version(bank=bank)
    question = Question.objects.get(area__bank=draft, number=1)
    question.weight = 4
    with pytest.raises(IntegrityError), transaction.atomic():
        question.save()


def test_the_database_refuses_thresholds_out_of_order(bank):
    draft = services.bank_new_version(bank=bank)
    draft.threshold_oriented = 90
    with pytest.raises(IntegrityError), transaction.atomic():
        draft.save()


def test_admin_lists_the_bank_and_its_questions(bank, admin_client):
    response = admin_client.get("/admin/assessments/question/")
    assert response.status_code == 200
    assert "¿Tenemos un programa formal de medición" in response.content.decode()
    response = admin_client.get(f"/admin/assessments/questionbank/{bank.pk}/change/")
    assert response.status_code == 200
    assert "Liderazgo y dirección" in response.content.decode()
