"""Playwright fixtures: Debian's Chromium (/usr/bin/chromium), never a downloaded browser.

The tests are marked `browser` and skipped, with the reason, when Chromium is not installed
(CI installs it: apt-get install chromium fonts-noto-core). They use Playwright's sync API in
plain tests against pytest-django's `live_server`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tinhso.web.context_processors import clear_province_cache

CHROMIUM = Path(os.environ.get("TINHSO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} not found: apt-get install chromium"))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # The sync API runs an event loop in this thread while the browser is driven; Django's ORM,
    # used by the test body between browser calls, must not refuse to run because of it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def province(transactional_db, settings):
    """The deployment's province. live_server tests flush the database after each test, which
    removes the reference data core's migration loaded: put the province back when it is gone."""
    from tinhso.core.models import AdministrativeUnit, UnitLevel
    from tinhso.core.selectors import deployment_province

    settings.TINHSO_PROVINCE = "86"
    return deployment_province() or AdministrativeUnit.objects.create(
        level=UnitLevel.PROVINCE, code="86", name="Tỉnh Vĩnh Long", division_type="tỉnh"
    )


@pytest.fixture
def page(browser, live_server, province):
    """A fresh phone-sized page (360 × 740); `page.problems` collects console errors (CSP
    violations among them) and uncaught script errors."""
    clear_province_cache()
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    page = context.new_page()
    page.problems = []
    page.on("console", lambda message: message.type == "error" and page.problems.append(message.text))
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.base_url = live_server.url
    yield page
    context.close()
    clear_province_cache()


@pytest.fixture
def axe():
    """Runs axe-core (vendored, test-time only) on the page; returns the WCAG 2.1 A/AA violations."""
    source = AXE.read_text(encoding="utf-8")

    def run(page):
        # Evaluated through the DevTools protocol, which the page's CSP does not govern.
        page.evaluate(source)
        return page.evaluate(
            """async () => {
                const result = await axe.run(document, {
                    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                    resultTypes: ['violations'],
                });
                return result.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
                }));
            }"""
        )

    return run


@pytest.fixture
def screenshot_dir(tmp_path):
    """Where screenshots go: $TINHSO_SCREENSHOT_DIR when set (to look at them), else a temp dir."""
    directory = Path(os.environ.get("TINHSO_SCREENSHOT_DIR") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)
    return directory
