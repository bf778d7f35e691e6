"""Mail and report warm-ups go through the task queue: queued with the change that asks for
them, done by a worker, retried with growing delays against a real SMTP server on loopback,
and shown on the pages that sent them."""

import re
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.cache import caches
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django_q.conf import Conf
from django_q.models import OrmQ, Schedule
from django_q.scheduler import scheduler

from assessments import reports, services
from assessments.charts import DRAWING_VERSION
from assessments.models import Invitation, OutgoingMail
from assessments.services.mail import MailBeingSent
from tests.conftest import all_choices, answer_inputs, client_for, work_the_queue
from tests.test_invitations import client_form
from tests.test_round_consent_and_privacy import closed_port
from tests.test_rounds import start_round


class Inbox:
    """An SMTP server's far end: keeps what it accepts, or refuses while told to."""

    def __init__(self):
        self.messages: list[str] = []
        self.refusing = False

    async def handle_DATA(self, server, session, envelope):
        if self.refusing:
            return "451 4.3.0 Mailbox busy, try again later"
        self.messages.append(envelope.content.decode())
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 3
    yield inbox
    controller.stop()


def due_schedules_run(monkeypatch):
    """Let every scheduled retry fall due, and run django-q's own scheduler on them (here,
    in this test's transaction: the library keeps the connection open when it runs
    tasks in the calling process)."""
    Schedule.objects.update(next_run=timezone.now() - timedelta(seconds=1))
    OutgoingMail.objects.filter(status="queued").update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    monkeypatch.setattr(Conf, "SYNC", True)
    scheduler()
    monkeypatch.setattr(Conf, "SYNC", False)


def add_client(client, charlie, email="nora@example.org"):
    return client_for(client, charlie).post(reverse("client_add"), client_form(email))


def test_a_rolled_back_change_queues_nothing(bank, charlie):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.client_add(
            consultant=charlie,
            name="Nueva S.L.",
            sector="Comercio",
            size_band="micro",
            country="Perú",
            manager_first_name="Nora",
            manager_last_name="Vidal",
            manager_email="nora@example.org",
            site_url="http://testserver/",
        )
        assert OrmQ.objects.count() == 1 and OutgoingMail.objects.count() == 1
        raise RuntimeError("the request failed after queuing")
    assert not OrmQ.objects.exists() and not OutgoingMail.objects.exists()
    assert work_the_queue() == 0 and mail.outbox == []


def test_the_request_answers_at_once_and_the_worker_sends(client, bank, charlie, smtp):
    response = add_client(client, charlie)
    assert response.status_code == 302
    queued = OutgoingMail.objects.get()
    assert (queued.status, queued.attempts, smtp.messages) == ("queued", 0, [])
    page = client.get(reverse("invitations")).content.decode()
    assert "Invitación en cola para nora@example.org" in page
    assert 'data-mail-state="queued"' in page

    assert work_the_queue() == 1
    sent = OutgoingMail.objects.get()
    assert (sent.status, sent.attempts) == ("sent", 1) and len(smtp.messages) == 1
    assert "To: nora@example.org" in smtp.messages[0]
    assert 'data-mail-state="sent"' in client.get(reverse("invitations")).content.decode()


def test_no_secret_waits_in_the_queue_or_shows_on_a_page(client, bank, charlie, smtp):
    add_client(client, charlie)
    queued = OutgoingMail.objects.get()
    stored = " ".join(
        str(value) for value in OutgoingMail.objects.values().get().values()
    ) + " ".join(str(row.payload) for row in OrmQ.objects.all())
    assert "/reset/" not in stored and "/invitations/" not in stored
    work_the_queue()
    link = re.search(r"http://testserver(/accounts/reset/\S+)", smtp.messages[0]).group(1)
    token = link.strip("/").split("/")[-1]
    page = client.get(reverse("invitations")).content.decode()
    admin_text = str(OutgoingMail.objects.values().get(pk=queued.pk))
    # The token is the secret (the user id beside it is two letters of base64, which a
    # page's random CSRF token may hold by chance).
    assert link not in page and token not in page and token not in admin_text


def test_a_refusing_server_is_retried_with_growing_delays_then_failed_and_retried_by_hand(
    client, bank, charlie, smtp, monkeypatch
):
    smtp.refusing = True
    add_client(client, charlie)
    started = timezone.now()
    work_the_queue()
    delays = []
    for _ in services.RETRY_DELAYS:
        queued = OutgoingMail.objects.get()
        assert queued.status == "queued" and "451" in queued.last_error
        delays.append(queued.next_attempt_at - started)
        page = client.get(reverse("invitations")).content.decode()
        assert "próximo intento" in page
        started = timezone.now()
        due_schedules_run(monkeypatch)
    # About 1 min, 5 min, 30 min and 2 h (each measured from just before its try).
    assert [round(d.total_seconds() / 60) for d in delays] == [1, 5, 30, 120]
    failed = OutgoingMail.objects.get()
    assert (failed.status, failed.attempts, smtp.messages) == ("failed", 5, [])
    page = client.get(reverse("invitations")).content.decode()
    assert 'data-mail-state="failed"' in page and "tras 5 intentos" in page
    assert "Mailbox busy" in page

    smtp.refusing = False
    retried = client.post(reverse("mail_retry", args=[failed.pk]), follow=True)
    assert "vuelve a estar en cola" in retried.content.decode()
    work_the_queue()
    assert OutgoingMail.objects.get().status == "sent" and len(smtp.messages) == 1
    again = client.post(reverse("mail_retry", args=[failed.pk]), follow=True)
    assert "Solo se puede reintentar un mensaje que falló" in again.content.decode()
    assert work_the_queue() == 0 and len(smtp.messages) == 1


