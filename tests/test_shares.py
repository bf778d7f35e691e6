"""Read-only shared links: made by an organisation's team, shown once, stored hashed; they
open one report (or the progress page), its charts and its PDF, for anyone, and nothing
else; they end when revoked, expired, their assessment is deleted or their maker leaves;
guessing is rate limited; nobody's address or cookie is kept."""

import re
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone

from assessments import services
from assessments.models import Membership, ShareLink
from tests.conftest import client_for, make_user
from tests.test_access import acme_objects, snapshot, urls_for  # noqa: F401
from tests.test_rounds import ALICE, DAVE, ROSA, close, start_round, submit


def make_link(client, assessment=None, organisation=None, **fields):
    """A link made through the page; returns (its path, the page that showed it)."""
    url = (
        reverse("share_report", args=[assessment.pk])
        if assessment
        else reverse("share_progress", args=[organisation.pk])
    )
    response = client.post(url, {"label": "Consejo de administración", "days": "30", **fields})
    assert response.status_code == 200, response.content.decode()[:500]
    html = response.content.decode()
    full = re.search(r"data-link>([^<]+)<", html).group(1)
    return full.removeprefix("http://testserver"), html


def test_a_manager_shares_a_report_that_anyone_reads_and_nothing_more(client, submitted, alice):
    team = client_for(client, alice)
    report = team.get(reverse("assessment_report", args=[submitted.pk])).content.decode()
    assert reverse("share_report", args=[submitted.pk]) in report
    path, made = make_link(team, submitted)
    secret = path.split("/")[2]
    assert len(secret) >= 32  # 24 random bytes: 192 bits
    link = ShareLink.objects.get()
    assert link.key_hash == ShareLink.hash_of(secret)
    assert secret not in str(ShareLink.objects.values().get())
    # The organisation's list: label, maker, expiry; the secret is not shown again.
    listed = team.get(reverse("share_links", args=[submitted.organisation_id])).content.decode()
    assert "Consejo de administración" in listed and "Alice" in listed and secret not in listed
    # Making it is in the audit trail, with who made it.
    assert LogEntry.objects.get_for_object(link).filter(actor=alice).exists()

    reader = Client()
    page = reader.get(path)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Acme" in html and "data-overall-score" in html
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    assert page["Referrer-Policy"] == "no-referrer"
    assert page["Cache-Control"] == "private, no-store"
    assert "default-src 'self'" in page["Content-Security-Policy"]
    assert '<meta name="robots" content="noindex, nofollow">' in html
    # No way into the app: every link of the page stays under the shared link.
    hrefs = re.findall(r'(?:href|src|srcset)="([^"]+)"', html)
    inside = [h for h in hrefs if not h.startswith(("/static/", "data:", "#"))]
    assert inside and all("/" not in h.split("?")[0] or h.startswith("charts/") for h in inside)
    assert "what-if" not in html and "/plan/" not in html and "<form" not in html
    # Its charts and PDF, through the link.
    for chart in re.findall(r'<img src="(charts/[^"]+)"', html):
        svg = reader.get(path + chart)
        assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    pdf = reader.get(path + "report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # The reader got no cookie, and the views were counted without them.
    assert not page.cookies and not pdf.cookies
    link.refresh_from_db()
    assert link.views == 1 and link.last_viewed_at is not None


def test_the_reader_s_language_and_never_a_percentile(client, submitted, alice, charlie):
    # The consultant shows the managers their sector percentile: the shared page, which
    # is not the managers', shows none at all.
    Membership.objects.filter(user=charlie).update(shares_sector_percentile=True)
    path, _made = make_link(client_for(client, alice), submitted)
    spanish = Client().get(path, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    english = Client().get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Puntuación global" in spanish and '<html lang="es">' in spanish
    assert "Overall score" in english and '<html lang="en">' in english
    for html in (spanish, english):
        assert "percentil" not in html.lower() and "data-standing" not in html


def test_a_signed_in_person_sees_the_same_read_only_page(client, submitted, alice, bob):
    path, _made = make_link(client_for(client, alice), submitted)
    anonymous = Client().get(path).content
    signed_in = client_for(Client(), bob).get(path)
    assert signed_in.content == anonymous
    assert "sessionid" not in signed_in.cookies


def test_a_link_ends_with_every_way_a_link_can_end(client, bank, acme, submitted, alice, charlie):
    path, _made = make_link(client_for(client, alice), submitted)
    by_consultant, _made = make_link(client_for(Client(), charlie), organisation=acme)
    reader = Client()
    unknown = reader.get("/s/" + "x" * 32 + "/")
    assert unknown.status_code == 404
    assert reader.get(path).status_code == 200 and reader.get(by_consultant).status_code == 200
    link = ShareLink.objects.get(kind="report")
    # Expired at the second.
    now = timezone.now()
    ShareLink.objects.filter(pk=link.pk).update(expires_at=now + timedelta(seconds=30))
    assert reader.get(path).status_code == 200
    ShareLink.objects.filter(pk=link.pk).update(expires_at=now - timedelta(seconds=1))
    expired = reader.get(path)
    assert expired.status_code == 404 and expired.content == unknown.content
    ShareLink.objects.filter(pk=link.pk).update(expires_at=now + timedelta(days=1))
    # Revoked from the list.
    team = client_for(Client(), alice)
    team.post(reverse("share_link_revoke", args=[acme.pk, link.pk]))
    assert reader.get(path).content == unknown.content
    assert LogEntry.objects.get_for_object(link).filter(actor=alice).count() == 2
    # The organisation left the consultant's book: his link ends with it.
    Membership.objects.filter(user=charlie, organisation=acme).delete()
    assert reader.get(by_consultant).content == unknown.content
    # The assessment deleted: its links go with it.
    other, _made = make_link(team, submitted)
    submitted.delete()
    assert reader.get(other).content == unknown.content


def test_a_progress_link_opens_the_progress_page_and_its_charts_only(client, submitted, alice):
    path, _made = make_link(client_for(client, alice), organisation=submitted.organisation)
    reader = Client()
    html = reader.get(path).content.decode()
    assert "Progreso de Acme" in html or "Evolución de Acme" in html
    chart = re.search(r'<img src="(chart/[^"]+)"', html).group(1)
    assert reader.get(path + chart)["Content-Type"] == "image/svg+xml"
    assert reader.get(path + "report.pdf").status_code == 404
    assert reader.get(path + "charts/radar/abc.svg").status_code == 404


def test_a_named_round_is_named_only_if_the_link_says_so(
    client, bank, acme, alice, dave, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assessment = start_round(acme, alice, dave)
    from django.contrib.auth import get_user_model

    rosa = get_user_model().objects.get(email="rosa@example.org")
    submit(assessment, alice, ALICE)
    submit(assessment, dave, DAVE, notes={1: "Nadie de dirección visita clientes"})
    submit(assessment, rosa, ROSA)
    close(assessment, alice)
    team = client_for(client, alice)
    form = team.get(reverse("share_report", args=[assessment.pk])).content.decode()
    assert 'name="shows_names"' in form
    hidden, _made = make_link(team, assessment)
    named, _made = make_link(team, assessment, shows_names="on")
    reader = Client()
    without = reader.get(hidden).content.decode()
    debate = without[without.index('id="debate-title"') :]
    assert "Sí: 1" in debate and "Nadie de dirección visita clientes" in debate
    for name in ("Dave", "Rosa", "Alice"):
        assert name not in debate.replace("Nadie de dirección", "")
    assert "Dave" in reader.get(named).content.decode()
    pdf_without = reader.get(hidden + "report.pdf")
    assert pdf_without.status_code == 200


def test_an_anonymous_round_is_never_named(
    client, bank, acme, alice, dave, django_capture_on_commit_callbacks
):
    from django.contrib.auth import get_user_model

    with django_capture_on_commit_callbacks(execute=True):
        assessment = start_round(acme, alice, dave, anonymous=True)
    rosa = get_user_model().objects.get(email="rosa@example.org")
    for person, choices in ((alice, ALICE), (dave, DAVE), (rosa, ROSA)):
        submit(assessment, person, choices)
    close(assessment, alice)
    team = client_for(client, alice)
    assert 'name="shows_names"' not in team.get(reverse("share_report", args=[assessment.pk]))
    make_link(team, assessment, shows_names="on")  # sent anyway: ignored
    assert ShareLink.objects.get().shows_names is False


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"label": "", "days": "30"}, "Este campo es requerido"),
        ({"label": "Junta\ndirectiva", "days": "30"}, "una sola línea"),
        ({"label": "x" * 101, "days": "30"}, "100 caracteres"),
        ({"label": "Banco", "days": "0"}, "mayor o igual a 1"),
        ({"label": "Banco", "days": "366"}, "menor o igual a 365"),
    ],
)
def test_a_bad_link_form_says_why_and_makes_nothing(client, submitted, alice, fields, message):
    response = client_for(client, alice).post(reverse("share_report", args=[submitted.pk]), fields)
    assert response.status_code == 400 and message in response.content.decode()
    assert not ShareLink.objects.exists()


