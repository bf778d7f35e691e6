"""The question bank as a file: exported from the admin as JSON (for loaddata) or as a
workbook, and imported back as a new draft after a preview. Reading, checking and
comparing are plain functions, tested first without a database."""

import copy
import html
import io
import json
import re
import zipfile
from dataclasses import replace
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from assessments import bank_io, downloads, selectors
from assessments.models import Area, Question, QuestionBank
from tests.conftest import client_for, make_user

FIXTURE = "fixtures/question_bank.json"


def fixture_bytes() -> bytes:
    with open(FIXTURE, "rb") as source:
        return source.read()


def fixture_objects() -> list[dict]:
    return json.loads(fixture_bytes())


def as_json(objects) -> bytes:
    return json.dumps(objects).encode()


def workbook_bytes(content: bank_io.BankContent) -> bytes:
    return downloads.xlsx_bytes(bank_io.xlsx_sheets(content))


def edited_workbook(data: bytes, edit) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    edit(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def problems_of(name: str, data: bytes) -> list[str]:
    with pytest.raises(bank_io.BankFileError) as raised:
        bank_io.read_bank_file(name, data)
    return raised.value.problems


# Reading and checking, without a database.


def test_the_shipped_fixture_reads_as_six_areas_and_twenty_questions():
    content = bank_io.read_bank_file("question_bank.json", fixture_bytes())
    assert [a.code for a in content.areas] == ["LID", "MED", "VAL", "CON", "PER", "RES"]
    assert [q.number for q in content.questions] == list(range(1, 21))
    assert content.areas[0].weight == Decimal("1.5")
    assert content.questions[0].text_es.startswith("¿El equipo de dirección")


def test_the_workbook_holds_what_the_json_holds():
    content = bank_io.read_bank_file("bank.json", fixture_bytes())
    assert bank_io.read_bank_file("bank.xlsx", workbook_bytes(content)) == content


def test_the_checked_content_survives_its_trip_through_the_preview():
    content = bank_io.read_bank_file("bank.json", fixture_bytes())
    carried = json.loads(json.dumps(content.as_data()))
    assert bank_io.BankContent.from_data(carried) == content


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("bank.json", b"{not json", "no es JSON válido"),
        ("bank.json", b'{"model": "x"}', "debe ser una lista de objetos"),
        ("bank.json", b"[]", "exactamente un banco de preguntas; contiene 0"),
        ("bank.xlsx", b"PK\x03\x04 broken zip", "no es un libro de Excel (.xlsx) legible"),
        ("bank.xlsx", b"plain text", "no es un libro de Excel (.xlsx) legible"),
        ("bank.csv", b"a,b", "Sube un archivo .json"),
        ("bank.json", b"x" * (20 * 1024 * 1024), "ocupa 20.0 MB"),
    ],
)
def test_a_file_that_is_not_a_bank_says_why(name, data, expected):
    with translation_es():
        problems = problems_of(name, data)
    assert any(expected in problem for problem in problems), problems


def translation_es():
    from django.utils import translation

    return translation.override("es")


def test_every_content_problem_is_named_at_once():
    objects = fixture_objects()
    questions = [o for o in objects if o["model"] == "assessments.question"]
    questions[1]["fields"]["number"] = questions[0]["fields"]["number"]  # a duplicate
    questions[2]["fields"]["area"] = [1, "XYZ"]  # an area the file does not define
    questions[3]["fields"]["text_es"] = "   "  # no Spanish text
    questions[4]["fields"]["weight"] = 7  # outside 1 to 3
    with translation_es():
        problems = problems_of("bank.json", as_json(objects))
    assert problems == [
        "Objeto 8: weight debe ser un número entero de 1 a 3, no «7».",
        "El número de pregunta 1 está repetido.",
        "La pregunta 3 pertenece al código de área «XYZ», que el archivo no define.",
        "Pregunta 4: falta la pregunta en español.",
    ]


def test_a_workbook_with_the_wrong_columns_is_refused_with_the_right_ones_named():
    content = bank_io.read_bank_file("bank.json", fixture_bytes())

    def rename_column(book):
        book["questions"]["C1"] = "peso"

    data = edited_workbook(workbook_bytes(content), rename_column)
    with translation_es():
        (problem,) = problems_of("bank.xlsx", data)
    assert "«questions» no tiene las columnas correctas: faltan weight; sobran peso" in problem


def test_a_workbook_without_its_areas_sheet_is_refused():
    content = bank_io.read_bank_file("bank.json", fixture_bytes())
    data = edited_workbook(workbook_bytes(content), lambda book: book.remove(book["areas"]))
    with translation_es():
        (problem,) = problems_of("bank.xlsx", data)
    assert "le falta areas" in problem


