"""Arbitrary text in any query parameter of any list page, export or chart is answered
with a page, a redirect or a 4xx: never a server error."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments import services
from assessments.models import (
    Erasure,
    Firm,
    FirmMember,
    Membership,
    Organisation,
    OrganisationDeletion,
    OutcomeValue,
    ShareLink,
)
from tests.conftest import all_choices, answer_inputs, client_for

# Text of every kind, with the characters that have broken parsers before: digits that
# str.isdigit() accepts but int() refuses, NUL (PostgreSQL refuses it in a string), signs,
# separators and numbers too long for a 64-bit integer.
TRICKY = ["²", "³", "¹", "①", "٣", "\x00", "-1", "+1", "1e3", "0x1", " 1", "1,2", "9" * 30, "", "-"]
values = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30),
    st.sampled_from(TRICKY),
    st.lists(st.sampled_from(TRICKY + ["1", "2"]), min_size=1, max_size=3).map("".join),
    st.integers().map(str),
)
# Values that look like ids to a careless check (str.isdigit() accepts them all).
ID_LIKE = ["1", "2", "²", "³", "¹", "①", "٣", "9" * 30, "0" * 19 + "1"]


def fuzzed(examples: int):
    """Hypothesis settings for `examples` requests against one fixture's data: every
    example may share it, since a page only reads it and a refused form changes nothing
    (which each test asserts)."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@pytest.fixture
def pages(bank, acme, alice, charlie, submitted):
    """The URL of every list page, export and chart, with the parameters each one reads."""
    client = Client(raise_request_exception=False)
    client.force_login(charlie)
    later = services.assessment_start(organisation=acme, user=alice)
    services.answers_submit(
        assessment=later, user=alice, answers=answer_inputs(bank, all_choices("partly"))
    )
    compare = client.get(reverse("compare") + f"?org={acme.pk}").content.decode()
    compare_charts = re.findall(r'src="(/portfolio/compare/charts/[^"?]+)', compare)
    report = client.get(reverse("assessment_report", args=[submitted.pk])).content.decode()
    report_charts = re.findall(r'src="(/assessments/\d+/charts/[^"]+)"', report)
    progress = client.get(reverse("progress", args=[acme.pk])).content.decode()
    progress_chart = re.search(r'src="(/organisations/\d+/progress/chart/[^"]+)"', progress)
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    services.outcomes_save(
        organisation=acme, user=alice, period=last_month, values={"nps": Decimal(20)}
    )
    book = client.get(reverse("book_outcomes")).content.decode()
    book_files = re.findall(r'(?:src|data-points-url)="(/portfolio/outcomes/[^"?]+)', book)
    shared = reverse(
        "shared",
        args=[
            services.share_link_create(
                organisation=acme, user=alice, label="x", days=3, assessment=submitted
            ).secret
        ],
    )
    shared_page = Client().get(shared).content.decode()
    shared_charts = [shared + c for c in re.findall(r'<img src="(charts/[^"]+)"', shared_page)]
    common = ["page", "next", "q"]
    urls = {
        reverse("home"): common,
        reverse("portfolio"): [
            "sector",
            "size_band",
            "level",
            "sort",
            "per_page",
            "not_assessed_since",
            *common,
        ],
        reverse("compare"): ["org", "focus", *common],
        reverse("portfolio_csv"): common,
        reverse("invitations"): common,
        reverse("password_reset"): common,
        reverse("portfolio_answers_csv"): common,
        reverse("portfolio_answers_xlsx"): common,
        reverse("portfolio_xlsx"): common,
        reverse("progress", args=[acme.pk]): common,
        progress_chart.group(1): ["layout", *common],
        reverse("assessment_report", args=[submitted.pk]): common,
        reverse("assessment_csv", args=[submitted.pk]): common,
        reverse("assessment_xlsx", args=[submitted.pk]): common,
        reverse("assessment_pdf", args=[submitted.pk]): common,
        reverse("what_if", args=[submitted.pk]): ["q1", "q2", "q4", "q7", "partial", *common],
        reverse("plan", args=[acme.pk]): ["status", "owner", *common],
        reverse("plan_csv", args=[acme.pk]): ["status", "owner", *common],
        reverse("plan_xlsx", args=[acme.pk]): ["status", "owner", *common],
        reverse("plan_ics", args=[acme.pk]): ["status", "owner", *common],
        # A chart reads `layout` ("narrow": its drawing for a phone).
        **{url: ["org", "focus", "layout", *common] for url in compare_charts},
        **{url: ["layout", *common] for url in report_charts},
        reverse("outcomes", args=[acme.pk]): ["month", *common],
        reverse("outcomes_csv", args=[acme.pk]): common,
        reverse("outcomes_xlsx", args=[acme.pk]): common,
        reverse("book_outcomes"): ["sector", "score", "measure", "per_page", *common],
        **{url: ["sector", "score", "measure", "layout", *common] for url in book_files},
        reverse("share_links", args=[acme.pk]): common,
        reverse("share_report", args=[submitted.pk]): common,
        reverse("organisation_export", args=[acme.pk]): common,
        shared: common,
        shared + "report.pdf": common,
        **{url: ["layout", *common] for url in shared_charts},
    }
    assert len(compare_charts) == 2 and len(report_charts) == 3
    assert len(book_files) == 2 and len(shared_charts) == 3
    return client, urls, acme


