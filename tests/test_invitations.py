"""Adding a client invites its manager by e-mail; the link reaches only the invitee."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import Invitation, Membership, Organisation
from tests.conftest import client_for, make_user, work_the_queue

# Invitations are mailed when the transaction commits (a failed request mails nobody), so
# these tests commit.
pytestmark = pytest.mark.django_db(transaction=True)

LINK = re.compile(r"http://testserver(/\S+)")


def client_form(email, name="Nueva S.L."):
    return {
        "name": name,
        "sector": "Comercio",
        "size_band": "micro",
        "country": "Perú",
        "manager_first_name": "Nora",
        "manager_last_name": "Vidal",
        "manager_email": email,
    }


@pytest.fixture
def consultant(charlie):
    return charlie


def secrets_in(link: str) -> list[str]:
    """The parts of a link that let its holder in (uid and token, or the join secret)."""
    return [part for part in link.strip("/").split("/")[2:] if len(part) > 1]


def responses_contain_any(responses, secrets) -> list[str]:
    bodies = [r.content.decode() + str(r.headers) for r in responses]
    return [s for s in secrets for body in bodies if s in body]


def test_a_new_manager_gets_a_link_that_only_the_e_mail_carries(client, bank, consultant):
    client = client_for(client, consultant)
    seen = [client.post(reverse("client_add"), client_form("Nora@Example.org"))]
    assert seen[0].status_code == 302 and seen[0].url == reverse("invitations")
    seen.append(client.get(seen[0].url))
    seen.append(client.get(reverse("portfolio")))
    assert "Invitación en cola para nora@example.org" in seen[1].content.decode()

    organisation = Organisation.objects.get(name="Nueva S.L.")
    manager = get_user_model().objects.get(email="nora@example.org")
    assert not manager.has_usable_password()
    roles = set(organisation.memberships.values_list("user__username", "role"))
    # Not a member before accepting, as someone with an account would not be either.
    assert roles == {(consultant.username, "consultant")}
    work_the_queue()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nora@example.org"]
    work_the_queue()
    link = LINK.search(mail.outbox[0].body).group(1)
    assert responses_contain_any(seen, secrets_in(link)) == []

    invitee = Client()
    form_page = invitee.get(link, follow=True)
    set_password_url = form_page.redirect_chain[-1][0]
    new_password = "una-clave-larga-2026"
    done = invitee.post(
        set_password_url, {"new_password1": new_password, "new_password2": new_password}
    )
    assert done.status_code == 302
    assert invitee.login(username="nora@example.org", password=new_password)
    roles = set(organisation.memberships.values_list("user__username", "role"))
    assert roles == {(consultant.username, "consultant"), ("nora@example.org", "manager")}
    assert "ya no funciona" in Client().get(link, follow=True).content.decode()
    page = client.get(reverse("invitations")).content.decode()
    assert "Aceptada" in page and "Enviar de nuevo" not in page


def test_sending_again_makes_the_earlier_link_stop_working(client, bank, consultant):
    client = client_for(client, consultant)
    client.post(reverse("client_add"), client_form("nora@example.org"))
    invitation = Invitation.objects.get()
    work_the_queue()
    first = LINK.search(mail.outbox[0].body).group(1)

    too_soon = client.post(reverse("invitation_resend", args=[invitation.pk]), follow=True)
    work_the_queue()
    assert "hace menos de un minuto" in too_soon.content.decode() and len(mail.outbox) == 1

    Invitation.objects.filter(pk=invitation.pk).update(
        sent_at=timezone.now() - timedelta(minutes=2)
    )
    again = client.post(reverse("invitation_resend", args=[invitation.pk]), follow=True)
    assert "el enlace anterior deja de funcionar" in again.content.decode()
    work_the_queue()
    assert len(mail.outbox) == 2
    work_the_queue()
    second = LINK.search(mail.outbox[1].body).group(1)
    assert second != first
    assert responses_contain_any([again], secrets_in(second)) == []
    assert "ya no funciona" in Client().get(first, follow=True).content.decode()
    assert "Elige tu contraseña" in Client().get(second, follow=True).content.decode()


def test_an_existing_account_is_invited_to_join_and_changes_nothing_until_it_accepts(
    client, bank, consultant, bob
):
    bob.email = "bob@example.org"
    bob.save()
    consultant_client = client_for(client, consultant)
    seen = [consultant_client.post(reverse("client_add"), client_form("BOB@example.org"))]
    seen.append(consultant_client.get(seen[0].url))
    # The same confirmation as for a new address: nothing says an account exists.
    assert "Invitación en cola para bob@example.org" in seen[1].content.decode()
    assert "Ya existe" not in seen[1].content.decode()
    organisation = Organisation.objects.get(name="Nueva S.L.")
    assert not Membership.objects.filter(user=bob, organisation=organisation).exists()
    assert bob.has_usable_password()  # the account is untouched

    work_the_queue()
    assert mail.outbox[0].to == ["bob@example.org"]
    work_the_queue()
    link = LINK.search(mail.outbox[0].body).group(1)
    assert responses_contain_any(seen, secrets_in(link)) == []

    # Somebody else signed in cannot use it, and learns nothing from trying.
    assert client_for(Client(), make_user("eve")).get(link).status_code == 404
    assert client_for(Client(), consultant).post(link).status_code == 404
    assert not Membership.objects.filter(user=bob, organisation=organisation).exists()

    invitee = client_for(Client(), bob)
    assert "Gestionar Nueva S.L." in invitee.get(link).content.decode()
    accepted = invitee.post(link, follow=True)
    assert "Ahora gestionas Nueva S.L." in accepted.content.decode()
    assert Membership.objects.get(user=bob, organisation=organisation).role == "manager"
    assert invitee.get(link).status_code == 404  # used once


def test_only_the_consultants_of_an_organisation_can_resend_its_invitation(
    client, bank, consultant
):
    client_for(client, consultant).post(reverse("client_add"), client_form("nora@example.org"))
    invitation = Invitation.objects.get()
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now() - timedelta(hours=1))
    other = make_user("otra-consultora")
    Membership.objects.create(
        user=other,
        organisation=Organisation.objects.create(
            name="Otra", sector="x", size_band="micro", country="y"
        ),
        role="consultant",
    )
    response = client_for(Client(), other).post(reverse("invitation_resend", args=[invitation.pk]))
    assert response.status_code == 404
    work_the_queue()
    assert len(mail.outbox) == 1


def test_a_rejected_client_form_adds_nothing_and_mails_nobody(client, bank, consultant):
    before = Organisation.objects.count()
    response = client_for(client, consultant).post(
        reverse("client_add"), {**client_form("not-an-address"), "name": ""}
    )
    assert response.status_code == 400
    work_the_queue()
    assert Organisation.objects.count() == before and not mail.outbox


def test_sending_again_never_undoes_a_password_already_chosen(client, bank, consultant):
    client = client_for(client, consultant)
    client.post(reverse("client_add"), client_form("nora@example.org"))
    invitation = Invitation.objects.get()
    work_the_queue()
    link = LINK.search(mail.outbox[0].body).group(1)
    invitee = Client()
    set_password_url = invitee.get(link, follow=True).redirect_chain[-1][0]
    chosen = "una-clave-larga-2026"
    invitee.post(set_password_url, {"new_password1": chosen, "new_password2": chosen})
    # Chosen, but not signed in yet: the invitation is taken up all the same.
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now() - timedelta(hours=1))
    refused = client.post(reverse("invitation_resend", args=[invitation.pk]), follow=True)
    assert "Esta invitación ya se aceptó" in refused.content.decode()
    work_the_queue()
    assert len(mail.outbox) == 1
    assert Client().login(username="nora@example.org", password=chosen)


def test_each_consultant_sees_only_the_invitations_of_the_clients_they_follow(
    client, bank, consultant, bob
):
    bob.email = "bob@example.org"
    bob.save()
    client_for(client, consultant).post(reverse("client_add"), client_form("nora@example.org"))
    client_for(client, consultant).post(
        reverse("client_add"), client_form("bob@example.org", name="Otra S.L.")
    )
    work_the_queue()
    join_link = LINK.search(mail.outbox[1].body).group(1)
    other = make_user("otra-consultora")
    Membership.objects.create(
        user=other,
        organisation=Organisation.objects.create(
            name="Suya", sector="x", size_band="micro", country="y"
        ),
        role="consultant",
    )
    page = client_for(Client(), other).get(reverse("invitations")).content.decode()
    assert "nora@example.org" not in page and "Nueva S.L." not in page
    assert "Todavía no has invitado a nadie" in page
    # Somebody who has not signed in is sent to sign in, and the link changes nothing.
    anonymous = Client().get(join_link)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("account_login"))
    assert not Membership.objects.filter(user=bob, organisation__name="Otra S.L.").exists()


def test_the_invitations_page_shows_fifty_at_a_time_with_the_same_queries(client, consultant):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    invitee = make_user("invitee")
    now = timezone.now()

    def invite(count, start):
        for n in range(start, start + count):
            organisation = Organisation.objects.create(
                name=f"Cliente {n:03d}", sector="Comercio", size_band="micro", country="Perú"
            )
            Membership.objects.create(user=consultant, organisation=organisation, role="consultant")
            Invitation.objects.create(
                organisation=organisation,
                user=invitee,
                email=f"m{n}@example.org",
                invited_by=consultant,
                sent_at=now - timedelta(minutes=n),
            )

    client = client_for(client, consultant)
    invite(51, 0)  # two pages: a list that fits on one needs no count
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("invitations"))
    invite(9, 51)
    with CaptureQueriesContext(connection) as many:
        first = client.get(reverse("invitations")).content.decode()
    assert len(many) == len(few)
    assert first.count("data-invitation=") == 50
    assert "m0@example.org" in first and "m50@example.org" not in first
    second = client.get(reverse("invitations"), {"page": 2}).content.decode()
    assert second.count("data-invitation=") == 10 and "m59@example.org" in second
    assert client.get(reverse("invitations"), {"page": "x"}).status_code == 404
