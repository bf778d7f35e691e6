"""Every link and GET form a page renders leads somewhere that works, for every demo role.

Starting at the home page, the crawler follows breadth first every same-site link, image and
GET form option it finds (sort headers in both directions, filters, comparisons, charts,
exports, the admin's changelists), each URL once, and submits the language switch once per
kind of page. No page may answer 5xx, no link may lead to a 4xx, every response must forbid
browsers and proxies to keep it and carry the Content-Security-Policy, and pages whose
query count is pinned elsewhere in the suite stay within it here, on the demo's real data.
"""

import os
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve, reverse
from django.utils.html import escape

from assessments.management.commands.seed_demo import SAMPLE_NAME
from assessments.models import Assessment, Organisation
from tests.conftest import client_for

# Pages whose query count a view test pins (the comment there names each query); here the
# highest of a page's first and later views is the ceiling.
QUERY_CEILINGS = {
    # test_views_home: 5 for a manager; a consultant who also manages an organisation
    # reads their book's latest results too; a partner, their firm's people
    # (test_pages_stay_small); and on a first view, before the shared cache holds them,
    # the book's counts, the firm's book's counts and its clients no one follows
    "home": 10,
    "assessment_answer": 6,  # test_views_answer
    # 7 (test_views_report); a report after a plan, first view: + its actions and the
    # previous assessment's answers and agreed answers (test_plan), and on a worker's first
    # use of that assessment's bank version, its areas and questions; for its consultant,
    # + every current score and area score of their book (test_percentile_pages); 16 when
    # this worker has read neither the bank version's structure nor the previous
    # assessment's values yet (the crawl's order decides which page pays for that)
    "assessment_report": 16,
    "assessment_chart": 7,  # test_views_report
    "assessment_pdf": 7,  # test_pdf_report
    "portfolio": 7,  # test_views_portfolio
    "compare": 11,  # 10 (test_views_portfolio), and a search by name
    "portfolio_csv": 7,  # test_views_portfolio
    "portfolio_answers_csv": 4,  # test_views_portfolio
    "portfolio_answers_xlsx": 4,  # test_views_portfolio
    "round_manage": 9,  # test_rounds
    "what_if": 8,  # test_plan
    "plan": 12,  # test_plan
}

# A link that only changes the query string of the page it is on (a sort, a filter) counts
# one hop; two hops reach "sort by a column, then reverse it" and "filter, then sort"
# without walking every combination of the admin's sortable columns.
MAX_QUERY_HOPS = 2
# The what-if's form has a choice per open question: each choice alone is one hop, and
# combinations of marks are the what-if tests' business (a second hop would visit every
# pair, some 400 pages per report).
# The book's outcomes page likewise: each group, score and measure alone is one hop; the
# pairs are the same page with other figures.
# The admin's lists sort and filter with Django's own code: each sort and filter alone
# is one hop there.
QUERY_HOPS_BY_ROUTE = {"what_if": 1, "book_outcomes": 1}
ADMIN_LIST_HOPS = 1
# Pages and files alike but for the figures in them: the first few of each are walked,
# and links to the others counted and left, as the sample clients' are. The audit trail's
# entries; the what-if's drawing of each set of marks (some 500 for a consultant, each a
# matplotlib drawing of the same code); the plan's files for each of its filters.
ALIKE_PAGES_WALKED = {
    "auditlog_logentry_change": 25,
    "auditlog_logentry_history": 25,
    "what_if_chart": 25,
    "plan_csv": 25,
    "plan_xlsx": 25,
    "plan_ics": 25,
}
# Above what the demo renders; reaching it means the crawl no longer converges.
MAX_PAGES = 4000  # the longest crawl, the consultant's, visits some 2,070 (2026-12-07)

ROLES = {
    "anonymous": None,
    "manager": "ana",
    "manager with a draft": "luis",
    "consultant": "carmen",
    # The partner of another firm, reading his whole book: the pages of one firm's book
    # never name the other's clients. (carmen's own whole-firm portfolio is walked link
    # by link in tests/test_firms.py: crawling it again would double the longest crawl.)
    "another firm's partner": "dario",
    "respondent of an open round": "nuria",
    "respondent of a closed round": "sofia",
    "admin": "admin",
}


