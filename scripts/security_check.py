#!/usr/bin/env python
"""Security figures of the README's production start (gunicorn, DEBUG off), on loopback.

    .venv/bin/python scripts/security_check.py            # this checkout
    .venv/bin/python scripts/security_check.py OTHER_DIR  # another checkout, same figures

It builds the demo data in a temporary SQLite database and prints, for 2 and 3 workers,
how many requests an old session cookie is still accepted on after signing out; what a
consultant and the admin with only their passwords reach (nothing but the second factor's
setup, on every address the demo's consultant with a second factor reaches); how the code
page answers a replayed code, another person's, a used recovery code and five wrong ones;
how many wrong passwords it takes to be locked out, and whether the right password then
gets in; whether a session signed out from "Dónde has iniciado sesión" is refused by every
worker of two servers; the Content-Security-Policy and Cache-Control
headers of each kind of page; and, for a round's lead inviting an address that has an
account against a new one, the time of each start and whether the lead's pages differ;
how 200 sign-ups from one client address are answered; and a sign-up for an address with
an account against a new one: the time of each and whether the answers differ; and a
partner's request to erase an address outside her firm that has an account against one
without: the time of each and whether the answers differ.
Every request goes to 127.0.0.1 and the servers stop at the end.
"""

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts import live  # noqa: E402

PASSWORD = "orientacion-demo"  # noqa: S105 -- the demo's published password
DEMO_TOTP_SECRET = "ORIENTACIONDEMOTOTPSECRETVICTOR2"  # noqa: S105 -- the demo's, published
CODE_PAGE = "/accounts/2fa/authenticate/"
SET_UP = "/accounts/2fa/totp/activate/"
MAX_ATTEMPTS = 50


