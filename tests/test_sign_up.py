"""Managers sign up on their own: name, address, password and organisation; the address
is confirmed from a mailed link before anything opens; the page never tells whether an
address already has an account; sign-up is rate limited and can be turned off."""

import re

from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from assessments.models import Membership, Organisation, OutgoingMail
from tests.conftest import PASSWORD, make_user, work_the_queue

SIGN_UP = "/accounts/signup/"
SIGN_IN = "/accounts/login/"
NEW_PASSWORD = "a long new passphrase 81"
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def sign_up_data(email="nuria@example.com", **overrides):
    return {
        "first_name": "Nuria",
        "last_name": "Vidal",
        "email": email,
        "password1": NEW_PASSWORD,
        "organisation_name": "Clínica Dental Sonrisa",
        "sector": "Salud",
        "size_band": "small",
        "country": "España",
        **overrides,
    }


def sign_up(client, **overrides):
    return client.post(SIGN_UP, sign_up_data(**overrides))


def mailed_link(recipient) -> str:
    work_the_queue()
    (message,) = [m for m in mail.outbox if m.to == [recipient]]
    return re.search(r"https?://\S+", message.body).group(0)


def test_a_manager_signs_up_confirms_and_lands_on_the_first_assessment(
    client, bank, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client)
    assert response.status_code == 302
    assert response.url == "/accounts/confirm-email/"
    user = get_user_model().objects.get(email="nuria@example.com")
    assert user.get_full_name() == "Nuria Vidal"
    membership = Membership.objects.get(user=user)
    assert membership.role == Membership.Role.MANAGER
    assert membership.organisation.name == "Clínica Dental Sonrisa"
    assert membership.organisation.size_band == "small"
    # Not signed in, and nothing opens until the address is confirmed.
    assert client.get("/").url.startswith(SIGN_IN)
    refused = client.post(SIGN_IN, {"login": "nuria@example.com", "password": NEW_PASSWORD})
    assert refused.url == "/accounts/confirm-email/"
    assert client.get("/").url.startswith(SIGN_IN)

    link = mailed_link("nuria@example.com")
    assert "/accounts/confirm-email/" in link
    page = client.get(link)
    assert page.status_code == 200
    assert "nuria@example.com" in page.content.decode()
    assert client.get("/").url.startswith(SIGN_IN)  # opening the link alone confirms nothing
    confirmed = client.post(link, follow=True)
    body = confirmed.content.decode()
    assert confirmed.status_code == 200
    assert confirmed.redirect_chain[-1][0] == "/"
    assert "Empezar la autoevaluación" in body
    assert "Clínica Dental Sonrisa" in body
    started = client.post(f"/organisations/{membership.organisation.pk}/assessments/new/")
    assert started.status_code == 302 and started.url.startswith("/assessments/")


def test_confirming_in_another_browser_then_signing_in_opens_the_account(
    bank, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(Client(), email="Pablo@Example.com")
    link = mailed_link("pablo@example.com")
    other = Client()
    other.post(link)
    assert other.get("/").url.startswith(SIGN_IN)  # confirmed there, but not signed in
    other.post(SIGN_IN, {"login": "pablo@example.com", "password": NEW_PASSWORD})
    assert other.get("/").status_code == 200


def test_an_address_with_an_account_gets_the_same_answer_and_its_owner_a_mail(
    alice, django_capture_on_commit_callbacks
):
    alice.email = "alice@example.com"
    alice.save()
    pages = []
    # Twice each: the second time within the few minutes one address gets one mail.
    for email in ["alice@example.com", "nobody@example.com"] * 2:
        client = Client()
        with django_capture_on_commit_callbacks(execute=True):
            response = sign_up(client, email=email)
        followed = client.get(response.url)
        pages.append(
            (
                response.status_code,
                response.url,
                followed.status_code,
                CSRF_TOKEN.sub("", followed.content.decode().replace(email, "EMAIL")),
            )
        )
    assert pages[0] == pages[1] == pages[2] == pages[3]
    work_the_queue()
    # Alice's account is untouched and she hears of the attempt; no second account exists.
    assert get_user_model().objects.filter(email__iexact="alice@example.com").count() == 1
    assert Membership.objects.filter(user=alice).count() == 1
    assert not Organisation.objects.filter(name="Clínica Dental Sonrisa", memberships__user=alice)
    (notice,) = [m for m in mail.outbox if m.to == ["alice@example.com"]]
    assert "already has one" in notice.body or "ya tiene una" in notice.body
    assert "/accounts/confirm-email/" not in notice.body
    assert alice.check_password(PASSWORD)


def test_a_rejected_sign_up_says_why_and_saves_nothing(client, db):
    response = sign_up(client, password1="123", organisation_name="", size_band="huge")
    assert response.status_code == 200
    form = response.context["form"]
    assert {"password1", "organisation_name", "size_band"} <= set(form.errors)
    assert not get_user_model().objects.exists()
    assert not Organisation.objects.exists()
    assert not OutgoingMail.objects.exists()


def test_sign_ups_from_one_address_are_throttled(settings, db):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "3/m/ip"}
    client = Client()
    statuses = [sign_up(client, email=f"p{n}@example.com").status_code for n in range(5)]
    assert statuses == [302, 302, 302, 429, 429]
    assert get_user_model().objects.count() == 3
    # Another address is not held back by this one.
    assert sign_up(Client(REMOTE_ADDR="10.0.0.9"), email="q@example.com").status_code == 302