def test_an_unreachable_server_fails_no_request(client, settings, bank, charlie):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    assert add_client(client, charlie).status_code == 302
    work_the_queue()
    queued = OutgoingMail.objects.get()
    assert queued.status == "queued" and "ConnectionRefusedError" in queued.last_error


def test_a_mail_is_sent_once_however_often_the_queue_hands_it_out(bank, charlie, smtp):
    add_client(Client(), charlie)
    mail_id = OutgoingMail.objects.get().pk
    assert services.mail_deliver(mail_id) == "sent"
    assert services.mail_deliver(mail_id) == "not due"
    assert work_the_queue() == 1  # the queued task itself finds nothing left to do
    assert len(smtp.messages) == 1


def test_a_worker_killed_mid_send_leaves_the_mail_to_another(bank, charlie, smtp):
    add_client(Client(), charlie)
    mail_id = OutgoingMail.objects.get().pk
    # A worker claimed it and died: while its claim holds, nobody else sends it ...
    claim_ends = timezone.now() + timedelta(seconds=30)
    OutgoingMail.objects.update(status="sending", attempts=1, claimed_until=claim_ends)
    with pytest.raises(MailBeingSent):  # the queue hands the task out again later
        services.mail_deliver(mail_id)
    assert smtp.messages == []
    # ... and once it lapses, the task handed out again sends it.
    OutgoingMail.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert services.mail_deliver(mail_id) == "sent" and len(smtp.messages) == 1
    assert OutgoingMail.objects.get().attempts == 2


def test_an_invitation_accepted_before_its_mail_left_is_not_sent(client, bank, charlie, smtp):
    add_client(client, charlie)
    Invitation.objects.update(accepted_at=timezone.now())
    work_the_queue()
    assert OutgoingMail.objects.get().status == "not_needed" and smtp.messages == []


def test_a_round_s_page_shows_each_invitation_s_state(client, bank, acme, alice, dave, smtp):
    dave.email = "dave@example.org"
    dave.save()
    assessment = start_round(acme, alice, dave)
    lead = client_for(client, alice)
    page = lead.get(reverse("round_manage", args=[assessment.pk])).content.decode()
    assert page.count('data-mail-state="queued"') == 2
    OutgoingMail.objects.filter(recipient="rosa@example.org").update(
        status="failed", attempts=5, last_error="SMTPRecipientsRefused: 550 no such user"
    )
    work_the_queue()
    page = lead.get(reverse("round_manage", args=[assessment.pk])).content.decode()
    assert page.count('data-mail-state="sent"') == 1
    assert page.count('data-mail-state="failed"') == 1 and "550 no such user" in page
    rosa_mail = OutgoingMail.objects.get(recipient="rosa@example.org")
    # Only the round's lead may send it again; the other manager gets a 404.
    other = client_for(Client(), dave)
    assert other.post(reverse("mail_retry", args=[rosa_mail.pk])).status_code == 404
    lead.post(reverse("mail_retry", args=[rosa_mail.pk]))
    work_the_queue()
    assert OutgoingMail.objects.get(pk=rosa_mail.pk).status == "sent"
    assert sorted(m.split("To: ")[1].split("\n")[0].strip() for m in smtp.messages) == [
        "dave@example.org",
        "rosa@example.org",
    ]


def test_a_password_reset_queues_the_same_work_for_any_address(client, alice, smtp):
    alice.email = "alice@example.org"
    alice.save()
    for address in ("alice@example.org", "nobody@example.org"):
        before = OrmQ.objects.count()
        client.post(reverse("password_reset"), {"email": address})
        assert OrmQ.objects.count() == before + 1
    assert not OutgoingMail.objects.exists()  # nothing is looked up inside the request
    work_the_queue()
    assert list(OutgoingMail.objects.values_list("recipient", "status")) == [
        ("alice@example.org", "sent")
    ]
    assert len(smtp.messages) == 1 and "/accounts/reset/" in smtp.messages[0]


def test_submitting_warms_the_report_s_charts_page_and_pdf_in_both_languages(
    client, bank, acme, alice
):
    draft = services.assessment_start(organisation=acme, user=alice)
    services.answers_submit(
        assessment=draft, user=alice, answers=answer_inputs(bank, all_choices(q1="no"))
    )
    assessment = type(draft).objects.select_related("submitted_by", "organisation").get(pk=draft.pk)
    for language in ("es", "en"):
        assert caches["default"].get(reports.pdf_cache_key(assessment, language)) is None
    work_the_queue()
    for language in ("es", "en"):
        pdf = caches["default"].get(reports.pdf_cache_key(assessment, language))
        assert pdf is not None and pdf.startswith(b"%PDF")
        with translation.override(language):
            warmed = services.report_page(assessment)
        for key, _spec in warmed["charts"].values():
            assert caches["default"].get(f"chart:{DRAWING_VERSION}:{key}")
    # The page a worker made is the page a reader's request makes.
    caches["pages"].clear()
    client_for(client, alice).get(reverse("assessment_report", args=[assessment.pk]))
    with translation.override("es"):
        from_request = services.report_page(assessment)
    caches["pages"].clear()
    with translation.override("es"):
        from_worker = services.report_page(assessment)
    assert from_request == from_worker
