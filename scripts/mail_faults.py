#!/usr/bin/env python
"""Mail when the mail server misbehaves, against the production start (gunicorn, DEBUG
off, two workers) and the queue's worker (`manage.py qcluster`), on PostgreSQL, with a real
SMTP server (aiosmtpd) on loopback. Bounded in time; it stops what it starts.

    .venv/bin/python scripts/mail_faults.py

It resets the PostgreSQL database MAIL_DATABASE (default orientacion_mail) and prints:

1. with the mail server refusing connections, then accepting them and never answering:
   a consultant adding a client and a manager starting a round with two new people, each
   request's status and time;
2. the mail server back: how long until every mail queued in 1 has left, and how many
   copies of each arrived;
3. two workers (two `qcluster` processes) on 200 queued mails: how long, how many arrived,
   and whether any arrived twice;
4. a worker killed with SIGKILL while it talks to the mail server: the mail's state then,
   and when and how often it arrived after another worker took it over.
"""

import asyncio
import collections
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from aiosmtpd.controller import Controller

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from scripts import live  # noqa: E402

DATABASE = os.environ.get("MAIL_DATABASE", "orientacion_mail")
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
PASSWORD = "mail-faults-2026"  # noqa: S105 -- accounts of a throwaway database
# Short for the measurement: a killed worker's task is handed out again after 20 s.
QUEUE_TIMEOUT, QUEUE_RETRY = 8, 20


class Inbox:
    """The far end of the mail server: counts what it accepts, by recipient. While `slow`,
    it holds each recipient for that many seconds before answering."""

    def __init__(self):
        self.received = collections.Counter()
        self.slow = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.slow:
            await asyncio.sleep(self.slow)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.update(envelope.rcpt_tos)
        return "250 OK"


class MailServer:
    """One port that refuses, stays silent, or speaks SMTP, as told."""

    def __init__(self):
        self.port = live.free_port()
        self.inbox = Inbox()
        self.controller = None
        self.silent = None

    def refuse(self):
        self._stop()

    def go_silent(self):
        self._stop()
        self.silent = socket.create_server(("127.0.0.1", self.port))
        self.silent.listen(100)  # accepts connections; never says a word

    def serve(self):
        self._stop()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def _stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
        if self.silent is not None:
            self.silent.close()
            self.silent = None


def environment(server: MailServer, **overrides):
    return live.production_environment(
        DATABASE_URL=DATABASE_URL,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(server.port),
        EMAIL_USE_TLS="0",
        EMAIL_TIMEOUT="3",
        QUEUE_TIMEOUT_SECONDS=str(QUEUE_TIMEOUT),
        QUEUE_RETRY_SECONDS=str(QUEUE_RETRY),
        **overrides,
    )


@contextmanager
def queue_worker(env, log_name):
    """`manage.py qcluster` in its own process group, stopped whatever happens."""
    log = open(Path(tempfile.gettempdir()) / f"{log_name}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=PROJECT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()  # the cluster stops its own workers
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # whatever is left of the group
        log.close()


def prepare(server):
    for statement in (
        f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)',
        f'CREATE DATABASE "{DATABASE}"',
    ):
        subprocess.run(
            ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", statement],
            check=True,
        )
    os.environ.update(environment(server))
    os.environ["DJANGO_SETTINGS_MODULE"] = "orientacion.settings"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    from django.core.management import call_command
    from django_q.models import OrmQ, Schedule

    from assessments.models import OutgoingMail

    call_command("migrate", "--no-input", verbosity=0)
    call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    # The demo's own queue (report warm-ups, a mail's next try) and mails are not measured
    # here.
    OrmQ.objects.all().delete()
    Schedule.objects.all().delete()
    OutgoingMail.objects.all().delete()
    hashed = PBKDF2PasswordHasher().encode(PASSWORD, "mail-salt", iterations=1000)
    get_user_model().objects.filter(username__in=["victor", "ana"]).update(password=hashed)


