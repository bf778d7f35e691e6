"""Browser tests: Debian's Chromium driven by Playwright against the app served by a real
server on 127.0.0.1 (pytest-django's live_server), with the demo data loaded."""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import sync_playwright

from tests.conftest import SCREENSHOTS

PROJECT = Path(__file__).resolve().parents[2]
AXE = PROJECT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PASSWORD = "orientacion-demo"


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session", autouse=True)
def _sync_orm_beside_playwright():
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between browser steps (and the database flushes between tests) are still plain
    # synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def demo(live_server):
    call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    return live_server


# Every Content-Security-Policy violation on any page, as the page itself sees it.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


class Visit:
    """A browser tab that signs in, screenshots every page it visits and watches for
    dialogs (an injected script would open one) and Content-Security-Policy violations."""

    def __init__(self, browser, base_url, name, **context_options):
        options = {"locale": "es-ES", "viewport": {"width": 1280, "height": 900}}
        self.context = browser.new_context(**{**options, **context_options})
        self.page = self.context.new_page()
        self.base_url = base_url
        self.name = name
        self.shots = 0
        self.dialogs = []
        self.csp_violations = []
        self.page.on(
            "dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss())
        )
        self.page.add_init_script(RECORD_CSP_VIOLATIONS)
        # Chromium also reports each violation on the console, even after the page is gone.
        self.page.on("console", self._console)

    def _console(self, message):
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_violations.append(f"{self.page.url}: {message.text}")

    def _collect_violations(self):
        """Violations the current page recorded (read at each screenshot and at the end)."""
        try:
            found = self.page.evaluate("window.__cspViolations || []")
        except Exception:  # noqa: BLE001 -- the page is already gone; its console still spoke
            return
        self.csp_violations.extend(f"{self.page.url}: {v}" for v in found)
        self.page.evaluate("window.__cspViolations = []")

    def goto(self, path):
        response = self.page.goto(self.base_url + path)
        self.shot()
        return response

    def follow(self, target):
        """Click a link or button that loads another page, and wait until that page has
        loaded: a bare click returns once the new page starts arriving, and reading it then
        may find it half parsed."""
        with self.page.expect_navigation():
            # A selector clicks its first match, as page.click does.
            (self.page.locator(target).first if isinstance(target, str) else target).click()

    def shot(self, label=""):
        self._collect_violations()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        path = urlsplit(self.page.url).path
        slug = re.sub(r"[^a-z0-9]+", "-", (label or path or "home").lower()).strip("-") or "home"
        self.page.screenshot(
            path=SCREENSHOTS / f"{self.name}-{self.shots:02d}-{slug[:60]}.png",
            full_page=True,
        )

    def sign_in(self, username):
        self.goto("/accounts/login/")
        self.page.fill("#id_login", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("main button[type=submit]")
        self.page.wait_for_url(self.base_url + "/")
        self.shot()

    def sign_out(self):
        self.page.click("nav form[action$='/logout/'] button")
        self.page.wait_for_url(re.compile(r".*/accounts/login/.*"))

    def accessibility_violations(self):
        """Serious or critical axe-core violations on the current page."""
        # Evaluated through the DevTools protocol: an injected <script> tag would be inline
        # code, which the page's Content-Security-Policy rightly refuses.
        self.page.evaluate(AXE.read_text())
        results = self.page.evaluate("async () => await axe.run(document)")
        return [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in results["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, demo, request):
    visits = []

    def open_visit(username=None):
        tab = Visit(browser, demo.url, f"{request.node.name}-{len(visits) + 1}")
        visits.append(tab)
        if username:
            tab.sign_in(username)
        return tab

    yield open_visit
    for tab in visits:
        tab._collect_violations()
        assert tab.dialogs == [], f"a dialog opened: {tab.dialogs}"
        assert tab.csp_violations == [], "Content-Security-Policy violations"
        tab.close()
