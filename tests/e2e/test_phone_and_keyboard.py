"""Every page each demo role reaches, on a 375 × 812 phone and on a 1280 px desktop: the page
never pans sideways, every link and button of `main` is on the screen or in a scroll box a
keyboard can reach, chart text is at least 11 CSS px, controls are at least 24 × 24 px and
axe finds nothing at all. And a whole assessment answered by keyboard alone, each focus
stop visible and uncovered.

The pages are the link crawler's set (tests/test_crawl.py), walked in the phone's browser
by the crawler's own rules: every address its links and GET forms reach, sorted, filtered
and paged variants and each what-if mark included; downloads (CSV, Excel, PDF, calendars,
the chart files themselves) are not pages. Every address is measured on the phone. axe and
the screenshots at both widths, and the desktop's measures, are taken once per page
*structure*: addresses of one route whose elements, classes, roles, ARIA attributes and
empty-or-not texts are the same, whatever the figures, names, order and number of rows.
That is what axe's rules read; running it on each of the thousands of addresses would take
hours (axe alone is about 0.4 s a page here)."""

import os
import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import SCREENSHOTS
from tests.e2e.conftest import AXE, Visit
from tests.test_crawl import ROLES, Crawler, PageParser, _route
from tests.test_crawl import Visit as CrawlVisit