def timed_post(browser, url, data):
    """The form's page first (for its CSRF token), then the post alone, timed."""
    page = browser.request(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    started = time.monotonic()
    response = browser.request(url, {**data, "csrfmiddlewaretoken": token}, {"Referer": url})
    return response.status, (time.monotonic() - started) * 1000


def client_form(index):
    return {
        "name": f"Cliente de prueba {index}",
        "sector": "Comercio",
        "size_band": "micro",
        "country": "España",
        "manager_first_name": "Nora",
        "manager_last_name": f"Prueba {index}",
        "manager_email": f"nora{index}@mail-faults.test",
    }


def requests_while_down(base, server):
    from assessments.models import Organisation

    hotel = Organisation.objects.get(name="Hotel Brisa del Mar").pk
    consultant, manager = live.Browser(), live.Browser()
    # Production asks a consultant for a second factor: the demo's victor has one.
    from assessments.management.commands.seed_demo import DEMO_TOTP_SECRET

    asked = consultant.sign_in(base, "victor", PASSWORD)
    assert asked.headers.get("Location") == "/accounts/2fa/authenticate/", (
        asked.status,
        asked.headers.get("Location"),
    )
    consultant.second_factor(base, live.totp(DEMO_TOTP_SECRET))
    manager.sign_in(base, "ana", PASSWORD)
    rows = []
    for index, (label, prepare_server) in enumerate(
        (("refuses connections", server.refuse), ("accepts, never answers", server.go_silent))
    ):
        prepare_server()
        add = base + "/portfolio/clients/new/"
        start = f"{base}/organisations/{hotel}/rounds/new/"
        people = "\n".join(
            f"{name} Prueba, {name.lower()}{index}@mail-faults.test" for name in ("Rosa", "Luis")
        )
        for _ in range(5):
            rows.append(
                (label, "consultant adds a client")
                + timed_post(consultant, add, client_form(len(rows)))
            )
        rows.append(
            (label, "manager starts a round with two new people")
            + timed_post(manager, start, {"new_people": people})
        )
    return rows


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def statuses():
    from assessments.models import OutgoingMail

    return collections.Counter(OutgoingMail.objects.values_list("status", flat=True))


def queue_many(count):
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from assessments.models import OutgoingMail
    from assessments.services.mail import mail_queue

    person = get_user_model().objects.get(username="ana")
    with transaction.atomic():
        for index in range(count):
            mail_queue(
                kind=OutgoingMail.Kind.PASSWORD_RESET,
                recipient=f"bulk{index:03d}@mail-faults.test",
                subject="Prueba",
                site_url="http://127.0.0.1/",
                user=person,
            )


def main():
    server = MailServer()
    prepare(server)
    from assessments.models import OutgoingMail

    env = environment(server)
    live.collect_static(env)
    print("== 1. Requests while the mail server is down (gunicorn, DEBUG off, PostgreSQL)")
    with live.gunicorn(env) as base, queue_worker(env, "mail-faults-worker"):
        rows = requests_while_down(base, server)
        for label, action, status, milliseconds in rows:
            print(f"  {label:24} {action:44} {status}  {milliseconds:6.0f} ms")
        errors = sum(1 for row in rows if row[2] >= 500)
        print(f"  server errors: {errors}; slowest: {max(r[3] for r in rows):.0f} ms")
        time.sleep(8)  # each mail's first try fails meanwhile
        print(f"  mails after their first try, by state: {dict(statuses())}")

        print("== 2. The mail server back")
        server.serve()
        back = time.monotonic()
        expected = OutgoingMail.objects.count()
        delivered = wait_for(lambda: statuses().get("sent", 0) == expected, 240)
        print(
            f"  {expected} mails; all sent: {delivered}, after {time.monotonic() - back:.0f} s "
            f"(the first retry comes one minute after the failed try)"
        )
        copies = collections.Counter(server.inbox.received.values())
        print(
            f"  arrived: {sum(server.inbox.received.values())} messages to "
            f"{len(server.inbox.received)} addresses; copies per address: {dict(copies)}"
        )

    print("== 3. Two workers on 200 queued mails")
    server.inbox.received.clear()
    queue_many(200)
    started = time.monotonic()
    with queue_worker(env, "mail-faults-a"), queue_worker(env, "mail-faults-b"):
        done = wait_for(lambda: statuses() == {"sent": expected + 200}, 180)
        took = time.monotonic() - started
    bulk = {k: v for k, v in server.inbox.received.items() if k.startswith("bulk")}
    print(
        f"  all sent: {done} in {took:.1f} s (both workers' start "
        f"included); arrived {sum(bulk.values())} messages to {len(bulk)} addresses; "
        f"arrived twice: {sum(1 for v in bulk.values() if v > 1)}"
    )

    print("== 4. A worker killed with SIGKILL mid-send")
    server.inbox.received.clear()
    server.inbox.slow = 6
    slow_env = {**env, "EMAIL_TIMEOUT": "30"}
    with queue_worker(slow_env, "mail-faults-killed") as doomed:
        queue_many(1)
        victim = OutgoingMail.objects.order_by("-pk").first()
        wait_for(lambda: OutgoingMail.objects.get(pk=victim.pk).status == "sending", 30)
        time.sleep(1)
        os.killpg(doomed.pid, signal.SIGKILL)
        killed_at = time.monotonic()
    state = OutgoingMail.objects.get(pk=victim.pk)
    print(f"  killed while its state was {state.status!r} (attempt {state.attempts})")
    from django_q.models import Failure

    server.inbox.slow = 0
    with queue_worker(slow_env, "mail-faults-after"):
        sent = wait_for(lambda: OutgoingMail.objects.get(pk=victim.pk).status == "sent", 120)
        took = time.monotonic() - killed_at
    state = OutgoingMail.objects.get(pk=victim.pk)
    print(
        f"  sent by another worker: {sent}, {took:.0f} s after the "
        f"kill (QUEUE_RETRY_SECONDS={QUEUE_RETRY}), at attempt {state.attempts}; "
        f"arrived {server.inbox.received[victim.recipient]} time(s); tasks that found it "
        f"still held by the killed worker: {Failure.objects.count()}"
    )
    server.refuse()


if __name__ == "__main__":
    main()