@fuzzed(400)
@given(data=st.data())
def test_no_query_string_makes_a_server_error(pages, data):
    client, urls, acme = pages
    url = data.draw(st.sampled_from(sorted(urls)), label="url")
    names = data.draw(st.lists(st.sampled_from(urls[url]), min_size=1, max_size=3), label="names")
    query = {}
    for name in names:
        if name in ("org", "focus") and data.draw(st.booleans(), label="id-like"):
            real = str(acme.pk)  # a followed organisation's id beside malformed ones
            ids = st.sampled_from([*ID_LIKE, real])
            chosen = data.draw(st.lists(ids, min_size=1, max_size=3), label=name)
        else:
            chosen = data.draw(st.lists(values, min_size=1, max_size=3), label=name)
        query[name] = chosen
    response = client.get(url, query)
    if response.streaming:
        b"".join(response.streaming_content)
    assert response.status_code < 500, (url, query, response.status_code)


# Each new form's fields, posted with anything at all by the team's consultant: a form
# refuses what it cannot take (400, or back to its page), never a server error, and a
# field it does not know changes nothing.
FORMS = {
    "outcomes": ["month", "nps", "csat", "complaints", "churn", "repeat"],
    "outcomes_import_confirm": ["signed"],
    "share_report": ["label", "days", "shows_names"],
    "share_progress": ["label", "days"],
    "share_link_revoke": [],
    "organisation_export": [],
}


@fuzzed(200)
@given(data=st.data())
def test_no_tampered_form_makes_a_server_error(pages, data):
    client, _urls, acme = pages
    name = data.draw(st.sampled_from(sorted(FORMS)), label="form")
    if name == "share_report":
        args = [acme.assessments.filter(status="submitted").first().pk]
    elif name == "share_link_revoke":
        args = [acme.pk, data.draw(st.sampled_from([1, 2, 10**17]), label="link")]
    else:
        args = [acme.pk]
    fields = FORMS[name] + ["extra"]
    chosen = data.draw(st.lists(st.sampled_from(fields), max_size=4), label="fields")
    body = {
        field: data.draw(st.lists(values, min_size=1, max_size=2), label=field) for field in chosen
    }
    outcomes = OutcomeValue.objects.count()
    response = client.post(reverse(name, args=args), body)
    assert response.status_code < 500, (name, body, response.status_code)
    if response.status_code == 400:
        assert OutcomeValue.objects.count() == outcomes  # a refused form saves nothing
    assert ShareLink.objects.filter(label="").count() == 0


# The erasure and deletion pages, each used by whoever may use it (the manager, the firm's
# partner) with anything at all in their queries and forms: refused with a message or a
# 404, never a server error, and nobody erased, nothing deleted or restored.
ERASURE_FORMS = {
    "account_erase": ("alice", ["confirm"]),
    "firm_erase": ("charlie", ["email", "confirm"]),
    "organisation_delete": ("alice", ["name"]),
    "organisation_restore": ("alice", []),
    "organisations_deleted": ("alice", []),
}


@pytest.fixture
def erasure_pages(acme, alice, charlie, dave):
    firm = Firm.objects.create(name="Consultoría Sur")
    FirmMember.objects.create(firm=firm, user=charlie, role=FirmMember.Role.PARTNER)
    Organisation.objects.filter(pk=acme.pk).update(firm=firm)
    for person in (alice, dave):
        person.email = f"{person.username}@acme.test"
        person.save()
    shop = Organisation.objects.create(
        name="Tienda de Dave", sector="Retail", size_band="micro", country="España"
    )
    Membership.objects.create(user=dave, organisation=shop, role="manager")
    daves = services.organisation_delete(organisation=shop, user=dave)
    clients = {
        name: client_for(Client(raise_request_exception=False), person)
        for name, person in (("alice", alice), ("charlie", charlie))
    }
    return clients, acme, daves


@fuzzed(150)
@given(data=st.data())
def test_no_tampered_erasure_or_deletion_form_makes_a_server_error(erasure_pages, data):
    clients, acme, daves = erasure_pages
    name = data.draw(st.sampled_from(sorted(ERASURE_FORMS)), label="form")
    who, fields = ERASURE_FORMS[name]
    if name == "organisation_delete":
        args = [acme.pk]
    elif name == "organisation_restore":  # dave's deleted shop, or no deletion at all
        args = [data.draw(st.sampled_from([daves.pk, 10**17]), label="deletion")]
    else:
        args = []
    chosen = data.draw(st.lists(st.sampled_from([*fields, "extra"]), max_size=4), label="fields")
    body = {
        field: data.draw(st.lists(values, min_size=1, max_size=2), label=field) for field in chosen
    }
    before = (get_user_model().objects.count(), list(OrganisationDeletion.objects.all()))
    method = data.draw(st.sampled_from(["get", "post"]), label="method")
    response = getattr(clients[who], method)(reverse(name, args=args), body)
    assert response.status_code < 500, (name, method, body, response.status_code)
    assert (get_user_model().objects.count(), list(OrganisationDeletion.objects.all())) == before
    assert not Erasure.objects.exists()
