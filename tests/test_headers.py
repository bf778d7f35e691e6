"""What every response tells the browser: the Content-Security-Policy and no caching."""

from django.urls import reverse

from tests.conftest import client_for


def directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def test_the_policy_allows_only_the_site_s_own_files(client, alice):
    policy = directives(client_for(client, alice).get(reverse("home")))
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "script-src" not in policy and "style-src" not in policy  # 'self' from default-src


def test_the_sign_in_page_is_covered_too(client):
    response = client.get(reverse("account_login"))
    assert directives(response)["default-src"] == "'self'"
    assert response["Cache-Control"] == "private, no-store"


def test_charts_are_no_longer_kept_for_a_year(client, submitted, alice):
    import re

    client = client_for(client, alice)
    page = client.get(reverse("assessment_report", args=[submitted.pk])).content.decode()
    chart = re.search(r'src="(/assessments/\d+/charts/[^"]+)"', page).group(1)
    response = client.get(chart)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
