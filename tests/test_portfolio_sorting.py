"""The portfolio sorts by every column it offers, both ways, in the same order on SQLite and
PostgreSQL: organisations without a result last, ties by name."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, Membership, Organisation, refresh_current_results
from tests.conftest import all_choices, client_for, make_user
from tests.test_views_portfolio import rows_of, submit


@pytest.fixture
def book(bank):
    """Five organisations with ties on every column but the name."""
    consultant = make_user("sorter")
    organisations = {}
    for name in ("Beta", "Alfa", "Gamma", "Delta", "Epsilon"):
        organisation = Organisation.objects.create(
            name=name, sector="Hostelería", size_band="small", country="España"
        )
        manager = make_user(f"manager-{name}")
        Membership.objects.create(user=manager, organisation=organisation, role="manager")
        Membership.objects.create(user=consultant, organisation=organisation, role="consultant")
        organisations[name] = (organisation, manager)

    def result(name, choices, days_ago):
        organisation, manager = organisations[name]
        return submit(bank, organisation, manager, choices, days_ago=days_ago)

    # Alfa and Beta: 50, top priority Liderazgo (1.5 × 50), submitted the same moment.
    same_moment = timezone.now() - timedelta(days=5)
    for name in ("Alfa", "Beta"):
        assessment = result(name, all_choices("partly"), days_ago=5)
        Assessment.objects.filter(pk=assessment.pk).update(submitted_at=same_moment)
        refresh_current_results(Organisation.objects.filter(pk=assessment.organisation_id))
    # Delta: 95, top priority Medición (question 4 "no").
    result("Delta", all_choices("yes", q4="no"), days_ago=3)
    # Epsilon: 0, then 95 with top priority Liderazgo (question 1 "no"): a change of +95.
    result("Epsilon", all_choices("no"), days_ago=30)
    result("Epsilon", all_choices("yes", q1="no"), days_ago=1)
    # Gamma has no submitted assessment.
    return consultant, {name: org.pk for name, (org, _m) in organisations.items()}


EXPECTED = {
    "name": ["Alfa", "Beta", "Delta", "Epsilon", "Gamma"],
    "-name": ["Gamma", "Epsilon", "Delta", "Beta", "Alfa"],
    "score": ["Alfa", "Beta", "Delta", "Epsilon", "Gamma"],
    "-score": ["Delta", "Epsilon", "Alfa", "Beta", "Gamma"],
    # A percentile rises with the score within the portfolio.
    "percentile": ["Alfa", "Beta", "Delta", "Epsilon", "Gamma"],
    "-percentile": ["Delta", "Epsilon", "Alfa", "Beta", "Gamma"],
    "level": ["Alfa", "Beta", "Delta", "Epsilon", "Gamma"],
    "-level": ["Delta", "Epsilon", "Alfa", "Beta", "Gamma"],
    "date": ["Alfa", "Beta", "Delta", "Epsilon", "Gamma"],
    "-date": ["Epsilon", "Delta", "Alfa", "Beta", "Gamma"],
    "top": ["Alfa", "Beta", "Epsilon", "Delta", "Gamma"],
    "-top": ["Delta", "Alfa", "Beta", "Epsilon", "Gamma"],
    "change": ["Epsilon", "Alfa", "Beta", "Delta", "Gamma"],
    "-change": ["Epsilon", "Alfa", "Beta", "Delta", "Gamma"],
}


@pytest.mark.parametrize("sort", list(EXPECTED))
def test_it_sorts_by(sort, client, book):
    consultant, ids = book
    page = client_for(client, consultant).get(reverse("portfolio"), {"sort": sort})
    assert page.status_code == 200
    names = {str(pk): name for name, pk in ids.items()}
    assert [names[pk] for pk in rows_of(page.content.decode())] == EXPECTED[sort]


def test_every_sort_it_offers_is_tested(client, book):
    """The column headers, on the page sorted each way, link to exactly the sorts above."""
    consultant, _ids = book
    client = client_for(client, consultant)
    offered = set()
    for sort in ["", *EXPECTED]:
        page = client.get(reverse("portfolio"), {"sort": sort}).content.decode()
        offered |= set(re.findall(r'sort=(-?[a-z]+)"', page))
    assert offered == set(EXPECTED)


@pytest.mark.parametrize("sort", ["top2", "-", "--name", "name,score", "²", "\x00"])
def test_an_unknown_sort_is_ignored_and_the_list_is_by_name(sort, client, book):
    consultant, ids = book
    page = client_for(client, consultant).get(reverse("portfolio"), {"sort": sort})
    assert page.status_code == 200
    names = {str(pk): name for name, pk in ids.items()}
    assert [names[pk] for pk in rows_of(page.content.decode())] == EXPECTED["name"]
