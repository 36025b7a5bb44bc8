"""Issue 5, the citizen's side: on a phone-sized screen a citizen finds a service,
applies with an attachment (a small PDF made here) and the phone's location, gets the
tracking code, opens the application and sees the timeline and the process diagram;
another person tracks it anonymously with the code and the last 4 digits of the T.C.
identity number. axe-core checks every page; screenshots go to test-results/."""

from __future__ import annotations

import re

from django.utils import timezone
from playwright.sync_api import expect

from cinar.demo.actions import demo_load
from cinar.identity.tests.factories import CitizenFactory
from cinar.integrations.uavt import address_registry, municipality_district_code
from tests.browser.conftest import PHONE, run_in_a_thread

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
LOCATION = {"latitude": 38.4237, "longitude": 27.1428}


def _demo_load_in_a_thread() -> None:
    run_in_a_thread(lambda: demo_load(now=timezone.now(), with_applications=False))


def test_citizen_applies_on_a_phone_and_tracks_it(
    new_context, login_as, axe_check, screenshot, transactional_db
):
    _demo_load_in_a_thread()
    citizen = CitizenFactory(first_name="Elif", last_name="Kara", phone="+905321234567")
    context = new_context(viewport=PHONE, geolocation=LOCATION, permissions=["geolocation"])
    login_as(context, citizen)
    page = context.new_page()

    page.goto("/hizmetler/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_label(re.compile("Ara|Search")).first.fill("beyaz masa")
    page.get_by_role("button", name=re.compile("Ara|Search")).click()
    axe_check(page)
    screenshot(page, "1-services")
    page.get_by_role("link", name=re.compile("Beyaz Masa")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Beyaz Masa")
    axe_check(page)
    screenshot(page, "2-service-detail")

    page.get_by_role("link", name=re.compile("^ *(Başvur|Apply)$")).click()
    expect(page.locator("#apply-form")).to_be_visible()
    page.get_by_role("radio", name=re.compile("^(Şikayet|Complaint)$")).check()
    page.get_by_label(re.compile("^(Konu|Subject)")).select_option(value="aydinlatma")
    page.locator("#id_aciklama").fill("Sokak lambası üç gündür yanmıyor.")
    page.get_by_role("button", name=re.compile("konumumu|current location", re.I)).click()
    expect(page.locator("#id_case-latitude")).to_have_value(re.compile(r"^38\.4237"))
    expect(page.locator("#nearby")).to_contain_text(re.compile("benzer|similar", re.I))
    page.locator("#id_case-address_text").fill("Atatürk Cd. No 12, okulun önü")
    page.locator("#id_case-attachments").set_input_files(
        files=[{"name": "fotograf.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    axe_check(page)
    screenshot(page, "3-apply-form")
    page.locator("#apply-submit").click()

    code = page.locator("#tracking-code")
    expect(code).to_have_text(re.compile(r"^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{3}$"))
    tracking = code.inner_text().strip()
    axe_check(page)
    screenshot(page, "4-received")

    page.get_by_role("link", name=re.compile("Başvurumu aç|Open my application")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Beyaz Masa")
    expect(page.locator("#timeline-title")).to_be_visible()
    # In the timeline (the diagram, once drawn, carries the same words as a label).
    timeline = page.locator("section[aria-labelledby=timeline-title]")
    expect(timeline.get_by_text(re.compile("Başvuru alındı|Application received"))).to_be_visible()
    expect(page.locator("figure[data-diagram-url]")).to_have_attribute(
        "data-diagram-ready", "true", timeout=20_000
    )
    expect(page.locator(".cinar-current").first).to_be_attached()
    expect(page.get_by_role("link", name="fotograf.pdf")).to_be_visible()
    axe_check(page)
    screenshot(page, "5-case-detail")

    page.goto("/basvurularim/")
    expect(page.get_by_text(tracking)).to_be_visible()
    axe_check(page)
    screenshot(page, "6-my-cases")

    # Someone else, without an account, on another phone.
    other = new_context(viewport=PHONE).new_page()
    other.goto("/takip/")
    axe_check(other)
    other.locator("#id_code").fill(tracking.lower())
    other.locator("#id_second_factor").fill(citizen.tckn[-4:])
    other.get_by_role("button", name=re.compile("durum|status", re.I)).click()
    expect(other.get_by_role("heading", level=1)).to_contain_text(re.compile("durum|status", re.I))
    expect(other.get_by_text(tracking)).to_be_visible()
    expect(other.get_by_text("Elif")).to_have_count(0)
    axe_check(other)
    screenshot(other, "7-track-status")


# Chooses the street in the first task after htmx has swapped the street list in: sooner
# than a person would, but a choice made before htmx binds the new list's change trigger
# (20 ms after the swap, by default) was lost, and the building numbers never came.
_CHOOSE_STREET_AT_ONCE = """
document.body.addEventListener("htmx:afterSwap", () => {
  const street = document.querySelector("#id_case-uavt_street");
  const first = street && [...street.options].find((o) => o.value);
  if (window.streetChosen || !first) return;
  window.streetChosen = first.value;
  setTimeout(() => {
    street.value = first.value;
    street.dispatchEvent(new Event("change", { bubbles: true }));
  }, 0);
});
"""


def test_a_street_chosen_the_moment_its_list_arrives_brings_its_building_numbers(
    new_context, login_as, transactional_db
):
    _demo_load_in_a_thread()
    citizen = CitizenFactory()
    context = new_context(viewport=PHONE)
    login_as(context, citizen)
    page = context.new_page()
    page.goto("/hizmetler/BLD-001/basvur/")
    expect(page.locator("#address-picker fieldset")).to_be_visible()
    page.evaluate(_CHOOSE_STREET_AT_ONCE)

    registry = address_registry()
    hood = registry.neighbourhoods(district_code=municipality_district_code())[0]
    page.locator("#id_case-uavt_neighbourhood").select_option(hood.code)

    street_code = page.wait_for_function("window.streetChosen").json_value()
    building = registry.buildings(street_code=street_code)[0]
    expect(page.locator(f"#id_case-uavt_building option[value='{building.code}']")).to_have_count(
        1, timeout=10_000
    )
    expect(page.locator("#id_case-uavt_street")).to_have_value(street_code)
