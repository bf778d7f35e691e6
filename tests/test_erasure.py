"""Erasing a person: by themselves, by a partner of their firm, or by an admin. Afterwards
their account is gone, every report scores as before, and nothing the app shows, stores,
caches or files names them: a crawl of every page and download of the people who remain,
a scan of every text column of every table, and of every cache entry, find neither their
name nor their address."""

import io
import pickle
import re
import time
import zipfile
import zlib
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_q.models import Failure
from openpyxl import load_workbook
from pypdf import PdfReader

from assessments import services
from assessments.models import (
    Action,
    AreaResult,
    Assessment,
    Erasure,
    Firm,
    FirmMember,
    Membership,
    Question,
    Response,
)
from tests.conftest import PASSWORD, all_choices, answer_inputs, client_for, make_user
from tests.test_crawl import Crawler, _route

NAME = "Elena Soto"
ADDRESS = "elena.soto@acme.test"
USERNAME = "elena"
SITE_URL = "http://testserver/"
WHO = (NAME, ADDRESS, USERNAME)


def names_her(text: str) -> list[str]:
    """Which of her names `text` holds, as whole words (so "Elenita" is someone else)."""
    return [
        t for t in WHO if re.search(rf"(?<![\w@.]){re.escape(t)}(?![\w@])", text, re.IGNORECASE)
    ]