def test_nobody_outside_the_team_makes_lists_or_revokes_a_link(client, submitted, alice, bob):
    path, _made = make_link(client_for(client, alice), submitted)
    link = ShareLink.objects.get()
    respondent = make_user("rosa-r")
    Membership.objects.create(
        user=respondent, organisation=submitted.organisation, role="respondent"
    )
    organisation = submitted.organisation_id
    for stranger in (bob, respondent):
        other = client_for(Client(), stranger)
        for url in (
            reverse("share_report", args=[submitted.pk]),
            reverse("share_progress", args=[organisation]),
            reverse("share_links", args=[organisation]),
        ):
            assert other.get(url).status_code == 404, url
        revoke = other.post(reverse("share_link_revoke", args=[organisation, link.pk]))
        assert revoke.status_code == 404
    assert Client().get(path).status_code == 200  # still live
    assert ShareLink.objects.count() == 1


def test_guessing_is_rate_limited_per_address_and_then_tells_nothing(
    client, submitted, alice, settings
):
    settings.SHARE_GUESS_LIMIT = 5
    path, _made = make_link(client_for(client, alice), submitted)
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(5):
        assert guesser.get(f"/s/guess{n:028d}/").status_code == 404
    # Past the limit even the right link answers 429, so a guess cannot be confirmed.
    assert guesser.get(path).status_code == 429
    assert guesser.get("/s/" + "y" * 32 + "/").status_code == 429
    assert Client(REMOTE_ADDR="198.51.100.7").get(path).status_code == 200


