#!/usr/bin/env python
"""Measure the report and answer pages, then load them over HTTP with gunicorn and wrk.

    .venv/bin/python scripts/benchmark.py              # SQLite in a temporary folder
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/orientacion_bench \\
        .venv/bin/python scripts/benchmark.py          # PostgreSQL (the database is reset)

    BENCH_ONLY_BOOKS=1 BENCH_BOOKS=500,5000,20000 .venv/bin/python scripts/benchmark.py
                                                       # a consultant's growing book alone

It creates its own data in its own database, so it never touches the demo or your data.
wrk comes from Debian (`apt-get install wrk`); without it the HTTP part is skipped.
"""

import copy
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
WORK = Path(tempfile.mkdtemp(prefix="orientacion-bench-"))
ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-" + os.urandom(24).hex(),
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "HTTPS": "0",
    "CACHE_DIR": str(WORK / "cache"),
    "STATIC_ROOT": str(WORK / "static"),
    "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{WORK / 'bench.sqlite3'}"),
    "LOG_LEVEL": "ERROR",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "ACCESS_LOG": "/dev/null",
    # Pages are measured here, not signing in: the consultant and the admin the test
    # client signs in have no second factor.
    "SECOND_FACTOR_REQUIRED_FOR": "none",
}
os.environ.update(ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orientacion.settings")
sys.path.insert(0, str(PROJECT))

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache, caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from assessments import charts, reports, selectors, services  # noqa: E402
from assessments.models import (  # noqa: E402
    Membership,
    Organisation,
    Question,
    QuestionBank,
)
from scripts import live  # noqa: E402
from scripts.book_data import (  # noqa: E402
    api_token_for,
    bulk_portfolio,
    growing_book,
    pages_of,
)

RUNS = int(os.environ.get("BENCH_RUNS", "30"))
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PATTERN = ["yes", "partly", "no", "yes", "partly"]


def reset_database():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--no-input", verbosity=0)
    call_command("loaddata", str(PROJECT / "fixtures/question_bank.json"), verbosity=0)


def larger_bank(times: int) -> QuestionBank:
    """An unpublished copy of the bank with every question repeated `times` times."""
    bank = services.bank_new_version(bank=QuestionBank.objects.get(version=1))
    questions = list(Question.objects.filter(area__bank=bank).order_by("number"))
    number = len(questions)
    repeats = []
    for question in questions:
        for _ in range(times - 1):
            number += 1
            question.pk, question.number = None, number
            repeats.append(copy.copy(question))
    Question.objects.bulk_create(repeats)
    return bank


def submitted_on(bank, organisation, user):
    assessment = services.assessment_start(organisation=organisation, user=user)
    assessment.bank = bank
    assessment.save(update_fields=["bank"])
    questions = Question.objects.filter(area__bank=bank).order_by("number")
    services.answers_submit(
        assessment=assessment,
        user=user,
        answers={
            q.pk: services.AnswerInput(choice=PATTERN[i % len(PATTERN)], note="nota " * (i % 3))
            for i, q in enumerate(questions)
        },
    )
    assessment.refresh_from_db()
    return assessment


def closed_round(organisation, lead, people: int, note: str = "", prefix="bench-respondent"):
    """A round `people` answered (the lead among them), each with `note` on every question,
    with an agreed answer, closed."""
    respondents = []
    for n in range(people - 1):
        user = get_user_model().objects.create_user(f"{prefix}-{n}")
        Membership.objects.create(user=user, organisation=organisation, role="respondent")
        respondents.append(user)
    assessment = services.round_start(
        organisation=organisation,
        lead=lead,
        members=respondents,
        new_people=[],
        anonymous=False,
        site_url="http://127.0.0.1/",
    )
    questions = list(Question.objects.filter(area__bank=assessment.bank).order_by("number"))
    for n, user in enumerate([lead, *respondents]):
        services.answers_submit(
            assessment=assessment,
            user=user,
            answers={
                q.pk: services.AnswerInput(choice=PATTERN[(i + n) % len(PATTERN)], note=note)
                for i, q in enumerate(questions)
            },
        )
    services.agreed_answer_set(
        assessment=assessment, lead=lead, question_id=questions[0].pk, choice="partly", note=""
    )
    services.round_close(assessment=assessment, lead=lead)
    assessment.refresh_from_db()
    return assessment


def make_data():
    manager = get_user_model().objects.create_user("bench")
    organisation = Organisation.objects.create(
        name="Bench S.A.", sector="Servicios", size_band="medium", country="España"
    )
    Membership.objects.create(user=manager, organisation=organisation, role="manager")
    bank = QuestionBank.objects.get(version=1)
    report = submitted_on(bank, organisation, manager)
    big = submitted_on(larger_bank(3), organisation, manager)
    round_of_ten = closed_round(organisation, manager, 10)
    draft = services.assessment_start(organisation=organisation, user=manager)
    half = Question.objects.filter(area__bank=bank).order_by("number")[:10]
    services.answers_save(
        assessment=draft,
        user=manager,
        answers={q.pk: services.AnswerInput(choice="partly", note="") for q in half},
    )
    return manager, report, big, draft, round_of_ten


def row(label: str, value, unit: str = "") -> None:
    shown = f"{value:9.1f}" if isinstance(value, float) else f"{value:9d}"
    print(f"  {label:<44}{shown} {unit}".rstrip())


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def median_ms(fn, runs=RUNS) -> float:
    return statistics.median(timed(fn) for _ in range(runs))


def get_ok(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


def share_figures(client, manager, report, round_of_ten):
    """A report opened by a shared link, beside the same report's own page: both served
    from the report's cached page (QUESTION-BANK's target: within 1.2 times)."""
    reader = Client()
    for label, assessment in (("one person", report), ("round of 10", round_of_ten)):
        secret = services.share_link_create(
            organisation=assessment.organisation,
            user=manager,
            label="bench",
            days=30,
            assessment=assessment,
        ).secret
        shared_url = reverse("shared", args=[secret])
        report_url = reverse("assessment_report", args=[assessment.pk])
        get_ok(reader, shared_url)
        get_ok(client, report_url)
        # Alternating, so that a passing slowdown of the machine weighs on both alike.
        own, shared = [], []
        for _ in range(max(RUNS, 20)):
            own.append(median_ms(lambda url=report_url: get_ok(client, url), 1))
            shared.append(median_ms(lambda url=shared_url: get_ok(reader, url), 1))
        own_ms, shared_ms = statistics.median(own), statistics.median(shared)
        row(f"report page, {label}, cached", own_ms, "ms")
        row("shared link to it, cached", shared_ms, f"ms = {shared_ms / own_ms:.2f} × the page")


def chart_urls(client, report_url):
    import re

    page = get_ok(client, report_url).content.decode()
    return re.findall(r'src="(/assessments/\d+/charts/[^"]+\.svg)"', page)


def in_process(manager, report, big, draft, round_of_ten):
    client = Client()
    client.force_login(manager)
    report_url = reverse("assessment_report", args=[report.pk])
    answer_url = reverse("assessment_answer", args=[draft.pk])
    urls = chart_urls(client, report_url)

    def report_with_charts_cold():
        cache.clear()
        caches["pages"].clear()
        get_ok(client, report_url)
        for url in urls:
            get_ok(client, url)

    def report_with_charts_warm():
        get_ok(client, report_url)
        for url in urls:
            get_ok(client, url)

    get_ok(client, answer_url)
    report_with_charts_warm()
    # The what-if's answer as the page's script asks for it: the result alone, two of the
    # report's open questions marked (no chart drawn: the image is a separate request).
    what_if_url = reverse("what_if", args=[report.pk]) + "?q3=yes&q8=partly&partial=1"
    get_ok(client, what_if_url)
    print(f"\nIn-process server time, median of {RUNS} runs ({connection.vendor}):")
    row("answer page (20 questions)", median_ms(lambda: get_ok(client, answer_url)), "ms")
    row("what-if answer, 2 questions marked", median_ms(lambda: get_ok(client, what_if_url)), "ms")
    row("report page, cached", median_ms(lambda: get_ok(client, report_url)), "ms")
    row("report + its 3 charts, nothing cached", median_ms(report_with_charts_cold), "ms")
    row("report + its 3 charts, all cached", median_ms(report_with_charts_warm), "ms")

    share_figures(client, manager, report, round_of_ten)
    pdf_figures(client, report, round_of_ten)

    inputs = selectors.report_inputs(report)
    built = reports.build_report(report, *inputs)
    print("\nDrawing one chart (matplotlib to SVG), median:")
    for chart in built.charts:
        row(chart.kind, median_ms(lambda c=chart: charts.draw(c.spec)), "ms")

    print("\nQueries per request:")
    for label, assessment in (
        ("20 questions", report),
        ("60 questions", big),
        ("round of 10 people", round_of_ten),
    ):
        url = reverse("assessment_report", args=[assessment.pk])
        caches["pages"].clear()
        with CaptureQueriesContext(connection) as first:
            get_ok(client, url)
        with CaptureQueriesContext(connection) as again:
            get_ok(client, url)
        row(f"report page, {label}, first view", len(first))
        row(f"report page, {label}, cached", len(again))
    get_ok(client, what_if_url)  # the report's values: read once, then kept per worker
    for marks in ("", "q3=yes&", "q3=yes&q8=partly&q13=yes&q18=yes&"):
        with CaptureQueriesContext(connection) as queries:
            get_ok(client, reverse("what_if", args=[report.pk]) + f"?{marks}partial=1")
        row(f"what-if answer, {marks.count('=')} marked", len(queries))
    selectors.published_banks.clear()
    with CaptureQueriesContext(connection) as first:
        get_ok(client, answer_url)
    with CaptureQueriesContext(connection) as again:
        get_ok(client, answer_url)
    row("answer page, first view of the bank", len(first))
    row("answer page, bank in memory", len(again))
    return client, report_url, answer_url


def pdf_figures(client, report, round_of_ten):
    """The PDF report made anew: after its report page was seen (its charts are drawn and
    cached, as when someone clicks "Descargar PDF"), and with nothing cached at all (every
    chart drawn too); then served again from the cache."""
    from io import BytesIO

    from pypdf import PdfReader

    runs = max(5, RUNS // 3)

    def made(url, report_url, charts_cached):
        pdf_key = reports.pdf_cache_key(assessment_of[url], "es")

        def make():
            caches["pages"].clear()
            if charts_cached:
                cache.delete(pdf_key)
            else:
                cache.clear()
            response = get_ok(client, url)
            assert response.content.startswith(b"%PDF-")

        if charts_cached:  # the report page and its images, as the browser fetches them
            for chart in chart_urls(client, report_url):
                get_ok(client, chart)
        return make

    cache.clear()
    assessment_of = {}
    first = None
    print(f"\nPDF report (WeasyPrint), median of {runs} runs:")
    for label, assessment in (("20 questions", report), ("round of 10 people", round_of_ten)):
        url = reverse("assessment_pdf", args=[assessment.pk])
        report_url = reverse("assessment_report", args=[assessment.pk])
        assessment_of[url] = assessment
        if first is None:
            # This process's first PDF also loads WeasyPrint and the fonts, which a
            # gunicorn worker does as it starts (gunicorn.conf.py).
            first = timed(made(url, report_url, charts_cached=False))
            row("first PDF of this process (loads WeasyPrint)", first, "ms")
        row(
            f"PDF, {label}, report page seen",
            median_ms(made(url, report_url, charts_cached=True), runs),
            "ms",
        )
        row(
            f"PDF, {label}, nothing cached",
            median_ms(made(url, report_url, charts_cached=False), runs),
            "ms",
        )
        get_ok(client, url)
        row(f"PDF, {label}, cached", median_ms(lambda url=url: get_ok(client, url)), "ms")
        body = get_ok(client, url).content
        pages = len(PdfReader(BytesIO(body)).pages)
        row(f"PDF size, {label}", len(body) // 1024, f"KB, {pages} pages")


def warm_up_figures(manager, bank):
    """The first view of a report right after its submission, and its first PDF download:
    made by the reader's request, or taken from the cache after the queue's warm-up task
    (run here as a worker runs it). The report page's own HTML is kept per process
    without Redis: the warm-up's copy then stays in the worker, and the reader's first
    view renders it (charts and PDF come from the shared cache either way)."""
    from django_q.models import OrmQ

    from assessments import tasks

    client = Client()
    client.force_login(manager)
    runs = max(5, RUNS // 6)
    figures = {key: [] for key in ("page", "page_warm", "charts", "charts_warm", "pdf", "pdf_warm")}
    organisation = Organisation.objects.create(
        name="Recién Enviada S.L.", sector="Servicios", size_band="small", country="España"
    )
    Membership.objects.create(user=manager, organisation=organisation, role="manager")
    for _ in range(runs):
        for warmed in (False, True):
            report = submitted_on(bank, organisation, manager)
            # Its charts are those of the submission before (the same answers): drawn anew.
            cache.clear()
            caches["pages"].clear()
            if warmed:
                for row_of_queue in OrmQ.objects.all():
                    tasks.warm_report(report.pk)
                    row_of_queue.delete()
                caches["pages"].clear()
            OrmQ.objects.all().delete()
            report_url = reverse("assessment_report", args=[report.pk])

            suffix = "_warm" if warmed else ""
            figures["page" + suffix].append(timed(lambda url=report_url: get_ok(client, url)))
            charts_of = chart_urls(client, report_url)
            figures["charts" + suffix].append(
                timed(lambda urls=charts_of: [get_ok(client, u) for u in urls])
            )
            pdf_url = reverse("assessment_pdf", args=[report.pk])
            figures["pdf" + suffix].append(timed(lambda url=pdf_url: get_ok(client, url)))
    print(f"\nRight after a submission, median of {runs} submissions each:")
    row("first report view, no warm-up", statistics.median(figures["page"]), "ms")
    row(
        "first report view after the warm-up task",
        statistics.median(figures["page_warm"]),
        "ms (page HTML rendered anew: per process without Redis)",
    )
    row("then its 3 charts, no warm-up", statistics.median(figures["charts"]), "ms")
    row("then its 3 charts after the warm-up task", statistics.median(figures["charts_warm"]), "ms")
    row("first PDF download, no warm-up", statistics.median(figures["pdf"]), "ms")
    row("first PDF download after the warm-up task", statistics.median(figures["pdf_warm"]), "ms")


def portfolio_figures():
    consultant = get_user_model().objects.create_user("bench-consultant")
    small = get_user_model().objects.create_user("bench-consultant-50")
    start = time.perf_counter()
    orgs = bulk_portfolio(consultant, 500, 4)
    Membership.objects.bulk_create(
        Membership(user=small, organisation=o, role="consultant") for o in orgs[:50]
    )
    print(
        f"\nPortfolio: 500 organisations × 4 submitted assessments "
        f"(built in {time.perf_counter() - start:.1f} s)"
    )
    client = Client()
    client.force_login(consultant)
    client_50 = Client()
    client_50.force_login(small)
    compare_50 = reverse("compare") + "?" + "&".join(f"org={o.pk}" for o in orgs[:50])
    for c, url in ((client, compare_50), (client_50, compare_50)):
        page = get_ok(c, url).content.decode()
        import re

        for src in re.findall(r'src="(/portfolio/compare/charts/[^"]+)"', page):
            get_ok(c, src.replace("&amp;", "&"))
    row(
        "portfolio page, 50 organisations",
        median_ms(lambda: get_ok(client_50, reverse("portfolio"))),
        "ms",
    )
    row(
        "portfolio page, 500 organisations",
        median_ms(lambda: get_ok(client, reverse("portfolio"))),
        "ms",
    )
    row(
        "comparison of 50 (benchmark over 50)",
        median_ms(lambda: get_ok(client_50, compare_50)),
        "ms",
    )
    row(
        "comparison of 50 (benchmark over 500)", median_ms(lambda: get_ok(client, compare_50)), "ms"
    )
    for label, c, url in (
        ("portfolio page, 500 organisations", client, reverse("portfolio")),
        ("comparison of 50 organisations", client, compare_50),
    ):
        with CaptureQueriesContext(connection) as queries:
            get_ok(c, url)
        row(f"queries: {label}", len(queries))

    def export():
        response = client.get(reverse("portfolio_answers_csv"))
        return sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1

    def export_xlsx():

        response = client.get(reverse("portfolio_answers_xlsx"))
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return body

    def rows_in(body):
        from io import BytesIO

        from openpyxl import load_workbook

        book = load_workbook(BytesIO(body), read_only=True)
        return sum(1 for _ in book.worksheets[0].iter_rows()) - 1

    runs = max(3, RUNS // 10)
    for label, fn in (("answers CSV", export), ("answers Excel", export_xlsx)):
        executed = []

        def count(execute, sql, params, many, context, executed=executed):
            executed.append(sql)
            return execute(sql, params, many, context)

        # Counted at the cursor: the streamed response runs its query after the view returns.
        with connection.execute_wrapper(count):
            result = fn()
        rows = result if isinstance(result, int) else rows_in(result)
        row(f"{label}, {rows} answers, median of {runs}", median_ms(fn, runs), "ms")
        row(f"queries: {label}", len(executed))
    row(
        "portfolio results Excel, 500 organisations",
        median_ms(lambda: get_ok(client, reverse("portfolio_xlsx")), runs),
        "ms",
    )


BOOKS = [int(n) for n in os.environ.get("BENCH_BOOKS", "500,5000,20000").split(",")]


def book_figures():
    """Every page that must not grow with a consultant's book (scripts/book_data.py), each
    with its median time, queries and size, for each size of BOOKS."""
    print(f"\nA consultant's book, 4 submitted assessments each (median of {RUNS} runs):")
    staff = get_user_model().objects.create_user("bench-admin", is_staff=True, is_superuser=True)
    for size in BOOKS:
        start = time.perf_counter()
        book = growing_book(size)
        built = time.perf_counter() - start
        print(f"  {size} organisations (built in {built:.1f} s):")
        for label, (client, url) in pages_of(book, size, staff).items():
            executed = []

            def count(execute, sql, params, many, context, executed=executed):
                executed.append(sql)
                return execute(sql, params, many, context)

            get_ok(client, url)  # the session's first request also refreshes it
            with connection.execute_wrapper(count):
                body = get_ok(client, url).content
            took = median_ms(lambda url=url, client=client: get_ok(client, url))
            row(f"  {label}", took, "ms")
            row(f"  {label}: queries", len(executed))
            row(f"  {label}: HTML", len(body) // 1024, "KB")
        outcomes_afresh(book)
        if size <= 1000:  # the whole book's answers, a few tens of thousands of rows
            api = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_for(book['consultant'])}")

            def stream(api=api):
                response = api.get(reverse("api_book_answers"))
                assert response.status_code == 200
                return sum(chunk.count(b"\n") for chunk in response.streaming_content)

            lines = stream()
            took = median_ms(stream, max(3, RUNS // 10))
            row(f"  api: every answer as NDJSON, {lines} rows", took, "ms")


def outcomes_afresh(book) -> None:
    """The book's correlations as first computed, before the shared cache holds them: the
    one query of every score and paired outcome, and the ranking of each pair of lists."""
    areas = [area.code for area in selectors.area_columns()]
    partner = book["partner"]
    firm = selectors.book_for(partner, selectors.consultant_access(partner), whole_firm=True)
    for label, who in (("my clients", book["consultant"]), ("whole firm", firm)):

        def afresh(who=who):
            cache.clear()
            return selectors.book_correlations(who, areas)

        rows = afresh().size
        row(f"  outcomes figures afresh, {label} ({rows} organisations)", median_ms(afresh), "ms")


def wrk(url: str, cookie: str) -> float:
    output = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{WRK_SECONDS}s", "-H", f"Cookie: {cookie}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("Requests/sec"))
    return float(line.split()[1])


def over_http(client, report_url, answer_url, round_url):
    if not shutil.which("wrk"):
        print("\nwrk is not installed (apt-get install wrk): HTTP load skipped.")
        return
    with live.gunicorn({**os.environ, **ENV}, workers=2) as base:
        cookie = f"sessionid={client.cookies['sessionid'].value}"
        for path in ("/healthz", answer_url, report_url, round_url):  # warm both workers
            wrk(base + path, cookie)
        # Rounds alternate the pages so that a passing slowdown of this shared machine
        # weighs on all of them alike; each figure is the median of its rounds.
        rates = {"trivial": [], "answer": [], "report": [], "round": []}
        for _ in range(ROUNDS):
            rates["trivial"].append(wrk(base + "/healthz", cookie))
            rates["answer"].append(wrk(base + answer_url, cookie))
            rates["report"].append(wrk(base + report_url, cookie))
            rates["round"].append(wrk(base + round_url, cookie))
        trivial, answer, report, round_report = (statistics.median(rates[k]) for k in rates)
        print(
            f"\nHTTP load: gunicorn, 2 workers; wrk -t2 -c8 -d{WRK_SECONDS}s on 127.0.0.1, "
            f"median of {ROUNDS} alternating rounds"
        )
        row("trivial view (/healthz)", trivial, "req/s")
        row("answer page", answer, f"req/s = {answer / trivial:.3f} of the trivial view")
        row("report page, cached", report, f"req/s = {report / trivial:.3f} of the trivial view")
        row(
            "report of a round of 10, cached",
            round_report,
            f"req/s = {round_report / trivial:.3f} of the trivial view",
        )


def main():
    print(f"Orientación benchmark · {os.cpu_count()} cores · data in {WORK}")
    reset_database()
    if os.environ.get("BENCH_ONLY_BOOKS") == "1":  # the growing books' pages alone
        book_figures()
        shutil.rmtree(WORK, ignore_errors=True)
        return
    manager, report, big, draft, round_of_ten = make_data()
    if os.environ.get("BENCH_ONLY_SHARES") == "1":  # the shared links' pages alone
        client = Client()
        client.force_login(manager)
        share_figures(client, manager, report, round_of_ten)
        shutil.rmtree(WORK, ignore_errors=True)
        return
    client, report_url, answer_url = in_process(manager, report, big, draft, round_of_ten)
    warm_up_figures(manager, report.bank)
    over_http(client, report_url, answer_url, reverse("assessment_report", args=[round_of_ten.pk]))
    if os.environ.get("BENCH_PORTFOLIO", "1") != "0":  # BENCH_PORTFOLIO=0 skips the books
        portfolio_figures()
        book_figures()
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
