"""A manager invites their consultant by e-mail; the organisation joins the consultant's
book once they accept, and the manager sees the same whether or not the address has an
account."""

import re

from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from assessments.models import Invitation, Membership, OutgoingMail
from tests.conftest import PASSWORD, client_for, work_the_queue

LINK = re.compile(r"(https?://\S+)")


def invite(client, organisation, email, **extra):
    return client.post(
        reverse("organisation_consultants", args=[organisation.pk]),
        {"first_name": "Carmen", "last_name": "Ruiz", "email": email, **extra},
    )


def test_a_new_consultant_sets_a_password_and_finds_the_client_in_their_portfolio(
    client, bank, bravo, bob
):
    manager = client_for(client, bob)
    response = invite(manager, bravo, "Carmen@Example.org")
    assert response.status_code == 302
    page = manager.get(response.url).content.decode()
    assert "carmen@example.org" in page and "Pendiente" in page
    carmen = get_user_model().objects.get(email="carmen@example.org")
    assert not Membership.objects.filter(user=carmen).exists()  # nothing before accepting
    work_the_queue()
    (message,) = mail.outbox
    assert message.to == ["carmen@example.org"] and "Bravo" in message.body
    link = LINK.search(message.body).group(1)

    invitee = Client()
    form_page = invitee.get(link, follow=True)
    chosen = "otra-clave-larga-2026"
    invitee.post(
        form_page.redirect_chain[-1][0], {"new_password1": chosen, "new_password2": chosen}
    )
    assert invitee.login(username="carmen@example.org", password=chosen)
    assert Membership.objects.get(user=carmen, organisation=bravo).role == "consultant"
    assert "Bravo" in invitee.get(reverse("portfolio")).content.decode()
    page = manager.get(response.url).content.decode()
    assert "Carmen Ruiz" in page and "Aceptada" in page


def test_an_existing_consultant_accepts_with_the_join_link(client, bank, bravo, bob, charlie):
    charlie.email = "charlie@example.org"
    charlie.save()
    manager = client_for(client, bob)
    invite(manager, bravo, "charlie@example.org")
    work_the_queue()
    link = LINK.search(mail.outbox[0].body).group(1)
    consultant = client_for(Client(), charlie)
    assert "Bravo" not in consultant.get(reverse("portfolio")).content.decode()
    assert consultant.post(link).status_code == 302
    assert "Bravo" in consultant.get(reverse("portfolio")).content.decode()
    # Inviting them again, once they follow it, is refused with a reason.
    again = invite(manager, bravo, "charlie@example.org")
    assert again.status_code == 400 and "ya tiene una invitación" in again.content.decode()
    assert charlie.check_password(PASSWORD)  # an existing account's password is untouched


def test_the_manager_sees_the_same_whether_or_not_the_address_has_an_account(
    bank, bravo, bob, charlie
):
    charlie.email = "charlie@example.org"
    charlie.save()
    pages = []
    for email in ["charlie@example.org", "nadie@example.org"]:
        manager = client_for(Client(), bob)
        response = invite(manager, bravo, email)
        page = manager.get(response.url).content.decode()
        page = re.sub(r'value="[^"]*"', "", page.replace(email, "EMAIL"))
        page = re.sub(r'data-invitation="\d+"', "", page)
        pages.append((response.status_code, re.sub(r"\d\d?:\d\d", "", page)))
        Invitation.objects.all().delete()
    assert pages[0] == pages[1]


def test_only_the_organisations_managers_reach_the_page(client, bank, acme, bravo, bob, charlie):
    url = reverse("organisation_consultants", args=[bravo.pk])
    assert client_for(Client(), bob).get(url).status_code == 200
    for outsider in [charlie]:
        other = client_for(Client(), outsider)
        assert other.get(url).status_code == 404
        assert invite(other, bravo, "x@example.org").status_code == 404
    # A manager of another organisation cannot invite into this one by changing the id.
    assert invite(client_for(Client(), bob), acme, "x@example.org").status_code == 404
    assert not Invitation.objects.exists() and not OutgoingMail.objects.exists()


def test_a_rejected_invitation_says_why_and_sends_nothing(client, bank, bravo, bob):
    manager = client_for(client, bob)
    response = invite(manager, bravo, "not an address", first_name="")
    assert response.status_code == 400
    assert {"email", "first_name"} <= set(response.context["form"].errors)
    invite(manager, bravo, "carmen@example.org")
    again = invite(manager, bravo, "carmen@example.org")
    assert again.status_code == 400
    assert "carmen@example.org ya tiene una invitación" in again.content.decode()
    assert Invitation.objects.count() == 1 and OutgoingMail.objects.count() == 1
