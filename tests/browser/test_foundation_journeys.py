"""The foundation journeys, tried as a new user would, in Turkish and in English:
staff login with TOTP, the org chart, creating a delegation, and citizen registration
with a wrong and then a right TCKN. Data: the demo municipality (seed_demo's loader)."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from cinar.core.identity_numbers import tckn_with_checksum
from cinar.demo.actions import demo_load
from cinar.demo.data import DEMO_PASSWORD
from cinar.identity.models import User
from cinar.organization.models import Delegation
from tests.browser.conftest import run_in_a_thread

LANGUAGES = {"tr": "tr-TR", "en": "en-US"}
TEXT = {
    "tr": {
        "org_link": re.compile(r"^Teşkilat$"),
        "switch": "Türkçe",
        "spd": "Sosyal Projeler Dairesi Başkanlığı",
        "search": "BİLGİ İŞLEM",
        "bim": "Bilgi İşlem Müdürlüğü",
        "dhm": "Destek Hizmetleri Müdürlüğü",
        "tckn_error": re.compile(r"kontrol haneleri tutmuyor"),
        "new_delegation": re.compile(r"Yeni vekalet"),
    },
    "en": {
        "org_link": re.compile(r"^Organization$"),
        "switch": "English",
        "spd": "Department of Social Projects",
        "search": "INFORMATION",
        "bim": "Directorate of Information Technology",
        "dhm": "Directorate of Support Services",
        "tckn_error": re.compile(r"check digits do not match"),
        "new_delegation": re.compile(r"New delegation"),
    },
}


@pytest.fixture
def demo(transactional_db):
    run_in_a_thread(lambda: demo_load(now=timezone.now()))


def _use_language(page, lang: str) -> None:
    """Signing in applies the person's preferred language (Turkish for the demo staff);
    the language switcher in the header changes it, as a person would."""
    page.get_by_role("group", name=re.compile("Dil|Language")).get_by_role(
        "button", name=TEXT[lang]["switch"]
    ).click()
    expect(page.locator("html")).to_have_attribute("lang", lang)


def _current_code(user: User) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_staff_login_with_totp_then_org_chart(lang, demo, new_context, axe_check, screenshot):
    page = new_context(locale=LANGUAGES[lang]).new_page()
    page.goto("/staff/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    axe_check(page)

    page.locator("input[name=username]").fill("admin")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/verify/"))
    axe_check(page)
    screenshot(page, f"totp-{lang}")

    page.locator("input[name=token]").fill(_current_code(User.objects.get(username="admin")))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/staff/$"))
    _use_language(page, lang)
    axe_check(page)

    page.get_by_role("link", name=TEXT[lang]["org_link"]).first.click()
    expect(page).to_have_url(re.compile(r"/staff/organization/$"))
    expect(page.get_by_role("link", name=TEXT[lang]["spd"])).to_be_visible()
    axe_check(page)
    screenshot(page, f"org-chart-{lang}")

    # Searching in capitals (in Turkish with dotted İ) still finds the unit.
    page.get_by_role("searchbox").fill(TEXT[lang]["search"])
    page.get_by_role("searchbox").press("Enter")
    expect(page.get_by_role("link", name=TEXT[lang]["bim"])).to_be_visible()
    expect(page.get_by_role("link", name=TEXT[lang]["dhm"])).to_have_count(0)
    axe_check(page)


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_staff_member_records_a_delegation(lang, demo, new_context, axe_check, screenshot):
    page = new_context(locale=LANGUAGES[lang]).new_page()
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill("bim.yazilim")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/staff/"))
    _use_language(page, lang)

    page.goto("/staff/organization/delegations/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text(TEXT[lang]["new_delegation"])
    axe_check(page)
    deputy = User.objects.get(username="bim.network")
    page.locator("select[name=deputy]").select_option(str(deputy.pk))
    now = timezone.localtime()
    page.locator("input[name=starts_at]").fill(now.strftime("%Y-%m-%dT%H:%M"))
    page.locator("input[name=ends_at]").fill(
        (now + timezone.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    )
    page.locator("input[name=reason]").fill("Eğitim / training")
    screenshot(page, f"delegation-form-{lang}")
    page.locator("main form button[type=submit]").first.click()
    expect(page).not_to_have_url(re.compile(r"/delegations/new/"))
    axe_check(page)
    screenshot(page, f"delegation-saved-{lang}")

    delegation = Delegation.objects.get(principal__username="bim.yazilim")
    assert delegation.deputy == deputy
    assert delegation.reason == "Eğitim / training"


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_citizen_registers_with_a_wrong_then_a_right_tckn(
    lang, transactional_db, new_context, axe_check, screenshot
):
    page = new_context(locale=LANGUAGES[lang]).new_page()
    page.goto("/accounts/register/")
    axe_check(page)
    good = tckn_with_checksum("345678912")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)

    page.locator("input[name=tckn]").fill(bad)
    page.locator("input[name=first_name]").fill("Şule")
    page.locator("input[name=last_name]").fill("Işıklı")
    page.locator("input[name=email]").fill(f"sule.{lang}@example.com")
    page.locator("input[name=phone]").fill("0532 111 22 33")
    page.locator("input[name=password1]").fill("Çınar-Kayıt-2026")
    page.locator("input[name=password2]").fill("Çınar-Kayıt-2026")
    page.locator("input[name=kvkk]").check()
    page.locator("main form button[type=submit]").first.click()

    tckn_input = page.locator("input[name=tckn]")
    expect(tckn_input).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text(TEXT[lang]["tckn_error"]).first).to_be_visible()
    axe_check(page)
    screenshot(page, f"register-wrong-tckn-{lang}")
    assert not User.objects.filter(email=f"sule.{lang}@example.com").exists()

    tckn_input.fill(good)
    page.locator("input[name=password1]").fill("Çınar-Kayıt-2026")
    page.locator("input[name=password2]").fill("Çınar-Kayıt-2026")
    page.locator("main form button[type=submit]").first.click()
    expect(page).not_to_have_url(re.compile(r"/accounts/register/"))
    axe_check(page)
    screenshot(page, f"registered-{lang}")
    citizen = User.objects.get(tckn=good)
    assert citizen.kind == "citizen" and citizen.first_name == "Şule"
