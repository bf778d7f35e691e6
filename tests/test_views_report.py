import csv
import io
import re

import pytest
from django.core.cache import caches
from django.urls import reverse

from assessments import charts, reports, selectors, services
from assessments.models import AreaResult
from tests.conftest import all_choices, answer_inputs, client_for


def report_url(assessment):
    return reverse("assessment_report", args=[assessment.pk])


def chart_urls(page: str) -> dict[str, str]:
    return {
        kind: url
        for url, kind in re.findall(
            r'src="(/assessments/\d+/charts/([a-z]+)/[0-9a-f]+\.svg)"', page
        )
    }


@pytest.fixture
def report_page(client, submitted, alice):
    return client_for(client, alice).get(report_url(submitted)).content.decode()


def test_the_report_shows_score_level_and_what_it_means(report_page):
    # `submitted`: 15 sí + 2 parcialmente of 20 = 80.
    assert "data-overall-score>80<" in report_page
    assert "Centrada en el cliente" in report_page
    assert "El cliente guía las decisiones en todos los niveles" in report_page


def test_the_first_priority_is_the_area_with_the_highest_weighted_gap(submitted, report_page):
    # LID 1.5 × 50 = 75 beats MED 1.25 × 33.3 = 41.7 and PER 1 × 33.3.
    first = re.search(r'data-area="([A-Z]+)"', report_page).group(1)
    best = AreaResult.objects.get(assessment=submitted, rank=1)
    assert first == best.area_code == "LID"
    work_first = report_page[report_page.index('id="work-first-title"') :]
    order = [work_first.index(f'data-area="{code}"') for code in ("LID", "MED", "PER")]
    assert order == sorted(order)
    assert "Peso 1,5 × brecha 50,0 = prioridad 75,0, por delante de Medición" in report_page


def test_open_questions_come_with_their_next_step(report_page):
    lid = report_page[report_page.index('data-area="LID"') : report_page.index('data-area="MED"')]
    # Question 1 ("no") before question 2 ("parcialmente"), each with its recommendation.
    assert lid.index("1. ¿El equipo de dirección") < lid.index("2. ¿Son incluidos")
    assert "Asigna a cada directivo un pequeño grupo de clientes" in lid
    assert "3. ¿Da la dirección" not in lid  # answered sí


def test_quick_wins_strengths_and_every_answer_with_its_note(report_page):
    quick = report_page[report_page.index('id="quick-wins-title"') :]
    quick = quick[: quick.index('id="strengths-title"')]
    assert "2. ¿Son incluidos" in quick and "13. ¿Hemos involucrado" in quick
    strengths = report_page[report_page.index('id="strengths-title"') :]
    strengths = strengths[: strengths.index('id="charts-title"')]
    assert "Valores y marca" in strengths and "Liderazgo" not in strengths
    assert "Nadie visita clientes" in report_page
    assert report_page.count("</td><td>Sí</td>") == 15


def test_three_charts_each_with_summary_and_data_table(report_page):
    assert set(chart_urls(report_page)) == {"radar", "priorities", "answers"}
    assert report_page.count('<figure class="chart-figure') == 3
    assert report_page.count("<caption>Datos del gráfico") == 3


def test_chart_svgs_are_served_and_drawn_once(client, submitted, alice, monkeypatch):
    drawn = []
    real_draw = charts.draw
    monkeypatch.setattr(charts, "draw", lambda spec: drawn.append(spec["kind"]) or real_draw(spec))
    client = client_for(client, alice)
    urls = chart_urls(client.get(report_url(submitted)).content.decode())
    for url in urls.values():
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml"
        assert b"<svg" in response.content
    assert sorted(drawn) == ["horizontal_bars", "radar", "stacked_bars"]

    # A restart keeps the drawings: the cache lives on disk, not in the process.
    caches["default"].close()
    del caches["default"]
    for url in urls.values():
        assert client.get(url).status_code == 200
    assert len(drawn) == 3


def test_changed_data_gets_a_new_chart_and_old_keys_are_refused(client, bank, acme, alice):
    client = client_for(client, alice)
    urls = []
    for choice in ("yes", "no"):
        assessment = services.assessment_start(organisation=acme, user=alice)
        services.answers_submit(
            assessment=assessment, user=alice, answers=answer_inputs(bank, all_choices(choice))
        )
        urls.append(chart_urls(client.get(report_url(assessment)).content.decode()))
    first, second = urls
    assert first["radar"].split("/")[-1] != second["radar"].split("/")[-1]
    assert client.get(first["radar"]).content != client.get(second["radar"]).content
    stale = second["radar"].rsplit("/", 1)[0] + "/" + first["radar"].rsplit("/", 1)[1]
    assert client.get(stale).status_code == 404