def test_a_workbook_that_unpacks_to_gigabytes_is_not_opened():
    """A zip bomb: a few kilobytes that would unpack to 50 MB of shared strings."""
    content = bank_io.read_bank_file("bank.json", fixture_bytes())
    source = io.BytesIO(workbook_bytes(content))
    bomb = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(bomb, "w") as packed:
        for member in original.infolist():
            packed.writestr(member, original.read(member), compress_type=zipfile.ZIP_DEFLATED)
        packed.writestr("xl/padding.xml", b" " * (50 * 1024 * 1024), zipfile.ZIP_DEFLATED)
    assert len(bomb.getvalue()) < bank_io.MAX_UPLOAD_BYTES
    with translation_es():
        (problem,) = problems_of("bank.xlsx", bomb.getvalue())
    assert "se descomprime en 50 MB" in problem


def test_the_comparison_names_each_kind_of_change():
    old = bank_io.read_bank_file("bank.json", fixture_bytes())
    lid, med, *other_areas = old.areas
    first, second, third, *other_questions = old.questions
    new = replace(
        old,
        areas=(
            replace(lid, weight=Decimal("2")),
            replace(med, name_es="Medición"),
            *other_areas[:-1],
            bank_io.AreaContent("NEW", 9, Decimal(1), "Nueva", "", "Desc", ""),
        ),
        questions=(
            replace(first, weight=3),
            replace(second, text_en="Reworded"),
            *other_questions,
            replace(third, number=99, area="NEW"),
        ),
    )
    changes = bank_io.compare(old, new)
    assert [a.code for a in changes.areas_added] == ["NEW"]
    assert [a.code for a in changes.areas_removed] == [other_areas[-1].code]
    assert [(o.code, n.name_es) for o, n in changes.areas_renamed] == [("MED", "Medición")]
    assert [(o.weight, n.weight) for o, n in changes.areas_reweighted] == [
        (Decimal("1.5"), Decimal("2"))
    ]
    assert [(o.weight, n.weight) for o, n in changes.questions_reweighted] == [(1, 3)]
    assert [(n.number, fields) for _o, n, fields in changes.questions_reworded] == [
        (2, ["text_en"])
    ]
    assert [q.number for q in changes.questions_added] == [99]
    assert [q.number for q in changes.questions_removed] == [3]
    assert bank_io.compare(old, old).count == 0


# The admin, on the database.


def bank_state():
    """Every version as it is stored: an import must add one and change none."""
    return {bank.version: selectors.bank_content(bank) for bank in QuestionBank.objects.all()}


def upload(client, name, data):
    return client.post(
        reverse("admin:assessments_questionbank_import"),
        {"file": SimpleUploadedFile(name, data)},
        HTTP_ACCEPT_LANGUAGE="es",
    )


def signed_preview(response) -> str:
    body = response.content.decode()
    return html.unescape(re.search(r'name="signed" value="([^"]+)"', body).group(1))


def confirm(client, signed):
    return client.post(
        reverse("admin:assessments_questionbank_import_confirm"),
        {"signed": signed},
        HTTP_ACCEPT_LANGUAGE="es",
    )


@pytest.mark.parametrize("extension", ["json", "xlsx"])
def test_export_then_import_gives_the_same_content_under_a_new_draft(
    client, bank, submitted, staff, extension
):
    admin = client_for(client, staff)
    exported = admin.get(
        reverse(f"admin:assessments_questionbank_export_{extension}", args=[bank.pk])
    )
    assert exported["Content-Disposition"] == (
        f'attachment; filename="orientacion-question-bank-v1.{extension}"'
    )
    before = bank_state()
    preview = upload(admin, f"banco.{extension}", exported.content)
    assert preview.status_code == 200
    assert "El archivo dice exactamente lo mismo que la versión publicada." in (
        preview.content.decode()
    )
    assert bank_state() == before  # the preview wrote nothing

    done = confirm(admin, signed_preview(preview))
    new = QuestionBank.objects.get(version=2)
    assert done.url == reverse("admin:assessments_questionbank_change", args=[new.pk])
    assert new.status == QuestionBank.Status.DRAFT
    assert selectors.bank_content(new) == before[1]
    assert bank_state() == {**before, 2: before[1]}  # version 1, answered, is untouched
    entry = LogEntry.objects.get(object_id=str(new.pk))
    assert entry.get_change_message() == (f"Importado de banco.{extension}: 6 áreas, 20 preguntas.")


