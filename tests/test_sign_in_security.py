"""Signing in: five wrong passwords lock a username and address out for 15 minutes, on the
site's and the admin's sign-in pages; the lockout and every failure are on record."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD, make_user, work_the_queue

SITE = "/accounts/login/"
ADMIN = "/admin/login/"


def attempt(client, page, username, password, **extra):
    return client.post(page, {"login": username, "password": password}, **extra)


@pytest.fixture
def staff(db):
    return make_user("root", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("username", ["alice", "root"])
def test_the_fifth_wrong_password_locks_the_username_and_address(username, alice, staff):
    page = SITE
    client = Client()
    statuses = [attempt(client, page, username, "wrong").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    locked = attempt(client, page, username, PASSWORD)
    assert locked.status_code == 429
    assert "en pausa durante 15 minutos" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_admin_signs_in_through_the_sites_sign_in_page_only(staff):
    """Its own form would be a way around the second factor."""
    client = Client()
    page = client.get(ADMIN)
    assert page.status_code == 302
    assert page.url == SITE + "?next=%2Fadmin%2Flogin%2F"
    posted = attempt(client, ADMIN, "root", PASSWORD)
    assert posted.status_code == 302 and posted.url.startswith(SITE)
    assert "_auth_user_id" not in client.session
    signed_in = attempt(client, SITE + "?next=/admin/", "root", PASSWORD)
    assert signed_in.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_other_people_sign_in_while_one_username_is_locked(alice, dave):
    client = Client()
    for _ in range(5):
        attempt(client, SITE, "alice", "wrong")
    response = attempt(client, SITE, "dave", PASSWORD)
    assert response.status_code == 302 and response.url == reverse("home")


def test_a_made_up_forwarded_address_does_not_reset_the_count(alice):
    client = Client()
    statuses = [
        attempt(client, SITE, "alice", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(6)
    ]
    assert statuses[4:] == [429, 429]
    assert (
        attempt(client, SITE, "alice", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code
        == 429
    )


def test_behind_a_trusted_proxy_the_address_it_saw_counts(alice, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = Client()
    # The proxy appends the address it saw; what the client wrote stands to its left.
    for n in range(5):
        attempt(client, SITE, "alice", "wrong", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.9")
    assert (
        attempt(client, SITE, "alice", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code
        == 429
    )
    elsewhere = attempt(client, SITE, "alice", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert elsewhere.status_code == 302


def test_the_lockout_ends_after_15_minutes_or_when_an_admin_lifts_it(alice, staff):
    client = Client()
    for _ in range(5):
        attempt(client, SITE, "alice", "wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert attempt(client, SITE, "alice", PASSWORD).status_code == 302

    for _ in range(5):
        attempt(Client(), SITE, "alice", "wrong")
    admin = Client()
    admin.force_login(staff)
    lockout = AccessAttempt.objects.get(username="alice")
    admin.post(reverse("admin:axes_accessattempt_delete", args=[lockout.pk]), {"post": "yes"})
    assert attempt(Client(), SITE, "alice", PASSWORD).status_code == 302


def test_every_failure_is_on_record_with_its_address_and_cannot_be_edited(alice, staff):
    client = Client()
    for _ in range(5):
        attempt(client, SITE, "alice", "wrong", REMOTE_ADDR="192.0.2.44")
    failures = AccessFailureLog.objects.filter(username="alice")
    assert failures.count() == 5
    assert set(failures.values_list("ip_address", flat=True)) == {"192.0.2.44"}
    assert failures.filter(locked_out=True).count() == 1
    admin = Client()
    admin.force_login(staff)
    failure = failures.first()
    change = reverse("admin:axes_accessfailurelog_change", args=[failure.pk])
    page = admin.get(change).content.decode()
    assert 'name="_save"' not in page
    admin.post(reverse("admin:axes_accessfailurelog_delete", args=[failure.pk]), {"post": "yes"})
    assert AccessFailureLog.objects.filter(pk=failure.pk).exists()


def test_a_forgotten_password_gets_the_same_answer_whether_or_not_the_address_exists(alice):
    alice.email = "alice@example.org"
    alice.save()
    answers = []
    for address in ("alice@example.org", "nobody@example.org"):
        response = Client().post(reverse("password_reset"), {"email": address}, follow=True)
        answers.append((response.redirect_chain, response.content.decode()))
    (known_chain, known_page), (unknown_chain, unknown_page) = answers
    assert known_chain == unknown_chain
    strip = lambda page: page.split('name="csrfmiddlewaretoken"')[0]  # noqa: E731
    assert strip(known_page) == strip(unknown_page)
    work_the_queue()
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    assert get_user_model().objects.get(username="alice").check_password(PASSWORD)


def test_failures_and_the_lockout_are_logged(alice, caplog):
    client = Client()
    with caplog.at_level("WARNING"):
        for _ in range(5):
            attempt(client, SITE, "alice", "wrong", REMOTE_ADDR="192.0.2.77")
    messages = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    failures = [m for m in messages if "login failure" in m.lower() and "alice" in m]
    lockouts = [m for m in messages if "locking out" in m.lower() and "alice" in m]
    assert len(failures) >= 4 and lockouts, messages
    assert all("192.0.2.77" in m for m in failures + lockouts)
    assert not any("wrong" in m for m in messages)  # the password tried is never logged
