#!/usr/bin/env python
"""Load and faults against two production servers (gunicorn, DEBUG off, two workers each)
sharing one PostgreSQL and one Redis, all on 127.0.0.1. Bounded in time; it stops what it
starts whatever happens.

    .venv/bin/python scripts/load_and_faults.py

It resets the PostgreSQL database LOAD_DATABASE (default orientacion_load) and empties
database 3 of the Redis at 127.0.0.1:6379. The servers reach both through TCP proxies of
this script, which it cuts to take the database or Redis away. It prints:

1. wrk with a signed-in session on the answer page, the cached report and a chart
   (cycled), 32 connections over both servers for LOAD_SECONDS (default 60): requests,
   non-2xx answers and socket errors, and the workers' memory before and after;
2. the database gone for 10 s under a bounded load of page views and answer saves: status
   codes before, during and after, what /healthz said, whether any error page leaked
   detail, how long recovery took, and whether any saved set of answers is half-written;
3. the same for Redis, where every request must succeed and nobody is signed out;
4. fifty managers submitting at once, each twice (once through each server): status codes
   and what was stored.
"""

import collections
import contextlib
import itertools
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from scripts import live  # noqa: E402

DATABASE = os.environ.get("LOAD_DATABASE", "orientacion_load")
POSTGRES = ("127.0.0.1", 5432)
REDIS = ("127.0.0.1", 6379)
REDIS_DB = 3
LOAD_SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
OUTAGE_SECONDS = 10
PASSWORD = "load-and-faults-2026"  # noqa: S105 -- accounts of a throwaway database


