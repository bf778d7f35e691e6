"""Webhooks: a firm's own systems told, by signed POSTs that a queue worker delivers with
retries, when one of its clients submits an assessment or closes a round. An address that
leads into a private network is refused, when registered and again at each delivery."""

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import audit
from assessments.models import FirmMember, WebhookDelivery, WebhookEndpoint, person_name
from assessments.services.errors import AssessmentError
from assessments.services.queue import claim, run_when_due

logger = logging.getLogger(__name__)

DELIVER_TASK = "assessments.tasks.deliver_webhook"
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
TIMEOUT_SECONDS = 5
# A worker's claim on a delivery; one killed mid-send lets another try after it.
LEASE = timedelta(seconds=60)
# What is kept of an endpoint's answer.
RESPONSE_KEPT = 500
SIGNATURE_HEADER = "Orientacion-Signature"
PING = "ping"


class UnsafeAddress(AssessmentError):
    """The address is not one a webhook may be sent to."""


def _addresses(host: str, port: int) -> list:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def _reachable_from_outside(address) -> bool:
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def checked_addresses(url: str) -> list:
    """The addresses `url`'s host resolves to, each one a webhook may be sent to; else
    UnsafeAddress, with what is wrong."""
    parts = urlsplit(url)
    schemes = {"https", "http"} if settings.WEBHOOK_ALLOW_HTTP else {"https"}
    if parts.scheme not in schemes:
        raise UnsafeAddress(_("The address must start with https://."))
    if not parts.hostname or parts.username or parts.password:
        raise UnsafeAddress(_("Give an address like https://crm.example.com/hooks/orientacion."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = _addresses(parts.hostname, port)
    except (OSError, ValueError, UnicodeError):
        raise UnsafeAddress(_("This address's host name was not found.")) from None
    if not settings.WEBHOOK_ALLOW_PRIVATE and not all(map(_reachable_from_outside, addresses)):
        raise UnsafeAddress(
            _(
                "This address leads into a private, loopback or link-local network: "
                "webhooks go to addresses on the internet only."
            )
        )
    return addresses


def signature(secret: str, timestamp: int, body: str) -> str:
    """HMAC-SHA256 of "timestamp.body" with the endpoint's secret, in hex: the receiver
    recomputes it, and refuses an old timestamp (a replay)."""
    return hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()


def _partner_firm(partner) -> int:
    member = FirmMember.objects.filter(
        user=partner, role=FirmMember.Role.PARTNER, is_active=True
    ).first()
    if member is None:
        raise AssessmentError(_("Only a partner of the firm can do this."))
    return member.firm_id


@transaction.atomic
def webhook_add(*, partner, url: str, events: list[str]) -> tuple[WebhookEndpoint, str]:
    """A partner registers an endpoint of the firm; returns it and its secret (shown once)."""
    firm_id = _partner_firm(partner)
    checked_addresses(url)
    secret = secrets.token_hex(32)
    endpoint = WebhookEndpoint.objects.create(
        firm_id=firm_id, url=url, events=sorted(set(events)), secret=secret, created_by=partner
    )
    audit.record(endpoint, f"webhook to {url} added", actor=partner)
    return endpoint, secret


@transaction.atomic
def webhook_remove(*, partner, endpoint_id: int) -> None:
    firm_id = _partner_firm(partner)
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id, firm_id=firm_id).first()
    if endpoint is not None:
        audit.record(endpoint, f"webhook to {endpoint.url} removed", actor=partner)
        endpoint.delete()


def _assessment_data(assessment) -> dict:
    return {
        "organisation": {"id": assessment.organisation_id, "name": assessment.organisation.name},
        "assessment": {
            "id": assessment.pk,
            "submitted_at": assessment.submitted_at.isoformat(),
            "overall_score": float(assessment.overall_score),
            "maturity_level": assessment.maturity_level,
            "is_round": assessment.is_round,
            "respondent_count": assessment.respondent_count,
        },
    }


def _queue(endpoint: WebhookEndpoint, event: str, data: dict) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event=event, body="", next_attempt_at=timezone.now()
    )
    body = {"event": event, "delivery": delivery.pk, "data": data}
    delivery.body = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    delivery.save(update_fields=["body"])
    _hand_to_worker(delivery)
    return delivery


