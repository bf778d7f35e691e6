from django.urls import reverse

from assessments.models import Assessment
from tests.conftest import client_for


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_sign_in_page_is_in_spanish_by_default(client, db):
    page = client.get(reverse("account_login")).content.decode()
    assert "Iniciar sesión" in page
    assert 'lang="es"' in page


def test_home_lists_the_managers_organisations_and_assessments(
    client, bank, submitted, draft, alice, bob
):
    page = client_for(client, alice).get("/").content.decode()
    assert "Acme" in page and "Bravo" not in page
    assert page.count("<tr>") == 3  # header and two assessments
    assert "Borrador" in page and "Enviada" in page
    assert ">80<" in page and "Centrada en el cliente" in page
    assert "Iniciar una nueva evaluación" in page


def test_a_consultant_sees_results_but_cannot_start(client, bank, submitted, charlie):
    page = client_for(client, charlie).get("/").content.decode()
    assert "Acme" in page and "Centrada en el cliente" in page
    assert "Iniciar una nueva evaluación" not in page
    response = client.post(reverse("assessment_start", args=[submitted.organisation_id]))
    assert response.status_code == 404
    assert Assessment.objects.count() == 1


def test_a_manager_starts_an_assessment_and_lands_on_its_questions(client, bank, acme, alice):
    response = client_for(client, alice).post(reverse("assessment_start", args=[acme.pk]))
    assessment = Assessment.objects.get()
    assert response.url == reverse("assessment_answer", args=[assessment.pk])
    assert (assessment.organisation, assessment.bank, assessment.started_by) == (acme, bank, alice)


def test_home_query_count_does_not_grow_with_assessments(
    client, bank, acme, alice, django_assert_num_queries
):
    from assessments import services

    client = client_for(client, alice)
    client.get("/")
    for _ in range(5):
        services.assessment_start(organisation=acme, user=alice)
    # session, user, memberships+organisations, assessments (+started_by, bank), whether
    # the user is a consultant or a firm's partner; the count of organisations followed
    # as a consultant (none) is in the cache
    with django_assert_num_queries(5):
        client.get("/")


def test_a_visitor_switches_the_sign_in_page_to_english(client):
    login = reverse("account_login")
    assert 'lang="es"' in client.get(login).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": login})
    assert response.status_code == 302 and response.url == login
    page = client.get(login).content.decode()
    assert 'lang="en"' in page and "Sign in" in page


def test_a_consultants_home_counts_the_book_and_shows_its_latest_results_only(
    client, bank, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """The home page of a consultant with a large book stays the size of a small one's:
    the organisations are counted and the five latest results shown; the portfolio pages
    through the rest."""
    from assessments import services
    from assessments.models import Membership, Organisation
    from tests.conftest import all_choices, answer_inputs, make_user

    consultant = make_user("big-book")
    manager = make_user("their-manager")

    def follow(count, start):
        for n in range(start, start + count):
            organisation = Organisation.objects.create(
                name=f"Cliente {n:03d}", sector="Retail", size_band="small", country="España"
            )
            Membership.objects.create(user=consultant, organisation=organisation, role="consultant")
            Membership.objects.create(user=manager, organisation=organisation, role="manager")
            if n % 2 == 0:
                assessment = services.assessment_start(organisation=organisation, user=manager)
                services.answers_submit(
                    assessment=assessment, user=manager, answers=answer_inputs(bank, all_choices())
                )

    client = client_for(client, consultant)
    follow(10, 0)  # five with a result
    small = client.get("/")
    with django_capture_on_commit_callbacks(execute=True):  # the book's counts lapse
        follow(40, 10)
    client.get("/")  # counts the book once; the shared cache keeps it until it changes
    # session, user, memberships (none but the book's), the book's latest results, what
    # the user may do as a consultant
    with django_assert_num_queries(5):
        large = client.get("/")
    page = large.content.decode()
    assert "Sigues 50 organizaciones; 25 con resultado." in page
    assert page.count('<th scope="row">') == 5  # the latest five results
    assert "Cliente 048" in page and "Cliente 000" not in page
    assert abs(len(page) - len(small.content)) < 20  # the names and counts aside
