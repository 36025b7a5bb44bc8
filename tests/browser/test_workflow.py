"""The workflow screens in a real browser: an administrator uploads a BPMN file with a
parallel split, starts a test instance, completes a task from the inbox and sees the
diagram with completed and current steps; the modeler saves a new version. axe-core on
each page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cinar.organization import actions as org_actions
from cinar.organization.models import UnitKind
from cinar.organization.tests.factories import make_unit, staff_in
from cinar.workflow import actions
from cinar.workflow.models import ProcessInstance, ProcessVersion, WorkItem, WorkItemStatus
from cinar.workflow.permissions import ALL_PERMISSIONS

SAVE = re.compile("Yeni sürüm olarak kaydet|Save as new version")
VIEWS_BPMN = Path(__file__).resolve().parents[2] / "cinar" / "workflow" / "tests" / "views_bpmn"


def permit_xml(*, intake_user: str, unit_code: str) -> bytes:
    text = (VIEWS_BPMN / "permit_review.bpmn").read_text()
    return text.replace("{intake_user}", intake_user).replace("{unit_code}", unit_code).encode()


@pytest.fixture
def process_admin(transactional_db):
    """A staff member of unit WF-TEST holding Sistem Yöneticisi with the workflow
    permissions (not a superuser, so no second factor in the way)."""
    positions = org_actions.positions_ensure_defaults()
    roles = org_actions.roles_ensure_defaults()
    org_actions.role_grant_permissions(
        actor=None, role=roles["system_admin"], permissions=[str(p) for p in ALL_PERMISSIONS]
    )
    municipality = make_unit(name="Çınar Belediyesi", kind=UnitKind.MUNICIPALITY, code="CINAR")
    unit = make_unit(
        name="İmar Müdürlüğü", kind=UnitKind.DIRECTORATE, parent=municipality, code="WF-TEST"
    )
    admin = staff_in(
        unit, positions["memur"], username="wfadmin", first_name="Deniz", last_name="Kaya"
    )
    org_actions.role_assign(actor=None, user=admin, role=roles["system_admin"], unit=None)
    return admin


def test_modeler_saves_a_new_version(context, login_as, axe_check, screenshot, process_admin):
    actions.process_version_import(
        actor=process_admin,
        xml=permit_xml(intake_user="wfadmin", unit_code="WF-TEST"),
        filename="permit_review.bpmn",
    )
    login_as(context, process_admin)
    page = context.new_page()
    page.goto("/staff/workflow/processes/permit_review/model/")
    expect(page.locator("#modeler")).to_have_attribute("data-modeler-ready", "true")
    expect(page.locator(".cinar-modeler .djs-element[data-element-id='tech']")).to_have_count(1)
    axe_check(page)
    page.get_by_role(
        "button", name=re.compile("Yeni sürüm olarak kaydet|Save as new version")
    ).click()
    result = page.locator("#modeler-result [role=status]")
    expect(result).to_be_visible()
    expect(result).to_contain_text(re.compile("2"))
    screenshot(page, "modeler-saved")
    # The modeler's formatted XML differs from the uploaded file: a second version.
    assert ProcessVersion.objects.filter(definition__key="permit_review").count() == 2
    # Saving again without changes adds nothing.
    page.get_by_role(
        "button", name=re.compile("Yeni sürüm olarak kaydet|Save as new version")
    ).click()
    expect(page.locator("#modeler-result .alert-info")).to_be_visible()
    assert ProcessVersion.objects.filter(definition__key="permit_review").count() == 2
    axe_check(page)


def test_modeler_properties_panel_sets_routing_and_deadline(
    context, login_as, axe_check, screenshot, process_admin
):
    actions.process_version_import(
        actor=process_admin,
        xml=permit_xml(intake_user="wfadmin", unit_code="WF-TEST"),
        filename="permit_review.bpmn",
    )
    login_as(context, process_admin)
    page = context.new_page()
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto("/staff/workflow/processes/permit_review/model/")
    expect(page.locator("#modeler")).to_have_attribute("data-modeler-ready", "true")
    expect(page.locator("#modeler-properties")).to_be_hidden()
    page.locator(".cinar-modeler .djs-element[data-element-id='tech']").click()
    panel = page.locator("#modeler-properties")
    expect(panel).to_be_visible()
    expect(page.locator("#prop-id")).to_have_text("tech")
    expect(page.locator("#prop-unit")).to_have_value("WF-TEST")
    expect(page.locator("#prop-handler")).to_be_hidden()  # a user task has no handler
    page.locator("#prop-name").fill("Müdür onayı")
    page.locator("#prop-name").press("Enter")
    page.locator("#prop-manager").check()
    page.locator("#prop-days").fill("3")
    page.locator("#prop-days").press("Tab")
    expect(page.locator(".cinar-modeler .djs-element[data-element-id='tech']")).to_contain_text(
        "Müdür onayı"
    )
    screenshot(page, "modeler-properties")
    axe_check(page)
    page.get_by_role("button", name=SAVE).click()
    expect(page.locator("#modeler-result [role=status]")).to_be_visible()
    newest = ProcessVersion.objects.filter(definition__key="permit_review").order_by("-number")[0]
    assert newest.number == 2
    assert 'cinar:manager="true"' in newest.xml
    assert 'cinar:durationDays="3"' in newest.xml
    assert 'name="Müdür onayı"' in newest.xml
    # The saved file declares Çınar's namespace, so the engine reads the attributes.
    assert 'xmlns:cinar="urn:cinar:bpmn:1.0"' in newest.xml


def test_new_process_in_the_modeler(context, login_as, axe_check, screenshot, process_admin):
    login_as(context, process_admin)
    page = context.new_page()
    page.goto("/staff/workflow/processes/")
    page.get_by_role("link", name=re.compile("modelleyicide|in the modeler", re.I)).click()
    expect(page.locator("#modeler")).to_have_attribute("data-modeler-ready", "true")
    axe_check(page)
    page.get_by_role(
        "button", name=re.compile("Yeni sürüm olarak kaydet|Save as new version")
    ).click()
    expect(page.locator("#modeler-result .alert")).to_be_visible()
    screenshot(page, "new-process-saved")
    key = page.locator("#modeler").get_attribute("data-key")
    assert ProcessVersion.objects.filter(definition__key=key).count() == 1


def test_upload_start_complete_and_see_progress(
    context, login_as, axe_check, screenshot, process_admin, tmp_path
):
    bpmn_file = tmp_path / "permit_review.bpmn"
    bpmn_file.write_bytes(permit_xml(intake_user="wfadmin", unit_code="WF-TEST"))
    login_as(context, process_admin)
    page = context.new_page()

    # The library, from the staff menu.
    page.goto("/staff/")
    page.get_by_role("link", name=re.compile("^(Süreçler|Processes)$")).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe_check(page)

    # Upload: lands on the definition page with the diagram drawn.
    page.locator("input[type=file]").set_input_files(str(bpmn_file))
    page.get_by_role("button", name=re.compile("^(Yükle|Upload)$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Permit review")
    expect(page.locator("figure[data-diagram-url]")).to_have_attribute("data-diagram-ready", "true")
    axe_check(page)
    screenshot(page, "process-detail")

    # Start a test instance: its page shows the first step as current.
    page.get_by_role("button", name=re.compile("test instance|Deneme", re.I)).click()
    expect(page.locator("figure[data-diagram-url]")).to_have_attribute("data-diagram-ready", "true")
    expect(page.locator(".djs-element.cinar-current[data-element-id='intake']")).to_have_count(1)
    instance = ProcessInstance.objects.get()

    # The inbox: the intake step is the administrator's own item.
    page.get_by_role("link", name=re.compile("^(Görevler|Tasks)$")).first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Register the application", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register the application")
    axe_check(page)

    # The form: the required field is enforced, then the step completes.
    page.get_by_role("button", name=re.compile("^(Tamamla|Complete)$")).click()
    expect(page.locator("#id_step-applicant_error")).to_be_visible()
    axe_check(page)
    screenshot(page, "item-form-errors")
    page.get_by_label(re.compile("Applicant")).fill("Ayşe Demir")
    page.get_by_label(re.compile("Area")).fill("120")
    page.get_by_label(re.compile("Urgent")).check()
    page.get_by_label(re.compile("Inspection date")).fill("2030-01-15")
    page.get_by_label(re.compile("Zone")).select_option("commercial")
    page.get_by_role("button", name=re.compile("^(Tamamla|Complete)$")).click()
    expect(page.locator("[role=status]").first).to_be_visible()
    item = WorkItem.objects.get(instance=instance, element_id="intake")
    assert item.status == WorkItemStatus.COMPLETED
    assert item.form_data["applicant"] == "Ayşe Demir"
    assert item.form_data["area"] == 120

    # The parallel branches wait in the unit's queue.
    page.get_by_role("link", name=re.compile("Birimimin|My unit")).click()
    expect(page.get_by_role("link", name="Technical opinion", exact=True)).to_be_visible()
    axe_check(page)
    screenshot(page, "inbox-unit-queue")

    # The instance: intake done (green), both opinions current (blue).
    page.goto(f"/staff/workflow/instances/{instance.pk}/")
    expect(page.locator("figure[data-diagram-url]")).to_have_attribute("data-diagram-ready", "true")
    expect(page.locator(".djs-element.cinar-done[data-element-id='intake']")).to_have_count(1)
    expect(page.locator(".djs-element.cinar-current[data-element-id='tech']")).to_have_count(1)
    expect(page.locator(".djs-element.cinar-current[data-element-id='legal']")).to_have_count(1)
    expect(page.locator("[data-state=current]")).to_contain_text("Technical opinion")
    expect(page.locator("[data-state=completed]")).to_contain_text("Register the application")
    axe_check(page)
    screenshot(page, "instance-progress")