def prepare(project: Path, folder: Path) -> dict[str, str]:
    environment = live.production_environment(
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        STATIC_ROOT=str(folder / "static"),
        CACHE_DIR=str(folder / "cache"),
        SHARE_GUESS_LIMIT="60",
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
    browser = victor(url)
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


def fresh_code() -> str:
    """A code of victor's that nobody has given yet: the next 30-second step's, once it
    begins (a used code is refused for the whole window it is valid in)."""
    time.sleep(30 - time.time() % 30 + 0.2)
    return live.totp(DEMO_TOTP_SECRET)


def victor(url: str) -> live.Browser:
    """The demo's consultant with a second factor, signed in with the password and a code."""
    browser = live.Browser()
    asked = browser.sign_in(url, "victor", PASSWORD)
    assert asked.headers["Location"] == CODE_PAGE, asked.status
    given = browser.second_factor(url, fresh_code())
    assert given.status == 302 and given.headers["Location"] == "/", given.status
    return browser


def pages_known_to(browser: live.Browser, url: str, limit: int) -> list[str]:
    """The addresses a signed-in person reaches by following links from the home page
    (GET links only, none that signs out), up to `limit`."""
    seen, queue = {"/"}, ["/"]
    found = []
    while queue and len(found) < limit:
        path = queue.pop(0)
        response = browser.request(url + path)
        if response.status != 200:
            continue
        found.append(path)
        if "text/html" not in response.headers.get("Content-Type", ""):
            continue
        for link in re.findall(r'href="(/[^"#]*)"', response.text):
            link = link.replace("&amp;", "&")
            if link.startswith(("/static/", "/accounts/logout")) or link in seen:
                continue
            seen.add(link)
            queue.append(link)
    return found


# Pages anyone reaches (the health check) and those of the second factor's own setup.
OPEN_PAGES = ("/healthz", "/accounts/2fa/")


def second_factor_required(url: str, known: list[str]) -> tuple[list[str], int, int]:
    """carmen (a consultant) and admin with only their passwords, on every address victor
    (and the admin pages) reach, the open ones aside: those that answer anything but a
    redirect to the second factor's setup, and how many were tried by how many people."""
    tried = [path for path in known if not path.startswith(OPEN_PAGES)]
    leaks = []
    for username in ("carmen", "admin"):
        browser = live.Browser()
        assert browser.sign_in(url, username, PASSWORD).status == 302
        for path in tried:
            response = browser.request(url + path)
            if response.status != 302 or response.headers["Location"] != SET_UP:
                leaks.append(f"{username} {path}: {response.status}")
    return leaks, len(tried), 2


def lift_lockouts(environment: dict[str, str], project: Path) -> None:
    """What an admin does in "Access attempts": every lockout lifted, so that the next
    measure starts from none."""
    subprocess.run(
        [sys.executable, "manage.py", "axes_reset"],
        cwd=project,
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def codes_refused(url: str, environment: dict[str, str], project: Path) -> dict[str, object]:
    """How the code page answers each misuse (200: refused, the form again; 302: signed
    in; 429: locked out)."""
    first = victor(url)
    used = live.totp(DEMO_TOTP_SECRET)  # the code victor() just gave
    codes_page = first.request(url + "/accounts/2fa/recovery-codes/").text
    recovery_code = re.search(r'id="recovery_codes"[^>]*>([^<]*)<', codes_page).group(1).split()[0]

    def attempt(code):
        browser = live.Browser()
        browser.sign_in(url, "victor", PASSWORD)
        return browser.second_factor(url, code).status

    results = {
        "the code just given, again": attempt(used),
        "another person's valid code": attempt(live.totp("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")),
        "a recovery code, first use": attempt(recovery_code),
        "the same recovery code again": attempt(recovery_code),
    }
    lift_lockouts(environment, project)
    browser = live.Browser()
    browser.sign_in(url, "victor", PASSWORD)
    for count in range(1, MAX_ATTEMPTS + 1):
        if browser.second_factor(url, "12345x").status == 429:
            results["wrong codes until the lockout page (429)"] = count
            break
    else:
        results["wrong codes until the lockout page (429)"] = f"none in {MAX_ATTEMPTS}"
    results["then a valid code"] = browser.second_factor(url, fresh_code()).status
    lift_lockouts(environment, project)
    return results


def session_signed_out_from_the_list(servers: list[str], requests: int) -> int:
    """victor signs in on both servers; from the first, 'Dónde has iniciado sesión' signs
    out the other; that cookie is then tried on every worker of both: how many accept it."""
    here = victor(servers[0])
    there = victor(servers[1])
    cookie = there.cookie("sessionid")
    assert all(live.concurrently(lambda: signed_in(there, servers[1]), 8))
    page = here.request(servers[0] + "/account/").text
    refs = re.findall(r'<tr data-session="([0-9a-f]+)">(?:(?!</tr>).)*?name="ref"', page, re.S)
    for ref in refs:
        here.post_form(
            servers[0] + "/account/", servers[0] + "/account/sessions/sign-out/", {"ref": ref}
        )
    thief = live.Browser()
    thief.set_cookie("sessionid", cookie)
    return sum(
        sum(live.concurrently(lambda server=server: signed_in(thief, server), requests))
        for server in servers
    )


SIGN_UP = "/accounts/signup/"


def api_token(environment: dict[str, str], project: Path, username: str) -> str:
    """A fresh read-only token of `username`, made as the account page makes one."""
    code = (
        "from django.contrib.auth import get_user_model; from assessments import services; "
        f"u = get_user_model().objects.get(username={username!r}); "
        "print(services.api_token_create(user=u, name='check', access='read', days=30).key)"
    )
    made = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=project,
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    )
    return made.stdout.strip().splitlines()[-1]


def api_checks(url: str, environment: dict[str, str], project: Path) -> list[str]:
    """What tokens open, and how the rate limit answers, across the server's workers."""
    lines = []
    key = api_token(environment, project, "carmen")
    bearer = {"Authorization": f"Bearer {key}"}
    api = url + "/api/v1/organisations/?page_size=5"
    pages = ["/", "/portfolio/", "/account/", "/admin/"]
    opened = [p for p in pages if live.Browser().request(url + p, headers=bearer).status == 200]
    lines.append(f"pages a token opened without a session: {len(opened)} of {len(pages)} {opened}")
    limit = int(environment.get("API_RATE_LIMIT", "120/minute").split("/")[0])
    answers = live.concurrently(
        lambda: live.Browser().request(api, headers=bearer), limit + 30, parallel=8
    )
    statuses = Counter(answer.status for answer in answers)
    waits = {answer.headers.get("Retry-After") for answer in answers if answer.status == 429}
    lines.append(
        f"{limit + 30} requests with one token (limit {limit} a minute), 8 at a time: "
        + ", ".join(f"{n} answered {status}" for status, n in sorted(statuses.items()))
        + f"; Retry-After on every 429: {None not in waits}"
    )
    other = api_token(environment, project, "carmen")
    answer = live.Browser().request(api, headers={"Authorization": f"Bearer {other}"})
    lines.append(f"another token of the same person meanwhile: {answer.status}")
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from assessments.models import ApiToken; from django.utils import timezone; "
            "ApiToken.objects.filter(name='check').update(revoked_at=timezone.now())",
        ],
        cwd=project,
        env=environment,
        check=True,
    )
    after = Counter(
        live.concurrently(
            lambda: (
                live.Browser().request(api, headers={"Authorization": f"Bearer {other}"}).status
            ),
            40,
            parallel=8,
        )
    )
    lines.append(f"the tokens revoked, 40 requests on every worker: {dict(after)}")
    return lines


