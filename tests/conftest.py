"""Named people in two organisations (after healthchecks' alice/bob/charlie):

- alice manages Acme; bob manages Bravo; charlie is a consultant following Acme;
- dave is a second manager of Acme.
"""

import shutil
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.management import call_command
from django.utils import timezone
from django_q.models import OrmQ
from django_q.signing import SignedPackage
from django_q.tasks import _sync as run_queued_task

from assessments import selectors, services
from assessments.models import Membership, Organisation, Question, QuestionBank

PASSWORD = "correct-horse-battery"
BROWSER_TESTS = Path(__file__).parent / "e2e"
ARTIFACTS = Path(__file__).parents[1] / "test-artifacts"  # what browser tests leave to look at
SCREENSHOTS = ARTIFACTS / "screenshots"


def pytest_sessionstart(session):
    """Leave only this run's screenshots, cleared once: by the one process, or by pytest-xdist's
    controller before its workers start, never by a worker while another writes."""
    if hasattr(session.config, "workerinput") or "not e2e" in session.config.option.markexpr:
        return
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)


def pytest_collection_modifyitems(items):
    """Browser tests carry the `e2e` marker, so `-m "not e2e"` runs the fast suite."""
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    # Ids are reused across tests (SQLite rolls its sequences back with the transaction),
    # so nothing cached by one test may reach the next.
    selectors.published_banks.clear()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SIGNUP_ANSWER_SECONDS = 0  # tests/test_sign_up.py measures the wait itself
    if settings.REDIS_URL:
        caches["default"].clear()  # the Redis database REDIS_URL names, pages included
    else:
        caches["pages"].clear()
        settings.CACHES = {
            **settings.CACHES,
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(tmp_path / "cache"),
            },
        }


def work_the_queue() -> int:
    """Do here and now what a queue worker (`manage.py qcluster`) does: run every task that
    is due, oldest first, through django-q's own worker and monitor code, until none is
    left (a task may queue another). Returns how many ran."""
    ran = 0
    while True:
        row = OrmQ.objects.filter(lock__lte=timezone.now()).order_by("pk").first()
        if row is None:
            return ran
        row.delete()
        task = SignedPackage.loads(row.payload)
        # Run in this process and this test's transaction, and let an error surface.
        task["sync"] = True
        run_queued_task(SignedPackage.dumps(task))
        ran += 1


@pytest.fixture
def bank(db) -> QuestionBank:
    call_command("loaddata", "fixtures/question_bank.json", verbosity=0)
    return QuestionBank.objects.get(version=1)


def make_user(username, **extra):
    user = get_user_model().objects.create_user(username, password=PASSWORD, **extra)
    return user


@pytest.fixture
def acme(db):
    return Organisation.objects.create(
        name="Acme", sector="Retail", size_band="small", country="España"
    )


@pytest.fixture
def bravo(db):
    return Organisation.objects.create(
        name="Bravo", sector="Industria", size_band="medium", country="México"
    )


@pytest.fixture
def alice(acme):
    user = make_user("alice", first_name="Alice")
    Membership.objects.create(user=user, organisation=acme, role="manager")
    return user


@pytest.fixture
def dave(acme):
    user = make_user("dave", first_name="Dave")
    Membership.objects.create(user=user, organisation=acme, role="manager")
    return user


@pytest.fixture
def bob(bravo):
    user = make_user("bob", first_name="Bob")
    Membership.objects.create(user=user, organisation=bravo, role="manager")
    return user


@pytest.fixture
def charlie(acme):
    user = make_user("charlie", first_name="Charlie")
    Membership.objects.create(user=user, organisation=acme, role="consultant")
    return user


@pytest.fixture
def staff(db):
    return make_user("admin", is_staff=True, is_superuser=True)


def client_for(client, user):
    """`client` signed in as `user`, past the first request after signing in (which records
    the session's address and browser), so that pages are measured as users meet them."""
    client.force_login(user)
    client.get("/healthz")
    return client


def question_ids(bank) -> dict[int, int]:
    """Checklist number → question id."""
    return dict(Question.objects.filter(area__bank=bank).values_list("number", "id"))


def answer_inputs(bank, choices: dict[int, str], notes: dict[int, str] | None = None):
    ids = question_ids(bank)
    notes = notes or {}
    return {
        ids[n]: services.AnswerInput(choice=c, note=notes.get(n, "")) for n, c in choices.items()
    }


def all_choices(choice="yes", **overrides) -> dict[int, str]:
    choices = dict.fromkeys(range(1, 21), choice)
    choices.update({int(k[1:]): v for k, v in overrides.items()})
    return choices


@pytest.fixture
def draft(bank, acme, alice):
    return services.assessment_start(organisation=acme, user=alice)


@pytest.fixture
def submitted(bank, acme, alice):
    assessment = services.assessment_start(organisation=acme, user=alice)
    choices = all_choices("yes", q1="no", q2="partly", q4="no", q13="partly", q17="no")
    services.answers_submit(
        assessment=assessment,
        user=alice,
        answers=answer_inputs(bank, choices, notes={1: "Nadie visita clientes"}),
    )
    assessment.refresh_from_db()
    return assessment


def form_data(bank, choices: dict[int, str], notes: dict[int, str] | None = None, action="save"):
    """The POST body of the answer page, as the browser sends it."""
    data = {"action": action}
    notes = notes or {}
    for number, qid in question_ids(bank).items():
        if choices.get(number):
            data[f"q{qid}-choice"] = choices[number]
        data[f"q{qid}-note"] = notes.get(number, "")
    return data
