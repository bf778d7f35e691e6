"""Every page each demo role reaches, on a 375 × 812 phone and on a 1280 px desktop: the page
never pans sideways, every link and button of `main` is on the screen or in a scroll box a
keyboard can reach, chart text is at least 11 CSS px, controls are at least 24 × 24 px and
axe finds nothing at all. And a whole assessment answered by keyboard alone, each focus
stop visible and uncovered.

The pages are the link crawler's, from a walk of the demo as each role: every kind of page
(a URL route), up to PER_ROUTE addresses of each, as the links reach them; downloads
(CSV, Excel, PDF, calendars, the chart files themselves) are not pages."""

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import client_for
from tests.e2e.conftest import AXE, SCREENSHOTS, Visit
from tests.test_crawl import ROLES, Crawler, PageParser, _route, _same_site

# A phone as Chromium emulates one: its screen, touch, and three device pixels per CSS px.
PHONE = {
    "viewport": {"width": 375, "height": 812},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 3,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PER_ROUTE = 3
# The admin is Django's: its question-bank pages are this product's business, the rest
# (users, groups, sign-in records) are Django's own and not walked here.
ADMIN_PAGES = ("/admin/", "/admin/assessments/")
# Of those, the question bank's own pages are held to the app's target size too.
BANK_ADMIN = "/admin/assessments/questionbank/"


def pages_for(user) -> list[tuple[str, str]]:
    """(route, URL) of the HTML pages `user` reaches from the home page."""
    client = Client()
    if user is not None:
        client_for(client, user)
    crawler = Crawler(client, user)  # for its rule on the demo's sample clients
    seen, found, per_route = {"/"}, [], {}
    queue = deque(["/"])
    while queue:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code in (301, 302):
            target = urljoin(url, response["Location"])
            if target not in seen:
                seen.add(target)
                queue.append(target)
            continue
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        route = _route(urlsplit(url).path)
        found.append((route, url))
        parser = PageParser()
        parser.feed(response.content.decode())
        for link in parser.links:
            target = urljoin(url, link.split("#")[0])
            parts = urlsplit(target)
            path = parts.path
            if not _same_site(target) or path.startswith("/static/") or target in seen:
                continue
            if path.startswith("/admin") and not (
                path in ADMIN_PAGES or path.startswith(ADMIN_PAGES[1])
            ):
                continue
            if crawler.is_another_sample(parts):
                continue
            route = _route(path)
            if route is None or per_route.get(route, 0) >= PER_ROUTE:
                continue
            # Sorted, filtered and paged variants of a list are the same page.
            if parts.query and any(r == route for r, _u in found):
                continue
            per_route[route] = per_route.get(route, 0) + 1
            seen.add(target)
            queue.append(target)
    return found


# Everything measured on one page, in the page: the page's width; links and buttons of
# `main` off the screen and outside a scroll box that Tab reaches and that has a name;
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
      const reachable = box && box.getAttribute("tabindex") === "0" &&
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


def axe_violations(page) -> list:
    page.evaluate(AXE.read_text())
    results = page.evaluate("async () => await axe.run(document)")
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results["violations"]
    ]


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_fits_a_phone_and_passes_axe_for(role, browser, demo):
    username = ROLES[role]
    user = get_user_model().objects.get(username=username) if username else None
    pages = pages_for(user)
    assert len(pages) >= 2
    problems = []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, device in (("375", PHONE), ("1280", DESKTOP)):
        tab = Visit(browser, demo.url, f"{width}-{role.replace(' ', '-')}", **device)
        # Violations are read from each page's own report of them, page by page: axe adds
        # a <style> of its own to some pages, which the policy rightly refuses, and the
        # console would blame that on the page.
        tab.page.remove_listener("console", tab._console)
        if username:
            tab.sign_in(username)
        try:
            for index, (route, url) in enumerate(pages):
                tab.page.goto(demo.url + url)
                tab.page.wait_for_load_state("load")
                measured = tab.page.evaluate(MEASURE)
                slug = re.sub(r"[^a-z0-9]+", "-", f"{route}-{index}").strip("-")
                tab.page.screenshot(path=SCREENSHOTS / f"{tab.name}-{slug}.png", full_page=True)
                where = f"{url} at {width} px"
                if device is PHONE:
                    if measured["width"] > 375:
                        problems.append(f"{where}: the page is {measured['width']} px wide")
                    for item in measured["offscreen"]:
                        problems.append(f"{where}: off the screen: {item}")
                    for chart, px in measured["charts"]:
                        if px < 11:
                            problems.append(f"{where}: {chart} chart text at {px:.1f} px")
                if not url.startswith("/admin") or url.startswith(BANK_ADMIN):
                    for item in measured["small"]:
                        problems.append(f"{where}: smaller than 24 × 24: {item}")
                tab._collect_violations()
                for violation in axe_violations(tab.page):
                    problems.append(f"{where}: axe {violation}")
                tab.page.evaluate("window.__cspViolations = []")
        finally:
            assert tab.csp_violations == [], tab.csp_violations
            tab.close()
    assert problems == [], f"{len(problems)} problems on {len(pages)} pages:\n" + "\n".join(
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
