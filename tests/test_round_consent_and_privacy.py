"""Rounds that respect people: nobody joins an organisation without accepting, existing
and new addresses look alike to whoever invites them, an anonymous round links no answer
to a person, daily limits keep the platform from being a mail cannon, and one-line fields
refuse control characters."""

import re
import socket
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import (
    Action,
    Assessment,
    Invitation,
    Membership,
    Organisation,
    Question,
    Response,
)
from tests.conftest import (
    PASSWORD,
    all_choices,
    answer_inputs,
    client_for,
    make_user,
    work_the_queue,
)
from tests.test_plan import LEADERSHIP_HALF_MEASUREMENT_NONE, action_form, submit_new
from tests.test_rounds import read_csv

# Invitations are mailed when the transaction commits, so these tests commit.
pytestmark = pytest.mark.django_db(transaction=True)

LINK = re.compile(r"http://testserver(/\S+)")


@pytest.fixture
def bob_has_an_address(bob):
    bob.email = "bob@bravo.example"
    bob.last_name = "Real-Surname"
    bob.save()
    return bob


def client_data(**overrides) -> dict:
    """The add-client form, filled in."""
    return {
        "name": "Nueva S.L.",
        "sector": "Comercio",
        "size_band": "micro",
        "country": "España",
        "manager_first_name": "Nora",
        "manager_last_name": "Vidal",
        "manager_email": "nora@example.com",
        **overrides,
    }


def start(client, organisation, new_people, members=(), anonymous=False):
    data = {"members": [m.pk for m in members], "new_people": new_people}
    if anonymous:
        data["anonymous"] = "on"
    return client.post(reverse("round_start", args=[organisation.pk]), data)


