#!/usr/bin/env python
"""Security figures of the README's production start (gunicorn, DEBUG off), on loopback.

    .venv/bin/python scripts/security_check.py            # this checkout
    .venv/bin/python scripts/security_check.py OTHER_DIR  # another checkout, same figures

It builds the demo data in a temporary SQLite database and prints, for 2 and 3 workers,
how many requests an old session cookie is still accepted on after signing out; how many
wrong passwords it takes to be locked out on the site's and the admin's sign-in pages, and
whether the right password then gets in; the Content-Security-Policy and Cache-Control
headers of each kind of page; and, for a round's lead inviting an address that has an
account against a new one, the time of each start and whether the lead's pages differ.
Every request goes to 127.0.0.1 and the servers stop at the end.
"""

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts import live  # noqa: E402

PASSWORD = "orientacion-demo"  # noqa: S105 -- the demo's published password
MAX_ATTEMPTS = 50


def prepare(project: Path, folder: Path) -> dict[str, str]:
    environment = live.production_environment(
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        STATIC_ROOT=str(folder / "static"),
        CACHE_DIR=str(folder / "cache"),
    )
    for command in (["migrate", "--no-input", "-v0"], ["seed_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=project,
            env=environment,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    live.collect_static(environment, project)
    return environment


def signed_in(browser, url) -> bool:
    response = browser.request(url + "/")
    return response.status == 200 and 'action="/accounts/logout/"' in response.text


def old_cookie_after_sign_out(url: str, requests: int) -> int:
    browser = live.Browser()
    browser.sign_in(url, "ana", PASSWORD)
    cookie = browser.cookie("sessionid")
    # Every worker meets the session before it ends, as in a day's use.
    assert all(live.concurrently(lambda: signed_in(browser, url), requests))
    browser.sign_out(url)
    thief = live.Browser()
    thief.set_cookie("sessionid", cookie)
    return sum(live.concurrently(lambda: signed_in(thief, url), requests))


def attempts_until_locked(url: str, page: str, username: str) -> tuple[str, int]:
    browser = live.Browser()
    attempt = None
    for count in range(1, MAX_ATTEMPTS + 1):
        response = browser.post_form(
            url + page, url + page, {"login": username, "password": "wrong"}
        )
        if response.status == 429:
            attempt = count
            break
    right = browser.post_form(url + page, url + page, {"login": username, "password": PASSWORD})
    locked = f"locked after {attempt}" if attempt else f"not locked after {MAX_ATTEMPTS}"
    return locked, right.status


def headers_by_page(url: str) -> list[tuple[str, str, str]]:
    browser = live.Browser()
    browser.sign_in(url, "carmen", PASSWORD)
    portfolio = browser.request(url + "/portfolio/").text
    report = re.search(r'href="(/assessments/\d+/report/)"', portfolio).group(1)
    progress = re.search(r'href="(/organisations/\d+/progress/)"', portfolio).group(1)
    organisations = re.findall(r'name="org" value="(\d+)"', portfolio)[:3]
    report_page = browser.request(url + report).text
    chart = re.search(r'src="(/assessments/\d+/charts/[^"]+)"', report_page).group(1)
    pages = {
        "sign-in page": "/accounts/login/",
        "report": report,
        "report chart (SVG)": chart,
        "report CSV": report.replace("report/", "report.csv"),
        "portfolio": "/portfolio/",
        "comparison": "/portfolio/compare/?" + "&".join(f"org={o}" for o in organisations),
        "progress": progress,
        "answers CSV": "/portfolio/answers.csv",
    }
    rows = []
    for label, path in pages.items():
        response = browser.request(url + path)
        csp = response.headers.get("Content-Security-Policy") or "(none)"
        rows.append((label, response.headers.get("Cache-Control") or "(none)", csp))
    return rows


def invitation_timing(url: str, pairs: int) -> tuple[list[float], list[float], int]:
    """ana starts rounds at Hotel Brisa del Mar, each inviting "Kim Typed" at an address that
    has an account elsewhere or at a new one, in alternation; the time of each start (the
    POST alone, not the form) and how many of the lead's round pages, ids and the address
    taken out, differ from the first of the other kind. Both kinds cycle through eight
    addresses, so that both are invited anew and again alike."""
    browser = live.Browser()
    browser.sign_in(url, "ana", PASSWORD)  # luis is locked out by then
    home = browser.request(url + "/").text
    start = re.search(r'href="(/organisations/\d+/rounds/new/)"', home).group(1)
    # Accounts of other organisations (the hotel's own people are the lead's to see).
    existing = ["elena", "admin", "pablo", "luis", "marta", "jordi", "raul", "nuria"]
    times = {"existing": [], "new": []}
    pages = {"existing": [], "new": []}
    for n in range(pairs):
        for kind in ("existing", "new"):
            address = (
                f"{existing[n % len(existing)]}@demo.orientacion.test"
                if kind == "existing"
                else f"kim.{n % len(existing)}.{os.getpid()}@example.com"
            )
            page = browser.request(url + start)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
            began = time.perf_counter()
            response = browser.request(
                url + start,
                {"new_people": f"Kim Typed, {address}", "csrfmiddlewaretoken": token},
                {"Referer": url + start},
            )
            times[kind].append((time.perf_counter() - began) * 1000)
            if response.status != 302:
                error = re.search(r'class="alert alert-danger"[^>]*>([^<]+)', response.text)
                raise RuntimeError(f"start refused ({response.status}): {error and error[1]}")
            lead_page = browser.request(url + response.headers["Location"]).text
            pages[kind].append(_without_ids(lead_page.replace(address, "ADDRESS")))
    reference = pages["new"][0]
    differing = sum(page != reference for page in pages["existing"] + pages["new"])
    return times["existing"], times["new"], differing


def _without_ids(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r"/\d+/", "/ID/", html)
    return re.sub(r'data-respondent="\d+"', "", html)


def main():
    project = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else live.PROJECT
    commit = subprocess.run(
        ["git", "log", "-1", "--format=%h %s"], cwd=project, capture_output=True, text=True
    ).stdout.strip()
    print(f"Security check of {project} ({commit})")
    with tempfile.TemporaryDirectory(prefix="orientacion-security-") as folder:
        environment = prepare(project, Path(folder))
        for workers, requests in ((2, 40), (3, 80)):
            with live.gunicorn(environment, workers=workers, project=project) as url:
                accepted = old_cookie_after_sign_out(url, requests)
                print(
                    f"  gunicorn, {workers} workers: old session cookie accepted after "
                    f"signing out on {accepted} of {requests} requests"
                )
        with live.gunicorn(environment, workers=2, project=project) as url:
            for label, page, username in (
                ("site sign-in", "/accounts/login/", "luis"),
                ("admin sign-in", "/admin/login/", "admin"),
            ):
                locked, right = attempts_until_locked(url, page, username)
                print(f"  {label}: wrong passwords {locked}; the right one then answers {right}")
            print("  headers (page: Cache-Control | Content-Security-Policy):")
            for label, cache_control, csp in headers_by_page(url):
                print(f"    {label:20} {cache_control:30} | {csp}")
        pairs = 80
        generous = {
            "ROUND_STARTS_PER_PERSON_PER_DAY": "1000",
            "ROUND_STARTS_PER_ORGANISATION_PER_DAY": "1000",
            "MAILS_PER_PERSON_PER_DAY": "1000",
            "MAILS_PER_ORGANISATION_PER_DAY": "1000",
        }
        with live.gunicorn({**environment, **generous}, workers=2, project=project) as url:
            existing, new, differing = invitation_timing(url, pairs)
        print(
            f"  a round inviting an address with an account vs a new one ({pairs} each, "
            "alternating, ms):"
        )
        for label, times in (("with an account", existing), ("new address", new)):
            ordered = sorted(times)
            low, high = ordered[len(ordered) // 10], ordered[len(ordered) * 9 // 10]
            print(
                f"    {label:16} median {statistics.median(times):6.1f}  "
                f"p10 {low:6.1f}  p90 {high:6.1f}"
            )
        print(
            f"    lead's round pages differing from the others (ids and address aside): {differing}"
        )


if __name__ == "__main__":
    main()
