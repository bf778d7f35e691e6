"""The crawler's roles walk the API on the demo data with a token each: every list page
by its cursor, every organisation, result, answer list and plan they reach. No server
error, nothing outside what the pages let them read, and nothing of one firm in the
other's answers."""

import json
import os

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from assessments import services
from assessments.models import Membership, Organisation
from tests.test_crawl import ROLES


@pytest.fixture
def demo_data(db):
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", verbosity=0, stdout=quiet)


def walk(client, book: str) -> tuple[dict[str, int], list[str], set[int]]:
    """Status of every address visited, every body read, and every organisation reached."""
    statuses, bodies, reached = {}, [], set()

    def get(url):
        response = client.get(url)
        statuses[url] = response.status_code
        assert response.status_code < 500, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        bodies.append(body.decode())
        if response.status_code == 200 and response["Content-Type"] == "application/json":
            return json.loads(body)
        return None

    url = f"{reverse('api_organisations')}?book={book}&page_size=20"
    organisations = []
    while url:
        page = get(url)
        if page is None:
            break
        organisations += page["results"]
        url = page["next"]
    for organisation in organisations:
        reached.add(organisation["id"])
        get(reverse("api_organisation", args=[organisation["id"]]))
        get(reverse("api_actions", args=[organisation["id"]]))
        for assessment in get(reverse("api_assessments", args=[organisation["id"]])) or []:
            get(reverse("api_assessment", args=[assessment["id"]]))
            get(reverse("api_answers", args=[assessment["id"]]))
    get(f"{reverse('api_book_answers')}?book={book}")
    get(reverse("api_firm_consultants"))
    return statuses, bodies, reached


@pytest.mark.parametrize("role", [role for role, name in ROLES.items() if name])
def test_every_role_walks_the_api_within_what_the_pages_let_it_read(role, demo_data, settings):
    settings.API_RATE_LIMIT = "100000/minute"  # the walk is one token's burst
    user = get_user_model().objects.get(username=ROLES[role])
    key = services.api_token_create(user=user, name="walk", access="read", days=30).key
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", raise_request_exception=False)
    readable = set(
        Membership.objects.filter(user=user, role__in=["manager", "consultant"]).values_list(
            "organisation_id", flat=True
        )
    )
    firm_ids = (
        set(user.firm_member.firm.clients.values_list("pk", flat=True))
        if hasattr(user, "firm_member")
        else set()
    )
    for book in ("mine", "firm"):
        statuses, bodies, reached = walk(client, book)
        allowed = readable | (firm_ids if book == "firm" else set())
        assert reached <= allowed, (book, reached - allowed)
        if role == "another firm's partner":
            norte = Organisation.objects.filter(firm__name="Consultoría Norte").values_list(
                "name", flat=True
            )
            leaked = [name for name in norte for body in bodies if name in body]
            assert leaked == [], leaked[:3]
        if role == "consultant" and book == "mine":
            assert (
                len(reached)
                == Organisation.objects.filter(
                    memberships__user=user, memberships__role="consultant"
                ).count()
            )
            assert all(status == 200 for status in statuses.values()), {
                url: status for url, status in statuses.items() if status != 200
            }