# A phone as Chromium emulates one: its screen, touch, and three device pixels per CSS px.
PHONE = {
    "viewport": {"width": 375, "height": 812},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 3,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
# The admin is Django's: its question-bank pages (versions, areas, questions, weights,
# guidance) are this product's business and walked here, the admin's home and the app's
# index with them. Its other lists are Django's own changelists of other models, and
# Django's own pages (users, groups, sign-in records) are not walked either.
BANK_ADMIN = ("/admin/assessments/questionbank/", "/admin/assessments/question/")
ADMIN_PAGES = ("/admin/", "/admin/assessments/")
# Routes that answer a file, not a page; a link to any other route that starts a download
# is reported, so this list cannot silently fall behind the URLs.
DOWNLOADS = {
    "healthz",
    "assessment_csv",
    "assessment_pdf",
    "assessment_xlsx",
    "assessment_chart",
    "what_if_chart",
    "plan_csv",
    "plan_xlsx",
    "plan_ics",
    "compare_chart",
    "portfolio_csv",
    "portfolio_xlsx",
    "portfolio_answers_csv",
    "portfolio_answers_xlsx",
    "progress_chart",
    "outcomes_csv",
    "outcomes_xlsx",
    "book_outcomes_chart",
    "account_data",
    "organisation_export_download",
    "assessments_questionbank_export_json",
    "assessments_questionbank_export_xlsx",
}


# The whole set takes about 20 minutes a run; what it finds does not depend on the database.
# CI walks all of it once, on SQLite, and on its PostgreSQL runs sets this to walk the
# first few addresses of each route (.ci/run).
PER_ROUTE = (
    int(os.environ["PHONE_WALK_PER_ROUTE"]) if os.environ.get("PHONE_WALK_PER_ROUTE") else None
)


class PhoneWalk(Crawler):
    """The link crawler, walking in a browser tab: each page is loaded by the tab, measured
    there, and its links and GET forms are read from what the tab shows. The crawl test
    checks statuses, headers and the language switch; this walk checks what a person sees.
    """

    def __init__(self, tab: Visit, user, on_page):
        super().__init__(client=None, user=user)
        self.tab = tab
        self.on_page = on_page
        self.queued_per_route: dict[str, int] = {}

    def enqueue(self, target: str, page: CrawlVisit):
        path = urlsplit(urljoin(page.url, target.split("#", 1)[0])).path
        if path.startswith("/admin") and not (path in ADMIN_PAGES or path.startswith(BANK_ADMIN)):
            return
        route = _route(path)
        if route in DOWNLOADS:
            return
        queued = self.queued_per_route.get(route, 0)
        if PER_ROUTE is not None and queued >= PER_ROUTE:
            return
        before = len(self.queue)
        super().enqueue(target, page)
        self.queued_per_route[route] = queued + len(self.queue) - before

    def switch_language(self, form, visit, action):
        """The crawl test switches languages; here a page is seen in Spanish only."""

    def visit(self, visit: CrawlVisit):
        try:
            response = self.tab.page.goto(self.tab.base_url + visit.url)
        except PlaywrightError as error:
            if "Download is starting" not in error.message:
                raise
            self.problem(visit, "starts a download: name its route in DOWNLOADS")
            return
        if response is None or response.status != 200:
            self.problem(visit, f"answered {response and response.status}")
            return
        if not response.headers.get("content-type", "").startswith("text/html"):
            return
        landed = urlsplit(self.tab.page.url)
        here = CrawlVisit(
            url=landed.path + (f"?{landed.query}" if landed.query else ""),
            found_on=visit.found_on,
            query_hops=visit.query_hops,
        )
        self.report.pages += 1
        page = self.on_page(_route(landed.path), here.url)
        for link in page["links"]:
            self.enqueue(link, here)
        forms = PageParser()
        forms.feed(page["forms"])
        for form in forms.forms:
            self.follow_form(form, here, None)


# Everything measured on one page, in the page: the page's width; links and buttons of
# `main` off the screen and outside a scroll box that Tab reaches and that has a name (a
# table row's own actions count even inside one: they must be on the screen);
# controls smaller than 24 × 24 (a link inside a sentence is inline text, exempt by WCAG);
# and the smallest chart text in CSS px (font size × rendered width ÷ the drawing's width).
MEASURE = """
async () => {
  const out = {width: document.documentElement.scrollWidth, offscreen: [], small: [], charts: []};
  const visible = (el) => { const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden"; };
  const label = (el) => (el.textContent || el.value || el.name || el.id || el.tagName)
    .replace(/\\s+/g, " ").trim().slice(0, 40);
  const main = document.querySelector("main") || document.body;
  const controls = "a[href], button, input:not([type=hidden]), select, textarea";
  for (const el of main.querySelectorAll(controls)) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.left < -1 || r.right > window.innerWidth + 1) {
      const box = el.closest("[data-scrolls]");
      // A row's own links and buttons are on the screen: a scroll box is for a wide table
      // of figures, never for reaching a row's actions (Django's admin pages aside).
      const inRow = el.closest("tbody tr") !== null && !location.pathname.startsWith("/admin/");
      const reachable = !inRow && box && box.getAttribute("tabindex") === "0" &&
        box.getAttribute("aria-label") && box.scrollWidth > box.clientWidth;
      const where = " @" + Math.round(r.left) + "–" + Math.round(r.right);
      if (!reachable) out.offscreen.push(label(el) + where);
    }
    const inSentence = el.tagName === "A" && getComputedStyle(el).display === "inline" &&
      el.parentElement && el.parentElement.textContent.trim().length > el.textContent.trim().length;
    const box = el.type === "radio" || el.type === "checkbox" ? (el.closest("label") || el) : el;
    const size = box.getBoundingClientRect();
    if (!inSentence && (size.width < 24 || size.height < 24))
      out.small.push(label(el) + " " + Math.round(size.width) + "×" + Math.round(size.height));
  }
  for (const img of document.querySelectorAll("img[data-chart]")) {
    if (!visible(img) || !img.currentSrc) continue;
    const text = await (await fetch(img.currentSrc)).text();
    // Read as text: a parsed copy would apply its style attributes, which the page's
    // Content-Security-Policy (rightly) refuses.
    const drawn = parseFloat(text.match(/viewBox="[0-9.]+ [0-9.]+ ([0-9.]+)/)[1]);
    const scale = img.getBoundingClientRect().width / drawn;
    const sizes = [
      ...text.matchAll(/font:\\s*(?:[a-z]+\\s+)*([0-9.]+)px/g),
      ...text.matchAll(/font-size[:=]\\s*"?([0-9.]+)/g),
    ].map((m) => parseFloat(m[1]));
    if (sizes.length) out.charts.push([img.dataset.chart, Math.min(...sizes) * scale]);
  }
  return out;
}
"""


# A page's structure as axe's rules read it, as a short hash: each element's tag, classes,
# role, type, tabindex, scope and lang, which ARIA and naming attributes it carries and
# whether each is empty, and whether it holds any text; then the set of its children's
# structures. Figures, names, links' targets, the order of rows and how many there are
# leave it unchanged; a new kind of row, badge, message or control changes it.
STRUCTURE = """
() => {
  const VALUED = ["role", "type", "tabindex", "scope", "lang"];
  const NAMING = ["for", "href", "id", "name", "alt", "title", "headers", "disabled", "hidden",
    "open", "colspan", "rowspan"];
  const hash = (text) => { let h = 0;
    for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
    return (h >>> 0).toString(36); };
  const of = (el) => {
    const parts = [el.tagName, [...el.classList].sort().join(".")];
    for (const a of el.attributes) {
      if (VALUED.includes(a.name)) parts.push(a.name + "=" + a.value);
      else if (NAMING.includes(a.name) || a.name.startsWith("aria-"))
        parts.push(a.name + (a.value.trim() ? "+" : "-"));
    }
    if (el.textContent.trim()) parts.push("text");
    const children = [...new Set([...el.children].map(of))].sort();
    return hash(parts.join(" ") + "(" + children.join(",") + ")");
  };
  return of(document.documentElement);
}
"""


# One round trip a page: MEASURE, the structure, the links and GET forms the crawler
# follows, and the Content-Security-Policy violations the page recorded.
READ_PAGE = """
async () => {
  const out = await (MEASURE)();
  out.structure = (STRUCTURE)();
  out.links = [...document.querySelectorAll("a[href], img[src], source[srcset]")]
    .map((el) => el.getAttribute("href") || el.getAttribute("src") || el.getAttribute("srcset"));
  out.forms = [...document.forms].map((form) => form.outerHTML).join("");
  out.csp = window.__cspViolations || [];
  window.__cspViolations = [];
  return out;
}
""".replace("(MEASURE)", f"({MEASURE.strip()})").replace("(STRUCTURE)", f"({STRUCTURE.strip()})")


def axe_violations(page) -> list:
    """Every axe violation on the page, of any impact (axe is loaded into every page of
    the tab by an init script: sending its source with each call costs a second a page)."""
    results = page.evaluate("async () => await axe.run(document)")
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results["violations"]
    ]