DEMO_SHARED = "/s/demo-hotel-board-link-not-for-production/"


def shared_link_checks(url: str, environment: dict[str, str], project: Path) -> list[str]:
    """The demo's shared report, across the server's workers: what it answers and sets,
    what its reader reaches of the app, how guesses are refused, and a revoked link."""
    lines = []
    reader = live.Browser()
    page = reader.request(url + DEMO_SHARED)
    lines.append(
        f"the hotel board's link: {page.status}; Set-Cookie: "
        f"{page.headers.get('Set-Cookie') or 'none'}; Referrer-Policy "
        f"{page.headers.get('Referrer-Policy')}; X-Robots-Tag {page.headers.get('X-Robots-Tag')}; "
        f"Cache-Control {page.headers.get('Cache-Control')}"
    )
    pages = ["/", "/portfolio/", "/account/", "/admin/", "/api/v1/organisations/"]
    pages += [f"/organisations/{n}/progress/" for n in range(1, 6)]
    pages += [f"/assessments/{n}/report/" for n in range(1, 6)]
    reached = [p for p in pages if reader.request(url + p).status == 200]
    lines.append(f"app pages its reader then opened: {len(reached)} of {len(pages)} {reached}")
    # Another live link, then the demo's revoked: every worker refuses it at once.
    made = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from assessments import services; from assessments.models import ShareLink, "
            "Organisation; from django.utils import timezone; "
            "h = Organisation.objects.get(name='Hotel Brisa del Mar'); "
            "ShareLink.objects.update(revoked_at=timezone.now()); "
            "print(services.share_link_create(organisation=h, user=h.memberships.filter("
            "role='manager').first().user, label='check', days=1).secret)",
        ],
        cwd=project,
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    )
    other = f"/s/{made.stdout.strip().splitlines()[-1]}/"
    revoked = Counter(
        live.concurrently(lambda: live.Browser().request(url + DEMO_SHARED).status, 40, parallel=8)
    )
    lines.append(f"the board's link revoked, 40 requests on every worker: {dict(revoked)}")
    # Guesses last. Every request here comes from 127.0.0.1, one address, and the 40
    # above count as unknown links too: SHARE_GUESS_LIMIT is 60 for this check.
    limit = int(environment["SHARE_GUESS_LIMIT"])
    guesser = live.Browser()
    guesses = limit - 40 + 10
    statuses = Counter(guesser.request(f"{url}/s/guess-{n:032d}/").status for n in range(guesses))
    after = guesser.request(url + other).status
    lines.append(
        f"{guesses} more unknown links from that address (limit {limit} in ten minutes): "
        + ", ".join(f"{n} answered {status}" for status, n in sorted(statuses.items()))
        + f"; a live link then answers it {after}"
    )
    return lines