def test_one_address_gets_one_confirmation_mail_every_few_minutes(
    db, django_capture_on_commit_callbacks
):
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            sign_up(Client(REMOTE_ADDR=f"10.0.0.{n}"), email="flood@example.com")
    work_the_queue()
    assert len([m for m in mail.outbox if m.to == ["flood@example.com"]]) == 1


def test_sign_up_can_be_turned_off(settings, client, db):
    settings.SIGNUP_OPEN = False
    page = client.get(SIGN_UP)
    assert "cerrado" in page.content.decode() or "closed" in page.content.decode()
    sign_up(client)
    assert not get_user_model().objects.exists()
    assert "/accounts/signup/" not in client.get(SIGN_IN).content.decode()
    settings.SIGNUP_OPEN = True
    assert "/accounts/signup/" in client.get(SIGN_IN).content.decode()


def test_accounts_made_by_invitation_or_admin_sign_in_without_a_confirmation(client, db):
    make_user("olga", email="olga@example.com")
    response = client.post(SIGN_IN, {"login": "olga@example.com", "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/"


def test_changing_the_address_confirms_the_new_one_and_tells_the_old(
    alice, django_capture_on_commit_callbacks
):
    alice.email = "alice@example.com"
    alice.save()
    client = Client()
    client.post(SIGN_IN, {"login": "alice", "password": PASSWORD})
    page = client.get("/accounts/email/")
    assert page.status_code == 200 and "alice@example.com" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/email/", {"email": "alice.new@example.com", "action_add": ""}
        )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"  # nothing changes before the confirmation
    link = mailed_link("alice.new@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link)
    alice.refresh_from_db()
    assert alice.email == "alice.new@example.com"
    work_the_queue()
    (notice,) = [m for m in mail.outbox if m.to == ["alice@example.com"]]
    assert "changed" in notice.subject or "cambi" in notice.subject
    # The account still signs in without asking for a confirmation, with the new address.
    again = Client()
    signed_in = again.post(SIGN_IN, {"login": "alice.new@example.com", "password": PASSWORD})
    assert signed_in.url == "/"
    old = Client().post(SIGN_IN, {"login": "alice@example.com", "password": PASSWORD})
    assert old.status_code == 200  # the form again, with its error


def test_changing_the_address_asks_who_it_is_after_ten_minutes(alice, settings):
    alice.email = "alice@example.com"
    alice.save()
    client = Client()
    client.post(SIGN_IN, {"login": "alice", "password": PASSWORD})
    session = client.session
    session["signed_in_at"] -= 11 * 60
    session.save()
    response = client.get("/accounts/email/")
    assert response.status_code == 302 and response.url.startswith("/accounts/reauthenticate/")


def test_an_address_with_an_account_and_a_new_one_are_answered_at_the_same_moment(settings, db):
    """Each sign-up is answered no sooner than SIGNUP_ANSWER_SECONDS after it came, so
    the rows a new account writes (and a notice does not) never show in the time."""
    import time

    settings.SIGNUP_ANSWER_SECONDS = 0.25
    make_user("owner", email="owner@example.com")
    took = {}
    for address in ("owner@example.com", "someone-new@example.com"):
        began = time.monotonic()
        response = sign_up(Client(), email=address)
        took[address] = time.monotonic() - began
        assert response.status_code == 302
    assert min(took.values()) >= 0.25, took


def test_a_sign_up_refused_past_the_rate_limit_does_not_wait(settings, db):
    import time

    settings.SIGNUP_ANSWER_SECONDS = 1
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "1/m/ip"}
    browser = Client()
    began = time.monotonic()
    assert browser.post(SIGN_UP, sign_up_data(email="first@example.com")).status_code == 302
    waited = time.monotonic() - began
    began = time.monotonic()
    refused = browser.post(SIGN_UP, sign_up_data(email="second@example.com"))
    assert refused.status_code == 429
    assert waited >= 1 and time.monotonic() - began < 0.5
