"""The second factor (django-allauth's TOTP and recovery codes): required of the roles a
setting names, set up right after the password, and hard to abuse. Codes are computed
from the secret the page shows, as an authenticator app would (RFC 6238: scripts/live.py)."""

import re
import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from assessments.models import OutgoingMail
from scripts.live import totp
from tests.conftest import PASSWORD, work_the_queue

SIGN_IN = "/accounts/login/"
SET_UP = "/accounts/2fa/totp/activate/"
CODE_PAGE = "/accounts/2fa/authenticate/"


@pytest.fixture
def required(settings):
    settings.SECOND_FACTOR_REQUIRED_FOR = frozenset({"admin", "consultant"})


def sign_in(client, username, password=PASSWORD):
    return client.post(SIGN_IN, {"login": username, "password": password})


def set_up_totp(client) -> str:
    page = client.get(SET_UP).content.decode()
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page).group(1)
    response = client.post(SET_UP, {"code": totp(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return secret


def recovery_codes(client) -> list[str]:
    page = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    block = re.search(r'<textarea[^>]*id="recovery_codes"[^>]*>(.*?)</textarea>', page, re.S)
    return block.group(1).split()


@pytest.mark.parametrize("username", ["charlie", "admin"])
def test_a_consultant_or_admin_with_only_the_password_reaches_nothing_but_the_set_up(
    required, client, charlie, staff, username
):
    assert sign_in(client, username).status_code == 302
    for url in ["/", "/portfolio/", "/admin/", "/account/", "/admin/assessments/questionbank/"]:
        response = client.get(url)
        assert response.status_code == 302 and response.url == SET_UP, url
    assert client.get(SET_UP).status_code == 200
    set_up_totp(client)
    assert client.get("/").status_code == 200


def test_a_manager_is_not_asked_for_one_unless_the_setting_says_so(
    required, settings, client, alice
):
    sign_in(client, "alice")
    assert client.get("/").status_code == 200
    settings.SECOND_FACTOR_REQUIRED_FOR = frozenset({"manager"})
    other = Client()
    sign_in(other, "alice")
    assert other.get("/").url == SET_UP


def test_signing_in_asks_for_the_code_and_refuses_a_wrong_replayed_or_anothers(
    required, charlie, staff
):
    first = Client()
    sign_in(first, "charlie")
    secret = set_up_totp(first)  # with the code of this 30-second step
    admins = Client()
    sign_in(admins, "admin")
    admins_secret = set_up_totp(admins)
    client = Client()
    response = sign_in(client, "charlie")
    assert response.url == CODE_PAGE
    assert client.get("/").url.startswith(SIGN_IN)  # not signed in until the code
    for refused in (
        "000000" if totp(secret) != "000000" else "111111",  # wrong
        totp(secret),  # given a moment ago to set it up: a replay
        totp(admins_secret, step=1),  # valid, but another person's
    ):
        response = client.post(CODE_PAGE, {"code": refused})
        assert response.status_code == 200 and "_auth_user_id" not in client.session, refused
    assert "incorrect" in response.content.decode().lower() or "incorrecto" in (
        response.content.decode().lower()
    )
    # The next step's code (a phone clock a little ahead) signs in, once.
    assert client.post(CODE_PAGE, {"code": totp(secret, step=1)}).url == "/"
    assert client.get("/").status_code == 200
    again = Client()
    sign_in(again, "charlie")
    replayed = again.post(CODE_PAGE, {"code": totp(secret, step=1)})
    assert replayed.status_code == 200 and "_auth_user_id" not in again.session


def test_a_recovery_code_works_once(required, charlie):
    client = Client()
    sign_in(client, "charlie")
    set_up_totp(client)
    codes = recovery_codes(client)
    assert len(codes) == 10
    first = Client()
    sign_in(first, "charlie")
    assert first.post(CODE_PAGE, {"code": codes[0]}).url == "/"
    second = Client()
    sign_in(second, "charlie")
    refused = second.post(CODE_PAGE, {"code": codes[0]})
    assert refused.status_code == 200 and "_auth_user_id" not in second.session
    assert second.post(CODE_PAGE, {"code": codes[1]}).url == "/"


def test_five_wrong_codes_lock_like_five_wrong_passwords(required, charlie):
    client = Client()
    sign_in(client, "charlie")
    secret = set_up_totp(client)
    locked = Client()
    sign_in(locked, "charlie")
    statuses = [locked.post(CODE_PAGE, {"code": "12345x"}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    # Even the right code is refused now, and so is the password on a new try.
    right = locked.post(CODE_PAGE, {"code": totp(secret, step=1)})
    assert right.status_code == 429 and "_auth_user_id" not in locked.session
    assert sign_in(Client(), "charlie").status_code == 429


def test_turning_the_second_factor_on_and_new_recovery_codes_are_mailed(
    required, charlie, django_capture_on_commit_callbacks
):
    charlie.email = "charlie@example.org"
    charlie.save()
    client = Client()
    sign_in(client, "charlie")
    with django_capture_on_commit_callbacks(execute=True):
        set_up_totp(client)
        client.post(reverse("mfa_generate_recovery_codes"))
    work_the_queue()
    notices = OutgoingMail.objects.filter(kind=OutgoingMail.Kind.ACCOUNT_NOTICE, user=charlie)
    assert {m.notice for m in notices} == {
        "mfa/email/totp_activated",
        "mfa/email/recovery_codes_generated",
    }
    assert all(m.status == OutgoingMail.Status.SENT for m in notices)
    sent = [m for m in mail.outbox if m.to == ["charlie@example.org"]]
    assert len(sent) == 2
    assert any("authenticator app" in m.body or "autenticación" in m.body for m in sent)
    assert not any(re.search(r"\b\d{6}\b", m.body) for m in sent)  # no code travels by mail


def signed_in_minutes_ago(client, minutes: int) -> None:
    from orientacion.auth import SIGNED_IN_AT

    session = client.session
    session[SIGNED_IN_AT] = time.time() - minutes * 60
    session.save()


@pytest.mark.parametrize("page", ["mfa_deactivate_totp", "mfa_generate_recovery_codes"])
def test_changing_the_second_factor_asks_for_a_code_again_after_ten_minutes(
    settings, charlie, page
):
    settings.SECOND_FACTOR_REQUIRED_FOR = frozenset()
    client = Client()
    sign_in(client, "charlie")
    secret = set_up_totp(client)
    signed_in_minutes_ago(client, 9)
    assert client.get(reverse(page)).status_code == 200
    signed_in_minutes_ago(client, 11)
    asked = client.get(reverse(page))
    assert asked.status_code == 302
    assert asked.url.startswith(reverse("mfa_reauthenticate"))
    given = client.post(asked.url, {"code": totp(secret, step=1)})
    assert given.status_code == 302
    assert client.get(reverse(page)).status_code == 200


def test_a_password_change_after_ten_minutes_asks_for_the_second_factor_first(settings, charlie):
    settings.SECOND_FACTOR_REQUIRED_FOR = frozenset()
    client = Client()
    sign_in(client, "charlie")
    secret = set_up_totp(client)
    signed_in_minutes_ago(client, 11)
    change = {
        "oldpassword": PASSWORD,
        "password1": "a-new-horse-battery-staple",
        "password2": "a-new-horse-battery-staple",
    }
    asked = client.post(reverse("account_change_password"), change)
    assert asked.url.startswith(reverse("mfa_reauthenticate"))
    charlie.refresh_from_db()
    assert charlie.check_password(PASSWORD)
    client.post(asked.url, {"code": totp(secret, step=1)})
    client.post(reverse("account_change_password"), change)
    charlie.refresh_from_db()
    assert charlie.check_password("a-new-horse-battery-staple")


def test_whoever_must_use_a_second_factor_cannot_turn_it_off(required, charlie):
    client = Client()
    sign_in(client, "charlie")
    set_up_totp(client)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    from allauth.mfa.models import Authenticator

    assert Authenticator.objects.filter(user=charlie, type="totp").exists()


def test_with_a_second_factor_the_password_alone_does_not_confirm_a_change(settings, charlie):
    settings.SECOND_FACTOR_REQUIRED_FOR = frozenset()
    client = Client()
    sign_in(client, "charlie")
    set_up_totp(client)
    signed_in_minutes_ago(client, 11)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(reverse("mfa_deactivate_totp")).url.startswith(reverse("mfa_reauthenticate"))


def test_an_admin_resets_a_persons_second_factor_and_the_person_is_told(
    settings, charlie, staff, django_capture_on_commit_callbacks
):
    from allauth.mfa.models import Authenticator
    from django.contrib.admin.models import LogEntry

    settings.SECOND_FACTOR_REQUIRED_FOR = frozenset({"consultant"})
    charlie.email = "charlie@example.org"
    charlie.save()
    charlies = Client()
    sign_in(charlies, "charlie")
    set_up_totp(charlies)
    assert charlies.get("/").status_code == 200
    admin = Client()
    sign_in(admin, "admin")
    changelist = reverse("admin:mfa_authenticator_changelist")
    listing = admin.get(changelist).content.decode()
    assert "secret" not in listing.lower()
    selected = list(Authenticator.objects.filter(user=charlie).values_list("pk", flat=True))
    response = admin.post(changelist, {"action": "reset", "_selected_action": selected})
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=charlie).exists()
    # Told by mail; on record in the admin's history of the person; and, being a
    # consultant, sent to set up a new one at the next page.
    work_the_queue()
    notice = OutgoingMail.objects.get(user=charlie, notice="second_factor_reset")
    assert notice.status == OutgoingMail.Status.SENT
    assert LogEntry.objects.filter(object_id=str(charlie.pk), user=staff).exists()
    assert charlies.get("/").url == SET_UP
    # Nobody can read or change a second factor's secret in the admin.
    charlie_again = Client()
    sign_in(charlie_again, "charlie")
    set_up_totp(charlie_again)
    one = Authenticator.objects.filter(user=charlie).first()
    page = admin.get(reverse("admin:mfa_authenticator_change", args=[one.pk])).content.decode()
    assert one.data.get("secret", "-") not in page
    assert 'name="data"' not in page


def test_publishing_a_bank_asks_who_it_is_after_ten_minutes(bank, staff):
    from assessments import services
    from assessments.models import QuestionBank

    draft = services.bank_new_version(bank=bank)
    admin = Client()
    sign_in(admin, "admin")
    signed_in_minutes_ago(admin, 11)
    changelist = reverse("admin:assessments_questionbank_changelist")
    asked = admin.post(changelist, {"action": "publish", "_selected_action": [draft.pk]})
    assert asked.url.startswith(reverse("account_reauthenticate"))
    draft.refresh_from_db()
    assert draft.status == QuestionBank.Status.DRAFT
    # Once the password is given again, the publish goes ahead as it was asked.
    admin.post(asked.url, {"password": PASSWORD})
    draft.refresh_from_db()
    assert draft.status == QuestionBank.Status.PUBLISHED