@dataclass
class Form:
    method: str
    action: str | None
    inputs: list[dict] = field(default_factory=list)
    selects: list[dict] = field(default_factory=list)


class PageParser(HTMLParser):
    """The links, images and forms of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[Form] = []
        self.language = None
        self._form: Form | None = None
        self._select: dict | None = None
        self._option: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.language = attrs.get("lang")
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "img" and attrs.get("src"):
            self.links.append(attrs["src"])
        elif tag == "source" and attrs.get("srcset"):  # a picture's drawing for a phone
            self.links.append(attrs["srcset"])
        elif tag == "form":
            self._form = Form(
                method=(attrs.get("method") or "get").lower(), action=attrs.get("action")
            )
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag in ("input", "button") and attrs.get("name") and "disabled" not in attrs:
            self._form.inputs.append({**attrs, "tag": tag})
        elif tag == "textarea" and attrs.get("name"):
            self._form.inputs.append({**attrs, "tag": tag, "type": "textarea"})
        elif tag == "select" and attrs.get("name"):
            self._select = {"name": attrs["name"], "options": [], "selected": None}
            self._form.selects.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = {"value": attrs.get("value"), "text": ""}
            self._select["options"].append(self._option)
            if "selected" in attrs:
                self._select["selected"] = self._option

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None


def _option_value(option) -> str:
    return option["value"] if option["value"] is not None else option["text"].strip()


def get_form_queries(form: Form) -> list[list[tuple[str, str]]]:
    """The query strings a GET form can send: its defaults, each option of each select, and
    each checkbox of a group alone and all of them together."""
    base = []
    checkboxes: dict[str, list[str]] = {}
    for field_ in form.inputs:
        kind = field_.get("type", "text").lower()
        if field_["tag"] == "button" or kind in ("submit", "button", "reset", "image"):
            continue
        if kind in ("checkbox", "radio"):
            if kind == "checkbox":
                checkboxes.setdefault(field_["name"], []).append(field_.get("value", "on"))
            if "checked" in field_:
                base.append((field_["name"], field_.get("value", "on")))
        else:
            base.append((field_["name"], field_.get("value", "")))
    defaults = {}
    for select in form.selects:
        chosen = select["selected"] or (select["options"][0] if select["options"] else None)
        if chosen is not None:
            defaults[select["name"]] = _option_value(chosen)
    variants = [base + list(defaults.items())]
    for select in form.selects:
        for option in select["options"]:
            others = [(k, v) for k, v in defaults.items() if k != select["name"]]
            variants.append(base + others + [(select["name"], _option_value(option))])
    for name, values in checkboxes.items():
        rest = [(k, v) for k, v in variants[0] if k != name]
        variants.extend(rest + [(name, value)] for value in values)
        variants.append(rest + [(name, value) for value in values])
    return variants


@dataclass
class Visit:
    url: str
    found_on: str
    query_hops: int


@dataclass
class CrawlReport:
    pages: int = 0
    problems: list[str] = field(default_factory=list)
    languages_switched: int = 0
    kinds: set = field(default_factory=set)
    samples_left: int = 0


def _route(path: str) -> str | None:
    try:
        return resolve(path).url_name
    except Resolver404:
        return None


def _same_site(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("", "http") and parts.netloc in ("", "testserver")


# The admin carries a list's filters into each object's pages only to return to them after
# a save: the page is the same, so the parameter does not make it another URL.
IGNORED_PARAMETERS = {"_changelist_filters"}


def _normalised(url: str) -> str:
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode(sorted((k, v) for k, v in pairs if k not in IGNORED_PARAMETERS))
    return parts.path + ("?" + query if query else "")


def sample_client_ids() -> tuple[set[int], set[int]]:
    """The demo's generated sample clients are rows alike but for their figures: the first
    is walked like any organisation, and the pages of the others (their reports, plans,
    progress, admin pages) would only repeat its kinds of page. Their ids, and those of
    their assessments, so that links to them are counted and left; the lists that show
    their rows are walked all the same."""
    samples = list(
        Organisation.objects.filter(name__startswith=SAMPLE_NAME.format(0)[:-2])
        .order_by("name")
        .values_list("pk", flat=True)
    )
    left = set(samples[1:])
    return left, set(Assessment.objects.filter(organisation__in=left).values_list("pk", flat=True))


class Crawler:
    def __init__(self, client: Client, user):
        self.client = client
        self.user = user
        self.seen: set[str] = set()
        self.queue: deque[Visit] = deque()
        self.report = CrawlReport()
        self.language_checked: set[tuple] = set()
        self.sample_organisations, self.sample_assessments = sample_client_ids()
        self.alike_walked: dict[str, int] = {}

    def is_another_sample(self, parts) -> bool:
        """Whether the URL is one of a sample client's own pages, other than the first's:
        by its organisation or assessment in the path (the admin's object id included),
        or by an organisation a comparison names."""
        try:
            match = resolve(parts.path)
        except Resolver404:
            return False
        organisations = {match.kwargs.get("organisation_id")}
        organisations.update(
            int(v) for k, v in parse_qsl(parts.query) if k == "org" and v.isdigit()
        )
        assessments = {match.kwargs.get("assessment_id")}
        object_id = match.kwargs.get("object_id")
        if object_id and object_id.isdigit():
            if match.url_name.startswith("assessments_organisation_"):
                organisations.add(int(object_id))
            elif match.url_name.startswith("assessments_assessment_"):
                assessments.add(int(object_id))
        return bool(
            organisations & self.sample_organisations or assessments & self.sample_assessments
        )

    def enqueue(self, target: str, page: Visit):
        target = target.split("#", 1)[0]
        if not target or not _same_site(target):
            return
        absolute = urljoin(page.url, target)
        parts = urlsplit(absolute)
        if parts.path.startswith(settings.STATIC_URL):  # served by WhiteNoise, not the app
            return
        here = urlsplit(page.url)
        if parts.path == here.path and parts.query != here.query:
            hops = page.query_hops + 1
        else:
            hops = 1 if parts.query else 0
        route = _route(parts.path)
        limit = QUERY_HOPS_BY_ROUTE.get(route, MAX_QUERY_HOPS)
        if route and route.endswith("_changelist"):
            limit = ADMIN_LIST_HOPS
        if hops > limit:
            return
        key = _normalised(absolute)
        if key in self.seen:
            return
        self.seen.add(key)
        if route in ALIKE_PAGES_WALKED:
            if self.alike_walked.get(route, 0) >= ALIKE_PAGES_WALKED[route]:
                self.report.samples_left += 1
                return
            self.alike_walked[route] = self.alike_walked.get(route, 0) + 1
        if self.is_another_sample(parts):
            self.report.samples_left += 1
            return
        self.queue.append(Visit(url=key, found_on=page.url, query_hops=hops))

    def run(self, start="/") -> CrawlReport:
        self.seen.add(start)
        self.queue.append(Visit(url=start, found_on="(start)", query_hops=0))
        while self.queue:
            assert self.report.pages < MAX_PAGES, "the crawl does not converge"
            self.visit(self.queue.popleft())
        return self.report

    def problem(self, visit: Visit, text: str):
        self.report.problems.append(f"{visit.url} (linked from {visit.found_on}): {text}")

    def visit(self, visit: Visit):
        self.report.pages += 1
        route = _route(urlsplit(visit.url).path)
        # The log keeps 9,000 queries: a long crawl would fill it, and a full log counts
        # every later page as making none.
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(visit.url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
        status = response.status_code
        if status >= 500:
            self.problem(visit, f"answered {status}")
            return
        if status in (301, 302, 303, 307, 308):
            self.enqueue(response["Location"], visit)
            return
        if status != 200:
            self.problem(visit, f"a link to a page that answers {status}")
            return
        if response.get("Cache-Control") != "private, no-store":
            self.problem(visit, f"Cache-Control is {response.get('Cache-Control')!r}")
        if "default-src 'self'" not in response.get("Content-Security-Policy", ""):
            self.problem(visit, "no Content-Security-Policy")
        ceiling = QUERY_CEILINGS.get(route)
        if ceiling is not None and len(queries) > ceiling:
            self.problem(visit, f"{len(queries)} queries, pinned at {ceiling}")
        self.report.kinds.add(route)
        if not response["Content-Type"].startswith("text/html"):
            return
        parser = PageParser()
        parser.feed(body.decode())
        for link in parser.links:
            self.enqueue(link, visit)
        for form in parser.forms:
            self.follow_form(form, visit, parser.language)

    def follow_form(self, form: Form, visit: Visit, language):
        action = urljoin(visit.url, form.action) if form.action else visit.url.split("?")[0]
        if form.method == "get":
            for query in get_form_queries(form):
                self.enqueue(action.split("?")[0] + "?" + urlencode(query), visit)
            return
        if _route(urlsplit(action).path) is None:
            self.problem(visit, f"a form posts to {action}, which does not exist")
        elif _route(urlsplit(action).path) == "set_language":
            self.switch_language(form, visit, action)

    def switch_language(self, form: Form, visit: Visit, action: str):
        """Each language of the switcher, once per kind of page, lands on the same page in
        that language. A separate client keeps the crawl's own language as it is."""
        key = (_route(urlsplit(visit.url).path),)
        if key in self.language_checked:
            return
        self.language_checked.add(key)
        fields = {f["name"]: f.get("value", "") for f in form.inputs if f.get("type") == "hidden"}
        for select in form.selects:
            for option in select["options"]:
                client = Client(raise_request_exception=False)
                if self.user is not None:
                    client.force_login(self.user)
                response = client.post(action, {**fields, select["name"]: _option_value(option)})
                landed = client.get(response["Location"]) if response.status_code == 302 else None
                lang = None
                if landed is not None and landed.status_code == 200:
                    parser = PageParser()
                    parser.feed(landed.content.decode())
                    lang = parser.language
                expected = urlsplit(fields.get("next", "")).path
                if (
                    response.status_code != 302
                    or urlsplit(response["Location"]).path != expected
                    or lang != _option_value(option)
                ):
                    self.problem(
                        visit,
                        f"switching to {_option_value(option)!r} answered "
                        f"{response.status_code} {response.get('Location', '')} and showed a "
                        f"page in {lang!r}",
                    )
                self.report.languages_switched += 1


@pytest.fixture
def demo_data(db):
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", verbosity=0, stdout=quiet)


@pytest.mark.parametrize("role", list(ROLES))
def test_every_link_and_get_form_works_for(role, demo_data, capsys, settings):
    username = ROLES[role]
    user = get_user_model().objects.get(username=username) if username else None
    # A server error is recorded as a problem of the page, not raised, so one run lists all.
    client = Client(raise_request_exception=False)
    if user is not None:
        client_for(client, user)
    if role == "another firm's partner":
        client.post(reverse("book_choose"), {"whole_firm": "1"})
    crawler = Crawler(client, user)
    report = crawler.run()
    if role == "another firm's partner":
        norte = set(
            Organisation.objects.filter(firm__name="Consultoría Norte").values_list(
                "name", flat=True
            )
        )
        assert norte
        for url in sorted(crawler.seen):
            response = client.get(url)
            body = (
                b"".join(response.streaming_content) if response.streaming else response.content
            ).decode(errors="replace")
            named = [name for name in norte if escape(name) in body]
            assert named == [], (url, named[:3])
    if role in ("consultant", "admin"):
        # Production asks both for a second factor: with the password alone, every address
        # the crawl knows leads to setting one up, and nowhere else. The middleware decides
        # by the path alone, so each path is asked once, whatever its query strings.
        settings.SECOND_FACTOR_REQUIRED_FOR = frozenset({"admin", "consultant"})
        password_only = Client()
        password_only.post("/accounts/login/", {"login": username, "password": "orientacion-demo"})
        paths = {urlsplit(url).path for url in crawler.seen}
        elsewhere = [
            path
            for path in sorted(paths)
            if not path.startswith(("/healthz", "/accounts/"))
            and password_only.get(path).get("Location") != "/accounts/2fa/totp/activate/"
        ]
        assert elsewhere == [], elsewhere[:20]
    with capsys.disabled():
        print(
            f"\ncrawl {role}: {report.pages} URLs, {len(report.kinds)} kinds of page, "
            f"{report.languages_switched} language switches, "
            f"{report.samples_left} links to other sample clients' pages and to alike pages left"
        )
    assert not report.problems, "\n".join(report.problems)
    assert report.languages_switched >= 2  # the switcher is on every page, signed in or not
    assert report.pages > 1
