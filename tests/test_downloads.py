"""Every CSV and Excel file the app hands out: a formula-like value in any column comes out as
inert text."""

import csv
import datetime
import io
import zipfile

import openpyxl
import pytest
from django.urls import reverse

from assessments import downloads, services
from assessments.models import Area, Membership, Organisation, Question, QuestionBank
from tests.conftest import client_for, make_user

FORMULAS = ["=2+5", "@SUM(1)", "-2+3", "+4+4", "\t=1", "\r=1"]
# What a spreadsheet runs as a formula, stated here rather than taken from the code under test.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cells(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def assert_inert(rows, planted):
    """No cell starts a formula, and every planted value is there, guarded: the check
    cannot pass because the values never reached the file."""
    flat = [cell for row in rows for cell in row]
    live = [cell for cell in flat if cell.startswith(FORMULA_STARTS)]
    assert live == []
    missing = [value for value in planted if "'" + value not in flat]
    assert missing == []


@pytest.fixture
def formula_world(db):
    """A published bank, an organisation and a submitted assessment whose every text an
    admin, consultant or manager typed looks like a formula."""
    bank = QuestionBank.objects.create(version=7, title_es="=t", title_en="=t")
    texts = iter(FORMULAS * 10)
    areas = []
    for order, code in enumerate(FORMULAS[:2], 1):
        area = Area.objects.create(
            bank=bank,
            code=code,
            order=order,
            name_es=next(texts),
            name_en="+area",
            description_es="-d",
            description_en="-d",
        )
        areas.append(area)
        for offset in range(2):
            Question.objects.create(
                area=area,
                number=order * 10 + offset,
                text_es=next(texts),
                text_en="@q",
                help_es="=h",
                help_en="=h",
                recommendation_es="=r",
                recommendation_en="=r",
            )
    services.bank_publish(bank=bank)
    organisation = Organisation.objects.create(
        name="=cmd|' /C calc'!A0", sector="+sector", size_band="small", country="@country"
    )
    manager = make_user("mallory")
    consultant = make_user("carol")
    Membership.objects.create(user=manager, organisation=organisation, role="manager")
    Membership.objects.create(user=consultant, organisation=organisation, role="consultant")
    assessment = services.assessment_start(organisation=organisation, user=manager)
    questions = Question.objects.filter(area__bank=bank).order_by("number")
    services.answers_submit(
        assessment=assessment,
        user=manager,
        answers={
            q.pk: services.AnswerInput(choice="partly", note=FORMULAS[i % len(FORMULAS)])
            for i, q in enumerate(questions)
        },
    )
    planted = {
        "areas": [a.code for a in areas] + [a.name_es for a in areas],
        "questions": [q.text_es for q in questions],
        "organisation": [organisation.name, organisation.sector, organisation.country],
        "notes": FORMULAS[:4],
    }
    return assessment, manager, consultant, planted


def test_the_report_csv_guards_every_column(client, formula_world):
    assessment, manager, _consultant, planted = formula_world
    response = client_for(client, manager).get(reverse("assessment_csv", args=[assessment.pk]))
    assert_inert(cells(response), planted["areas"] + planted["questions"] + planted["notes"])


def test_the_portfolio_csv_guards_every_column(client, formula_world):
    _assessment, _manager, consultant, planted = formula_world
    response = client_for(client, consultant).get(reverse("portfolio_csv"))
    assert_inert(cells(response), planted["organisation"] + planted["areas"])


def test_the_answers_csv_guards_every_column(client, formula_world):
    _assessment, _manager, consultant, planted = formula_world
    response = client_for(client, consultant).get(reverse("portfolio_answers_csv"))
    planted_here = [planted["organisation"][0], *planted["areas"][:2], *planted["questions"]]
    assert_inert(cells(response), planted_here + planted["notes"])


