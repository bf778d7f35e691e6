"""Customer outcomes (QUESTION-BANK.md, "Customer outcomes"): the rules worked by hand, the
month page and the file import, the progress page's small multiples, and the book's
correlations, with nobody reading another organisation's or firm's figures."""

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments import outcomes, outcomes_io, services
from assessments.models import Assessment, Membership, Organisation, OutcomeValue
from tests.conftest import all_choices, answer_inputs, client_for, make_user

MEASUREMENT_AREA = "MED"


def spanish(function, *args, **kwargs):
    with translation.override("es"):
        return function(*args, **kwargs)


# The rules, by hand.


def test_rho_with_ties_worked_by_hand():
    # scores 10 20 20 30 40 50 60 70 → ranks 1 2.5 2.5 4 5 6 7 8 (the two 20s share 2 and 3)
    # values  1  2  3  3  5  6  8  7 → ranks 1 2 3.5 3.5 5 6 8 7
    # deviations from the mean rank 4.5:
    #   x: -3.5 -2 -2 -0.5 0.5 1.5 2.5 3.5      y: -3.5 -2.5 -1 -1 0.5 1.5 3.5 2.5
    # Σxy = 12.25 + 5 + 2 + 0.5 + 0.25 + 2.25 + 8.75 + 8.75 = 39.75
    # Σx² = Σy² = 41.5, so ρ = 39.75 / 41.5 = 0.9578… → 0.96
    pairs = list(zip([10, 20, 20, 30, 40, 50, 60, 70], [1, 2, 3, 3, 5, 6, 8, 7], strict=True))
    found = outcomes.spearman(pairs, score_key="overall", measure_code="csat")
    assert outcomes.average_ranks([10, 20, 20, 30]) == [1, 2.5, 2.5, 4]
    assert (found.rho, found.n) == (Decimal("0.96"), 8)
    sentence = spanish(found.sentence, "Puntuación global")
    assert sentence.startswith("Relación fuerte: más puntuación en Puntuación global,")
    assert "más clientes satisfechos" in sentence and "una correlación no muestra" in sentence


def test_a_lower_is_better_measure_reads_fewer_as_the_good_direction():
    # scores 10…80 → ranks 1…8; complaints 9 8 8 6 5 4 2 1 → ranks 8 6.5 6.5 5 4 3 2 1
    # x: -3.5 -2.5 -1.5 -0.5 0.5 1.5 2.5 3.5     y: 3.5 2 2 0.5 -0.5 -1.5 -2.5 -3.5
    # Σxy = -(12.25 + 5 + 3 + 0.25 + 0.25 + 2.25 + 6.25 + 12.25) = -41.5
    # Σx² = 42, Σy² = 41.5: ρ = -41.5 / √(42 × 41.5) = -41.5 / 41.749… = -0.994… → -0.99
    pairs = list(zip(range(10, 90, 10), [9, 8, 8, 6, 5, 4, 2, 1], strict=True))
    found = outcomes.spearman(pairs, score_key=MEASUREMENT_AREA, measure_code="complaints")
    assert found.rho == Decimal("-0.99") and found.expected
    assert spanish(found.sentence, "Medición").startswith(
        "Relación fuerte: más puntuación en Medición, menos quejas (en el sentido que "
    )
    # The same figures for a higher-is-better measure read against the book.
    against = outcomes.spearman(pairs, score_key=MEASUREMENT_AREA, measure_code="repeat")
    assert not against.expected
    assert "menos clientes que repiten (en contra de lo que" in spanish(against.sentence, "M")


def test_strength_follows_the_rounded_rho():
    def strength(rho):
        return outcomes.Correlation("overall", "nps", 8, Decimal(rho)).strength

    assert [strength(r) for r in ("0.50", "0.49", "0.30", "0.29", "-0.5", "-0.3")] == [
        "strong",
        "moderate",
        "moderate",
        "weak",
        "strong",
        "moderate",
    ]


def test_seven_pairs_give_no_rho_and_eight_do():
    pairs = [(n * 10, n) for n in range(1, 9)]
    seven = outcomes.spearman(pairs[:7], score_key="overall", measure_code="nps")
    eight = outcomes.spearman(pairs, score_key="overall", measure_code="nps")
    assert seven.rho is None and seven.n == 7
    assert "Solo 7 organizaciones" in spanish(seven.why_none)
    assert eight.rho == Decimal("1.00")


