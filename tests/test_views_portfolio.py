import csv
import datetime
import io
import re
from datetime import timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import selectors, services
from assessments.models import Assessment, Membership, Organisation, refresh_current_results
from tests.conftest import all_choices, answer_inputs, client_for, make_user


def submit(bank, organisation, manager, choices, days_ago=0):
    assessment = services.assessment_start(organisation=organisation, user=manager)
    services.answers_submit(
        assessment=assessment, user=manager, answers=answer_inputs(bank, choices)
    )
    when = timezone.now() - timedelta(days=days_ago)
    Assessment.objects.filter(pk=assessment.pk).update(submitted_at=when)
    refresh_current_results(Organisation.objects.filter(pk=organisation.pk))
    return assessment


@pytest.fixture
def portfolio_of(bank):
    """A consultant following `n` organisations; the first has two assessments."""

    def build(n=3):
        consultant = make_user(f"consultant{n}")
        organisations = []
        for i in range(n):
            organisation = Organisation.objects.create(
                name=f"Org {i}",
                sector="Hostelería" if i % 2 == 0 else "Industria",
                size_band="small" if i < 2 else "large",
                country="España",
            )
            manager = make_user(f"manager{n}-{i}")
            Membership.objects.create(user=manager, organisation=organisation, role="manager")
            Membership.objects.create(user=consultant, organisation=organisation, role="consultant")
            organisations.append((organisation, manager))
        org0, manager0 = organisations[0]
        submit(bank, org0, manager0, all_choices("no"), days_ago=300)  # 0
        submit(bank, org0, manager0, all_choices("partly"), days_ago=10)  # 50
        for i, (organisation, manager) in enumerate(organisations[1:], 1):
            submit(
                bank, organisation, manager, all_choices("yes", q1="no", q4=["no", "partly"][i % 2])
            )
        return consultant, [o for o, _m in organisations]

    return build


def rows_of(page):
    return re.findall(r'<tr data-organisation="(\d+)">', page)


def test_the_portfolio_shows_each_current_result_and_its_change(client, portfolio_of, bob):
    consultant, organisations = portfolio_of(3)
    page = client_for(client, consultant).get(reverse("portfolio")).content.decode()
    assert len(rows_of(page)) == 3
    assert "Bravo" not in page  # bob's organisation is not followed
    org0 = page[page.index(f'data-organisation="{organisations[0].pk}"') :].split("</tr>")[0]
    assert ">50<" in org0 and "En desarrollo" in org0 and "+50,0" in org0
    assert "Liderazgo y dirección" in org0  # top priority of an all-"parcialmente" result


def test_the_portfolio_sorts_by_score_and_filters(client, portfolio_of):
    consultant, organisations = portfolio_of(4)
    client = client_for(client, consultant)
    ascending = rows_of(client.get(reverse("portfolio") + "?sort=score").content.decode())
    assert ascending[0] == str(organisations[0].pk)  # 50 is the lowest
    descending = rows_of(client.get(reverse("portfolio") + "?sort=-score").content.decode())
    assert descending[-1] == str(organisations[0].pk)
    industry = rows_of(client.get(reverse("portfolio") + "?sector=Industria").content.decode())
    assert sorted(industry) == sorted(str(o.pk) for o in organisations if o.sector == "Industria")
    large = rows_of(client.get(reverse("portfolio") + "?size_band=large").content.decode())
    assert sorted(large) == sorted(str(o.pk) for o in organisations[2:])
    developing = rows_of(client.get(reverse("portfolio") + "?level=developing").content.decode())
    assert developing == [str(organisations[0].pk)]


def test_portfolio_and_comparison_queries_do_not_grow(
    client, portfolio_of, django_assert_num_queries
):
    for n in (3, 8):
        consultant, organisations = portfolio_of(n)
        client = client_for(client, consultant)
        compare = reverse("compare") + "?" + "&".join(f"org={o.pk}" for o in organisations)
        # session, user, consultant check, how many organisations have each sector and
        # score (the sector filter's choices and the percentiles), the page's
        # organisations with their results and top areas (one more than a page: they all
        # fit, so they need no count), and their plans' open and overdue actions
        with django_assert_num_queries(6):
            client.get(reverse("portfolio"))
        # session, user, consultant check, selected organisations, current bank, its
        # areas, current area scores, benchmark, every result's score and sector and
        # every result's area scores (for the percentiles)
        with django_assert_num_queries(10):
            client.get(compare)
        # session, user, consultant check, organisations, current area scores, bank, areas
        with django_assert_num_queries(7):
            client.get(reverse("portfolio_csv"))


