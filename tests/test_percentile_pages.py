"""Percentiles on the report: the consultant sees where the result stands in their own
book; its managers see their sector percentile only when a consultant shares it, and
nothing else about other organisations."""

import re

import pytest
from django.urls import reverse

from assessments import services
from assessments.models import Membership, Organisation
from tests.conftest import all_choices, answer_inputs, client_for, make_user

# Five hotels scoring (by these answers) from the lowest to the highest, and a factory.
HOTEL_ANSWERS = [
    ("no", {}),
    ("partly", {"q1": "no"}),
    ("partly", {}),
    ("partly", {"q1": "yes"}),
    ("yes", {}),
]


def submit(bank, organisation, manager, choice, overrides):
    assessment = services.assessment_start(organisation=organisation, user=manager)
    services.answers_submit(
        assessment=assessment,
        user=manager,
        answers=answer_inputs(bank, all_choices(choice, **overrides)),
    )
    return assessment


@pytest.fixture
def book(bank):
    consultant = make_user("book-consultant")
    hotels = []
    for i, (choice, overrides) in enumerate(HOTEL_ANSWERS):
        hotel = Organisation.objects.create(
            name=f"Hotel {i}", sector="Hostelería", size_band="small", country="España"
        )
        manager = make_user(f"hotel-manager-{i}")
        Membership.objects.create(user=manager, organisation=hotel, role="manager")
        Membership.objects.create(user=consultant, organisation=hotel, role="consultant")
        hotels.append((hotel, manager, submit(bank, hotel, manager, choice, overrides)))
    factory = Organisation.objects.create(
        name="Fábrica", sector="Industria", size_band="large", country="España"
    )
    factory_manager = make_user("factory-manager")
    Membership.objects.create(user=factory_manager, organisation=factory, role="manager")
    Membership.objects.create(user=consultant, organisation=factory, role="consultant")
    submit(bank, factory, factory_manager, "partly", {"q4": "no"})
    return consultant, hotels


def report(client, user, assessment):
    response = client_for(client, user).get(
        reverse("assessment_report", args=[assessment.pk]), HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.status_code == 200
    return response.content.decode()


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_consultant_sees_the_result_s_percentiles_in_their_book(client, book):
    consultant, hotels = book
    _hotel, _manager, middle = hotels[2]  # the third hotel of five: 2 lower of 4 in sector
    body = report(client, consultant, middle)
    section = body[
        body.index("data-standing") : body.index("</section>", body.index("data-standing"))
    ]
    overall = text(section[section.index("data-standing-overall") :].split("</tr>")[0])
    # Sector (five hotels): 2 lower of 4 → 50. Portfolio (six): the factory's score is
    # below the middle hotel's, so 3 lower of 5 → 60.
    assert "60" in overall.split()[3:5] or overall.startswith(
        "standing-overall> Puntuación global 60"
    )
    assert "sector: 50 (de 5)" in overall
    assert len(re.findall(r"data-standing-area=", section)) == 6


def test_an_older_result_shows_no_percentile(client, book, bank):
    consultant, hotels = book
    hotel, manager, first = hotels[0]
    submit(bank, hotel, manager, "yes", {})
    assert "data-standing" not in report(client, consultant, first)


def test_managers_see_their_sector_percentile_only_when_a_consultant_shares_it(client, book):
    consultant, hotels = book
    hotel, manager, current = hotels[4]  # the highest hotel
    assert "data-standing" not in report(client, manager, current)

    share = reverse("sector_percentile_share", args=[hotel.pk])
    # Neither its manager nor a consultant who does not follow it can switch it on.
    for someone in (manager, make_user("other-consultant")):
        assert client_for(client, someone).post(share, {"shared": "1"}).status_code == 404
    assert "data-standing" not in report(client, manager, current)

    response = client_for(client, consultant).post(share, {"shared": "1"})
    assert response.status_code == 302
    body = report(client, manager, current)
    sentence = text(body[body.index("data-sector-percentile") :].split("</p>")[0])
    assert "percentil 100 entre las 5 organizaciones de tu sector" in sentence
    # One figure and the group's size: no other organisation's name, nor the portfolio's.
    for other in ("Hotel 0", "Hotel 1", "Hotel 2", "Hotel 3", "Fábrica"):
        assert other not in body
    assert "data-standing-overall" not in body

    client_for(client, consultant).post(share, {"shared": "0"})
    assert "data-standing" not in report(client, manager, current)


def test_each_consultant_places_a_result_in_their_own_book_only(client, book):
    """A second consultant follows two of the hotels: too few for any percentile."""
    _consultant, hotels = book
    other = make_user("small-book")
    for hotel, _manager, _assessment in hotels[:2]:
        Membership.objects.create(user=other, organisation=hotel, role="consultant")
    body = report(client, other, hotels[1][2])
    overall = text(body[body.index("data-standing-overall") :].split("</tr>")[0])
    assert "— solo 2 con resultado; hacen falta 5" in overall


def test_the_comparison_shows_each_area_s_percentile(client, book):
    consultant, hotels = book
    best = hotels[4][0]  # every answer "sí": the highest score in every area
    body = client_for(client, consultant).get(reverse("compare"), {"org": best.pk}).content.decode()
    area_cells = re.findall(r"data-area-percentile>([^<]+)<", body)
    assert area_cells == ["percentil 100"] * 6
    overall = text(body[body.index("data-percentile>") :].split("</td>")[0])
    assert overall.endswith(">100 sector: 100 (de 5)"), overall


def test_the_consultant_s_report_reads_the_book_in_two_queries_whatever_its_size(
    client, book, bank, django_assert_num_queries
):
    consultant, hotels = book
    current = hotels[2][2]
    signed_in = client_for(client, consultant)
    signed_in.get(reverse("assessment_report", args=[current.pk]))  # the report is cached
    # session, user, the assessment (with the viewer's role and whether it is current),
    # every current score of the book, every current area score, the current bank and
    # its areas
    with django_assert_num_queries(7):
        signed_in.get(reverse("assessment_report", args=[current.pk]))
    for i in range(5):
        more = Organisation.objects.create(
            name=f"Más {i}", sector="Hostelería", size_band="small", country="España"
        )
        manager = make_user(f"more-manager-{i}")
        Membership.objects.create(user=manager, organisation=more, role="manager")
        Membership.objects.create(user=consultant, organisation=more, role="consultant")
        submit(bank, more, manager, "partly", {})
    with django_assert_num_queries(7):
        signed_in.get(reverse("assessment_report", args=[current.pk]))
