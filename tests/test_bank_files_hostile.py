"""Bank files made to break the reader: every one gets a list of problems, never an error
page, and a preview imports once. The reader is plain Python, so most of this runs
without a database, and hypothesis feeds it random bytes, damaged zips and random XML."""

import functools
import io
import json
import zipfile

import pytest
from django.contrib.admin.models import LogEntry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments import bank_io
from assessments.models import QuestionBank
from tests.conftest import client_for
from tests.test_bank_files import (
    as_json,
    bank_state,
    confirm,
    fixture_bytes,
    fixture_objects,
    signed_preview,
    upload,
    workbook_bytes,
)


@functools.cache
def good_workbook() -> bytes:
    return workbook_bytes(bank_io.read_bank_file("bank.json", fixture_bytes()))


def rewritten(data: bytes, member_name: str, change) -> bytes:
    """The workbook with one of its zip members' bytes changed by `change`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            content = source.read(member.filename)
            if member.filename == member_name:
                content = change(content)
            target.writestr(member.filename, content)
    return out.getvalue()


def sheet_member(data: bytes, title: str) -> str:
    """The zip member that holds the sheet called `title`."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        workbook = archive.read("xl/workbook.xml").decode()
    position = [t for t in ("questions", "areas", "bank") if f'name="{t}"' in workbook]
    order = sorted(position, key=lambda t: workbook.index(f'name="{t}"'))
    return sorted(names)[order.index(title)]


def deeply_nested_json() -> bytes:
    return b"[" * 100_000 + b"]" * 100_000


def truncated_sheet() -> bytes:
    data = good_workbook()
    member = sheet_member(data, "questions")
    return rewritten(data, member, lambda xml: xml[: len(xml) // 2])


def impossible_cell_reference() -> bytes:
    data = good_workbook()
    member = sheet_member(data, "questions")
    return rewritten(data, member, lambda xml: xml.replace(b'r="C2"', b'r="Cx"', 1))


def doctype_in_workbook() -> bytes:
    def add_doctype(xml: bytes) -> bytes:
        declaration_end = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
        entity = b'<!DOCTYPE workbook [<!ENTITY e "boom">]>'
        return xml[:declaration_end] + entity + xml[declaration_end:]

    return rewritten(good_workbook(), "xl/workbook.xml", add_doctype)


@pytest.mark.parametrize(
    "name, make, expected",
    [
        ("banco.json", deeply_nested_json, "anidado"),
        ("banco.xlsx", truncated_sheet, "no es un libro de Excel (.xlsx) legible"),
        ("banco.xlsx", impossible_cell_reference, "no es un libro de Excel (.xlsx) legible"),
        ("banco.xlsx", doctype_in_workbook, "declara un tipo de documento XML (DOCTYPE)"),
    ],
)
def test_a_hostile_file_is_named_as_such_and_writes_nothing(
    client, bank, staff, name, make, expected
):
    before = (bank_state(), LogEntry.objects.count())
    response = upload(client_for(client, staff), name, make())
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert (bank_state(), LogEntry.objects.count()) == before


@pytest.mark.parametrize("character", ["\x00", "\x07", "\ud800"])
def test_a_text_with_a_control_character_is_a_problem_at_the_preview(
    client, bank, staff, character
):
    objects = fixture_objects()
    question = next(o for o in objects if o["model"] == "assessments.question")
    question["fields"]["text_es"] = f"¿Medimos{character} la satisfacción?"
    data = json.dumps(objects, ensure_ascii=True).encode()
    before = bank_state()
    response = upload(client_for(client, staff), "banco.json", data)
    assert response.status_code == 400
    assert "carácter de control" in response.content.decode()
    assert 'name="signed"' not in response.content.decode()
    assert bank_state() == before


def test_a_preview_confirmed_twice_imports_once(client, bank, staff):
    admin = client_for(client, staff)
    signed = signed_preview(upload(admin, "banco.json", as_json(fixture_objects())))
    first = confirm(admin, signed)
    again = confirm(admin, signed)
    assert QuestionBank.objects.count() == 2  # the published one and one draft
    draft = QuestionBank.objects.get(version=2)
    assert first.url == again.url == f"/admin/assessments/questionbank/{draft.pk}/change/"
    page = admin.get(again.url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "ya se importó, como versión 2" in page


# Fuzzing the reader: whatever the bytes, a BankFileError or a bank, never anything else.

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read_or_problems(name: str, data: bytes):
    try:
        return bank_io.read_bank_file(name, data)
    except bank_io.BankFileError as error:
        assert error.problems and all(isinstance(p, str) and p for p in error.problems)
        return None


@FUZZ
@given(st.binary(max_size=4096), st.sampled_from(["banco.json", "banco.xlsx"]))
def test_random_bytes_get_problems_never_an_error(data, name):
    read_or_problems(name, data)


@FUZZ
@given(st.data())
def test_a_workbook_cut_or_flipped_anywhere_gets_problems_never_an_error(data):
    workbook = good_workbook()
    cut = data.draw(st.integers(min_value=0, max_value=len(workbook)))
    flips = data.draw(st.lists(st.integers(min_value=0, max_value=len(workbook) - 1), max_size=8))
    damaged = bytearray(workbook[:cut] if data.draw(st.booleans()) else workbook)
    for position in flips:
        if position < len(damaged):
            damaged[position] ^= 0xFF
    read_or_problems("banco.xlsx", bytes(damaged))


XML_TEXT = st.text(
    alphabet=st.sampled_from(list('<>/="?!&;[] abcrx0123456789:')) | st.characters(),
    max_size=300,
)


@FUZZ
@given(st.sampled_from(["xl/workbook.xml", "questions", "areas"]), XML_TEXT, st.booleans())
def test_random_xml_in_any_part_gets_problems_never_an_error(part, text, replace_whole):
    workbook = good_workbook()
    member = part if part.endswith(".xml") else sheet_member(workbook, part)

    def change(xml: bytes) -> bytes:
        if replace_whole:
            return text.encode("utf-8", "surrogatepass")
        middle = len(xml) // 2
        return xml[:middle] + text.encode("utf-8", "surrogatepass") + xml[middle:]

    read_or_problems("banco.xlsx", rewritten(workbook, member, change))


@FUZZ
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=30,
    )
)
def test_any_json_value_gets_problems_never_an_error(value):
    read_or_problems("banco.json", json.dumps(value).encode())


@FUZZ
@given(st.data())
def test_the_fixture_with_any_field_replaced_gets_problems_or_reads(data):
    objects = fixture_objects()
    item = data.draw(st.sampled_from(objects))
    field = data.draw(st.sampled_from(sorted(item["fields"])))
    item["fields"][field] = data.draw(
        st.none() | st.integers() | st.floats() | st.text(max_size=30) | st.lists(st.integers())
    )
    read_or_problems("banco.json", json.dumps(objects).encode())
