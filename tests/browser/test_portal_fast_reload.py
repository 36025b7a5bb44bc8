"""The citizen's status page served as production serves it: ``config.wsgi.application``
(the fast path's WSGI wrapper around Django, ADR 0041) in a live server thread, driven by
Chromium on a phone-sized screen.

The citizen opens her application, reloads it (answered before Django), posts a message
from a page the fast path served (its CSRF token works), sees staff's reply on the next
reload (a changed case goes through Django) and, once the session is logged out
elsewhere, is sent to the login page instead of getting the page.

The shared ``live_server`` serves Django's own handler; this test starts its own server
thread with the WSGI application of ``config/wsgi.py``, on the same test database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.db import connections
from django.test import Client
from django.test.testcases import LiveServerThread
from django.utils import timezone
from playwright.sync_api import Browser, expect

from cinar.cases.actions import case_message_post, case_submit
from cinar.cases.types import ApplicantInput
from cinar.demo.actions import demo_load
from cinar.identity.models import User
from cinar.portal import fastpath
from tests.browser.conftest import BACKEND, PHONE, run_in_a_thread

CITIZEN_TCKN = "12345678028"  # Ayşe Kaya, a demo citizen


@pytest.fixture
def wsgi_server(transactional_db: Any) -> Iterator[tuple[str, list[bool]]]:
    """``config.wsgi.application`` served from a thread on the test database, and the
    list of the fast path's decisions (True: answered before Django)."""
    import config.wsgi

    application = config.wsgi.application
    decisions: list[bool] = []
    answer = application.answer

    def counted(environ: dict[str, Any]) -> Any:
        found = answer(environ)
        if fastpath._path_pk(environ) is not None:
            decisions.append(found is not None)
        return found

    application.answer = counted  # type: ignore[method-assign]
    fastpath.forget_all()  # what earlier tests' requests left remembered in this process
    # As pytest-django's live server: static files from the finders, and an in-memory
    # SQLite test database shared with the server thread.
    shared = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
    for conn in shared.values():
        conn.inc_thread_sharing()
    thread = LiveServerThread(
        "localhost",
        lambda _django: StaticFilesHandler(application),
        connections_override=shared,
        port=0,
    )
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    try:
        yield f"http://localhost:{thread.port}", decisions
    finally:
        thread.terminate()
        for conn in shared.values():
            conn.dec_thread_sharing()
        application.answer = answer  # type: ignore[method-assign]
        fastpath.forget_all()


def _login(browser: Browser, url: str, user: Any) -> Any:
    client = Client()
    client.force_login(user, backend=BACKEND)
    context = browser.new_context(
        base_url=url, viewport=PHONE, locale="tr-TR", timezone_id="Europe/Istanbul"
    )
    context.set_default_timeout(10_000)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": url,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )
    return context


def test_the_status_page_reloads_fast_in_the_browser_and_stays_right(
    wsgi_server: tuple[str, list[bool]],
    browser: Browser,
    screenshot: Callable[..., Any],
) -> None:
    url, decisions = wsgi_server
    run_in_a_thread(lambda: demo_load(now=timezone.now(), with_applications=False))
    ayse = User.objects.get(username=CITIZEN_TCKN)
    admin = User.objects.get(username="admin")
    case = case_submit(
        actor=ayse,
        service_code="BLD-001",
        channel="web",
        applicant=ApplicantInput(user=ayse),
        form_data={"basvuru_turu": "sikayet", "konu": "aydinlatma", "aciklama": "Lamba"},
        description="Sokak lambası yanmıyor",
        idempotency_key="fast-reload-browser",
    )
    context = _login(browser, url, ayse)
    page = context.new_page()
    path = f"/basvurularim/{case.pk}/"

    try:
        _walk(page, path, case, admin, decisions, screenshot)
    finally:
        context.close()


def _walk(
    page: Any, path: str, case: Any, admin: Any, decisions: list[bool], screenshot: Any
) -> None:
    page.goto(path)  # through Django: the page is stored and the session remembered
    expect(page.get_by_text(case.tracking_code_display).first).to_be_visible()
    assert decisions == []  # nothing remembered yet: not even asked
    for _ in range(3):
        page.reload()
        expect(page.get_by_text(case.tracking_code_display).first).to_be_visible()
    assert decisions == [True, True, True]
    screenshot(page, "fast-reload")

    # A message posted from a page the fast path served: its CSRF token is accepted.
    page.get_by_label(re.compile("Mesajınız|Your message")).fill("Lamba hâlâ yanmıyor.")
    page.get_by_role("button", name=re.compile("Mesaj gönder|Send message")).click()
    expect(page.get_by_text("Lamba hâlâ yanmıyor.")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"{re.escape(path)}$"))

    # Staff reply: the next reload goes through Django (a new marker) and shows it.
    case_message_post(actor=admin, case=case, text="Ekibimiz yarın geliyor.")
    decisions.clear()
    page.reload()
    expect(page.get_by_text("Ekibimiz yarın geliyor.")).to_be_visible()
    page.reload()
    expect(page.get_by_text("Ekibimiz yarın geliyor.")).to_be_visible()
    assert decisions == [False, True]
    screenshot(page, "after-reply")

    # Logged out elsewhere (the session row is gone): no page, the login form instead.
    Session.objects.all().delete()
    decisions.clear()
    page.goto(path)
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert decisions == [False]
    assert case.tracking_code_display not in page.content()