def test_the_english_report_has_english_charts(client, submitted, alice):
    client = client_for(client, alice)
    spanish = chart_urls(client.get(report_url(submitted)).content.decode())
    english_page = client.get(report_url(submitted), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Work on these first" in english_page
    english = chart_urls(english_page)
    assert english["radar"] != spanish["radar"]
    assert b"Score by area" in client.get(english["radar"], HTTP_ACCEPT_LANGUAGE="en").content


def test_a_consultant_of_the_organisation_reads_the_report(client, submitted, charlie):
    assert client_for(client, charlie).get(report_url(submitted)).status_code == 200


def test_a_draft_has_no_report_and_says_where_to_go(client, draft, alice):
    client = client_for(client, alice)
    page = client.get(report_url(draft)).content.decode()
    assert "todavía es un borrador" in page
    assert reverse("assessment_answer", args=[draft.pk]) in page
    assert client.get(reverse("assessment_csv", args=[draft.pk])).status_code == 404


def test_submitting_lands_on_the_report(client, bank, draft, alice):
    from tests.conftest import form_data

    response = client_for(client, alice).post(
        reverse("assessment_answer", args=[draft.pk]),
        form_data(bank, all_choices("partly"), action="submit"),
    )
    assert response.url == report_url(draft)


def test_report_query_count_is_fixed(client, submitted, alice, django_assert_num_queries):
    client = client_for(client, alice)
    radar = chart_urls(client.get(report_url(submitted)).content.decode())["radar"]
    client.get(radar)
    caches["pages"].clear()
    # session, user, assessment (+organisation, submitter; its published question bank is
    # in the worker's memory since the first view), areas, questions, the submitted
    # responses' answers, agreed answers (a round's; none here, but the same queries whoever
    # answered, so a round of ten costs what one person's report does)
    with django_assert_num_queries(7):
        client.get(report_url(submitted))
    # A submitted report does not change: later views only check access.
    with django_assert_num_queries(3):
        client.get(report_url(submitted))
    with django_assert_num_queries(3):
        client.get(radar)
    with django_assert_num_queries(7):
        client.get(reverse("assessment_csv", args=[submitted.pk]))


def test_a_template_edit_under_runserver_drops_the_markup_rendered_from_it(
    client, submitted, alice, django_assert_num_queries
):
    from pathlib import Path

    from django.utils.autoreload import file_changed

    client_for(client, alice).get(report_url(submitted))
    selectors.bank_structure(submitted.bank)
    cached_report = reports.page_cache_key(submitted, "es")

    file_changed.send(sender=None, file_path=Path("assessments/views/assessments.py"))
    assert caches["pages"].get(cached_report) is not None  # Python edits restart the server

    file_changed.send(sender=None, file_path=Path("templates/assessments/_report_body.html"))
    assert caches["pages"].get(cached_report) is None
    with django_assert_num_queries(2):  # areas and questions are read again
        selectors.bank_structure(submitted.bank)


def read_csv(response):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_export_has_every_answer_and_area_score(client, submitted, alice):
    response = client_for(client, alice).get(reverse("assessment_csv", args=[submitted.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = read_csv(response)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["registro", "código de área", "área"]
    answers = [r for r in body if r[0] == "respuesta"]
    assert len(answers) == 20
    assert answers[0][:4] == ["respuesta", "LID", "Liderazgo y dirección", "1"]
    assert answers[0][5:7] == ["No", "Nadie visita clientes"]
    areas = {r[1]: r[7] for r in body if r[0] == "puntuación de área"}
    assert areas == {
        "LID": "50.00",
        "MED": "66.67",
        "VAL": "100.00",
        "CON": "100.00",
        "PER": "66.67",
        "RES": "75.00",
    }
    assert body[-1][0] == "puntuación global" and body[-1][7:] == [
        "80.00",
        "Centrada en el cliente",
    ]


@pytest.mark.parametrize("dangerous", ['=HYPERLINK("x")', "+1+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_csv_neutralises_spreadsheet_formulas(client, bank, acme, alice, dangerous):
    assessment = services.assessment_start(organisation=acme, user=alice)
    services.answers_submit(
        assessment=assessment,
        user=alice,
        answers=answer_inputs(bank, all_choices("yes"), notes={3: dangerous}),
    )
    rows = read_csv(client_for(client, alice).get(reverse("assessment_csv", args=[assessment.pk])))
    note = next(r[6] for r in rows if r[3] == "3")
    assert note == "'" + dangerous


def test_csv_filename_is_safe_whatever_the_organisation_is_called(client, bank, acme, alice):
    acme.name = 'Café "Ñu"/../=evil; x'
    acme.save()
    assessment = services.assessment_start(organisation=acme, user=alice)
    services.answers_submit(
        assessment=assessment, user=alice, answers=answer_inputs(bank, all_choices("yes"))
    )
    response = client_for(client, alice).get(reverse("assessment_csv", args=[assessment.pk]))
    disposition = response["Content-Disposition"]
    assert re.fullmatch(
        r'attachment; filename="orientacion-cafe-nuevil-x-\d{4}-\d{2}-\d{2}\.csv"', disposition
    ), disposition


def test_scores_round_half_up_and_each_gap_completes_its_score(client, bank, acme, alice):
    # Valores y marca (7, 8, 9, 11): sí, sí, parcialmente, no = 2.5 / 4 = 62.5.
    assessment = services.assessment_start(organisation=acme, user=alice)
    choices = all_choices("yes", q9="partly", q11="no")
    services.answers_submit(assessment=assessment, user=alice, answers=answer_inputs(bank, choices))
    page = client_for(client, alice).get(report_url(assessment)).content.decode()
    row = page[page.index('data-area-row="VAL"') :].split("</tr>")[0]
    score, gap = re.findall(r'<td class="text-end">([^<]+)</td>', row)[:2]
    assert (score, gap) == ("63", "37")
    rows = read_csv(client.get(reverse("assessment_csv", args=[assessment.pk])))
    # Files keep two decimals for other programs to compute with.
    assert [r[7] for r in rows if r[0] == "puntuación de área" and r[1] == "VAL"] == ["62.50"]
