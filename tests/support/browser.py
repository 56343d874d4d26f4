"""The web app in a real browser: Debian's Chromium driven by Playwright against the live server, with the checks
every journey makes on the pages it visits (axe-core finds no serious accessibility problem; nothing scrolls
sideways at the width in use).

Import the fixtures into a test module: `from tests.support.browser import browser, page, phone  # noqa: F401`.
Screenshots land in `$TIDINGS_DATA_DIR/screenshots/`; `scripts/screenshots.py` copies the main ones to the docs.

A form that comes back to the page it is on is awaited with `page.expect_navigation(url=...)` around the click:
`wait_for_url` on the address already shown returns at once, before the answer, and the test races the server.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = os.environ.get("TIDINGS_CHROMIUM", "/usr/bin/chromium")
# CI (TIDINGS_REQUIRE_BROWSER=1) installs Chromium and must run these; elsewhere they skip when it is missing.
MISSING = not Path(CHROMIUM).exists() and os.environ.get("TIDINGS_REQUIRE_BROWSER") != "1"
needs_browser = pytest.mark.skipif(MISSING, reason=f"no Chromium at {CHROMIUM} (.ci/run installs it)")
PASSWORD = "correct horse battery staple"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# No animation still running, except those that loop for ever (a spinner, a pulsing dot).
SETTLED = (
    "document.getAnimations().every(a => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity)"
)
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# Playwright's sync API runs an event loop in this thread; the ORM calls in tests are plain synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def browser() -> Iterator["playwright.Browser"]:
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


def open_page(
    browser: "playwright.Browser", viewport: dict[str, int], *, timezone_id: str = "Europe/Lisbon"
) -> Iterator["playwright.Page"]:
    """A page in a fresh browser context of that size, on that device time zone; closed after the test."""
    context = browser.new_context(viewport=viewport, timezone_id=timezone_id, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def page(browser: "playwright.Browser") -> Iterator["playwright.Page"]:
    yield from open_page(browser, DESKTOP)


@pytest.fixture
def phone(browser: "playwright.Browser") -> Iterator["playwright.Page"]:
    """A phone-sized page (390 x 844), as most people open the app on the move."""
    yield from open_page(browser, PHONE)


def shoot(page: "playwright.Page", name: str) -> None:
    folder = Path(settings.DATA_DIR) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    # From the top: a full-page shot taken scrolled down draws the fixed sidebar where the window was.
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def log_in(page: "playwright.Page", base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/dashboard/")


def accessibility_problems(page: "playwright.Page", *, impact: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's violations of the given impact on the page as it is now, one line per rule and element."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text() + "\n;0")  # evaluated over the debugging protocol: the page CSP stays on
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{page.url} {violation['id']} ({violation['impact']}): {node['target']} {node['failureSummary'][:160]}"
        for violation in result["violations"]
        if violation["impact"] in impact
        for node in violation["nodes"]
    ]


def sideways_overflow(page: "playwright.Page") -> list[str]:
    """Elements that stick out past the right edge of the viewport (what would make a phone scroll sideways)."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const out = [];
          const full = document.documentElement.scrollWidth;
          if (full > width) out.push(`page is ${full}px wide in ${width}px`);
          for (const el of document.querySelectorAll('body *')) {
            const box = el.getBoundingClientRect();
            if (box.width === 0 || box.height === 0) continue;
            const style = getComputedStyle(el);
            const hidden = '.dropdown-menu:not(.show), .modal:not(.show), .collapse:not(.show), [hidden]';
            if (style.position === 'fixed' || el.closest(hidden)) continue;
            let clipped = false;
            for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
              const ov = getComputedStyle(p).overflowX;
              if (ov === 'auto' || ov === 'scroll' || ov === 'hidden' || ov === 'clip') { clipped = true; break; }
            }
            const name = `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`;
            if (!clipped && box.right > width + 1) out.push(`${name} ends at ${Math.round(box.right)}px`);
          }
          return out.slice(0, 10);
        }"""
    )


def check_page(page: "playwright.Page") -> None:
    """The checks every visited page passes: no serious accessibility violation, nothing past the right edge.
    Measured once nothing is fading or sliding in: half-way through a dialog's fade its colours are not its own."""
    # Polled from here: wait_for_function evaluates its predicate with eval, which the page's CSP forbids.
    for _ in range(100):
        if page.evaluate(SETTLED):
            break
        page.wait_for_timeout(50)
    problems = accessibility_problems(page)
    assert not problems, "\n".join(problems)
    overflow = sideways_overflow(page)
    assert not overflow, f"{page.url}: " + "\n".join(overflow)