@pytest.mark.parametrize("value", FORMULAS)
def test_the_guard_leaves_numbers_as_numbers(value):
    assert downloads.spreadsheet_safe(value) == "'" + value
    assert downloads.spreadsheet_safe(-2.5) == -2.5
    assert downloads.spreadsheet_safe("Hotel = bueno") == "Hotel = bueno"


# Excel workbooks: the same planted values, read back as a spreadsheet program reads them.


def workbook(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response["Content-Type"] == downloads.XLSX_CONTENT_TYPE
    return openpyxl.load_workbook(io.BytesIO(body)), body


def assert_text_in_excel(book, body, planted):
    """Every planted formula-like value is in the workbook as typed (a carriage return as
    the line feed a cell holds), as a text cell marked to stay text (the quote prefix), and
    the file holds no formula at all."""
    planted = [value.replace("\r", "\n") for value in planted]
    texts = {}
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    texts[cell.value] = (cell.data_type, cell.quotePrefix)
    assert {value: texts.get(value) for value in planted} == {v: ("s", True) for v in planted}
    live = [v for v, kind in texts.items() if v.startswith(FORMULA_STARTS) and kind != ("s", True)]
    assert live == []
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets
        assert not any(
            b"<f>" in archive.read(name) or b"<f " in archive.read(name) for name in sheets
        )


def test_the_report_workbook_keeps_every_formula_as_text(client, formula_world):
    assessment, manager, _consultant, planted = formula_world
    response = client_for(client, manager).get(reverse("assessment_xlsx", args=[assessment.pk]))
    book, body = workbook(response)
    assert_text_in_excel(book, body, planted["areas"] + planted["questions"] + planted["notes"])


def test_the_portfolio_workbooks_keep_every_formula_as_text(client, formula_world):
    _assessment, _manager, consultant, planted = formula_world
    consultant_client = client_for(client, consultant)
    book, body = workbook(consultant_client.get(reverse("portfolio_xlsx")))
    assert_text_in_excel(book, body, planted["organisation"] + planted["areas"])
    book, body = workbook(consultant_client.get(reverse("portfolio_answers_xlsx")))
    planted_here = [planted["organisation"][0], *planted["areas"][:2], *planted["questions"]]
    assert_text_in_excel(book, body, planted_here + planted["notes"])


def test_the_report_workbook_has_a_sheet_per_table_with_real_numbers(client, submitted, alice):
    response = client_for(client, alice).get(reverse("assessment_xlsx", args=[submitted.pk]))
    assert response["Content-Disposition"] == (
        f'attachment; filename="orientacion-acme-{submitted.submitted_at.date()}.xlsx"'
    )
    book, _body = workbook(response)
    assert book.sheetnames == ["Resumen", "Áreas", "Trabajar primero", "Respuestas"]
    summary = dict(book["Resumen"].iter_rows(min_row=2, values_only=True))
    assert summary["puntuación global"] == pytest.approx(float(submitted.overall_score))
    assert isinstance(summary["fecha"], datetime.datetime)  # a date cell, not text
    areas = book["Áreas"]
    assert areas.freeze_panes == "A2"
    assert all(cell.font.b for cell in areas[1])
    scores = [row[2] for row in areas.iter_rows(min_row=2, values_only=True)]
    assert len(scores) == 6 and all(isinstance(s, (int, float)) for s in scores)
    widths = [areas.column_dimensions[letter].width for letter in "AB"]
    assert widths[1] > widths[0] >= 8  # the area's name is wider than its code
    assert book["Respuestas"].max_row == 21  # a header and the twenty questions


def test_a_sheet_title_and_a_control_character_cannot_break_the_workbook():
    sheet = downloads.Sheet("a/b:c*d?[e]" + "x" * 40, ["note"], [["bell\x07 rings"], [7]])
    book = openpyxl.load_workbook(io.BytesIO(downloads.xlsx_bytes([sheet])))
    (title,) = book.sheetnames
    assert len(title) == 31 and not set("/:*?[]") & set(title)
    assert [c.value for c in book[title]["A"]] == ["note", "bell rings", 7]
