"""The public pages and the layouts, in a real browser, with axe-core on each."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.urls import reverse
from playwright.sync_api import expect

from cinar.identity.tests.factories import CitizenFactory, StaffFactory
from tests.browser.conftest import PHONE


def test_portal_home_in_turkish_then_english(page, axe_check, screenshot):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "tr")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    # Accessible names are matched in either language: the Turkish catalogue may lag.
    switcher = page.get_by_role("group", name=re.compile("^(Dil|Language)$"))
    expect(switcher.get_by_role("button", name="Türkçe")).to_have_attribute("aria-pressed", "true")
    axe_check(page)
    screenshot(page, "tr")

    switcher.get_by_role("button", name="English").click()
    page.wait_for_load_state("load")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert urlsplit(page.url).path == "/"
    english = page.get_by_role("group", name="Language")
    expect(english.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Municipal services, online and in one place"
    )
    axe_check(page)
    screenshot(page, "en")

    # The choice sticks for the next page.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_portal_home_on_a_phone(new_context, axe_check, screenshot):
    page = new_context(viewport=PHONE).new_page()
    page.goto("/")
    toggler = page.locator(".navbar-toggler")
    expect(toggler).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    toggler.click()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#main-nav")).to_be_visible()
    axe_check(page)
    screenshot(page, "phone")


def test_skip_link_moves_focus_to_main(page):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    skip.press("Enter")
    expect(page.locator("#main")).to_be_focused()


def test_staff_home_redirects_anonymous_visitor_to_login(page, axe_check):
    page.goto("/staff/")
    login_path = reverse("identity:login")
    parts = urlsplit(page.url)
    assert parts.path == login_path
    assert "next=%2Fstaff%2F" in parts.query or "next=/staff/" in parts.query
    axe_check(page)


def test_staff_home_for_staff_on_desktop_and_phone(
    context, new_context, login_as, axe_check, screenshot, transactional_db
):
    staff = StaffFactory(first_name="Ayşe", last_name="Yılmaz")
    login_as(context, staff)
    page = context.new_page()
    page.goto("/staff/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ayşe Yılmaz")
    expect(page.get_by_role("navigation", name=re.compile("^(Personel|Staff)$"))).to_be_visible()
    axe_check(page)
    screenshot(page, "desktop")

    phone = new_context(viewport=PHONE)
    login_as(phone, staff)
    phone_page = phone.new_page()
    phone_page.goto("/staff/")
    sidebar = phone_page.locator("#staff-nav")
    expect(sidebar).to_be_hidden()
    phone_page.locator("header [data-bs-target='#staff-nav']").click()
    expect(sidebar).to_be_visible()
    axe_check(phone_page)
    screenshot(phone_page, "phone-menu")


def test_staff_home_is_forbidden_to_a_citizen(context, login_as, transactional_db):
    login_as(context, CitizenFactory())
    page = context.new_page()
    response = page.goto("/staff/")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_not_found_page(page, axe_check, screenshot):
    response = page.goto("/no-such-page/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main a.btn-primary")).to_have_attribute("href", "/")
    axe_check(page)
    screenshot(page, "404")
