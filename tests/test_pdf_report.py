"""The report as a PDF made by the server: what a board reads on paper."""

import io

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from assessments import downloads
from assessments.formatting import number
from assessments.levels import level_label
from tests.conftest import client_for

CHART_TITLES_ES = [
    "Puntuación por área (0–100)",
    "Prioridad por área (peso × brecha)",
    "Respuestas por área",
]
A4_POINTS = (595, 842)


def pdf_text(response) -> tuple[PdfReader, list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    return reader, [page.extract_text() for page in reader.pages]


def get_pdf(client, assessment, language="es"):
    return client.get(
        reverse("assessment_pdf", args=[assessment.pk]), HTTP_ACCEPT_LANGUAGE=language
    )


def test_the_first_page_holds_the_cover_and_what_to_work_on_first(client, submitted, alice):
    reader, pages = pdf_text(get_pdf(client_for(client, alice), submitted))
    first = pages[0]
    assert "Acme" in first
    assert number(submitted.overall_score) + " / 100" in first
    with translation.override("es"):
        assert f"Nivel de madurez: {level_label(submitted.maturity_level)}" in first
    assert "Trabajar primero" in first
    # The first priority (leadership, where question 1 was answered "no"), with its first
    # open question and its next step, on the same page.
    work_first = first[first.index("Trabajar primero") :]
    assert "1. Liderazgo y dirección" in work_first
    assert "¿El equipo de dirección ve a/contacta" in work_first
    assert "Siguiente paso:" in work_first
    width, height = (round(float(v)) for v in reader.pages[0].mediabox[2:])
    assert (width, height) == A4_POINTS


def test_the_three_charts_are_drawn_as_vectors_with_their_data_tables(client, submitted, alice):
    reader, pages = pdf_text(get_pdf(client_for(client, alice), submitted))
    text = "\n".join(pages)
    for title in CHART_TITLES_ES:
        # Once as the figure's heading and once drawn inside the chart itself (its text is
        # real text, not pixels), and its data table follows.
        assert text.count(title) >= 2, title
        assert f"Datos del gráfico «{title}»" in text
    images = [
        xobject
        for page in reader.pages
        for xobject in (page.get("/Resources", {}).get("/XObject", {}) or {}).values()
        if xobject.get_object().get("/Subtype") == "/Image"
    ]
    assert images == []  # nothing rasterised


def test_every_page_has_its_number_and_the_organisation_in_the_footer(client, submitted, alice):
    _reader, pages = pdf_text(get_pdf(client_for(client, alice), submitted))
    assert len(pages) >= 3
    for index, page in enumerate(pages, 1):
        assert f"{index} / {len(pages)}" in page
        assert "Acme · Informe de brechas de orientación al cliente" in page
    # No navigation, no buttons: the page's menu and links are not in the document.
    text = "\n".join(pages)
    for navigation in ("Mis organizaciones", "Cerrar sesión", "Descargar", "Imprimir"):
        assert navigation not in text


def test_the_pdf_speaks_the_reader_s_language_and_is_made_once_for_each(
    client, submitted, alice, monkeypatch
):
    made = []
    real_pdf_bytes = downloads.pdf_bytes

    def counted(html, **limits):
        made.append(html)
        return real_pdf_bytes(html, **limits)

    monkeypatch.setattr(downloads, "pdf_bytes", counted)
    alice_client = client_for(client, alice)
    spanish = get_pdf(alice_client, submitted, "es")
    english = get_pdf(alice_client, submitted, "en")
    _reader, pages = pdf_text(english)
    assert "Work on these first" in pages[0] and "Trabajar primero" not in pages[0]
    assert english.content != spanish.content
    assert english["Content-Disposition"].endswith('-en.pdf"')
    assert len(made) == 2
    assert get_pdf(alice_client, submitted, "es").content == spanish.content
    assert get_pdf(alice_client, submitted, "en").content == english.content
    assert len(made) == 2  # served from the cache, not made again


def test_a_draft_has_no_pdf(client, draft, alice):
    assert get_pdf(client_for(client, alice), draft).status_code == 404


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_report_page_offers_the_pdf_in_the_reader_s_language(
    client, submitted, alice, language
):
    page = client_for(client, alice).get(
        reverse("assessment_report", args=[submitted.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    label = {"es": "Descargar PDF", "en": "Download PDF"}[language]
    assert f'href="{reverse("assessment_pdf", args=[submitted.pk])}" download>{label}<' in (
        page.content.decode()
    )


def test_the_pdf_s_queries_do_not_grow_with_the_report(client, submitted, alice, bank):
    """The PDF reads what the report page reads, in as many queries, however many
    answers and notes the report holds; once made, only who may read it is looked up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    alice_client = client_for(client, alice)
    with CaptureQueriesContext(connection) as made:
        get_pdf(alice_client, submitted)
    with CaptureQueriesContext(connection) as cached:
        get_pdf(alice_client, submitted)
    # session, user, the assessment with the viewer's role; then the areas, questions,
    # responses and answers, agreed answers
    assert len(made) == 7, [q["sql"][:80] for q in made.captured_queries]
    assert len(cached) == 3, [q["sql"][:80] for q in cached.captured_queries]
