"""Browser-test harness: Playwright (sync API) driving Debian's Chromium, axe-core checks.

Server: pytest-django's ``live_server``. It runs Django in a thread of this process
against the same test database, so a test can build its data with factories and then
look at it in the browser; pytest-django creates and drops the database, and serves
static files (static/vendor included) through the staticfiles finders, so no
collectstatic is needed. A ``runserver`` subprocess would need its own database file,
migrations and a way to share fixtures; the thread is simpler and as faithful for
what these tests check. Playwright's sync API runs an event loop in the main thread,
so Django's "async unsafe" guard must be relaxed for the test's own ORM calls.

All tests under tests/browser get the ``browser`` marker: ``make test`` deselects them
(pyproject addopts ``-m 'not browser'``), ``make test-browser`` selects them.
See tests/browser/README.md for the fixtures.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent.parent
RESULTS_DIR = ROOT / "test-results"
AXE_JS = ROOT / "static" / "vendor" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
BACKEND = "cinar.identity.backends.CinarModelBackend"


# tryfirst: the marker must be on the items before pytest's own -m deselection runs.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session (never downloaded: Debian's binary)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser: Browser, live_server: Any) -> Iterator[Callable[..., BrowserContext]]:
    """Factory for extra browser contexts (a second person, a phone-sized screen).

    ``new_context(viewport=PHONE, locale="en-US")``; base_url is the live server, so
    ``page.goto("/staff/")`` works. Contexts are closed after the test.
    """
    contexts: list[BrowserContext] = []

    def make(**kwargs: Any) -> BrowserContext:
        options: dict[str, Any] = {
            "base_url": live_server.url,
            "locale": "tr-TR",
            "viewport": DESKTOP,
            "timezone_id": "Europe/Istanbul",
        }
        options.update(kwargs)
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def context(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    """A desktop-sized, Turkish-speaking browser context on the live server."""
    return new_context()


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in ``context``; on failure its screenshot goes to test-results/."""
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and not page.is_closed():
        RESULTS_DIR.mkdir(exist_ok=True)
        page.screenshot(path=str(RESULTS_DIR / f"FAILED-{_slug(request.node.nodeid)}.png"))


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[..., Path]:
    """``screenshot(page, "portal-home")`` saves test-results/<test>--portal-home.png."""

    def save(page: Page, name: str, *, full_page: bool = True) -> Path:
        RESULTS_DIR.mkdir(exist_ok=True)
        path = RESULTS_DIR / f"{_slug(request.node.name)}--{_slug(name)}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return save


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({violation['helpUrl']})"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {json.dumps(node['target'])}: {node.get('failureSummary', '')}")
    return "\n".join(lines)


SETTLE_CSS = "*, *::before, *::after { transition: none !important; animation: none !important; }"


@pytest.fixture
def axe_check() -> Callable[..., list[dict[str, Any]]]:
    """``axe_check(page)`` runs axe-core (WCAG 2.0/2.1 A and AA) on the page as it is now.

    Fails the test on any serious or critical violation, listing the rule, its help text
    and the offending selectors; returns the minor/moderate ones for tests that care.
    ``axe_check(page, include="#main")`` limits the check to part of the page;
    ``disable=["rule-id"]`` switches a rule off (say why in the test).
    """
    if not AXE_JS.is_file():
        pytest.fail(f"{AXE_JS} missing: run `make install` (npm ci + scripts/vendor_assets.py)")
    source = AXE_JS.read_text(encoding="utf-8")

    def check(
        page: Page, *, include: str | None = None, disable: list[str] | None = None
    ) -> list[dict[str, Any]]:
        page.wait_for_load_state("load")
        # Check the settled page: a colour transition caught halfway (a button just
        # clicked, still under the pointer) is not what anyone reads.
        page.add_style_tag(content=SETTLE_CSS)
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(source)
        options: dict[str, Any] = {"runOnly": {"type": "tag", "values": AXE_TAGS}}
        if disable:
            options["rules"] = {rule: {"enabled": False} for rule in disable}
        result = page.evaluate(
            "([include, options]) => axe.run(include ? {include: [include]} : document, options)",
            [include, options],
        )
        violations = result["violations"]
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        if blocking:
            pytest.fail(
                f"axe-core found {len(blocking)} serious/critical accessibility violation(s) "
                f"on {page.url}:\n{format_violations(blocking)}",
                pytrace=False,
            )
        return [v for v in violations if v["impact"] not in BLOCKING_IMPACTS]

    return check


@pytest.fixture
def login_as(live_server: Any) -> Callable[[BrowserContext, Any], None]:
    """``login_as(context, user)`` signs ``user`` in without the login form.

    It creates a real session (as Django's test client does) and hands its cookie to the
    browser context. For journeys that test logging in itself, fill the login form. Users
    who must use two-factor login are still sent to the OTP step by the middleware.
    """
    from django.conf import settings
    from django.test import Client

    def login(context: BrowserContext, user: Any) -> None:
        client = Client()
        client.force_login(user, backend=BACKEND)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": cookie.value,
                    "url": live_server.url,
                    "httpOnly": True,
                    "sameSite": "Lax",
                }
            ]
        )

    return login


def run_in_a_thread(fn: Callable[[], Any]) -> None:
    """Run ``fn`` (e.g. the demo loader) in a thread of its own and re-raise its error.

    pyHanko signs with asyncio.run(), which refuses to run inside the event loop that
    Playwright's sync API keeps in the test's thread; the demo's signed letters are made
    in another thread, whose database connection is closed afterwards.
    """
    import threading

    from django.db import connection

    errors: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