def test_a_single_value_on_either_side_gives_no_rho():
    same_score = outcomes.spearman([(50, n) for n in range(8)], score_key="o", measure_code="nps")
    same_value = outcomes.spearman([(n, 5) for n in range(8)], score_key="o", measure_code="nps")
    assert same_score.rho is None and same_score.reason == outcomes.SAME_SCORE
    assert same_value.rho is None and same_value.reason == outcomes.SAME_VALUE


def _pearson_on_ranks(xs, ys):
    """A second, plain implementation: rank by counting, then the textbook formula."""

    def ranks(values):
        return [
            sum(1 for w in values if w < v) + (sum(1 for w in values if w == v) + 1) / 2
            for v in values
        ]

    rx, ry = ranks(xs), ranks(ys)
    n = len(xs)
    mx, my = sum(rx) / n, sum(ry) / n
    top = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    bottom = (sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry)) ** 0.5
    return top / bottom


@settings(max_examples=200)
@given(
    st.lists(
        st.tuples(st.integers(0, 20).map(lambda v: v * 5), st.integers(-100, 100)),
        min_size=8,
        max_size=40,
    )
)
def test_rho_is_pearson_on_averaged_ranks(pairs):
    found = outcomes.spearman(pairs, score_key="overall", measure_code="nps")
    xs, ys = [x for x, _y in pairs], [y for _x, y in pairs]
    if len(set(xs)) == 1 or len(set(ys)) == 1:
        assert found.rho is None
        return
    expected = _pearson_on_ranks(xs, ys)
    assert abs(float(found.rho) - expected) <= 0.005 + 1e-9
    assert -1 <= found.rho <= 1


def test_the_pairing_window_runs_from_12_months_before_to_6_after():
    submitted = date(2026, 6, 20)
    edges = {
        date(2025, 5, 1): "13 before",
        date(2025, 6, 1): "12 before",
        date(2026, 12, 1): "6 after",
        date(2027, 1, 1): "7 after",
    }
    assert outcomes.paired_value([(d, v) for d, v in edges.items()], submitted) == "6 after"
    assert outcomes.paired_value([(date(2025, 6, 1), 1)], submitted) == 1
    assert outcomes.paired_value([(date(2025, 5, 1), 1)], submitted) is None
    assert outcomes.paired_value([(date(2027, 1, 1), 1)], submitted) is None
    # The latest in the window wins, whatever the order given.
    rows = [(date(2026, 3, 1), "March"), (date(2026, 1, 1), "January")]
    assert outcomes.paired_value(rows, submitted) == "March"


# Recording, by month and by file.


