"""The API fuzzed against its own live OpenAPI schema by schemathesis, with a read-write
token of each role: valid and invalid requests alike must never answer a server error,
never break the schema, and never accept what the schema refuses."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from assessments import services
from assessments.models import Firm, FirmMember, Organisation
from orientacion.wsgi import application
from tests.conftest import make_user

# Examples per operation, per mode: CI's fuzzing budget (FUZZ_EXAMPLES raises it).
EXAMPLES = 15


# The live schema, as the app serves it (reading it touches no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=EXAMPLES
)


@pytest.fixture(autouse=True)
def called_as_a_server_calls_it(db, settings):
    """The app is called through WSGI in the test's transaction: as Django's test client
    does, the connection is not closed at the end of each request."""
    settings.API_RATE_LIMIT = "100000/minute"  # a fuzzer is one token's burst
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def role_tokens(bank, acme, alice, bob, charlie, submitted):
    """A manager, a consultant, another organisation's manager and a firm's partner."""
    firm = Firm.objects.create(name="Firma")
    Organisation.objects.filter(pk=acme.pk).update(firm=firm)
    partner = make_user("socia")
    FirmMember.objects.create(firm=firm, user=partner, role="partner")
    FirmMember.objects.create(firm=firm, user=charlie, role="consultant")
    return {
        user.username: services.api_token_create(
            user=user, name="fuzz", access="write", days=30
        ).key
        for user in (alice, charlie, bob, partner)
    }


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_holds_to_its_schema_for_every_role(case, role_tokens):
    for key in role_tokens.values():
        case.call_and_validate(headers={"Authorization": f"Bearer {key}"})
