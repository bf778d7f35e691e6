"""Webhooks: a partner registers the firm's own system, which is told by a signed POST
when a client submits or a round closes; deliveries are retried and listed with their
answers, and no address inside a private network is ever sent to."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.test import Client
from django.urls import reverse

from assessments import services
from assessments.models import (
    Firm,
    FirmMember,
    Membership,
    Organisation,
    WebhookDelivery,
    WebhookEndpoint,
)
from tests.conftest import all_choices, answer_inputs, client_for, make_user, work_the_queue


class Receiver:
    """A real HTTP server on loopback that records each POST and answers `status`."""

    def __init__(self, status=200):
        self.requests, self.status = [], status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"thanks" if receiver.status < 300 else b"broken")

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_ALLOW_HTTP = True
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def firm(bank):
    norte = Firm.objects.create(name="Norte")
    partner = make_user("pilar")
    FirmMember.objects.create(firm=norte, user=partner, role="partner")
    client_org = Organisation.objects.create(
        name="Cliente Uno", sector="Retail", size_band="small", country="España", firm=norte
    )
    manager = make_user("mara")
    Membership.objects.create(user=manager, organisation=client_org, role="manager")
    Membership.objects.create(user=partner, organisation=client_org, role="consultant")
    return {"firm": norte, "partner": partner, "organisation": client_org, "manager": manager}


def submit(bank, organisation, manager):
    assessment = services.assessment_start(organisation=organisation, user=manager)
    return services.answers_submit(
        assessment=assessment, user=manager, answers=answer_inputs(bank, all_choices("partly"))
    )


def add(page, url, events=("assessment.submitted", "round.closed")):
    return page.post(reverse("firm_webhook_add"), {"hook-url": url, "hook-events": list(events)})


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hooks",  # loopback, and plain http
        "https://127.0.0.1/hooks",
        "https://localhost/hooks",
        "https://10.1.2.3/hooks",
        "https://192.168.0.9/hooks",
        "https://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "https://[::1]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://user:pass@example.com/hooks",
        "ftp://example.com/hooks",
    ],
)
def test_an_address_into_a_private_network_is_refused_and_nothing_saved(client, firm, url):
    page = client_for(client, firm["partner"])
    response = add(page, url)
    assert response.status_code == 400
    assert not WebhookEndpoint.objects.exists()


def test_a_submission_is_delivered_signed_and_its_answer_kept(client, bank, firm, receiver):
    page = client_for(client, firm["partner"])
    response = add(page, receiver.url)
    assert response.status_code == 200
    secret = response.context["webhook_secret"][1]
    assert secret in response.content.decode()
    assert secret not in page.get(reverse("firm")).content.decode()  # shown once
    assessment = submit(bank, firm["organisation"], firm["manager"])
    work_the_queue()
    [(headers, body)] = receiver.requests
    parts = dict(part.split("=", 1) for part in headers["Orientacion-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.{body}".encode(), hashlib.sha256)
    assert hmac.compare_digest(parts["v1"], expected.hexdigest())
    assert headers["Orientacion-Event"] == "assessment.submitted"
    payload = json.loads(body)
    assert payload["event"] == "assessment.submitted"
    assert payload["data"]["assessment"]["id"] == assessment.pk
    assert payload["data"]["organisation"]["name"] == "Cliente Uno"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_status, delivery.response_body) == (
        "delivered",
        200,
        "thanks",
    )
    listing = page.get(reverse("firm_webhook", args=[delivery.endpoint_id])).content.decode()
    assert "thanks" in listing and "assessment.submitted" in listing


def test_a_refused_delivery_is_retried_then_marked_failed(client, bank, firm, receiver):
    receiver.status = 500
    endpoint, _secret = services.webhook_add(
        partner=firm["partner"], url=receiver.url, events=["assessment.submitted"]
    )
    submit(bank, firm["organisation"], firm["manager"])
    work_the_queue()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "queued" and delivery.attempts == 1
    assert delivery.response_status == 500 and delivery.next_attempt_at is not None
    # Every retry comes due at once here: the same bytes are sent each time.
    for _ in range(len(services.webhooks.RETRY_DELAYS)):
        WebhookDelivery.objects.update(next_attempt_at=delivery.created_at)
        services.webhook_deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 6
    assert len({body for _headers, body in receiver.requests}) == 1
    assert len(receiver.requests) == 6


def test_an_address_that_turns_private_is_not_sent_to(bank, firm, receiver, settings):
    services.webhook_add(partner=firm["partner"], url=receiver.url, events=["assessment.submitted"])
    settings.WEBHOOK_ALLOW_PRIVATE = False  # checked again when sent, not only when added
    submit(bank, firm["organisation"], firm["manager"])
    work_the_queue()
    assert receiver.requests == []
    assert WebhookDelivery.objects.get().last_error.startswith("UnsafeAddress")


def test_a_round_closing_is_told_and_a_client_of_no_firm_tells_nobody(
    bank, firm, receiver, acme, alice
):
    services.webhook_add(partner=firm["partner"], url=receiver.url, events=["round.closed"])
    submit(bank, firm["organisation"], firm["manager"])  # not asked for
    submit(bank, acme, alice)  # no firm
    lead = firm["manager"]
    colleague = make_user("colega", email="colega@example.com")
    Membership.objects.create(user=colleague, organisation=firm["organisation"], role="manager")
    round_ = services.round_start(
        organisation=firm["organisation"],
        lead=lead,
        members=[colleague],
        new_people=[],
        anonymous=False,
        site_url="http://testserver/",
    )
    services.answers_submit(
        assessment=round_, user=lead, answers=answer_inputs(bank, all_choices("no"))
    )
    services.round_close(assessment=round_, lead=lead)
    work_the_queue()
    assert [json.loads(body)["event"] for _headers, body in receiver.requests] == ["round.closed"]


def test_another_firms_partner_reaches_no_webhook(client, firm, receiver):
    endpoint, _secret = services.webhook_add(
        partner=firm["partner"], url=receiver.url, events=["round.closed"]
    )
    other = make_user("otro")
    FirmMember.objects.create(firm=Firm.objects.create(name="Otra"), user=other, role="partner")
    page = client_for(client, other)
    assert page.get(reverse("firm_webhook", args=[endpoint.pk])).status_code == 404
    for name in ("firm_webhook_ping", "firm_webhook_remove"):
        assert page.post(reverse(name, args=[endpoint.pk])).status_code == 404
    assert receiver.url not in page.get(reverse("firm")).content.decode()
    consultant = make_user("cons")
    FirmMember.objects.create(firm=firm["firm"], user=consultant, role="consultant")
    assert (
        client_for(Client(), consultant)
        .get(reverse("firm_webhook", args=[endpoint.pk]))
        .status_code
        == 404
    )
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    assert not WebhookDelivery.objects.exists()


def test_a_test_event_is_sent_on_request(client, firm, receiver):
    endpoint, _secret = services.webhook_add(
        partner=firm["partner"], url=receiver.url, events=["round.closed"]
    )
    page = client_for(client, firm["partner"])
    response = page.post(reverse("firm_webhook_ping", args=[endpoint.pk]))
    assert response.status_code == 302
    work_the_queue()
    [(_headers, body)] = receiver.requests
    assert json.loads(body)["event"] == "ping"