class Proxy:
    """Forwards TCP connections to `target`; `cut()` drops every connection and refuses new
    ones until `restore()`, as a network failure or a stopped server would."""

    def __init__(self, target):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.sockets = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            client, _address = self.listener.accept()
            if not self.up:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for each in (source, sink):
                self._close(each)

    def _close(self, sock):
        with self.lock:
            self.sockets.discard(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def cut(self):
        self.up = False
        with self.lock:
            doomed = list(self.sockets)
        for sock in doomed:
            self._close(sock)

    def restore(self):
        self.up = True


def run(*command):
    subprocess.run(command, check=True, cwd=PROJECT, stdout=subprocess.DEVNULL)


def reset_database():
    for statement in (f'DROP DATABASE IF EXISTS "{DATABASE}"', f'CREATE DATABASE "{DATABASE}"'):
        run("psql", "-q", "-h", POSTGRES[0], "-U", "postgres", "-d", "postgres", "-c", statement)
    run("redis-cli", "-n", str(REDIS_DB), "flushdb")


def setup_django(environment):
    os.environ.update(environment)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orientacion.settings")
    import django

    django.setup()


def make_data():
    """The demo, a draft for ana's answer page, and fifty managers with complete drafts."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    from django.core.management import call_command

    from assessments import services
    from assessments.models import Membership, Organisation, Question, QuestionBank

    call_command("migrate", "--no-input", verbosity=0)
    call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    users = get_user_model().objects
    # Few iterations: a production server checks a PBKDF2 hash at the count it stores.
    hashed = PBKDF2PasswordHasher().encode(PASSWORD, "load-salt", iterations=1000)
    users.filter(username__in=["ana", "luis"]).update(password=hashed)
    bank = QuestionBank.objects.get(status="published")
    questions = list(Question.objects.filter(area__bank=bank).order_by("number"))
    ana = users.get(username="ana")
    hotel = Organisation.objects.get(name="Hotel Brisa del Mar")
    draft = services.assessment_start(organisation=hotel, user=ana)
    everything = {q.pk: services.AnswerInput(choice="partly", note="") for q in questions}
    services.answers_save(assessment=draft, user=ana, answers=everything)

    def manager_with_a_draft(username, organisation_name):
        user = users.create(username=username, password=hashed)
        organisation = Organisation.objects.create(
            name=organisation_name, sector="Carga", size_band="small", country="España"
        )
        Membership.objects.create(user=user, organisation=organisation, role="manager")
        return user, services.assessment_start(organisation=organisation, user=user)

    savers = [manager_with_a_draft(f"saver{i}", f"Guardado {i}") for i in range(4)]
    savers = [(user.username, draft) for user, draft in savers]
    submitters = []
    for index in range(50):
        user, assessment = manager_with_a_draft(f"manager{index:02d}", f"Cliente {index:02d}")
        services.answers_save(assessment=assessment, user=user, answers=everything)
        submitters.append((user.username, assessment.pk))
    return draft.pk, [q.pk for q in questions], savers, submitters


def worker_memory_kib(server_pids) -> list[int]:
    sizes = []
    for pid in server_pids:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for child in children:
            status = Path(f"/proc/{child}/status").read_text()
            sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)))
    return sizes


WRK_SCRIPT = """
paths = {%s}
i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def load(servers, cookie, paths, folder):
    script = folder / "cycle.lua"
    script.write_text(WRK_SCRIPT % ", ".join(f'"{p}"' for p in paths))
    processes = [
        subprocess.Popen(
            [
                "wrk",
                "-t2",
                "-c16",
                f"-d{LOAD_SECONDS}s",
                "--timeout",
                "10s",
                "-H",
                f"Cookie: {cookie}",
                "-s",
                str(script),
                url,
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for url in servers
    ]
    totals = collections.Counter()
    for process in processes:
        output = process.communicate(timeout=LOAD_SECONDS + 60)[0]
        totals["requests"] += int(re.search(r"(\d+) requests in", output).group(1))
        if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
            totals["non-2xx"] += int(match.group(1))
        if match := re.search(
            r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
        ):
            totals["socket errors"] += sum(map(int, match.groups()))
    return totals


class Traffic:
    """A bounded load while a fault comes and goes: readers view the report, savers save
    the whole checklist with one mark per save (its note), both through both servers."""

    def __init__(self, servers, report, savers, question_ids):
        self.servers = servers
        self.report = report
        self.question_ids = question_ids
        self.phase = "before"
        self.statuses = collections.defaultdict(collections.Counter)
        self.leaks = []
        self.signed_out = 0
        self.saves = {}  # username → marks of saves answered 302, in order
        self.stop = threading.Event()
        self.readers = []
        for _ in range(2):
            browser = live.Browser()
            browser.sign_in(servers[0], "ana", PASSWORD)
            self.readers.append(browser)
        self.savers = []
        for username, draft in savers:
            browser = live.Browser()
            browser.sign_in(servers[1], username, PASSWORD)
            self.savers.append((username, draft, browser))
            self.saves[username] = []

    def get(self, browser, url, data=None, headers=None):
        """The response, or None after counting a request that got no answer at all."""
        try:
            response = browser.request(url, data, headers)
        except OSError as error:  # timeouts and refused or dropped connections
            self.statuses[self.phase][type(error).__name__] += 1
            return None
        self.note(response)
        return response

    def note(self, response):
        self.statuses[self.phase][response.status] += 1
        if response.status >= 500 and ("Traceback" in response.text or "psycopg2" in response.text):
            self.leaks.append(response.text[:200])

    def read(self, browser):
        for turn in itertools.count():
            if self.stop.is_set():
                return
            response = self.get(browser, self.servers[turn % 2] + self.report)
            if (
                response is not None
                and response.status == 302
                and "/accounts/login/" in response.headers.get("Location", "")
            ):
                self.signed_out += 1
            time.sleep(0.05)

    def save(self, username, draft, browser):
        page = f"/assessments/{draft.pk}/"
        for mark in range(1, 10**6):
            if self.stop.is_set():
                return
            server = self.servers[mark % 2]
            form = self.get(browser, server + page)
            token = form and re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
            if not token:
                time.sleep(0.2)
                continue
            data = {"action": "save", "csrfmiddlewaretoken": token.group(1)}
            for qid in self.question_ids:
                data[f"q{qid}-choice"] = ["yes", "partly", "no"][mark % 3]
                data[f"q{qid}-note"] = f"mark {mark}"
            response = self.get(browser, server + page, data, {"Referer": server + page})
            if response is not None and response.status == 302:
                self.saves[username].append(mark)
            time.sleep(0.05)

    def __enter__(self):
        self.threads = [threading.Thread(target=self.read, args=(b,)) for b in self.readers]
        self.threads += [threading.Thread(target=self.save, args=s) for s in self.savers]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)


def health(servers):
    statuses = []
    for server in servers:
        response = live.Browser().request(server + "/healthz")
        statuses.append((response.status, response.text))
    return statuses


def fault(name, proxy, servers, report, savers, question_ids):
    from assessments.models import Answer

    with Traffic(servers, report, savers, question_ids) as traffic:
        time.sleep(5)
        traffic.phase = "during"
        proxy.cut()
        started = time.monotonic()
        during_health = collections.Counter()
        while time.monotonic() - started < OUTAGE_SECONDS:
            during_health.update(f"{s} {t}" for s, t in health(servers))
            time.sleep(1)
        traffic.phase = "after"
        proxy.restore()
        restored = time.monotonic()
        recovered_in = None
        while time.monotonic() - restored < 30:
            if all(status == 200 for status, _text in health(servers)):
                recovered_in = time.monotonic() - restored
                break
            time.sleep(0.2)
        time.sleep(5)
    print(f"\n{name} unreachable for {OUTAGE_SECONDS} s under load (2 readers, 4 savers):")
    for phase in ("before", "during", "after"):
        counts = ", ".join(f"{code}: {n}" for code, n in traffic.statuses[phase].items())
        print(f"  {phase:7} {counts}")
    print(f"  /healthz during: {dict(during_health)}")
    if recovered_in is None:
        print("  /healthz did not recover within 30 s")
    else:
        print(f"  /healthz 200 on both servers {recovered_in:.1f} s after it came back")
    print(f"  error pages with a traceback or driver detail: {len(traffic.leaks)}")
    print(f"  readers sent to sign in: {traffic.signed_out}")
    half_written = 0
    for username, draft in savers:
        notes = set(
            Answer.objects.filter(response__assessment=draft).values_list("note", flat=True)
        )
        count = Answer.objects.filter(response__assessment=draft).count()
        confirmed = traffic.saves[username]
        # One whole save stands: every answer carries the same mark, one that was sent.
        if count != len(question_ids) or len(notes) != 1:
            half_written += 1
        elif confirmed and int(next(iter(notes)).split()[1]) < confirmed[-1]:
            half_written += 1  # a confirmed save was lost
    saved = sum(len(v) for v in traffic.saves.values())
    print(f"  saves confirmed: {saved}")
    print(f"  drafts half-written or missing a confirmed save: {half_written}")


def fifty_submit(servers, submitters, question_ids):
    from assessments.models import AreaResult, Assessment

    browsers = []
    for username, assessment_id in submitters:
        pair = []
        for server in servers:
            browser = live.Browser()
            browser.sign_in(server, username, PASSWORD)
            page = f"{server}/assessments/{assessment_id}/"
            token = re.search(
                r'name="csrfmiddlewaretoken" value="([^"]+)"', browser.request(page).text
            ).group(1)
            data = {"action": "submit", "csrfmiddlewaretoken": token}
            for qid in question_ids:
                data[f"q{qid}-choice"] = "partly"
                data[f"q{qid}-note"] = ""
            pair.append((browser, page, data))
        browsers.extend(pair)
    barrier = threading.Barrier(len(browsers))
    statuses = collections.Counter()

    def submit(browser, page, data):
        barrier.wait()
        statuses[browser.request(page, data, {"Referer": page}).status] += 1

    threads = [threading.Thread(target=submit, args=b) for b in browsers]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    took = time.monotonic() - started
    ids = [assessment_id for _username, assessment_id in submitters]
    submitted = Assessment.objects.filter(pk__in=ids, status="submitted").count()
    results = AreaResult.objects.filter(assessment_id__in=ids).count()
    print(f"\nFifty managers submitting at once, each twice (once per server), {took:.1f} s:")
    print(f"  answers: {dict(sorted(statuses.items()))} (302: stored, 409: already submitted)")
    print(f"  assessments submitted: {submitted} of 50")
    print(f"  area results stored: {results} (6 each would be {6 * 50})")


def main():
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    folder = Path(tempfile.mkdtemp(prefix="orientacion-load-"))
    print(f"Load and faults · {os.cpu_count()} cores · two servers × 2 workers · {folder}")
    reset_database()
    postgres_proxy, redis_proxy = Proxy(POSTGRES), Proxy(REDIS)
    environment = live.production_environment(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{postgres_proxy.port}/{DATABASE}",
        REDIS_URL=f"redis://127.0.0.1:{redis_proxy.port}/{REDIS_DB}",
        STATIC_ROOT=str(folder / "static"),
        CONN_MAX_AGE="60",
    )
    setup_django(
        {**environment, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{POSTGRES[1]}/{DATABASE}"}
    )
    draft_id, question_ids, savers, submitters = make_data()
    live.collect_static(environment)
    pids = []
    with (
        live.gunicorn(environment, pids=pids) as first,
        live.gunicorn(environment, pids=pids) as second,
    ):
        servers = (first, second)
        browser = live.Browser()
        browser.sign_in(first, "ana", PASSWORD)
        cookie = f"sessionid={browser.cookie('sessionid')}"
        home = browser.request(first + "/").text
        report = re.findall(r'href="(/assessments/\d+/report/)"', home)[0]
        chart = re.search(
            r'src="(/assessments/\d+/charts/[^"]+)"', browser.request(first + report).text
        ).group(1)
        paths = [f"/assessments/{draft_id}/", report, chart]
        # Every page through every worker before measuring memory (sequential requests
        # would all meet one worker), so "before" already holds what pages load.
        warm = itertools.cycle([server + path for server in servers for path in paths])
        live.concurrently(lambda: browser.request(next(warm)), 240, parallel=16)
        before = worker_memory_kib(pids)
        totals = load(servers, cookie, paths, folder)
        after = worker_memory_kib(pids)
        print(
            f"\nwrk, answer page + cached report + chart cycled, 32 connections "
            f"(16 per server), {LOAD_SECONDS} s:"
        )
        rate = totals["requests"] / LOAD_SECONDS
        print(f"  requests {totals['requests']} ({rate:.0f}/s)")
        print(f"  non-2xx {totals['non-2xx']}, socket errors {totals['socket errors']}")
        print(f"  worker RSS before: {[f'{k / 1024:.1f} MiB' for k in before]}")
        print(f"  worker RSS after:  {[f'{k / 1024:.1f} MiB' for k in after]}")
        fault("PostgreSQL", postgres_proxy, servers, report, savers, question_ids)
        fault("Redis", redis_proxy, servers, report, savers, question_ids)
        fifty_submit(servers, submitters, question_ids)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