def webhooks_notify(event: str, assessment) -> int:
    """Queue `event` about a submitted `assessment` for every active endpoint of its
    organisation's firm that asked for it, in the transaction of the change itself."""
    firm_id = assessment.organisation.firm_id
    if firm_id is None:
        return 0
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(firm_id=firm_id, is_active=True)
        if event in endpoint.events
    ]
    for endpoint in endpoints:
        _queue(endpoint, event, _assessment_data(assessment))
    return len(endpoints)


@transaction.atomic
def webhook_ping(*, partner, endpoint_id: int) -> WebhookDelivery:
    """A test delivery the partner asks for, to check the receiving end."""
    firm_id = _partner_firm(partner)
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id, firm_id=firm_id).first()
    if endpoint is None:
        raise AssessmentError(_("This webhook is not your firm's."))
    return _queue(endpoint, PING, {"sent_by": person_name(partner)})


def _hand_to_worker(delivery: WebhookDelivery) -> None:
    run_when_due(
        DELIVER_TASK, delivery.pk, delivery.next_attempt_at, "webhook", delivery.attempts + 1
    )


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, not to whatever the name resolves to a
    moment later (a DNS answer that changes between check and use)."""

    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = str(address)

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = str(address)

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _post(url: str, body: str, headers: dict) -> tuple[int, str]:
    parts = urlsplit(url)
    address = checked_addresses(url)[0]
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    if https:
        connection = _PinnedHTTPSConnection(
            parts.hostname,
            port,
            address,
            timeout=TIMEOUT_SECONDS,
            context=ssl.create_default_context(),
        )
    else:
        connection = _PinnedHTTPConnection(parts.hostname, port, address, timeout=TIMEOUT_SECONDS)
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", path, body=body.encode(), headers=headers)
        response = connection.getresponse()  # a redirect is an answer, never followed
        return response.status, response.read(RESPONSE_KEPT).decode(errors="replace")
    finally:
        connection.close()


def webhook_deliver(delivery_id: int) -> str:
    """Send one queued delivery (a queue worker's task): claimed by one worker only, signed
    at the moment it is sent, its answer kept. Returns what happened."""
    if not claim(WebhookDelivery, delivery_id, LEASE):
        return "not due"
    now = timezone.now()
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Orientacion-Webhooks/1",
        "Orientacion-Event": delivery.event,
        "Orientacion-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: (
            f"t={timestamp},v1={signature(delivery.endpoint.secret, timestamp, delivery.body)}"
        ),
    }
    try:
        status, text = _post(delivery.endpoint.url, delivery.body, headers)
    except (OSError, http.client.HTTPException, UnsafeAddress) as error:
        return _failed(delivery, None, "", f"{type(error).__name__}: {error}")
    if 200 <= status < 300:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.DELIVERED,
            response_status=status,
            response_body=text[:RESPONSE_KEPT],
            last_error="",
            claimed_until=None,
            next_attempt_at=None,
            delivered_at=timezone.now(),
        )
        return "delivered"
    return _failed(
        delivery, status, text, _("The endpoint answered %(status)s.") % {"status": status}
    )


@transaction.atomic
def _failed(delivery: WebhookDelivery, status, text: str, error: str) -> str:
    logger.warning("Webhook delivery %s was not accepted: %s", delivery.pk, error)
    delivery.response_status = status
    delivery.response_body = text[:RESPONSE_KEPT]
    delivery.last_error = error[:500]
    delivery.claimed_until = None
    fields = ["response_status", "response_body", "last_error", "claimed_until", "status"]
    if delivery.attempts > len(RETRY_DELAYS):
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
        delivery.save(update_fields=[*fields, "next_attempt_at"])
        return "failed"
    delivery.status = WebhookDelivery.Status.QUEUED
    delivery.next_attempt_at = timezone.now() + RETRY_DELAYS[delivery.attempts - 1]
    delivery.save(update_fields=[*fields, "next_attempt_at"])
    _hand_to_worker(delivery)
    return "retry later"