def open_tab(browser, demo, name, device, username):
    tab = Visit(browser, demo.url, name, **device)
    tab.context.add_init_script(path=str(AXE))
    # Violations are read from each page's own report of them, page by page: axe adds
    # a <style> of its own to some pages, which the policy rightly refuses, and the
    # console would blame that on the page.
    tab.page.remove_listener("console", tab._console)
    if username:
        tab.sign_in(username)
    return tab


def measured_problems(tab, url, width) -> tuple[dict, list[str]]:
    """The page the tab shows, read (READ_PAGE), and what is wrong with it, in words."""
    measured = tab.page.evaluate(READ_PAGE)
    tab.csp_violations.extend(f"{url}: {violation}" for violation in measured["csp"])
    where = f"{url} at {width} px"
    problems = []
    if width == 375:
        if measured["width"] > 375:
            problems.append(f"{where}: the page is {measured['width']} px wide")
        problems.extend(f"{where}: off the screen: {item}" for item in measured["offscreen"])
        problems.extend(
            f"{where}: {chart} chart text at {px:.1f} px"
            for chart, px in measured["charts"]
            if px < 11
        )
    if not url.startswith("/admin") or url.startswith(BANK_ADMIN):
        problems.extend(f"{where}: smaller than 24 × 24: {item}" for item in measured["small"])
    return measured, problems


