"""The JSON API: personal tokens (made on the account page, shown once, stored hashed,
revoked), what a token reads and writes by the pages' rules, and the walls between
people."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Action, ApiToken, Organisation
from tests.conftest import client_for, make_user

NEW_CLIENT = {
    "name": "Nueva",
    "sector": "Retail",
    "size_band": "small",
    "country": "España",
    "manager_first_name": "Nora",
    "manager_email": "nora@example.com",
}


def token_for(user, access="read", days=30) -> str:
    return services.api_token_create(user=user, name="tool", access=access, days=days).key


def api(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.fixture
def book(bank, acme, bravo, alice, bob, charlie, submitted):
    """charlie follows Acme (alice's, with a submitted assessment); Bravo is bob's, whom
    charlie does not follow."""
    return {"acme": acme, "bravo": bravo, "assessment": submitted}


def test_a_token_is_made_on_the_account_page_shown_once_and_stored_hashed(client, alice):
    page = client_for(client, alice)
    response = page.post(
        reverse("api_tokens"), {"name": "Power BI", "access": "read", "days": "90"}
    )
    assert response.status_code == 200
    key = response.context["made"].key
    assert key.startswith("ori_") and key in response.content.decode()
    token = ApiToken.objects.get(user=alice)
    assert token.key_hash == ApiToken.hash_of(key) and key not in str(token.__dict__)
    again = page.get(reverse("api_tokens")).content.decode()
    assert key not in again and f"ori_{token.hint}…" in again and "Power BI" in again


def test_a_bad_token_form_saves_nothing(client, alice):
    page = client_for(client, alice)
    response = page.post(reverse("api_tokens"), {"name": "", "access": "root", "days": "7"})
    assert response.status_code == 400 and not ApiToken.objects.exists()


def test_a_token_reads_the_book_and_last_use_is_recorded(book, charlie):
    key = token_for(charlie)
    response = api(key).get(reverse("api_organisations"))
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["Acme"]
    row = response.json()["results"][0]
    assert row["current_assessment"] == book["assessment"].pk
    assert row["followed_by_me"] is True
    assert ApiToken.objects.get(user=charlie).last_used_at is not None


def test_revoked_expired_and_deactivated_tokens_open_nothing(client, book, charlie):
    key = token_for(charlie)
    url = reverse("api_organisations")
    assert api(key).get(url).status_code == 200
    charlie.is_active = False
    charlie.save()
    assert api(key).get(url).status_code == 401
    charlie.is_active = True
    charlie.save()
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api(key).get(url).status_code == 401
    ApiToken.objects.update(expires_at=timezone.now() + timedelta(days=1))
    page = client_for(client, charlie)
    page.post(reverse("api_token_revoke", args=[ApiToken.objects.get().pk]))
    response = api(key).get(url)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_never_opens_a_page_and_a_session_writes_only_with_csrf(book, charlie):
    key = token_for(charlie, access="write")
    assert api(key).get(reverse("portfolio")).status_code == 302  # to the sign-in page
    browser = client_for(Client(enforce_csrf_checks=True), charlie)
    assert browser.get(reverse("api_organisations")).status_code == 200
    response = browser.post(
        reverse("api_clients"), {"name": "Nueva"}, content_type="application/json"
    )
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    assert not Organisation.objects.filter(name="Nueva").exists()


def test_a_read_only_token_changes_nothing(book, charlie):
    response = api(token_for(charlie)).post(
        reverse("api_clients"),
        NEW_CLIENT,
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Organisation.objects.filter(name="Nueva").exists()


def test_a_read_write_token_adds_a_client_whose_manager_is_invited_by_mail(book, charlie):
    response = api(token_for(charlie, access="write")).post(
        reverse("api_clients"),
        NEW_CLIENT,
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["name"] == "Nueva"
    from assessments.models import OutgoingMail

    assert OutgoingMail.objects.filter(recipient="nora@example.com").exists()


def test_bad_input_gets_the_forms_message_and_saves_nothing(book, charlie):
    response = api(token_for(charlie, access="write")).post(
        reverse("api_clients"),
        {"name": "Nueva\nlínea", "size_band": "giant", "manager_email": "no"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert {"sector", "size_band", "manager_email"} <= set(response.json())
    assert not Organisation.objects.filter(name__startswith="Nueva").exists()


def test_nothing_of_another_organisation_is_reached_by_any_id(book, bob, charlie):
    key = token_for(charlie)
    bravo = book["bravo"]
    for url in (
        reverse("api_organisation", args=[bravo.pk]),
        reverse("api_assessments", args=[bravo.pk]),
        reverse("api_actions", args=[bravo.pk]),
        reverse("api_organisation", args=[10**12]),
        "/api/v1/organisations/1e3/",
        "/api/v1/organisations/%C2%B2/",
    ):
        assert api(key).get(url).status_code == 404, url
    bobs = token_for(bob)
    for url in (
        reverse("api_assessment", args=[book["assessment"].pk]),
        reverse("api_answers", args=[book["assessment"].pk]),
    ):
        assert api(bobs).get(url).status_code == 404, url
    # bob is no consultant: he has no book to list.
    assert api(bobs).get(reverse("api_organisations")).status_code == 404


def test_an_assessment_reads_as_its_report(book, alice, charlie):
    assessment = book["assessment"]
    data = api(token_for(charlie)).get(reverse("api_assessment", args=[assessment.pk])).json()
    assert data["overall_score"] == float(assessment.overall_score)
    assert len(data["areas"]) == assessment.area_results.count()
    assert {"code", "name", "score", "priority", "rank"} <= set(data["areas"][0])
    assert data["standing"]["group"] == "my_clients"
    assert data["standing"]["overall"]["book_size"] == 1
    answers = api(token_for(alice)).get(reverse("api_answers", args=[assessment.pk])).json()
    assert len(answers) == 20
    assert answers[0] == {
        "respondent": None,
        "area": answers[0]["area"],
        "question": 1,
        "choice": "no",
        "note": "Nadie visita clientes",
    }


def test_a_draft_is_never_read(bank, acme, alice, charlie, draft):
    key = token_for(charlie)
    assert api(key).get(reverse("api_assessment", args=[draft.pk])).status_code == 404
    assert api(key).get(reverse("api_answers", args=[draft.pk])).status_code == 404


def test_a_manager_plans_and_a_stale_change_gets_409(book, alice, charlie):
    assessment = book["assessment"]
    key = token_for(alice, access="write")
    url = reverse("api_actions", args=[book["acme"].pk])
    created = api(key).post(
        url,
        {"assessment": assessment.pk, "question": 1, "title": "Visitar a diez clientes"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    action = created.json()
    # A question answered "yes" is not planned.
    refused = api(key).post(
        url,
        {"assessment": assessment.pk, "question": 3, "title": "Nada"},
        content_type="application/json",
    )
    assert refused.status_code == 404
    detail = reverse("api_action", args=[action["id"]])
    moved = api(key).patch(
        detail, {"version": action["version"], "status": "in_progress"}, "application/json"
    )
    assert moved.status_code == 200 and moved.json()["status"] == "in_progress"
    stale = api(key).patch(
        detail, {"version": action["version"], "status": "done"}, "application/json"
    )
    assert stale.status_code == 409 and stale.json()["current"]["status"] == "in_progress"
    assert Action.objects.get().status == "in_progress"
    # The consultant reads the plan and changes nothing, whatever the token.
    consultant = api(token_for(charlie, access="write"))
    assert [a["title"] for a in consultant.get(url).json()] == ["Visitar a diez clientes"]
    assert consultant.patch(detail, {"version": 2}, "application/json").status_code == 404


def test_over_the_rate_a_token_gets_429_with_retry_after(settings, book, charlie):
    settings.API_RATE_LIMIT = "3/minute"
    client = api(token_for(charlie))
    answers = [client.get(reverse("api_organisations")) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1]["Retry-After"]) > 0
    # Another token of the same person counts apart.
    assert api(token_for(charlie)).get(reverse("api_organisations")).status_code == 200


def test_the_schema_and_its_page_are_served_from_our_own_files(client):
    schema = client.get(reverse("api_schema"), HTTP_ACCEPT="application/json")
    assert schema.status_code == 200 and "/api/v1/organisations/" in schema.json()["paths"]
    page = client.get(reverse("api_docs")).content.decode()
    assert "swagger-ui" in page and "cdn" not in page.lower()


def test_organisations_page_by_cursor_filter_and_sort(bank, acme, charlie):
    for i in range(7):
        organisation = Organisation.objects.create(
            name=f"Cliente {i}", sector=["Retail", "Salud"][i % 2], size_band="small", country="ES"
        )
        organisation.memberships.create(user=charlie, role="consultant")
    client = api(token_for(charlie))
    url = reverse("api_organisations")
    seen, next_url = [], f"{url}?page_size=3&sort=-name"
    while next_url:
        page = client.get(next_url).json()
        seen += [row["name"] for row in page["results"]]
        next_url = page["next"]
    assert seen == sorted(seen, reverse=True) and len(seen) == 8  # Acme too
    only = client.get(url, {"sector": "Salud"}).json()["results"]
    assert {row["sector"] for row in only} == {"Salud"} and len(only) == 3
    assert client.get(url, {"sort": "password"}).status_code == 400
    assert client.get(url, {"level": "nonsense"}).status_code == 400


def test_a_list_reads_the_same_queries_whatever_its_page_size(
    bank, charlie, django_assert_num_queries
):
    for i in range(30):
        organisation = Organisation.objects.create(
            name=f"Cliente {i:02d}", sector="Retail", size_band="small", country="ES"
        )
        organisation.memberships.create(user=charlie, role="consultant")
    client = api(token_for(charlie))
    url = reverse("api_organisations")
    client.get(url)  # the book's counts are cached, the token's use recorded
    # the token; its request counted (an UPDATE and its count read back, in a savepoint
    # here); what its owner may do as a consultant; the page (no top areas to read: none
    # has a result)
    for size in (1, 10, 30):
        with django_assert_num_queries(7):
            assert len(client.get(url, {"page_size": size}).json()["results"]) == size


@pytest.mark.django_db(transaction=True)
def test_requests_at_once_on_several_connections_are_each_counted_once(bank, settings):
    """Eight threads, each with its own connection (as workers and servers have), send
    thirty requests with one token against a limit of twelve: exactly twelve get in."""
    import threading

    from django.db import connection

    settings.API_RATE_LIMIT = "12/hour"
    charlie = make_user("charlie-threads")
    key = token_for(charlie)
    organisation = Organisation.objects.create(
        name="Acme", sector="Retail", size_band="small", country="ES"
    )
    organisation.memberships.create(user=charlie, role="consultant")
    start, statuses, lock = threading.Barrier(8), [], threading.Lock()

    def send(times):
        try:
            start.wait()
            for _ in range(times):
                status = api(key).get(reverse("api_organisations")).status_code
                with lock:
                    statuses.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(4 if n < 6 else 3,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 12 + [429] * 18