def test_the_exported_json_is_what_loaddata_reads(client, bank, staff, tmp_path):
    draft = QuestionBank.objects.create(version=5, title_es="Borrador", title_en="Draft")
    area = Area.objects.create(
        bank=draft, code="A", order=1, name_es="A", description_es="d", weight="1.25"
    )
    Question.objects.create(area=area, number=1, text_es="¿?", help_es="h", recommendation_es="r")
    admin = client_for(client, staff)
    exported = admin.get(reverse("admin:assessments_questionbank_export_json", args=[draft.pk]))
    content = selectors.bank_content(draft)
    draft.delete()
    path = tmp_path / "bank.json"
    path.write_bytes(exported.content)
    call_command("loaddata", str(path), verbosity=0)
    assert selectors.bank_content(QuestionBank.objects.get(version=5)) == content


def test_a_weight_changed_in_the_workbook_shows_in_the_preview_and_lands_in_the_draft(
    client, bank, staff
):
    admin = client_for(client, staff)
    exported = admin.get(reverse("admin:assessments_questionbank_export_xlsx", args=[bank.pk]))

    def reweigh(book):
        sheet = book["questions"]
        assert sheet["B2"].value == 1 and sheet["C1"].value == "weight"
        sheet["C2"] = 3

    preview = upload(admin, "banco.xlsx", edited_workbook(exported.content, reweigh))
    body = preview.content.decode()
    assert 'data-change="question-reweighted"' in body
    assert body.count("data-change=") == 1
    confirm(admin, signed_preview(preview))
    assert Question.objects.get(area__bank__version=2, number=1).weight == 3
    assert Question.objects.get(area__bank__version=1, number=1).weight == 1


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("banco.json", b"[{", "no es JSON válido"),
        ("banco.xlsx", b"not a workbook", "no es un libro de Excel (.xlsx) legible"),
        ("banco.json", b" " * (20 * 1024 * 1024), "ocupa 20.0 MB"),
    ],
)
def test_a_bad_upload_gets_a_clear_message_and_writes_nothing(
    client, bank, staff, name, data, expected
):
    before = (bank_state(), LogEntry.objects.count())
    response = upload(client_for(client, staff), name, data)
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert 'name="signed"' not in response.content.decode()
    assert (bank_state(), LogEntry.objects.count()) == before


def test_a_tampered_or_stale_preview_imports_nothing(client, bank, staff, settings):
    admin = client_for(client, staff)
    objects = fixture_objects()
    preview = upload(admin, "banco.json", as_json(objects))
    signed = signed_preview(preview)
    before = bank_state()
    tampered = signed[:-3] + ("AAA" if not signed.endswith("AAA") else "BBB")
    response = confirm(admin, tampered)
    assert response.url == reverse("admin:assessments_questionbank_import")
    assert bank_state() == before
    followed = admin.get(response.url, HTTP_ACCEPT_LANGUAGE="es")
    assert "La vista previa caducó o fue alterada: no se importó nada." in followed.content.decode()


def test_only_staff_with_the_right_permissions_export_or_import(client, bank, alice):
    viewer = make_user("viewer", is_staff=True)
    for user, expected in ((alice, 302), (viewer, 403)):
        who = client_for(type(client)(), user)
        for url in (
            reverse("admin:assessments_questionbank_export_json", args=[bank.pk]),
            reverse("admin:assessments_questionbank_export_xlsx", args=[bank.pk]),
            reverse("admin:assessments_questionbank_import"),
        ):
            assert who.get(url).status_code == expected, (user, url)
        before = bank_state()
        response = upload(who, "banco.json", fixture_bytes())
        assert response.status_code == expected
        assert bank_state() == before


def test_a_formula_in_a_question_stays_text_in_the_workbook_and_comes_back_as_typed(
    client, staff, db
):
    objects = fixture_objects()
    for item in objects:
        if item["model"] == "assessments.question" and item["fields"]["number"] == 1:
            item["fields"]["text_es"] = '=HYPERLINK("http://example.com","clic")'
    content = bank_io.read_bank_file("banco.json", as_json(objects))
    data = workbook_bytes(content)
    cell = openpyxl.load_workbook(io.BytesIO(data))["questions"]["D2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (
        content.questions[0].text_es,
        "s",
        True,
    )
    assert bank_io.read_bank_file("banco.xlsx", data) == content


def test_the_import_pages_link_from_the_bank_list_and_the_bank(client, bank, staff):
    admin = client_for(client, staff)
    listing = admin.get(reverse("admin:assessments_questionbank_changelist")).content.decode()
    assert reverse("admin:assessments_questionbank_import") in listing
    change = admin.get(
        reverse("admin:assessments_questionbank_change", args=[bank.pk])
    ).content.decode()
    for kind in ("json", "xlsx"):
        assert reverse(f"admin:assessments_questionbank_export_{kind}", args=[bank.pk]) in change


def test_a_copy_of_the_fixture_is_not_changed_by_reading(db):
    objects = fixture_objects()
    kept = copy.deepcopy(objects)
    bank_io.read_bank_file("bank.json", as_json(objects))
    assert objects == kept