def test_a_share_link_s_cookie_state_opens_nothing_of_the_app(
    client,
    acme_objects,  # noqa: F811 -- the fixture imported above
    alice,
):
    """The IDOR walk: after opening a link, every object URL of the app (and every page
    without one) still sends the reader to sign in, or answers the API's 401."""
    path, _made = make_link(client_for(Client(), alice), acme_objects["submitted"])
    reader = Client()
    assert reader.get(path).status_code == 200
    before = snapshot()
    plain_pages = [
        reverse(pattern.name)
        for pattern in get_resolver().url_patterns
        if getattr(pattern, "name", None)
        and not pattern.pattern.converters
        and pattern.name not in {"healthz", "api_schema", "api_docs"}
        and not str(pattern.pattern).startswith(("accounts/", "i18n"))
    ]
    for url in [*urls_for(acme_objects), *plain_pages]:
        for method in (reader.get, reader.post):
            response = method(url)
            if url.startswith("/api/"):
                assert response.status_code in (401, 404), url
                continue
            assert response.status_code in (302, 404, 405), (url, response.status_code)
            if response.status_code == 302:
                assert response.url.startswith(reverse("account_login")), url
    assert snapshot() == before


def test_the_crawler_started_from_a_link_reaches_only_the_shared_pages(submitted, alice):
    from tests.test_crawl import Crawler

    path, _made = make_link(client_for(Client(), alice), submitted)
    crawler = Crawler(client=Client(), user=None)
    report = crawler.run(start=path)
    assert report.problems == []
    assert report.kinds == {"shared", "shared_report_chart", "shared_pdf"}
    assert crawler.seen and all(url.startswith(path) for url in crawler.seen)


def test_a_link_is_made_by_the_service_with_its_rules(submitted, alice):
    with pytest.raises(services.AssessmentError):
        services.share_link_create(
            organisation=submitted.organisation, user=alice, label="x", days=400
        )
    draft = services.assessment_start(organisation=submitted.organisation, user=alice)
    with pytest.raises(services.AssessmentError):
        services.share_link_create(
            organisation=submitted.organisation, user=alice, label="x", days=3, assessment=draft
        )
    assert not ShareLink.objects.exists()
