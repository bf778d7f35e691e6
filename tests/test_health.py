"""What a load balancer sees: /healthz over plain HTTP, 503 with no detail while the
database is unreachable, and pages served without Redis. Real servers, real outages: the
database and Redis are addresses where nothing listens."""

import pytest

from scripts import live
from tests.conftest import PASSWORD
from tests.test_two_servers import database_url, production_password

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def static_root():
    return live.collected_static()


def server(static_root, tmp_path, **environment):
    return live.gunicorn(
        live.production_environment(
            STATIC_ROOT=static_root, CACHE_DIR=str(tmp_path / "cache"), **environment
        ),
        workers=1,
        log_path=tmp_path / "server.log",
    )


def test_health_is_ok_over_plain_http_while_every_page_redirects_to_https(static_root, tmp_path):
    with server(static_root, tmp_path, DATABASE_URL=database_url(), HTTPS="1") as url:
        browser = live.Browser()
        health = browser.request(url + "/healthz")
        assert (health.status, health.text) == (200, "ok")
        page = browser.request(url + "/accounts/login/")
        assert page.status == 301 and page.headers["Location"].startswith("https://")


def test_without_its_database_a_server_says_503_and_nothing_more(static_root, tmp_path):
    nowhere = f"postgres://postgres@127.0.0.1:{live.free_port()}/orientacion"
    with live.gunicorn(
        live.production_environment(
            STATIC_ROOT=static_root, CACHE_DIR=str(tmp_path / "cache"), DATABASE_URL=nowhere
        ),
        workers=1,
    ) as url:
        browser = live.Browser()
        health = browser.request(url + "/healthz")
        assert (health.status, health.text) == (503, "unavailable")
        browser.set_cookie("sessionid", "a-session-the-database-would-hold")
        page = browser.request(url + "/")
        assert page.status == 503 and page.headers["Retry-After"] == "30"
        assert "no se ha guardado nada" in page.text
        assert "Traceback" not in page.text and "psycopg2" not in page.text
        assert "127.0.0.1" not in page.text


def test_without_redis_pages_are_served_and_people_stay_signed_in(
    static_root, tmp_path, submitted, alice
):
    production_password(alice)
    with server(
        static_root,
        tmp_path,
        DATABASE_URL=database_url(),
        REDIS_URL=f"redis://127.0.0.1:{live.free_port()}/0",
    ) as url:
        browser = live.Browser()
        assert browser.request(url + "/healthz").text == "ok"
        assert browser.sign_in(url, "alice", PASSWORD).status == 302
        report = browser.request(url + f"/assessments/{submitted.pk}/report/")
        assert report.status == 200 and "data-overall-score>80<" in report.text
        assert "Cerrar sesión" in browser.request(url + "/").text
    log = (tmp_path / "server.log").read_text()
    assert "Error 111 connecting to 127.0.0.1" in log  # each cache call that failed, logged


def test_the_access_log_never_holds_a_shared_link_s_secret(static_root, tmp_path, submitted, alice):
    from assessments import services

    secret = services.share_link_create(
        organisation=submitted.organisation,
        user=alice,
        label="Consejo",
        days=30,
        assessment=submitted,
    ).secret
    access_log = tmp_path / "access.log"
    with server(
        static_root, tmp_path, DATABASE_URL=database_url(), ACCESS_LOG=str(access_log)
    ) as url:
        browser = live.Browser()
        browser.request(f"{url}/s/{secret}/")
        browser.request(f"{url}/s/{secret}/report.pdf")
    logged = access_log.read_text()
    assert "/s/[secret]/" in logged and "report.pdf" in logged
    assert secret not in logged
