"""Issue 6, "Done when": tried as a new user would, in the browser — after a synthetic
load (``load_generate``, small here), the director of İmar ve Şehircilik logs in with
password and TOTP, opens the dashboards, finds the slowest step of the building-permit
process (Yapı Ruhsatı) on the heat map, drills down to its overdue applications and
exports them; the downloaded file holds exactly those applications. The public
open-data page is reachable without login. axe-core checks every page; screenshots (also
at phone width) go to test-results/.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.utils import timezone, translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from cinar.catalog.actions import service_create
from cinar.demo.data import DEMO_PASSWORD, DEMO_TOTP_SECRET_HEX
from cinar.demo.processes import demo_process_xml
from cinar.documents.actions import file_plan_ensure_defaults
from cinar.identity.tests.factories import StaffFactory
from cinar.insights.load import load_generate
from cinar.insights.queries import drilldown_cases, filters_for, step_heat
from cinar.insights.rollups import rollups_update
from cinar.organization.models import UnitKind
from cinar.organization.tests.factories import make_unit, position, staff_in
from cinar.workflow.actions import process_version_import
from tests.browser.conftest import PHONE

DIRECTOR = "imar.mudur"


@pytest.fixture
def town(transactional_db):
    file_plan_ensure_defaults()
    admin = StaffFactory(username="root", is_superuser=True)
    municipality = make_unit(name="Çınar Belediyesi", kind=UnitKind.MUNICIPALITY)
    director = StaffFactory(
        username=DIRECTOR, first_name="Kemal", last_name="İnce", two_factor_required=True
    )
    director.set_password(DEMO_PASSWORD)
    director.save()
    TOTPDevice.objects.create(
        user=director, name="telefon", key=DEMO_TOTP_SECRET_HEX, confirmed=True
    )
    imar = make_unit(
        name="İmar ve Şehircilik Müdürlüğü", parent=municipality, code="IMR", manager=director
    )
    kultur = make_unit(name="Kültür İşleri Müdürlüğü", parent=municipality, code="KLT")
    memur = position("memur", "Memur", 30)
    staff_in(imar, memur, username="imar.memur", first_name="Şule", last_name="Öztürk")
    for xml_file, code, name, unit, days in (
        ("yapi_ruhsati.bpmn", "BLD-004", "Yapı Ruhsatı (E-İmar)", imar, 30),
        ("yapi_kullanma_izni.bpmn", "BLD-005", "Yapı Kullanma İzni (İskân)", imar, 30),
        ("mesleki_kurs.bpmn", "SPD-001", "Meslek edindirme kursu başvurusu", kultur, 15),
    ):
        version = process_version_import(
            actor=admin, xml=demo_process_xml(xml_file), filename=xml_file
        )
        service_create(
            actor=admin,
            code=code,
            name=name,
            unit=unit,
            legal_basis="3194 sayılı İmar Kanunu",
            completion_days=days,
            channels=["web", "service_desk", "in_person", "mobile"],
            visibility="public",
            process_key=version.definition.key,
        )
    load_generate(cases=600, seed=6, days=120)
    rollups_update()
    return director


def _log_in(page: Page, axe_check) -> None:
    page.goto("/staff/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.locator("input[name=username]").fill(DIRECTOR)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/verify/"))
    axe_check(page)
    device = TOTPDevice.objects.get(user__username=DIRECTOR)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    page.locator("input[name=token]").fill(f"{code:06d}")
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/staff/$"))


def _fits(page: Page) -> None:
    """Nothing sticks out sideways on a phone (wide tables and the tab row scroll inside
    their own box)."""
    wide = page.evaluate(
        """() => {
            const clipped = e => {
                for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
                    if (getComputedStyle(p).overflowX !== 'visible') return true;
                }
                return false;
            };
            return [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !clipped(e))
                .slice(0, 5).map(e => e.tagName + '.' + e.getAttribute('class'));
        }"""
    )
    assert not wide, wide
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_issue6_director_finds_the_slowest_building_permit_step_and_exports_its_overdue(
    town, new_context, axe_check, screenshot
):
    page = new_context().new_page()
    _log_in(page, axe_check)

    # The dashboards: key figures, charts drawn from the tables.
    page.get_by_role("link", name=re.compile("Göstergeler|Insights")).first.click()
    expect(page).to_have_url(re.compile(r"/staff/insights/"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("[data-chart='services-chart'] svg")).to_be_visible()
    expect(page.get_by_role("cell", name="Meslek edindirme kursu başvurusu")).to_have_count(0)
    axe_check(page)
    screenshot(page, "overview")

    # Workload and ratings, each with its chart and table.
    page.get_by_role("link", name=re.compile("Workload|İş yükü")).click()
    expect(page.get_by_role("rowheader", name="Şule Öztürk")).to_be_visible()
    expect(page.get_by_role("rowheader", name="İmar ve Şehircilik Müdürlüğü")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Kültür İşleri Müdürlüğü")).to_have_count(0)
    axe_check(page)
    screenshot(page, "workload")
    page.get_by_role("link", name=re.compile("Ratings|Memnuniyet|Puan")).click()
    axe_check(page)
    screenshot(page, "ratings")

    # Bottlenecks: the building-permit process on the heat map.
    page.get_by_role("link", name=re.compile("Bottlenecks|Darboğaz")).click()
    picker = page.get_by_label(re.compile("^(Process|Süreç)$"))
    permit = picker.locator("option", has_text="Yapı Ruhsatı").first.text_content() or ""
    picker.select_option(label=permit)
    page.get_by_role("button", name=re.compile("heat map|[Iı]sı haritası", re.I)).click()
    figure = page.locator("figure[data-heat-url]")
    expect(figure).to_have_attribute("data-diagram-ready", "true")
    axe_check(page)
    screenshot(page, "heat-map")

    today = timezone.localdate()
    start = page.locator("#id_start").input_value()
    f = filters_for(
        user=town, start=timezone.datetime.fromisoformat(start).date(), end=today, unit_pk=None
    )
    # Step names are given in the reader's language (ADR 0045): the page's.
    with translation.override(page.locator("html").get_attribute("lang") or "tr"):
        heat = step_heat(filters=f, process_key="yapi_ruhsati")
    slowest = max((r for r in heat.values() if r.completed), key=lambda r: r.avg_wait)
    # The diagram marks it, and the text names it.
    marked = page.locator(".djs-element.cinar-heat-slowest")
    expect(marked).to_have_count(1)
    assert marked.get_attribute("data-element-id") == slowest.element_id
    expect(page.locator("#slowest-step")).to_contain_text(slowest.name)

    # Click the step on the diagram: its applications; then only the overdue ones.
    page.locator(f".djs-element[data-element-id='{slowest.element_id}']").first.click()
    expect(page).to_have_url(re.compile(rf"kind=step.*element={slowest.element_id}"))
    page.get_by_role("link", name=re.compile("Overdue only|süresi geçenler")).click()
    expect(page).to_have_url(re.compile(r"overdue=1"))
    axe_check(page)
    screenshot(page, "overdue-cases")
    expected = list(
        drilldown_cases(
            filters=f,
            kind="step",
            process_key="yapi_ruhsati",
            element_id=slowest.element_id,
            overdue=True,
        ).values_list("tracking_code", flat=True)
    )
    assert expected, "the synthetic load should leave overdue work at the slowest step"
    expect(page.get_by_role("heading", level=2).first).to_contain_text(str(len(expected)))

    # Export them and read the file.
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("XLSX")).first.click()
    sheet = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active
    codes = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert sorted(codes) == sorted(expected)
    assert sheet["B2"].value == "Yapı Ruhsatı (E-İmar)"
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("CSV")).first.click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert len(text.strip().splitlines()) == len(expected) + 1
    assert "Yapı Ruhsatı (E-İmar)" in text

    # On a phone: the same pages fit.
    phone = new_context(viewport=PHONE)
    phone.add_cookies(page.context.cookies())
    small = phone.new_page()
    small.goto("/staff/insights/")
    axe_check(small)
    _fits(small)
    screenshot(small, "overview-phone")
    small.goto("/staff/insights/processes/?process=yapi_ruhsati")
    expect(small.locator("figure[data-heat-url]")).to_have_attribute("data-diagram-ready", "true")
    _fits(small)
    screenshot(small, "heat-map-phone")

    # Without JavaScript: no charts, the same figures in the tables.
    plain = new_context(java_script_enabled=False)
    plain.add_cookies(page.context.cookies())
    nojs = plain.new_page()
    nojs.goto("/staff/insights/")
    expect(nojs.locator("[data-chart='services-chart']")).to_be_hidden()
    expect(nojs.get_by_role("rowheader", name="Yapı Ruhsatı (E-İmar)").first).to_be_visible()
    nojs.goto("/staff/insights/processes/?process=yapi_ruhsati")
    expect(nojs.get_by_role("rowheader", name=re.compile(slowest.name)).first).to_be_visible()
    expect(nojs.locator("figure[data-heat-url]")).to_be_hidden()
    screenshot(nojs, "heat-map-without-js")

    # Open data: anyone, no login.
    public = new_context().new_page()
    public.goto("/")
    public.get_by_role("link", name=re.compile("Open data|Açık veri")).click()
    expect(public.get_by_role("heading", level=1)).to_be_visible()
    expect(public.get_by_role("rowheader", name=re.compile("Yapı Ruhsatı")).first).to_be_visible()
    axe_check(public)
    screenshot(public, "open-data")
