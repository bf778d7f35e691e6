"""The portfolio a page at a time: search by name ignoring case and accents, the filters,
sorting across pages, page sizes, and links that keep each other."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import (
    Assessment,
    Membership,
    Organisation,
    refresh_current_results,
    search_key,
)
from tests.conftest import all_choices, answer_inputs, client_for, make_user

NAMES = ["Restaurante La Lonja", "Casa Rural El Olivo", "Ñandú Logística", "LONJA DEL MAR"]


@pytest.fixture
def book(db):
    """A consultant following 120 organisations, four of them with names to search for;
    no organisation has a result (results are not what paging is about)."""
    consultant = make_user("paging-consultant")
    names = NAMES + [f"Cliente {i:03d}" for i in range(116)]
    organisations = [
        Organisation.objects.create(
            name=name,
            sector=["Hostelería", "Industria"][i % 2],
            size_band="small",
            country="España",
        )
        for i, name in enumerate(names)
    ]
    Membership.objects.bulk_create(
        Membership(user=consultant, organisation=o, role="consultant") for o in organisations
    )
    return consultant, organisations


def names_on(response) -> list[str]:
    body = response.content.decode()
    return [
        unescape(name)
        for name in re.findall(
            r'<tr data-organisation="\d+">.*?<th scope="row">([^<]+)<', body, re.S
        )
    ]


def get(client, **params):
    return client.get(reverse("portfolio"), params)


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("lonja", ["LONJA DEL MAR", "Restaurante La Lonja"]),
        ("LONJA mar", ["LONJA DEL MAR"]),
        ("olivo", ["Casa Rural El Olivo"]),
        ("CASA rúral", ["Casa Rural El Olivo"]),
        ("nandu", ["Ñandú Logística"]),
        ("logistica", ["Ñandú Logística"]),
        ("zzz", []),
    ],
)
def test_search_ignores_case_and_accents(client, book, typed, found):
    consultant, _organisations = book
    assert names_on(get(client_for(client, consultant), q=typed)) == found


def test_the_search_key_drops_case_and_accents():
    assert search_key("Ñandú Logística ÉXITO") == "nandu logistica exito"


def test_fifty_a_page_by_default_and_every_organisation_once_across_pages(client, book):
    consultant, organisations = book
    signed_in = client_for(client, consultant)
    seen = []
    for page in (1, 2, 3):
        response = get(signed_in, page=page)
        assert response.status_code == 200
        seen += names_on(response)
    assert len(seen) == len(set(seen)) == len(organisations)
    assert seen[:3] == ["Casa Rural El Olivo", "Cliente 000", "Cliente 001"]
    first = get(signed_in).content.decode()
    assert "120 organizaciones · mostrando 1–50" in first


def test_a_page_of_a_long_list_counts_its_matches_and_one_that_fits_does_not(
    client, book, django_assert_num_queries
):
    signed_in = client_for(client, book[0])
    # session, user, consultant check, the book's count of each sector and score (which
    # also says how long the whole book is: no count of it), the page's organisations,
    # their plans
    with django_assert_num_queries(6):
        response = get(signed_in, page=1)
    assert "120 organizaciones" in response.content.decode()
    # The book's counts are kept in the shared cache until the book changes.
    for page in (2, 3):
        with django_assert_num_queries(5):
            assert "120 organizaciones" in get(signed_in, page=page).content.decode()
    # A filtered list beyond its first page counts its matches, for the page links.
    with django_assert_num_queries(6):
        response = get(signed_in, sector="Industria", page=2)
    assert "60 organizaciones · mostrando 51–60" in response.content.decode()
    # The 2 matches fit on the first page: one row more than a page is read, no count.
    with django_assert_num_queries(5):
        response = get(signed_in, q="lonja")
    assert "2 organizaciones" in response.content.decode()


@pytest.mark.parametrize("size", [25, 100])
def test_the_page_size_is_a_choice(client, book, size):
    consultant, _organisations = book
    assert len(names_on(get(client_for(client, consultant), per_page=size))) == size


def test_sorting_runs_across_pages_in_both_directions(client, book):
    consultant, _organisations = book
    signed_in = client_for(client, consultant)
    ascending = [n for p in (1, 2, 3) for n in names_on(get(signed_in, sort="name", page=p))]
    descending = [n for p in (1, 2, 3) for n in names_on(get(signed_in, sort="-name", page=p))]
    assert descending == ascending[::-1]


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "٣", ""])
def test_a_page_that_is_not_a_page_number_is_404(client, book, page):
    consultant, _organisations = book
    assert get(client_for(client, consultant), page=page).status_code == 404


def test_a_page_past_the_end_is_the_last_page(client, book):
    consultant, _organisations = book
    signed_in = client_for(client, consultant)
    last = names_on(get(signed_in, page=3))
    assert names_on(get(signed_in, page=99)) == last
    assert names_on(get(signed_in, page="9" * 30)) == last


def test_page_sort_and_filter_links_keep_each_other(client, book):
    consultant, _organisations = book
    body = get(
        client_for(client, consultant), q="cliente", sector="Industria", sort="-name", per_page=25
    ).content.decode()
    links = {unescape(link) for link in re.findall(r'href="\?([^"]+)"', body)}
    page_links = [link for link in links if re.search(r"(^|&)page=2(&|$)", link)]
    assert page_links, links
    for link in page_links:
        for kept in ("q=cliente", "sector=Industria", "sort=-name", "per_page=25"):
            assert kept in link
    sort_links = [link for link in links if "sort=score" in link]
    assert sort_links
    for link in sort_links:
        for kept in ("q=cliente", "sector=Industria", "per_page=25"):
            assert kept in link
    # The search form carries the sort and the page size to the next search.
    assert 'name="sort" value="-name"' in body
    assert '<option value="25" selected>' in body


def test_not_assessed_since_lists_older_results_and_organisations_without_one(
    client, bank, submitted, acme, charlie
):
    """acme's only result is today's; an older one is moved back a year."""
    old = Organisation.objects.create(name="Antigua", sector="x", size_band="small", country="y")
    Membership.objects.create(user=charlie, organisation=old, role="consultant")
    never = Organisation.objects.create(name="Nueva", sector="x", size_band="small", country="y")
    Membership.objects.create(user=charlie, organisation=never, role="consultant")
    manager = make_user("antigua-manager")
    Membership.objects.create(user=manager, organisation=old, role="manager")
    assessment = services.assessment_start(organisation=old, user=manager)
    services.answers_submit(
        assessment=assessment, user=manager, answers=answer_inputs(bank, all_choices())
    )
    Assessment.objects.filter(pk=assessment.pk).update(
        submitted_at=timezone.now() - timedelta(days=365)
    )
    refresh_current_results(Organisation.objects.filter(pk=old.pk))
    signed_in = client_for(client, charlie)
    month_ago = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert names_on(get(signed_in, not_assessed_since=month_ago)) == ["Antigua", "Nueva"]
    # A date that is not one is said on the form, and filters nothing.
    response = get(signed_in, not_assessed_since="not a date")
    assert response.status_code == 200
    assert "Introduzca una fecha válida" in response.content.decode()
    assert names_on(response) == ["Acme", "Antigua", "Nueva"]


def test_each_row_shows_its_percentile_in_the_portfolio_and_its_sector(client, bank, db):
    """Six results in rising order, two of them tied: every answer "no"; "parcialmente"
    but question 1 "no"; "parcialmente" twice; "parcialmente" but question 1 "sí"; every
    answer "sí". Over 5 others: 0 lower → 0; 1 → 20; the tie, 2 lower + half of 1 equal
    → 50 each; 4 → 80; 5 → 100. Three hotels and three factories: no sector figure."""
    consultant = make_user("percentile-consultant")
    choices = [
        ("no", {}),
        ("partly", {"q1": "no"}),
        ("partly", {}),
        ("partly", {}),
        ("partly", {"q1": "yes"}),
        ("yes", {}),
    ]
    for i, (choice, overrides) in enumerate(choices):
        organisation = Organisation.objects.create(
            name=f"Org {i}",
            sector=["Hostelería", "Industria"][i % 2],
            size_band="small",
            country="España",
        )
        manager = make_user(f"percentile-manager-{i}")
        Membership.objects.create(user=manager, organisation=organisation, role="manager")
        Membership.objects.create(user=consultant, organisation=organisation, role="consultant")
        assessment = services.assessment_start(organisation=organisation, user=manager)
        services.answers_submit(
            assessment=assessment,
            user=manager,
            answers=answer_inputs(bank, all_choices(choice, **overrides)),
        )
    body = get(client_for(client, consultant), sort="percentile").content.decode()
    cells = re.findall(r"<td[^>]*data-percentile>(.*?)</td>", body, re.S)
    shown = [re.sub(r"<[^>]+>", " ", cell).split()[0] for cell in cells]
    assert shown == ["0", "20", "50", "50", "80", "100"]
    assert body.count("sector: — (solo 3 con resultado; hacen falta 5)") == 6


def test_the_comparison_adds_organisations_found_by_name_and_keeps_the_chosen(client, book):
    consultant, organisations = book
    signed_in = client_for(client, consultant)
    lonja, olivo = organisations[0], organisations[1]
    body = signed_in.get(reverse("compare"), {"org": lonja.pk, "q": "RURAL olivo"}).content.decode()
    matches = re.findall(r'<li class="mb-1">([^<]+)<', body)
    assert [m.strip() for m in matches] == ["Casa Rural El Olivo"]
    add = unescape(re.search(rf'href="\?([^"]*org={olivo.pk})"', body).group(1))
    assert add == f"org={lonja.pk}&org={olivo.pk}"
    # Already chosen organisations are not offered again.
    body = signed_in.get(reverse("compare"), {"org": lonja.pk, "q": "lonja"}).content.decode()
    assert [m.strip() for m in re.findall(r'<li class="mb-1">([^<]+)<', body)] == ["LONJA DEL MAR"]


def test_the_comparison_search_finds_only_the_consultant_s_own_book(client, book, charlie, acme):
    """charlie follows Acme only: searching for a name of another consultant's book finds
    nothing, and naming one of its organisations by id is a 404."""
    _consultant, organisations = book
    signed_in = client_for(client, charlie)
    body = signed_in.get(reverse("compare"), {"q": "lonja"}).content.decode()
    assert "data-no-matches" in body and "Lonja" not in body
    assert signed_in.get(reverse("compare"), {"org": organisations[0].pk}).status_code == 404