def readable(response) -> str:
    """A page's or a file's text, whatever its format."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if kind.startswith("application/pdf"):
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    if "spreadsheetml" in kind:
        book = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    if kind.startswith("application/zip"):
        archive = zipfile.ZipFile(io.BytesIO(body))
        return "\n".join(archive.read(name).decode(errors="replace") for name in archive.namelist())
    return body.decode(errors="replace")


def rows_naming_her() -> list[str]:
    """Every text, JSON, binary and pickled column of every table, read whole."""
    found = []
    kinds = {"CharField", "TextField", "JSONField", "BinaryField", "EmailField"}
    for model in apps.get_models():
        fields = [f.name for f in model._meta.concrete_fields if f.get_internal_type() in kinds]
        if not fields:
            continue
        for row in model._default_manager.values_list("pk", *fields):
            for field, value in zip(fields, row[1:], strict=True):
                if isinstance(value, bytes | memoryview):
                    value = bytes(value).decode(errors="replace")
                if value and names_her(str(value)):
                    found.append(f"{model._meta.label}.{field} #{row[0]}: {str(value)[:120]}")
    return found


def cache_entries(alive_at: float | None = None) -> list[bytes]:
    """The stored bytes of every entry of every cache the app uses (a file cache's
    uncompressed), or of those still alive at `alive_at` (seconds since the epoch)."""

    def alive(expiry) -> bool:
        return alive_at is None or expiry is None or expiry > alive_at

    entries = []
    for alias, config in settings.CACHES.items():
        cache = caches[alias]
        backend = config["BACKEND"]
        if backend.endswith("LocMemCache"):
            entries += [v for k, v in cache._cache.items() if alive(cache._expire_info.get(k))]
        elif backend.endswith("FileBasedCache"):
            for path in Path(cache._dir).glob("*.djcache"):
                with path.open("rb") as file:
                    # The test's own cache files: an expiry time, then the value, compressed.
                    if alive(pickle.load(file)):  # noqa: S301
                        entries.append(zlib.decompress(file.read()))
        else:  # django-redis: the whole database the tests use
            client = cache.client.get_client()
            for key in client.scan_iter("*"):
                ttl = client.ttl(key)
                if alive(None if ttl < 0 else time.time() + ttl):
                    entries.append(client.get(key) or b"")
    return entries


def cached_naming_her() -> list[str]:
    texts = (raw.decode("utf-8", errors="replace") for raw in cache_entries())
    return [text[:160] for text in texts if names_her(text)]


@pytest.fixture
def elena(acme):
    person = make_user(USERNAME, first_name="Elena", last_name="Soto", email=ADDRESS)
    Membership.objects.create(user=person, organisation=acme, role="manager")
    return person


def answered(assessment, person, choices, notes=None):
    services.answers_submit(
        assessment=assessment,
        user=person,
        answers=answer_inputs(assessment.bank, choices, notes),
    )


@pytest.fixture
def her_traces(bank, acme, bravo, alice, dave, bob, charlie, elena):
    """Everything of hers a year of use leaves: an assessment she submitted, a round she
    answered and one she led, a round still open, a draft, an action she owns, a figure
    and a shared link she made, notes of others that name her, mail, sign-ins."""
    own = services.assessment_start(organisation=acme, user=elena)
    answered(own, elena, all_choices("yes", q3="no", q7="partly"), {3: "Lo llevo yo"})

    def round_of(lead, people, anonymous=False):
        return services.round_start(
            organisation=acme,
            lead=lead,
            members=people,
            new_people=[],
            anonymous=anonymous,
            site_url="http://testserver/",
        )

    theirs = round_of(dave, [elena, alice])
    answered(theirs, elena, all_choices("partly"), {1: "Elena Soto opina distinto"})
    answered(theirs, alice, all_choices("no"), {2: f"Preguntad a {ADDRESS}"})
    answered(theirs, dave, all_choices("yes"))
    services.round_close(assessment=theirs, lead=dave)

    hers = round_of(elena, [alice, dave])
    for person, choice in ((elena, "yes"), (alice, "partly"), (dave, "no")):
        answered(hers, person, all_choices(choice))
    services.round_close(assessment=hers, lead=elena)

    secret = round_of(dave, [elena, alice], anonymous=True)
    for person, choice in ((elena, "no"), (alice, "partly"), (dave, "yes")):
        answered(secret, person, all_choices(choice))
    services.round_close(assessment=secret, lead=dave)

    still_open = round_of(dave, [elena])
    services.assessment_start(organisation=acme, user=elena)  # her own draft

    question = Question.objects.get(area__bank=bank, number=3)
    services.action_create(
        assessment=own,
        question=question,
        user=dave,
        values={"title": "Revisar con Elena Soto", "owner": elena},
    )
    services.outcomes_save(
        organisation=acme, user=elena, period=date(2026, 3, 1), values={"nps": Decimal(31)}
    )
    services.share_link_create(
        organisation=acme, user=elena, label="Para el consejo de Elena Soto", days=30
    )
    # A password reset she asked for, whose task failed: the queue keeps its arguments.
    Failure.objects.create(
        id="f" * 32,
        name="reset",
        func="assessments.tasks.password_reset_mails",
        args=(ADDRESS, SITE_URL, "es"),
        started=timezone.now(),
        stopped=timezone.now(),
        success=False,
    )
    # Bravo's assessment, which her erasure must leave as it is.
    other = services.assessment_start(organisation=bravo, user=bob)
    answered(other, bob, all_choices("no"))
    return {"own": own, "theirs": theirs, "hers": hers, "secret": secret, "open": still_open}


def results(assessments) -> dict:
    return {
        a.pk: (
            Assessment.objects.get(pk=a.pk).overall_score,
            sorted(AreaResult.objects.filter(assessment=a).values_list("area_id", "score")),
        )
        for a in assessments
    }


def signed_in(username) -> Client:
    """A client that signed in through the form, so that it counts as having just
    confirmed who it is (the erase page asks for that)."""
    client = Client()
    response = client.post("/accounts/login/", {"login": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


class ReadingClient(Client):
    """A test client that reads every page and file it gets for her names."""

    def __init__(self, **kwargs):
        super().__init__(raise_request_exception=False, **kwargs)
        self.naming: list[str] = []

    def get(self, path, *args, **kwargs):
        response = super().get(path, *args, **kwargs)
        if response.status_code == 200:
            if response.streaming:  # read once here, and handed on for the crawler to read
                body = b"".join(response.streaming_content)
                response.streaming_content = [body]
                text = readable(_Read(response, body))
            else:
                text = readable(response)
            if names_her(text):
                self.naming.append(f"{path}: {names_her(text)}")
        return response


class _Read:
    def __init__(self, response, body):
        self.streaming, self.content, self._response = False, body, response

    def get(self, *args):
        return self._response.get(*args)


class SampledCrawler(Crawler):
    """The link crawler, walking at most six addresses of each route: this data set has
    no more of any kind of page that can name someone (Acme's six assessments' reports,
    lists, files), and the what-if's and the admin's many variants (each mark, each
    session's or audit entry's page) repeat one; every row they show is read whole by
    `rows_naming_her` besides."""

    PER_ROUTE = 6

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.per_route: dict[str, int] = {}

    def enqueue(self, target, page):
        route = _route(urlsplit(urljoin(page.url, target.split("#", 1)[0])).path)
        if self.per_route.get(route, 0) >= self.PER_ROUTE:
            return
        before = len(self.queue)
        super().enqueue(target, page)
        self.per_route[route] = self.per_route.get(route, 0) + len(self.queue) - before


def crawl_text(user) -> tuple[list[str], list[str]]:
    """Every kind of page and download the crawler reaches as `user`: the problems it
    met, and the addresses whose text names her."""
    client = client_for(ReadingClient(), user)
    report = SampledCrawler(client, user).run()
    return report.problems, client.naming


def test_a_person_erases_themselves_and_nothing_names_them_after(
    her_traces,
    acme,
    alice,
    dave,
    charlie,
    staff,
    elena,
    django_capture_on_commit_callbacks,
):
    submitted = [her_traces[k] for k in ("own", "theirs", "hers", "secret")]
    before = results(submitted)
    # The reports are read, and so cached with her name, before she goes.
    reader = client_for(Client(), dave)
    for assessment in submitted:
        assert reader.get(reverse("assessment_report", args=[assessment.pk])).status_code == 200
        assert reader.get(reverse("assessment_pdf", args=[assessment.pk])).status_code == 200
    assert NAME in reader.get(reverse("assessment_report", args=[her_traces["own"].pk])).text
    probe = client_for(ReadingClient(), dave)
    probe.get(reverse("assessment_pdf", args=[her_traces["theirs"].pk]))
    probe.get(reverse("assessment_csv", args=[her_traces["theirs"].pk]))
    assert len(probe.naming) == 2, "the crawl's reader must see her name where it is"
    assert cached_naming_her(), "the cache must hold her name first, or the test proves nothing"
    assert rows_naming_her()

    her = signed_in(USERNAME)
    page = her.get(reverse("account_security"))
    assert reverse("account_erase") in page.text
    page = her.get(reverse("account_erase"))
    assert page.status_code == 200
    assert "4 conjuntos de respuestas enviados" in page.text  # own, two rounds, anonymous
    # A wrong address erases no one.
    refused = her.post(reverse("account_erase"), {"confirm": "otra@acme.test"})
    assert refused.status_code == 400
    assert "No es la dirección de correo de esta cuenta." in refused.text
    assert get_user_model().objects.filter(username=USERNAME).exists()

    with django_capture_on_commit_callbacks(execute=True):
        done = her.post(reverse("account_erase"), {"confirm": ADDRESS.upper()})
    assert done.status_code == 302 and done["Location"] == reverse("account_login")
    assert not get_user_model().objects.filter(username=USERNAME).exists()
    assert her.get(reverse("account_security")).status_code == 302  # her session ended
    erasure = Erasure.objects.get()
    assert erasure.requested_by == Erasure.By.SELF
    assert (erasure.responses_kept, erasure.drafts_deleted) == (4, 2)

    # Every result scores as before; her answers are there under a pseudonym.
    assert results(submitted) == before
    theirs = her_traces["theirs"]
    assert Response.objects.filter(assessment=theirs, respondent=None).count() == 1
    report = reader.get(reverse("assessment_report", args=[theirs.pk])).text
    assert "Persona 1" in report and "Alice" in report
    own = reader.get(reverse("assessment_report", args=[her_traces["own"].pk])).text
    assert "por Persona 1" in own
    plan = reader.get(reverse("plan", args=[acme.pk])).text
    assert "Persona 1" in plan
    # Her draft and her unsubmitted answers in the open round went; the round did not.
    assert not Response.objects.filter(assessment=her_traces["open"], respondent=None).exists()
    assert Assessment.objects.filter(pk=her_traces["open"].pk).exists()
    # The anonymous round's report ties no pseudonym to her as its... non-lead.
    assert Action.objects.get().owner_label == "Persona 1"

    assert rows_naming_her() == []
    assert cached_naming_her() == []
    # Her fellow manager sees every page of the organisation (alice's are the same).
    for user in (dave, charlie, staff):
        problems, naming = crawl_text(user)
        assert problems == [], problems[:5]
        assert naming == [], naming[:5]


def test_the_admin_sees_that_an_erasure_happened_never_whose(
    client, her_traces, staff, elena, django_capture_on_commit_callbacks
):
    admin = signed_in("admin")
    delete = reverse("admin:auth_user_delete", args=[elena.pk])
    assert admin.get(delete).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(delete, {"post": "yes"})
    assert response.status_code == 302
    assert not get_user_model().objects.filter(pk=elena.pk).exists()
    erasure = Erasure.objects.get()
    assert erasure.requested_by == Erasure.By.ADMIN
    listing = admin.get(reverse("admin:assessments_erasure_changelist")).text
    assert "un administrador" in listing
    assert names_her(listing) == []
    assert rows_naming_her() == []
    # There is no bulk delete of people: each goes through its own confirmation.
    users = admin.get(reverse("admin:auth_user_changelist")).text
    assert 'value="delete_selected"' not in users


@pytest.fixture
def firm(acme, bravo, charlie):
    firm = Firm.objects.create(name="Consultoría Sur")
    FirmMember.objects.create(firm=firm, user=charlie, role=FirmMember.Role.PARTNER)
    acme.firm = firm
    acme.save()
    return firm


def test_a_partner_erases_a_client_s_person_but_no_one_outside_the_firm(
    her_traces, firm, charlie, elena, bob, django_capture_on_commit_callbacks
):
    partner = signed_in("charlie")
    assert reverse("firm_erase") in partner.get(reverse("firm")).text
    # bob's organisation is no client of the firm: the same answer as an unknown address.
    bob.email = "bob@bravo.test"
    bob.save()
    for address in ("bob@bravo.test", "nadie@example.org"):
        response = partner.post(reverse("firm_erase"), {"email": address})
        assert response.status_code == 400
        assert "No hay nadie con esa dirección" in response.text
    assert get_user_model().objects.filter(pk=bob.pk).exists()

    found = partner.post(reverse("firm_erase"), {"email": ADDRESS})
    assert found.status_code == 200 and "Persona" in found.text
    assert get_user_model().objects.filter(pk=elena.pk).exists()  # nothing yet
    with django_capture_on_commit_callbacks(execute=True):
        done = partner.post(reverse("firm_erase"), {"email": ADDRESS, "confirm": ADDRESS})
    assert done.status_code == 302
    assert Erasure.objects.get().requested_by == Erasure.By.PARTNER
    assert rows_naming_her() == []


def test_a_manager_cannot_reach_the_partner_s_erasure_page(her_traces, firm, dave, elena):
    manager = signed_in("dave")
    assert manager.post(reverse("firm_erase"), {"email": ADDRESS}).status_code == 404
    assert get_user_model().objects.filter(pk=elena.pk).exists()


def test_an_erasure_asks_who_is_asking_again_once_the_sign_in_is_not_fresh(elena):
    from orientacion.auth import SIGNED_IN_AT

    her = signed_in(USERNAME)
    session = her.session
    session[SIGNED_IN_AT] = 0
    session.save()
    for response in (
        her.get(reverse("account_erase")),
        her.post(reverse("account_erase"), {"confirm": ADDRESS}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert get_user_model().objects.filter(pk=elena.pk).exists()