def sign_up_form(email: str) -> dict[str, str]:
    return {
        "first_name": "Prueba",
        "last_name": "Registro",
        "email": email,
        "password1": "una clave de registro larga 2026",
        "organisation_name": "Registro S.L.",
        "sector": "Servicios",
        "size_band": "small",
        "country": "España",
    }


def sign_ups_from_one_address(url: str, attempts: int) -> dict[int, int]:
    """`attempts` sign-ups of new addresses, all from one client address: how many got
    each status."""
    statuses: dict[int, int] = {}
    for n in range(attempts):
        response = live.Browser().post_form(
            url + SIGN_UP,
            url + SIGN_UP,
            sign_up_form(f"flood.{n}.{os.getpid()}@example.com"),
            {"X-Forwarded-For": "203.0.113.7"},
        )
        statuses[response.status] = statuses.get(response.status, 0) + 1
    return statuses


def sign_up_timing(url: str, pairs: int) -> tuple[list[float], list[float], int]:
    """Sign-ups for an address with an account (the demo's people, in turn) and for a new
    one, alternating, each from its own client address so that the rate limit stays out
    of it: the time of each POST, and how many answers (status, redirect and the page it
    leads to, address and CSRF token aside) differ from the first new one's."""
    existing = ["elena", "pablo", "luis", "marta", "jordi", "raul", "nuria", "ana"]
    times = {"existing": [], "new": []}
    answers = {"existing": [], "new": []}
    for n in range(pairs):
        for kind in ("existing", "new"):
            address = (
                f"{existing[n % len(existing)]}@demo.orientacion.test"
                if kind == "existing"
                else f"nuevo.{n}.{os.getpid()}@example.com"
            )
            browser = live.Browser()
            page = browser.request(url + SIGN_UP)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
            forwarded = {"X-Forwarded-For": f"198.51.{n // 200}.{n % 200 + (kind == 'new')}"}
            began = time.perf_counter()
            response = browser.request(
                url + SIGN_UP,
                {**sign_up_form(address), "csrfmiddlewaretoken": token},
                {"Referer": url + SIGN_UP, **forwarded},
            )
            times[kind].append((time.perf_counter() - began) * 1000)
            location = response.headers.get("Location") or ""
            landing = browser.request(url + location).text if location else response.text
            answers[kind].append(
                (response.status, location, _without_ids(landing.replace(address, "ADDRESS")))
            )
    reference = answers["new"][0]
    differing = sum(answer != reference for answer in answers["existing"] + answers["new"])
    return times["existing"], times["new"], differing


def partner_erasure_lookup(url: str, pairs: int) -> tuple[list[float], list[float], int]:
    """carmen, a partner, asks to erase people outside her firm: an address with an
    account (another firm's partner, a client of no firm of hers) and one without,
    alternating. The time of each POST, and how many answers (status and page, address and
    CSRF token aside) differ from the first unknown address's."""
    outside = ["dario", "raul"]
    browser = live.Browser()
    browser.sign_in(url, "carmen", PASSWORD)
    page = url + "/firm/erase/"
    times = {"existing": [], "new": []}
    answers = {"existing": [], "new": []}
    for n in range(pairs):
        for kind in ("existing", "new"):
            address = (
                f"{outside[n % len(outside)]}@demo.orientacion.test"
                if kind == "existing"
                else f"nadie.{n}.{os.getpid()}@example.com"
            )
            form = browser.request(page)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
            began = time.perf_counter()
            response = browser.request(
                page, {"email": address, "csrfmiddlewaretoken": token}, {"Referer": page}
            )
            times[kind].append((time.perf_counter() - began) * 1000)
            answers[kind].append(
                (response.status, _without_ids(response.text.replace(address, "ADDRESS")))
            )
    reference = answers["new"][0]
    differing = sum(answer != reference for answer in answers["existing"] + answers["new"])
    return times["existing"], times["new"], differing