def normalised(html: str) -> str:
    """A page with what differs between two requests for reasons of their own (ids,
    CSRF tokens) taken out, so that two pages can be compared whole."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'(href|action|data-respondent)="[^"]*"', r'\1=""', html)
    return re.sub(r"/assessments/\d+/", "/assessments/ID/", html)


# Consent: a lead who types an address learns nothing of its account, enrols nobody.


def test_an_address_with_an_account_elsewhere_joins_only_by_accepting(
    client, bank, acme, alice, bob_has_an_address
):
    lead = client_for(client, alice)
    start(
        lead,
        acme,
        "Ignored Name, bob@bravo.example\nAlso Ignored, no-such-person-42@example.com",
    )
    assessment = Assessment.objects.get(organisation=acme)
    page = lead.get(reverse("round_manage", args=[assessment.pk])).content.decode()
    assert "Ignored Name" in page and "Also Ignored" in page
    assert "Bob" not in page and "Real-Surname" not in page
    # Nobody joined the organisation.
    assert set(acme.memberships.values_list("user__username", flat=True)) == {"alice"}

    work_the_queue()
    bob_mail = next(m for m in mail.outbox if m.to == ["bob@bravo.example"])
    join_link = LINK.findall(bob_mail.body)[-1]
    assert join_link.startswith("/invitations/")
    bob = client_for(Client(), bob_has_an_address)
    answer_url = reverse("assessment_answer", args=[assessment.pk])
    assert bob.get(answer_url).status_code == 404  # not before accepting
    assert "Responder por Acme" in bob.get(join_link).content.decode()
    bob.post(join_link)
    assert Membership.objects.get(user=bob_has_an_address, organisation=acme).role == "respondent"
    assert bob.get(answer_url).status_code == 200
    # The lead still sees the name typed.
    page = lead.get(reverse("round_manage", args=[assessment.pk])).content.decode()
    assert "Ignored Name" in page and "Real-Surname" not in page


def test_an_existing_and_a_new_address_look_the_same_to_the_lead(
    client, bank, acme, alice, bob_has_an_address
):
    lead = client_for(client, alice)
    pages, plan_pages = [], []
    for address in ("bob@bravo.example", "kim.new@example.com"):
        start(lead, acme, f"Kim Typed, {address}")
        assessment = Assessment.objects.filter(organisation=acme).order_by("-pk").first()
        page = lead.get(reverse("round_manage", args=[assessment.pk])).content.decode()
        pages.append(normalised(page.replace(address, "ADDRESS")))
    assert pages[0] == pages[1]
    assert "Kim Typed" in pages[0]
    submit_new(acme, alice, LEADERSHIP_HALF_MEASUREMENT_NONE)
    plan_pages = lead.get(reverse("plan", args=[acme.pk])).content.decode()
    assert "Kim" not in plan_pages and "Bob" not in plan_pages  # not owners before accepting
    assert set(acme.memberships.values_list("user__username", flat=True)) == {"alice"}


def test_a_consultant_cannot_tell_an_existing_address_from_a_new_one(
    client, bank, charlie, bob_has_an_address
):
    consultant = client_for(client, charlie)
    seen = {}
    for name, address in (("Una S.L.", "bob@bravo.example"), ("Otra S.L.", "kim@example.com")):
        response = consultant.post(
            reverse("client_add"),
            client_data(
                name=name,
                manager_first_name="Kim",
                manager_last_name="Typed",
                manager_email=address,
            ),
            follow=True,
        )
        organisation = Organisation.objects.get(name=name)
        assert set(organisation.memberships.values_list("role", flat=True)) == {"consultant"}
        page = response.content.decode()
        message = re.search(r'class="alert alert-success".*?</div>', page, re.S).group(0)
        seen[name] = message.replace(address, "ADDRESS").replace(name, "NAME")
        plan = consultant.get(reverse("plan", args=[organisation.pk]))
        assert "Kim" not in plan.content.decode()
    assert seen["Una S.L."] == seen["Otra S.L."]
    rows = consultant.get(reverse("invitations")).content.decode()
    assert rows.count("Enviar de nuevo") == 2


def test_a_new_account_joins_as_respondent_at_its_first_sign_in(
    client, bank, acme, alice, django_capture_on_commit_callbacks
):
    start(client_for(client, alice), acme, "Nueva Persona, nueva@example.com")
    person = get_user_model().objects.get(email="nueva@example.com")
    assert not Membership.objects.filter(user=person).exists()
    person.set_password(PASSWORD)
    person.save()
    invitee = Client()
    assert invitee.login(username="nueva@example.com", password=PASSWORD)
    invitee.get(reverse("home"))
    assert Membership.objects.get(user=person, organisation=acme).role == "respondent"


# Anonymity: no order, count or page links an answer to a person.

ZOE = all_choices("yes", q1="no", q2="no")
ANA = all_choices("no")


@pytest.fixture
def zoe_and_ana(acme):
    zoe = make_user("zoe", first_name="Zoe", email="zoe@example.com")
    ana = make_user("ana", first_name="Ana", email="ana@example.com")
    for user in (zoe, ana):
        Membership.objects.create(user=user, organisation=acme, role="respondent")
    return zoe, ana


def anonymous_round(acme, alice, zoe, ana):
    # Invited in this order: Zoe first, Ana second.
    return services.round_start(
        organisation=acme,
        lead=alice,
        members=[zoe, ana],
        new_people=[],
        anonymous=True,
        site_url="http://testserver/",
    )


def submit(assessment, user, choices):
    services.answers_submit(
        assessment=assessment, user=user, answers=answer_inputs(assessment.bank, choices)
    )


def test_an_open_anonymous_round_names_only_who_has_not_submitted_and_shows_no_counts(
    client, bank, acme, alice, zoe_and_ana
):
    zoe, ana = zoe_and_ana
    assessment = anonymous_round(acme, alice, zoe, ana)
    lead = client_for(client, alice)
    url = reverse("round_manage", args=[assessment.pk])
    submit(assessment, alice, all_choices("yes"))
    before = lead.get(url).content.decode()
    # Alphabetical, not invitation order; the lead, who submitted, is not listed.
    assert re.findall(r'<th scope="row">(\w+)', before) == ["Ana", "Zoe"]
    submit(assessment, zoe, ZOE)
    after = lead.get(url).content.decode()
    assert re.findall(r'<th scope="row">(\w+)', after) == ["Ana"]
    assert "2 de 3 personas han enviado" in after
    # It closes from three answers: the button says so rather than failing on a click.
    assert 'data-closes-from="3"' in after and "al menos 3 personas han enviado" in after
    for page in (before, after):
        assert "data-disagreement" not in page and "data-answers-hidden" in page
        assert not re.search(r"(Sí|No|Parcialmente): \d", page)


def test_pseudonyms_are_drawn_at_random_when_a_round_closes_and_order_every_file(
    client, bank, acme, alice, zoe_and_ana
):
    zoe, ana = zoe_and_ana
    lead_numbers = set()
    for _ in range(12):
        assessment = anonymous_round(acme, alice, zoe, ana)
        for user, choices in ((alice, all_choices("yes")), (zoe, ZOE), (ana, ANA)):
            submit(assessment, user, choices)
        services.round_close(assessment=assessment, lead=alice)
        numbers = dict(
            Response.objects.filter(assessment=assessment).values_list(
                "respondent__username", "pseudonym_number"
            )
        )
        assert sorted(numbers.values()) == [1, 2, 3]
        lead_numbers.add(numbers["alice"])
    # Always the same number for the lead would happen by chance once in 177,000 runs.
    assert len(lead_numbers) > 1

    rows = client_for(client, alice).get(reverse("assessment_csv", args=[assessment.pk]))
    answers = read_csv(rows)[1:]
    people = [row[1] for row in answers if row[0] == "respuesta"]
    assert people == sorted(people)  # in pseudonym order, whoever was invited first
    persona_of_ana = f"Persona {numbers['ana']}"
    ana_rows = [row for row in answers if row[0] == "respuesta" and row[1] == persona_of_ana]
    assert {row[6] for row in ana_rows} == {"No"}


def test_an_anonymous_round_needs_three_people_to_start_and_three_answers_to_close(
    client, bank, acme, alice, zoe_and_ana
):
    zoe, ana = zoe_and_ana
    lead = client_for(client, alice)
    refused = start(lead, acme, "", members=[zoe], anonymous=True)
    assert refused.status_code == 400
    assert "al menos 3 personas" in refused.content.decode()
    work_the_queue()
    assert not Assessment.objects.exists() and mail.outbox == []

    assessment = anonymous_round(acme, alice, zoe, ana)
    submit(assessment, alice, all_choices("yes"))
    submit(assessment, zoe, ZOE)
    response = lead.post(reverse("round_close", args=[assessment.pk]), {"confirm": "on"})
    assert "al menos 3 personas" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == "draft"


# Limits: a person or an organisation starts so many rounds and sends so many mails a day.


def test_the_21st_round_start_of_a_day_is_refused_with_a_message(client, bank, acme, alice, dave):
    lead = client_for(client, alice)
    for _ in range(20):
        assert start(lead, acme, "", members=[dave]).status_code == 302
    work_the_queue()
    mails = len(mail.outbox)
    refused = start(lead, acme, "", members=[dave])
    assert refused.status_code == 400
    assert "20 rondas en las últimas 24 horas" in refused.content.decode()
    work_the_queue()
    assert Assessment.objects.count() == 20 and len(mail.outbox) == mails


def test_invitation_mails_stop_at_the_daily_limit(client, settings, bank, acme, alice, dave):
    settings.MAILS_PER_PERSON_PER_DAY = 3
    lead = client_for(client, alice)
    too_many = "\n".join(f"Persona {n}, p{n}@example.com" for n in range(4))
    refused = start(lead, acme, too_many)
    assert refused.status_code == 400 and "límite de 3" in refused.content.decode()
    work_the_queue()
    assert not Assessment.objects.exists() and mail.outbox == []
    assert not get_user_model().objects.filter(email__endswith="@example.com").exists()

    assert (
        start(lead, acme, "Uno Dos, uno@example.com\nTres Cuatro, tres@example.com").status_code
        == 302
    )
    assessment = Assessment.objects.get()
    response = Response.objects.get(assessment=assessment, invited_email="uno@example.com")
    work_the_queue()
    assert len(mail.outbox) == 2
    # A third mail is within the limit; a fourth (another round) is not.
    lead.post(reverse("round_remind", args=[assessment.pk, response.pk]))
    work_the_queue()
    assert len(mail.outbox) == 3
    refused = start(lead, acme, "", members=[dave])
    work_the_queue()
    assert refused.status_code == 400 and len(mail.outbox) == 3


# One-line fields and mail failures.

CONTROL = ["Nueva\r\nS.L.", "Nueva\nS.L.", "Nueva\x00", "Nueva\tS.L.", "Nueva\u2028S.L."]


@pytest.mark.parametrize("field", ["name", "sector", "country", "manager_first_name"])
@pytest.mark.parametrize("value", CONTROL)
def test_a_one_line_field_with_a_control_character_is_refused_and_stores_nothing(
    client, bank, charlie, field, value
):
    users = get_user_model().objects.count()
    response = client_for(client, charlie).post(
        reverse("client_add"), client_data(**{field: value})
    )
    assert response.status_code == 400
    assert "en una sola línea" in response.content.decode()
    assert not Organisation.objects.filter(name__startswith="Nueva").exists()
    assert get_user_model().objects.count() == users
    work_the_queue()
    assert not Invitation.objects.exists() and mail.outbox == []


@pytest.mark.parametrize("field", ["title", "owner_name"])
def test_an_action_s_title_or_owner_on_two_lines_is_refused(client, bank, acme, alice, field):
    example = submit_new(acme, alice, LEADERSHIP_HALF_MEASUREMENT_NONE)
    question = Question.objects.get(area__bank=example.bank, number=4)
    response = client_for(client, alice).post(
        reverse("action_add", args=[example.pk, question.pk]),
        action_form(**{field: "Primera línea\r\nSegunda"}),
    )
    assert response.status_code == 400 and "en una sola línea" in response.content.decode()
    assert not Action.objects.exists()


def test_a_name_with_a_tab_in_the_round_form_is_refused(client, bank, acme, alice):
    response = start(client_for(client, alice), acme, "Rosa\tPrieto, rosa@example.org")
    assert response.status_code == 400
    assert "sin tabuladores" in response.content.decode()
    assert not Assessment.objects.exists()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_mail_server_that_refuses_never_turns_a_stored_change_into_an_error_page(
    client, settings, bank, charlie
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    settings.EMAIL_TIMEOUT = 2
    consultant = client_for(client, charlie)
    response = consultant.post(reverse("client_add"), client_data(name="Sin Correo S.L."))
    assert response.status_code == 302
    assert Invitation.objects.filter(organisation__name="Sin Correo S.L.").exists()


def test_a_name_stored_on_two_lines_still_mails_on_one(client, bank, charlie):
    consultant = client_for(client, charlie)
    consultant.post(reverse("client_add"), client_data(name="Antigua S.L."))
    invitation = Invitation.objects.get()
    # As a name stored before line breaks were refused might read.
    Organisation.objects.filter(pk=invitation.organisation_id).update(name="Antigua\r\nS.L.")
    Invitation.objects.update(sent_at=timezone.now() - timedelta(minutes=5))
    again = consultant.post(reverse("invitation_resend", args=[invitation.pk]))
    assert again.status_code == 302
    work_the_queue()
    assert mail.outbox[-1].subject == "Tu acceso a Antigua S.L. en Orientación"