def structure_problems(tab, route, url, width, index) -> list[str]:
    """axe on the page, and its full-page screenshot."""
    slug = re.sub(r"[^a-z0-9]+", "-", f"{route}-{index:03d}").strip("-")
    tab.page.screenshot(path=SCREENSHOTS / f"{tab.name}-{slug}.png", full_page=True, scale="css")
    # axe's own <style> would count as the page's violation: what the page recorded was
    # read before it ran, and the next page starts a new record.
    return [f"{url} at {width} px: axe {v}" for v in axe_violations(tab.page)]


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_fits_a_phone_and_passes_axe_for(role, browser, demo, capsys):
    username = ROLES[role]
    user = get_user_model().objects.get(username=username) if username else None
    name = role.replace(" ", "-")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems, structures, csp = [], {}, []

    phone = open_tab(browser, demo, f"375-{name}", PHONE, username)

    def on_phone_page(route, url):
        measured, found = measured_problems(phone, url, 375)
        problems.extend(found)
        key = (route, measured["structure"])
        if key not in structures:
            structures[key] = url
            problems.extend(structure_problems(phone, route, url, 375, len(structures)))
        return measured

    try:
        walk = PhoneWalk(phone, user, on_phone_page)
        report = walk.run()
        problems.extend(report.problems)
    finally:
        csp.extend(phone.csp_violations)
        phone.close()

    desktop = open_tab(browser, demo, f"1280-{name}", DESKTOP, username)
    try:
        for index, ((route, _structure), url) in enumerate(structures.items(), 1):
            desktop.page.goto(demo.url + url)
            problems.extend(measured_problems(desktop, url, 1280)[1])
            problems.extend(structure_problems(desktop, route, url, 1280, index))
    finally:
        csp.extend(desktop.csp_violations)
        desktop.close()

    with capsys.disabled():
        print(
            f"\nphone walk {role}: {report.pages} addresses measured at 375 px"
            f"{f' (the first {PER_ROUTE} of each route)' if PER_ROUTE else ''}, "
            f"{len({r for r, _s in structures})} kinds of page, "
            f"{len(structures)} structures checked by axe at 375 and 1280 px"
        )
    assert report.pages >= 2
    assert csp == [], csp
    assert problems == [], f"{len(problems)} problems on {report.pages} pages:\n" + "\n".join(
        problems
    )


# The focused element as a keyboard user sees it: inside the screen, not under anything
# (the sticky Save / Submit bar), with a focus ring of 2 px or more whose colour has 3:1
# or more against the background behind it.
FOCUS_STOP = """
() => {
  const el = document.activeElement;
  const r = el.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const onTop = document.elementFromPoint(x, y);
  const label = el.labels && el.labels[0];
  const uncovered = onTop === el || el.contains(onTop) || (label && label.contains(onTop));
  const style = getComputedStyle(el);
  const rgb = (c) => (c.match(/[0-9.]+/g) || []).slice(0, 4).map(Number);
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  let back = el.parentElement, colour = [255, 255, 255];
  while (back) { const c = rgb(getComputedStyle(back).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) { colour = c; break; }
    back = back.parentElement; }
  const ring = rgb(style.outlineColor);
  const [hi, lo] = [lum(ring), lum(colour)].sort((a, b) => b - a);
  return {
    what: (el.name || el.id || el.textContent || el.tagName).trim().slice(0, 40),
    tag: el.tagName, type: el.type || "", name: el.name || "",
    inside: r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0 &&
      r.right <= window.innerWidth,
    uncovered,
    ring: style.outlineStyle !== "none" ? parseFloat(style.outlineWidth) : 0,
    contrast: (hi + 0.05) / (lo + 0.05),
  };
}
"""