def _print_times(rows) -> None:
    for label, times in rows:
        ordered = sorted(times)
        low, high = ordered[len(ordered) // 10], ordered[len(ordered) * 9 // 10]
        print(
            f"    {label:16} median {statistics.median(times):6.1f}  "
            f"p10 {low:6.1f}  p90 {high:6.1f}"
        )


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
            known = pages_known_to(victor(url), url, limit=400)
            known += ["/admin/", "/admin/assessments/questionbank/", "/admin/auth/user/"]
            leaks, pages, people = second_factor_required(url, known)
            print(
                f"  second factor: {people} people with only the password (a consultant, the "
                f"admin) on {pages} addresses: {len(leaks)} answered anything but the way to "
                "set one up" + "".join(f"\n    {leak}" for leak in leaks)
            )
            admin_page = live.Browser().request(url + "/admin/login/")
            print(
                f"  the admin's own sign-in page answers {admin_page.status} to "
                f"{admin_page.headers.get('Location')}"
            )
            print("  the second factor's code page:")
            for misuse, status in codes_refused(url, environment, project).items():
                print(f"    {misuse}: {status}")
            for label, page, username in (("site sign-in", "/accounts/login/", "luis"),):
                locked, right = attempts_until_locked(url, page, username)
                print(f"  {label}: wrong passwords {locked}; the right one then answers {right}")
            print("  the API:")
            for line in api_checks(url, environment, project):
                print(f"    {line}")
            print("  shared links:")
            for line in shared_link_checks(url, environment, project):
                print(f"    {line}")
            print("  headers (page: Cache-Control | Content-Security-Policy):")
            for label, cache_control, csp in headers_by_page(url):
                print(f"    {label:20} {cache_control:30} | {csp}")
        with (
            live.gunicorn(environment, workers=3, project=project) as first,
            live.gunicorn(environment, workers=3, project=project) as second,
        ):
            accepted = session_signed_out_from_the_list([first, second], 60)
            print(
                "  a session signed out from 'Dónde has iniciado sesión', tried on two servers "
                f"of 3 workers, 60 requests each: accepted {accepted} times"
            )
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
        _print_times((("with an account", existing), ("new address", new)))
        print(
            f"    lead's round pages differing from the others (ids and address aside): {differing}"
        )
        # The partner signs in with her password alone here: the lookup is what is timed.
        with live.gunicorn(
            {**environment, "SECOND_FACTOR_REQUIRED_FOR": "none"}, workers=2, project=project
        ) as url:
            erase_pairs = 80
            existing, new, differing = partner_erasure_lookup(url, erase_pairs)
        print(
            "  a partner asking to erase an address outside her firm that has an account vs "
            f"one without ({erase_pairs} each, alternating, ms):"
        )
        _print_times((("with an account", existing), ("no account", new)))
        print(f"    answers differing from the others (address aside): {differing}")
        # Behind one trusted proxy, so that each request can come from an address of its own.
        with live.gunicorn(
            {**environment, "TRUSTED_PROXY_COUNT": "1"}, workers=2, project=project
        ) as url:
            attempts = 200
            statuses = sign_ups_from_one_address(url, attempts)
            print(
                f"  {attempts} sign-ups from one address (limit "
                f"{environment.get('SIGNUP_RATE_LIMIT', '5/m/ip,20/h/ip')}): "
                + ", ".join(f"{n} answered {status}" for status, n in sorted(statuses.items()))
            )
            sign_up_pairs = 40
            existing, new, differing = sign_up_timing(url, sign_up_pairs)
        print(
            f"  sign-up with an address that has an account vs a new one ({sign_up_pairs} "
            "each, alternating, ms):"
        )
        _print_times((("with an account", existing), ("new address", new)))
        print(f"    answers differing from the others (address aside): {differing}")


if __name__ == "__main__":
    main()