def test_comparison_has_a_benchmark_over_every_followed_organisation(client, portfolio_of):
    consultant, organisations = portfolio_of(3)
    client = client_for(client, consultant)
    page = client.get(reverse("compare") + f"?org={organisations[1].pk}").content.decode()
    benchmark = page[page.index("data-benchmark") :].split("</tr>")[0]
    # LID: org0 50, org1 66.7, org2 66.7 → 61; MED: org0 50, org1 83.3, org2 66.7 → 67.
    cells = re.findall(r'<td class="text-end">([^<]+)</td>', benchmark)
    assert cells[:2] == ["61", "67"]
    urls = re.findall(r'src="(/portfolio/compare/charts/[^"]+)"', page)
    assert len(urls) == 2  # heatmap, and the radar against the benchmark
    for url in urls:
        response = client.get(url.replace("&amp;", "&"))
        assert response.status_code == 200 and b"<svg" in response.content


def test_comparing_with_an_organisation_not_followed_is_refused(client, portfolio_of, bravo):
    consultant, organisations = portfolio_of(2)
    client = client_for(client, consultant)
    for query in (f"org={organisations[0].pk}&org={bravo.pk}", "org=999999", "org=abc"):
        assert client.get(reverse("compare") + "?" + query).status_code == 404


def test_managers_cannot_reach_consultant_pages(client, bank, alice):
    client = client_for(client, alice)
    for name in (
        "portfolio",
        "compare",
        "client_add",
        "portfolio_csv",
        "portfolio_xlsx",
        "portfolio_answers_csv",
        "portfolio_answers_xlsx",
    ):
        assert client.get(reverse(name)).status_code == 404, name


def test_progress_lists_results_in_date_order_with_changes(client, portfolio_of):
    consultant, organisations = portfolio_of(2)
    client = client_for(client, consultant)
    page = client.get(reverse("progress", args=[organisations[0].pk])).content.decode()
    body = page[page.index("<tbody>") :]
    assert body.index("<strong>0</strong>") < body.index("<strong>50</strong>")
    assert "(+50,0)" in body
    chart = re.search(r'src="(/organisations/\d+/progress/chart/[0-9a-f]+\.svg)"', page).group(1)
    assert b"<svg" in client.get(chart).content


def test_progress_of_an_organisation_not_followed_is_404(client, portfolio_of, bravo):
    consultant, _organisations = portfolio_of(2)
    assert (
        client_for(client, consultant).get(reverse("progress", args=[bravo.pk])).status_code == 404
    )


def read_csv(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_portfolio_csv_has_one_row_per_organisation_and_area(client, portfolio_of):
    consultant, organisations = portfolio_of(2)
    organisations[1].name = "=cmd|' /C calc'!A0"
    organisations[1].save()
    rows = read_csv(client_for(client, consultant).get(reverse("portfolio_csv")))
    assert len(rows) == 1 + 2 * 6
    assert {r[0] for r in rows[1:]} == {"Org 0", "'=cmd|' /C calc'!A0"}
    org0_lid = next(r for r in rows if r[0] == "Org 0" and r[7] == "LID")
    assert org0_lid[5:7] == ["50.00", "En desarrollo"] and org0_lid[9] == "50.00"


def test_answers_csv_streams_every_scored_answer_in_fixed_queries(
    client, portfolio_of, django_assert_num_queries
):
    consultant, _organisations = portfolio_of(3)
    client = client_for(client, consultant)
    # session, user, consultant check, answers
    with django_assert_num_queries(4):
        response = client.get(reverse("portfolio_answers_csv"))
        rows = read_csv(response)
    assert response.streaming
    assert len(rows) == 1 + 4 * 20  # four submitted assessments
    assert rows[1][0] == "Org 0"


def read_xlsx(response) -> dict[str, list[tuple]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}


def test_the_answers_workbook_holds_every_answer_in_the_same_fixed_queries(
    client, portfolio_of, django_assert_num_queries
):
    consultant, _organisations = portfolio_of(3)
    client = client_for(client, consultant)
    csv_rows = read_csv(client.get(reverse("portfolio_answers_csv")))
    # session, user, consultant check, answers: as many as the CSV, whatever the data
    with django_assert_num_queries(4):
        sheets = read_xlsx(client.get(reverse("portfolio_answers_xlsx")))
    (rows,) = sheets.values()
    assert len(rows) == len(csv_rows) == 1 + 4 * 20
    assert [str(c) for c in rows[0]] == csv_rows[0]
    first = rows[1]
    assert first[0] == "Org 0"
    assert isinstance(first[1], datetime.datetime)  # a date cell
    assert isinstance(first[2], int) and isinstance(first[4], int)  # version, question number


def test_the_portfolio_workbook_adds_a_sheet_with_a_column_per_area(client, portfolio_of):
    consultant, organisations = portfolio_of(2)
    sheets = read_xlsx(client_for(client, consultant).get(reverse("portfolio_xlsx")))
    assert list(sheets) == ["Resultados", "Por organización"]
    results, by_organisation = sheets.values()
    assert len(results) == 1 + 2 * 6
    header = by_organisation[0]
    assert header[:6] == ("organización", "sector", "tamaño", "país", "fecha", "puntuación global")
    assert header[7:] == tuple(a.name for a in selectors.area_columns())
    org0 = next(r for r in by_organisation if r[0] == "Org 0")
    assert org0[5] == 50 and org0[6] == "En desarrollo"
    assert all(isinstance(score, (int, float)) for score in org0[7:])