def outcomes_url(organisation, **query):
    url = reverse("outcomes", args=[organisation.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def last_month():
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


def test_a_manager_records_a_month_and_the_page_says_who_and_when(client, acme, alice):
    month = last_month()
    client = client_for(client, alice)
    response = client.post(
        outcomes_url(acme),
        {"month": f"{month:%Y-%m}", "nps": "32", "csat": "81,5", "complaints": "", "churn": "4.2"},
    )
    assert response.status_code == 302
    assert response.url.endswith(f"?month={month:%Y-%m}")
    stored = {v.measure: v for v in OutcomeValue.objects.filter(organisation=acme)}
    assert {k: v.value for k, v in stored.items()} == {
        "nps": Decimal("32"),
        "csat": Decimal("81.5"),
        "churn": Decimal("4.2"),
    }
    assert all(v.entered_by == alice and v.period == month for v in stored.values())
    page = client.get(response.url).content.decode()
    assert "Añadidos: 3" in page
    assert "81,5 %" in page and "Alice ·" in page
    # Emptying a field removes its value; the audit trail keeps what it was.
    client.post(outcomes_url(acme), {"month": f"{month:%Y-%m}", "nps": "32", "csat": "81,5"})
    assert set(OutcomeValue.objects.values_list("measure", flat=True)) == {"nps", "csat"}
    trail = LogEntry.objects.get_for_model(OutcomeValue)
    assert trail.filter(action=LogEntry.Action.DELETE, actor=alice).count() == 1


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("nps", "101", "va de -100 a 100"),
        ("csat", "-1", "va de 0 a 100 %"),
        ("churn", "100,01", "va de 0 a 100 %"),
        ("complaints", "-0.5", "es 0 o más"),
        ("repeat", "mucho", "Introduzca un número"),
    ],
)
def test_a_value_out_of_range_is_refused_and_nothing_is_saved(
    client, acme, alice, field, typed, message
):
    month = last_month()
    data = {"month": f"{month:%Y-%m}", "nps": "10", field: typed}
    response = client_for(client, alice).post(outcomes_url(acme), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not OutcomeValue.objects.exists()


def test_a_month_not_yet_ended_is_refused(client, acme, alice):
    next_month = (timezone.localdate().replace(day=28) + timedelta(days=5)).replace(day=1)
    response = client_for(client, alice).post(
        outcomes_url(acme), {"month": f"{next_month:%Y-%m}", "nps": "10"}
    )
    assert response.status_code == 400
    assert "todavía no ha terminado" in response.content.decode()
    assert not OutcomeValue.objects.exists()


def test_the_organisation_s_consultant_records_too_and_nobody_else(
    client, acme, bravo, alice, bob, charlie
):
    month = f"{last_month():%Y-%m}"
    assert client_for(Client(), charlie).post(outcomes_url(acme), {"month": month, "nps": "5"})
    assert OutcomeValue.objects.get().entered_by == charlie
    respondent = make_user("rosa")
    Membership.objects.create(user=respondent, organisation=acme, role="respondent")
    # Bob manages Bravo; Rosa answers Acme's assessments: neither reads nor writes Acme's.
    for stranger in (bob, respondent):
        other = client_for(Client(), stranger)
        assert other.get(outcomes_url(acme)).status_code == 404
        assert other.post(outcomes_url(acme), {"month": month, "nps": "99"}).status_code == 404
        assert other.get(reverse("outcomes_csv", args=[acme.pk])).status_code == 404
    assert OutcomeValue.objects.get().value == 5


def csv_upload(text, name="resultados.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_an_import_names_every_problem_at_once_and_changes_nothing(client, acme, alice):
    future = (timezone.localdate().replace(day=28) + timedelta(days=5)).replace(day=1)
    text = (
        "month,nps,csat,complaints\n"
        "2026-01,20,80,3\n"
        "2026-13,20,80,3\n"  # no such month
        "2026-02,120,80,3\n"  # NPS over 100
        "2026-01,20,80,3\n"  # January again
        f"{future:%Y-%m},1,1,1\n"  # not ended yet
        "2026-03,20,ochenta,-1\n"  # two problems on one row
    )
    response = client_for(client, alice).post(
        reverse("outcomes_import", args=[acme.pk]), {"file": csv_upload(text)}
    )
    assert response.status_code == 400
    problems = re.findall(
        r"<li>([^<]+)</li>",
        response.content.decode().split("data-import-problems")[1].split("</ul>")[0],
    )
    assert len(problems) == 6
    assert any("Fila 3" in p and "no es un mes" in p for p in problems)
    assert any("Fila 4" in p and "NPS" in p for p in problems)
    assert any("Fila 5" in p and "fila 2" in p for p in problems)
    assert any("Fila 6" in p for p in problems)
    assert sum("Fila 7" in p for p in problems) == 2
    assert not OutcomeValue.objects.exists()


def test_an_import_is_previewed_then_confirmed_and_a_blank_leaves_a_value(client, acme, alice):
    client = client_for(client, alice)
    services.outcomes_save(
        organisation=acme,
        user=alice,
        period=date(2026, 1, 1),
        values={"nps": Decimal(10), "churn": Decimal(5)},
    )
    text = "month;nps;churn;repeat\n2026-01;12;;40\n2026-02;14;4,5;\n"
    preview = client.post(reverse("outcomes_import", args=[acme.pk]), {"file": csv_upload(text)})
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "2 meses. Valores nuevos: 3; que sustituyen al registrado: 1;" in html
    assert OutcomeValue.objects.count() == 2  # nothing yet
    signed = re.search(r'name="signed" value="([^"]+)"', html).group(1)
    done = client.post(reverse("outcomes_import_confirm", args=[acme.pk]), {"signed": signed})
    assert done.status_code == 302
    values = {
        (v.period.month, v.measure): v.value for v in OutcomeValue.objects.filter(organisation=acme)
    }
    assert values == {
        (1, "nps"): 12,
        (1, "churn"): 5,  # blank in the file: kept
        (1, "repeat"): 40,
        (2, "nps"): 14,
        (2, "churn"): Decimal("4.5"),
    }


def test_a_preview_signed_for_another_organisation_or_altered_imports_nothing(
    client, acme, bravo, alice, bob
):
    Membership.objects.create(user=alice, organisation=bravo, role="manager")
    forged = signing.dumps(
        {"organisation": bravo.pk, "months": [["2026-01", {"nps": "50"}]]},
        salt="outcomes-import",
        compress=True,
    )
    client = client_for(client, alice)
    response = client.post(reverse("outcomes_import_confirm", args=[acme.pk]), {"signed": forged})
    assert response.status_code == 302
    response = client.post(
        reverse("outcomes_import_confirm", args=[acme.pk]), {"signed": forged[:-2] + "xx"}
    )
    assert not OutcomeValue.objects.exists()
    # Bob cannot confirm into Acme at all.
    assert (
        client_for(Client(), bob)
        .post(reverse("outcomes_import_confirm", args=[acme.pk]), {"signed": forged})
        .status_code
        == 404
    )


def test_the_export_reads_back_as_an_import(client, acme, alice):
    services.outcomes_save(
        organisation=acme,
        user=alice,
        period=date(2026, 2, 1),
        values={"nps": Decimal(-12), "complaints": Decimal("3.25")},
    )
    client = client_for(client, alice)
    workbook = client.get(reverse("outcomes_xlsx", args=[acme.pk])).content
    (sheet,) = openpyxl.load_workbook(io.BytesIO(workbook)).worksheets
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("month", "nps", "csat", "complaints", "churn", "repeat")
    assert rows[1][:4] == ("2026-02", -12, None, 3.25)
    months = outcomes_io.read_outcome_file("back.xlsx", workbook, timezone.localdate())
    assert months == [
        outcomes_io.OutcomeMonth(
            date(2026, 2, 1), {"nps": Decimal(-12), "complaints": Decimal("3.25")}
        )
    ]
    text = client.get(reverse("outcomes_csv", args=[acme.pk])).content
    assert outcomes_io.read_outcome_file("back.csv", text, timezone.localdate()) == months


def test_a_damaged_or_hostile_workbook_is_refused_with_a_reason():
    for name, data, message in [
        ("a.xlsx", b"PK\x03\x04 broken", "no es un libro de Excel"),
        ("a.txt", b"month,nps", "Sube un archivo .csv"),
        ("a.csv", "month,nps\n".encode("utf-16"), "no es texto UTF-8"),
        ("a.csv", b"month,nps,mood\n2026-01,1,2\n", "Columnas desconocidas"),
        ("a.csv", b"nps,month\n1,2026-01\n", "La primera columna"),
    ]:
        with pytest.raises(outcomes_io.OutcomeFileError) as error, translation.override("es"):
            outcomes_io.read_outcome_file(name, data, date(2026, 12, 7))
        assert message in " ".join(error.value.problems), name


# On the organisation's progress page.


def submit(organisation, manager, bank, choices):
    assessment = services.assessment_start(organisation=organisation, user=manager)
    services.answers_submit(
        assessment=assessment, user=manager, answers=answer_inputs(bank, choices)
    )
    assessment.refresh_from_db()
    return assessment


def test_progress_shows_each_measure_beside_the_score_on_one_time_axis(client, bank, acme, alice):
    submit(acme, alice, bank, all_choices("partly"))
    for month, nps, complaints in ((1, 10, 8), (2, 14, 7), (3, 25, 5)):
        services.outcomes_save(
            organisation=acme,
            user=alice,
            period=date(2026, month, 1),
            values={"nps": Decimal(nps), "complaints": Decimal(complaints)},
        )
    client = client_for(client, alice)
    html = client.get(reverse("progress", args=[acme.pk])).content.decode()
    section = html.split("data-outcomes-timeline")[1]
    assert section.count("data-panel") == 3  # the overall score, NPS, complaints
    assert "pasó de 10 en enero de 2026 a 25 en marzo de 2026: mejor" in section
    assert "pasó de 8 ‰ en enero de 2026 a 5 ‰ en marzo de 2026: mejor" in section
    src = re.search(r'<img src="([^"]+)"[^>]+data-chart="timeline"', section).group(1)
    svg = client.get(src)
    assert svg["Content-Type"] == "image/svg+xml"
    drawing = svg.content.decode()
    # One drawing with three panels: three sets of axes, each with its own y scale.
    assert drawing.count('id="axes_') == 3
    assert client.get(src + "?layout=narrow").status_code == 200


# The book's correlations.


def client_with_outcome(consultant, bank, name, yes_count, complaints, firm=None):
    """A client whose current result answers the first `yes_count` questions "sí" (the
    rest "no"), with `complaints` recorded for last month."""
    organisation = Organisation.objects.create(
        name=name, sector="Retail", size_band="small", country="España", firm=firm
    )
    manager = make_user(f"m-{name}")
    Membership.objects.create(user=manager, organisation=organisation, role="manager")
    Membership.objects.create(user=consultant, organisation=organisation, role="consultant")
    choices = {n: ("yes" if n <= yes_count else "no") for n in range(1, 21)}
    submit(organisation, manager, bank, choices)
    if complaints is not None:
        services.outcomes_save(
            organisation=organisation,
            user=manager,
            period=last_month(),
            values={"complaints": Decimal(complaints)},
        )
    return organisation


def test_the_book_ranks_scores_against_complaints_and_never_shows_another_book(
    client, bank, charlie, bob, acme
):
    # Eight clients: more "sí" answers, fewer complaints — except the last pair, swapped.
    for index, (yes, complaints) in enumerate(
        [(2, 40), (4, 35), (6, 30), (8, 22), (10, 20), (12, 12), (14, 6), (16, 8)]
    ):
        client_with_outcome(charlie, bank, f"Cliente {index}", yes, complaints)
    # Bob's client, with figures that would change the ranks, is in no book of Charlie's.
    client_with_outcome(bob, bank, "De otro", 20, 999)
    html = client_for(client, charlie).get(reverse("book_outcomes")).content.decode()
    table = html.split('data-measure="complaints"')[1].split("data-measure=")[0]
    # Overall: ranks 1…8 against complaints ranks 8 7 6 5 4 3 1 2: Σd² = 2, so
    # ρ = 1 − 6·2 / (8·63) = −0.976… → −0,98 (negative: more score, fewer complaints).
    assert 'data-score="overall" data-rho="-0.98"' in table
    assert "más puntuación en Puntuación global, menos quejas" in table
    assert "De otro" not in html
    # Too few for acme's measures: "—" and why, for every other measure.
    nps = html.split('data-measure="nps"')[1].split("data-measure=")[0]
    assert 'data-rho="none"' in nps and "Solo 0 organizaciones" in nps
    # The scatter, its data table and the names for the pointer.
    assert html.count('<tr><th scope="row" class="fw-normal">Cliente') == 8


def test_the_scatter_names_each_point_and_refuses_another_key(client, bank, charlie):
    for index in range(8):
        client_with_outcome(charlie, bank, f"Cliente {index}", index * 2, 40 - index * 3)
    client = client_for(client, charlie)
    url = reverse("book_outcomes") + "?measure=complaints&score=MED"
    html = client.get(url).content.decode()
    points_url = re.search(r'data-points-url="([^"]+)"', html).group(1).replace("&amp;", "&")
    chart_url = re.search(r'<img src="([^"]+)"[^>]+data-chart="scatter"', html).group(1)
    points = client.get(points_url).json()["points"]
    assert sorted(p[2] for p in points) == [f"Cliente {i}" for i in range(8)]
    assert client.get(chart_url.replace("&amp;", "&"))["Content-Type"] == "image/svg+xml"
    wrong = points_url.replace("/points/", "/points/0")
    assert client.get(wrong).status_code == 404
    # Another consultant's key for the same query names nothing of this book.
    assert client_for(Client(), make_user("zoe")).get(points_url).status_code == 404


def test_the_book_page_reads_a_fixed_number_of_queries(client, bank, charlie):
    def queries():
        cache.clear()  # the figures as first computed, not as kept
        with CaptureQueriesContext(connection) as captured:
            assert page.get(reverse("book_outcomes") + "?measure=complaints").status_code == 200
        return len(captured)

    page = client_for(client, charlie)
    for index in range(3):
        client_with_outcome(charlie, bank, f"Primero {index}", index, 10 + index)
    small = queries()
    for index in range(12):
        client_with_outcome(charlie, bank, f"Luego {index}", index, 5 + index)
    assert queries() == small


# Through the API.


def test_the_api_records_a_month_by_the_page_s_rules_and_lists_it(acme, bravo, alice, bob):
    from tests.test_api import api, token_for

    url = reverse("api_outcomes", args=[acme.pk])
    month = f"{last_month():%Y-%m}"
    writer = api(token_for(alice, access="write"))
    response = writer.post(
        url, {"month": month, "nps": 18, "complaints": 2.5}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"added": 2, "changed": 0, "removed": 0, "unchanged": 0}
    # Out of range: the page's message, and nothing saved.
    refused = writer.post(url, {"month": month, "csat": 140}, content_type="application/json")
    assert refused.status_code == 400 and "csat" in refused.json()
    # A month to come is well formed but not yet measured: 409, and nothing saved.
    later = writer.post(url, {"month": "2999-01", "nps": 5}, content_type="application/json")
    assert later.status_code == 409 and "2999-01" in later.json()["month"][0]
    # More decimals than cents are rounded half-up, as a file's are.
    writer.post(url, {"month": month, "complaints": 2.505}, content_type="application/json")
    assert OutcomeValue.objects.get(measure="complaints").value == Decimal("2.51")
    writer.post(url, {"month": month, "complaints": 2.5}, content_type="application/json")
    # null removes a value; a measure left out keeps its own.
    writer.post(url, {"month": month, "nps": None}, content_type="application/json")
    listed = writer.get(url).json()
    assert [(row["measure"], row["value"]) for row in listed] == [("complaints", 2.5)]
    assert listed[0]["month"] == month and listed[0]["entered_by"] == "Alice"
    # A read-only token reads; another organisation's manager gets nothing.
    reader = api(token_for(alice))
    assert (
        reader.post(url, {"month": month, "nps": 1}, content_type="application/json").status_code
        == 403
    )
    stranger = api(token_for(bob, access="write"))
    assert stranger.get(url).status_code == 404
    assert (
        stranger.post(url, {"month": month, "nps": 1}, content_type="application/json").status_code
        == 404
    )
    assert OutcomeValue.objects.count() == 1


def test_the_book_s_query_pairs_by_the_same_window_as_the_rules(bank, charlie):
    """The window is worked out in SQL for the book; its edges are the rules' (and
    `outcomes.paired_value`'s): 12 months before the result's month and 6 after."""
    from assessments import selectors

    organisation = client_with_outcome(charlie, bank, "Ventana", 10, None)
    organisation.refresh_from_db()
    submitted = timezone.make_aware(timezone.datetime(2026, 6, 20, 12))
    Assessment.objects.filter(pk=organisation.current_result_id).update(submitted_at=submitted)
    manager = organisation.memberships.get(role="manager").user

    def paired(*months):
        OutcomeValue.objects.filter(organisation=organisation).delete()
        for month, value in months:
            OutcomeValue.objects.create(
                organisation=organisation,
                measure="nps",
                period=month,
                value=value,
                entered_by=manager,
            )
        (row,) = selectors.outcome_rows(charlie, [])
        expected = outcomes.paired_value(months, submitted.date())
        assert row.values.get("nps") == expected
        return expected

    assert paired((date(2025, 5, 1), 1)) is None  # 13 months before
    assert paired((date(2025, 6, 1), 2)) == 2  # 12 months before
    assert paired((date(2026, 12, 1), 3)) == 3  # 6 months after
    assert paired((date(2027, 1, 1), 4)) is None  # 7 months after
    assert paired((date(2026, 1, 1), 5), (date(2026, 3, 1), 6), (date(2027, 1, 1), 7)) == 6


def test_a_firm_s_whole_book_holds_its_clients_outcomes_and_never_another_firm_s(client, bank):
    from assessments.models import Firm, FirmMember

    norte, sur = Firm.objects.create(name="Norte"), Firm.objects.create(name="Sur")
    partner, consultant, outsider = make_user("pilar"), make_user("quique"), make_user("rita")
    FirmMember.objects.create(firm=norte, user=partner, role="partner")
    FirmMember.objects.create(firm=norte, user=consultant, role="consultant")
    FirmMember.objects.create(firm=sur, user=outsider, role="partner")
    for index in range(5):
        client_with_outcome(consultant, bank, f"Norte {index}", index * 3, 30 - index, norte)
        client_with_outcome(partner, bank, f"Norte P{index}", index * 3 + 1, 28 - index, norte)
    client_with_outcome(outsider, bank, "Sur único", 20, 1, sur)
    page = client_for(client, partner)
    page.post(reverse("book_choose"), {"whole_firm": "1"})
    html = page.get(reverse("book_outcomes") + "?measure=complaints").content.decode()
    assert "Norte 4" in html and "Norte P4" in html and "Sur único" not in html
    assert 'data-score="overall" data-rho="' in html
    # Her own clients alone are five: too few for ρ, and the page says so.
    page.post(reverse("book_choose"), {"whole_firm": "0"})
    mine = page.get(reverse("book_outcomes") + "?measure=complaints").content.decode()
    assert "Solo 5 organizaciones tienen ambas cifras" in mine and "Norte 4" not in mine
    # The other firm's partner sees only his own client.
    theirs = client_for(Client(), outsider).get(reverse("book_outcomes")).content.decode()
    assert "Sur único" in theirs and "Norte" not in theirs.split("<main")[1]