def test_a_whole_assessment_is_answered_and_submitted_by_keyboard_alone(browser, demo):
    from assessments import services
    from assessments.models import Assessment, Organisation

    ana = get_user_model().objects.get(username="ana")
    hotel = Organisation.objects.get(name="Hotel Brisa del Mar")
    draft = services.assessment_start(organisation=hotel, user=ana)
    tab = Visit(browser, demo.url, "keyboard")
    tab.sign_in("ana")
    page = tab.page
    page.set_viewport_size({"width": 1280, "height": 800})
    # Bootstrap scrolls smoothly unless reduced motion is asked for: each stop is measured
    # where the scroll ends, not half-way there.
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{demo.url}/assessments/{draft.pk}/")
    problems, answered = [], []
    choices = ["", "ArrowDown", "ArrowDown ArrowDown"]  # sí, parcialmente, no in turn
    for stops in range(1, 400):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_STOP)
        if not (focus["inside"] and focus["uncovered"]):
            problems.append(f"stop {stops} ({focus['what']}) hidden or covered")
        if focus["ring"] < 2 or focus["contrast"] < 3:
            problems.append(f"stop {stops} ({focus['what']}) ring {focus} too faint")
        if focus["type"] == "radio" and focus["name"] not in answered:
            page.keyboard.press("Space")  # the group's first choice, "sí"
            for key in choices[len(answered) % 3].split():
                page.keyboard.press(key)  # arrows move the choice within the group
            answered.append(focus["name"])
        on_submit = focus["name"] == "action" and page.evaluate("document.activeElement.value")
        if on_submit == "submit" and len(answered) == 20:
            break
    assert len(answered) == 20
    # Each answer option is a row of 44 px or more that selects it wherever it is tapped.
    heights = page.eval_on_selector_all(
        ".question-card .form-check", "els => els.map((e) => e.getBoundingClientRect().height)"
    )
    assert len(heights) == 60 and min(heights) >= 44
    tab.shot("keyboard-before-submit")
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r".*/assessments/\d+/(report|submitted)/.*"))
    tab.shot("keyboard-submitted")
    draft.refresh_from_db()
    assert draft.status == Assessment.Status.SUBMITTED
    # "sí", "parcialmente" and "no" in turn, in the order the questions were reached.
    typed = {
        int(name.removeprefix("q").removesuffix("-choice")): ("yes", "partly", "no")[i % 3]
        for i, name in enumerate(answered)
    }
    assert dict(draft.responses.get().answers.values_list("question_id", "choice")) == typed
    assert problems == [], "\n".join(problems)
    tab.close()


def test_a_structure_is_what_axe_reads_not_the_figures_or_the_rows(browser):
    """axe runs once per structure: pages that differ only in figures, names, link targets
    and the number or order of rows share one; a new class, an empty name or a new ARIA
    attribute does not."""
    context = browser.new_context()
    page = context.new_page()

    def structure(body):
        page.set_content(f"<html lang='es'><body><main>{body}</main></body></html>")
        return page.evaluate(STRUCTURE)

    row = "<tr><td><a href='/organisations/{0}/'>{1}</a></td><td>{2}</td></tr>"
    table = "<table><tbody>{}</tbody></table>"
    two_rows = table.format(row.format(1, "Hotel", "71") + row.format(2, "Lonja", "48"))
    three_rows_other_order = table.format(
        row.format(9, "Olivo", "12") + row.format(2, "Lonja", "48") + row.format(1, "Hotel", "7")
    )
    try:
        assert structure(two_rows) == structure(three_rows_other_order)
        assert structure(two_rows) != structure(two_rows.replace("<td>", "<td class='bad'>", 1))
        assert structure(two_rows) != structure(two_rows.replace(">Hotel<", "><"))
        assert structure(two_rows) != structure(two_rows.replace("<a ", "<a aria-current='page' "))
        assert structure(two_rows) != structure(two_rows.replace("<td>", "<td role='cell'>"))
    finally:
        context.close()
