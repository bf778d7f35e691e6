"""Two production servers (gunicorn, DEBUG off, two workers each) on the test database, as
behind a load balancer: a session ended anywhere is refused everywhere, and with Redis a
page rendered by one is served from the shared cache by the other."""

import os

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from qsessions.models import Session

from assessments.models import Answer
from scripts import live
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)

REQUESTS = 40


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] or "postgres"
    host = f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    return f"postgres://{user}@{host}/{settings['NAME']}"


def production_password(user) -> None:
    """The suite hashes passwords with MD5 for speed; a production server knows only its
    own hashers. It verifies PBKDF2 at whatever iteration count is stored."""
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "tests-salt", iterations=1000)
    user.save(update_fields=["password"])


@pytest.fixture(scope="module")
def two_servers(django_db_setup, django_db_blocker, tmp_path_factory):
    """Started once for the module: each test's rows are committed and flushed on the test
    database they read."""
    folder = tmp_path_factory.mktemp("servers")
    with django_db_blocker.unblock():
        environment = live.production_environment(
            DATABASE_URL=database_url(), STATIC_ROOT=live.collected_static()
        )
    with (
        live.gunicorn({**environment, "CACHE_DIR": str(folder / "cache-a")}) as first,
        live.gunicorn({**environment, "CACHE_DIR": str(folder / "cache-b")}) as second,
    ):
        yield first, second


def signed_in(browser, server) -> bool:
    response = browser.request(server + "/")
    return response.status == 200 and "Cerrar sesión" in response.text


def accepted_on_both(two_servers, cookie: str) -> int:
    """How many of REQUESTS requests, spread over both servers, `cookie` is signed in on."""
    browser = live.Browser()
    browser.set_cookie("sessionid", cookie)
    servers = iter(two_servers * (REQUESTS // 2))
    return sum(live.concurrently(lambda: signed_in(browser, next(servers)), REQUESTS))


@pytest.fixture
def session_on_both(two_servers, alice):
    """alice signed in through the first server; every worker of both accepts her cookie."""
    production_password(alice)
    browser = live.Browser()
    assert browser.sign_in(two_servers[0], "alice", PASSWORD).status == 302
    cookie = browser.cookie("sessionid")
    assert accepted_on_both(two_servers, cookie) == REQUESTS
    return browser, cookie


def test_signing_out_through_one_server_ends_the_session_on_both(two_servers, session_on_both):
    browser, cookie = session_on_both
    assert browser.sign_out(two_servers[1]).status == 302
    assert accepted_on_both(two_servers, cookie) == 0


def test_changing_the_password_elsewhere_ends_the_session_on_both(two_servers, session_on_both):
    _browser, cookie = session_on_both
    other_device = live.Browser()
    other_device.sign_in(two_servers[1], "alice", PASSWORD)
    page = two_servers[1] + "/accounts/password/change/"
    changed = other_device.post_form(
        page,
        page,
        {
            "oldpassword": PASSWORD,
            "password1": "otra-clave-larga-2026",
            "password2": "otra-clave-larga-2026",
        },
    )
    assert changed.status == 302
    assert accepted_on_both(two_servers, cookie) == 0
    assert signed_in(other_device, two_servers[0])  # the device that changed it stays in


def test_an_admin_deleting_the_sessions_ends_them_on_both(two_servers, session_on_both, alice):
    _browser, cookie = session_on_both
    staff = make_user("root", is_staff=True, is_superuser=True)
    production_password(staff)
    # Production asks an admin for a second factor.
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    TOTP.activate(staff, secret)
    admin = live.Browser()
    asked = admin.sign_in(two_servers[1], "root", PASSWORD)
    assert asked.headers["Location"] == "/accounts/2fa/authenticate/"
    admin.second_factor(two_servers[1], live.totp(secret))
    sessions = two_servers[1] + "/admin/qsessions/session/"
    selected = [str(pk) for pk in Session.objects.filter(user=alice).values_list("pk", flat=True)]
    confirmed = admin.post_form(
        sessions,
        sessions,
        {"action": "delete_selected", "_selected_action": selected, "post": "yes"},
    )
    assert confirmed.status == 302
    assert accepted_on_both(two_servers, cookie) == 0


def test_deactivating_the_user_ends_the_session_on_both(two_servers, session_on_both, alice):
    _browser, cookie = session_on_both
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert accepted_on_both(two_servers, cookie) == 0


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="the servers share a cache only in Redis"
)
def test_a_report_rendered_by_one_server_is_served_by_the_other_from_redis(
    two_servers, submitted, alice
):
    production_password(alice)
    first, second = two_servers
    browser = live.Browser()
    browser.sign_in(first, "alice", PASSWORD)
    report = f"/assessments/{submitted.pk}/report/"
    assert "Nadie visita clientes" in browser.request(first + report).text
    # A note no page can change once submitted, changed underneath: a server that renders
    # the report itself shows the new text, one that takes it from the cache the old.
    Answer.objects.filter(note="Nadie visita clientes").update(note="Cambiada por debajo")
    served = browser.request(second + report).text
    assert "Nadie visita clientes" in served and "Cambiada por debajo" not in served
