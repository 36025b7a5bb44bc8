"""Issue 3, "Done when": an administrator, tried as a new user would, uploads a process
drawn in a BPMN modeler, runs an instance through a parallel split, a timer escalation
and a delegation in the browser, and sees it on the diagram.

The demo municipality is loaded first (its running vekalet: the IT director Ayşe
Yıldırım, ``bim.mudur``, is on leave and her chief Murat Şahin, ``bim.sef``, stands in).
The process's technical review is addressed to the director by ``cinar:user``, so it
lands with the deputy, on her behalf. Its boundary timer (one day) escalates to the
deputy mayor; the worker's one-minute sweep is run from the test at a later moment.
axe-core checks every page; screenshots go to test-results/.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from cinar.demo.actions import demo_load
from cinar.demo.data import DEMO_PASSWORD
from cinar.identity.models import User
from cinar.workflow.layout import ensure_diagram
from cinar.workflow.models import EventKind, ProcessInstance, WorkItem, WorkItemStatus
from cinar.workflow.sla import sla_sweep
from tests.browser.conftest import run_in_a_thread

COMPLETE = re.compile("^(Tamamla|Complete)$")

# Drawn as a person would in a modeler: here laid out by Çınar's own layout, so the
# uploaded file carries its BPMN DI like any modeler's output.
PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:cinar="urn:cinar:bpmn:1.0" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
  id="defs_issue3" targetNamespace="urn:cinar:issue3">
  <bpmn:process id="sunucu_talebi" name="Sunucu kaynağı talebi" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="lane_admin" name="Sistem yöneticisi">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>split</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>budget</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>join</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>approve</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="lane_bim" name="Bilgi İşlem Müdürü">
        <bpmn:flowNodeRef>tech</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>late</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="lane_by" name="Başkan Yardımcısı">
        <bpmn:flowNodeRef>escalated</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end_escalated</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="Talep"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="split"/>
    <bpmn:parallelGateway id="split"/>
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="tech"/>
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="budget"/>
    <bpmn:userTask id="tech" name="Teknik uygunluk" cinar:user="bim.mudur" cinar:durationDays="1">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="cpu" label="CPU" type="long">
          <camunda:validation><camunda:constraint name="required"/></camunda:validation>
        </camunda:formField>
      </camunda:formData></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="late" name="1 gün" attachedToRef="tech" cancelActivity="false">
      <bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f_late" sourceRef="late" targetRef="escalated"/>
    <bpmn:userTask id="escalated" name="Gecikme takibi" cinar:user="by.destek"/>
    <bpmn:sequenceFlow id="f_esc_end" sourceRef="escalated" targetRef="end_escalated"/>
    <bpmn:endEvent id="end_escalated"/>
    <bpmn:userTask id="budget" name="Bütçe kontrolü" cinar:user="admin">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="tutar" label="Tutar" type="long">
          <camunda:validation><camunda:constraint name="required"/></camunda:validation>
        </camunda:formField>
      </camunda:formData></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f4" sourceRef="tech" targetRef="join"/>
    <bpmn:sequenceFlow id="f5" sourceRef="budget" targetRef="join"/>
    <bpmn:parallelGateway id="join"/>
    <bpmn:sequenceFlow id="f6" sourceRef="join" targetRef="approve"/>
    <bpmn:userTask id="approve" name="Talep onayı" cinar:user="admin"/>
    <bpmn:sequenceFlow id="f7" sourceRef="approve" targetRef="end"/>
    <bpmn:endEvent id="end" name="Kaynak ayrıldı"/>
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def demo(transactional_db):
    run_in_a_thread(lambda: demo_load(now=timezone.now()))


def _code(username: str) -> str:
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _log_in(page: Page, username: str, axe_check) -> None:
    """Through the login form, and the TOTP step when the account has to use one."""
    page.goto("/accounts/login/")
    axe_check(page)
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    if User.objects.get(username=username).must_use_two_factor:
        expect(page).to_have_url(re.compile(r"/accounts/2fa/verify/"))
        axe_check(page)
        page.locator("input[name=token]").fill(_code(username))
        page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/staff/$"))
    axe_check(page)


def _diagram_ready(page: Page) -> None:
    expect(page.locator("figure[data-diagram-url]")).to_have_attribute("data-diagram-ready", "true")


def _marker(page: Page, state: str, element_id: str):
    return page.locator(f".djs-element.cinar-{state}[data-element-id='{element_id}']")


def test_issue3_upload_parallel_delegation_timer_escalation_diagram(
    demo, new_context, axe_check, screenshot, tmp_path
):
    bpmn_file = tmp_path / "sunucu_talebi.bpmn"
    bpmn_file.write_bytes(ensure_diagram(PROCESS.encode()))

    # The administrator signs in (password + TOTP) and finds the process library.
    admin_page = new_context().new_page()
    _log_in(admin_page, "admin", axe_check)
    screenshot(admin_page, "01-staff-home")
    admin_page.get_by_role("link", name=re.compile("^(Süreçler|Processes)$")).click()
    expect(admin_page.get_by_role("heading", level=1)).to_be_visible()
    axe_check(admin_page)

    # Upload: the definition page draws the diagram.
    admin_page.locator("input[type=file]").set_input_files(str(bpmn_file))
    admin_page.get_by_role("button", name=re.compile("^(Yükle|Upload)$")).click()
    expect(admin_page.get_by_role("heading", level=1)).to_have_text("Sunucu kaynağı talebi")
    _diagram_ready(admin_page)
    axe_check(admin_page)
    screenshot(admin_page, "02-process-uploaded")

    # Start an instance: both branches of the parallel split are current.
    admin_page.get_by_role("button", name=re.compile("test instance|Deneme", re.I)).click()
    _diagram_ready(admin_page)
    expect(_marker(admin_page, "current", "tech")).to_have_count(1)
    expect(_marker(admin_page, "current", "budget")).to_have_count(1)
    axe_check(admin_page)
    screenshot(admin_page, "03-instance-started")
    instance = ProcessInstance.objects.get(version__definition__key="sunucu_talebi")
    tech = WorkItem.objects.get(instance=instance, element_id="tech")
    # Addressed to the director on leave: routed to her deputy, on her behalf.
    assert tech.assignee.username == "bim.sef"
    assert tech.on_behalf_of.username == "bim.mudur"

    # The administrator's own branch: from the inbox, with the step's form.
    admin_page.get_by_role("link", name=re.compile("^(Görevler|Tasks)$")).first.click()
    axe_check(admin_page)
    admin_page.get_by_role("link", name="Bütçe kontrolü", exact=True).click()
    expect(admin_page.get_by_role("heading", level=1)).to_have_text("Bütçe kontrolü")
    axe_check(admin_page)
    admin_page.get_by_label(re.compile("Tutar")).fill("48000")
    admin_page.get_by_role("button", name=COMPLETE).click()
    expect(admin_page.locator("[role=status]").first).to_be_visible()
    axe_check(admin_page)
    assert WorkItem.objects.get(instance=instance, element_id="budget").status == (
        WorkItemStatus.COMPLETED
    )

    # The deputy signs in: the item waits in "Delegated to me", on the director's behalf.
    deputy_page = new_context().new_page()
    _log_in(deputy_page, "bim.sef", axe_check)
    deputy_page.goto("/staff/workflow/inbox/?box=delegated")
    expect(deputy_page.get_by_role("link", name="Teknik uygunluk", exact=True)).to_be_visible()
    expect(deputy_page.locator("#inbox-panel")).to_contain_text("Ayşe Yıldırım")
    axe_check(deputy_page)
    screenshot(deputy_page, "04-deputy-delegated-inbox")

    # Nobody acts for a day and more: the worker's sweep fires the boundary timer.
    report = sla_sweep(now=timezone.now() + dt.timedelta(days=1, hours=2))
    assert report.timers_fired == 1 and not report.errors
    escalated = WorkItem.objects.get(instance=instance, element_id="escalated")
    assert escalated.assignee.username == "by.destek"
    assert instance.events.filter(kind=EventKind.TIMER_FIRED, element_id="late").exists()

    # The administrator sees the escalation on the instance page and its diagram.
    admin_page.goto(f"/staff/workflow/instances/{instance.pk}/")
    _diagram_ready(admin_page)
    expect(_marker(admin_page, "done", "budget")).to_have_count(1)
    expect(_marker(admin_page, "current", "tech")).to_have_count(1)
    expect(_marker(admin_page, "current", "escalated")).to_have_count(1)
    expect(admin_page.locator("[data-state=current]")).to_contain_text("Gecikme takibi")
    axe_check(admin_page)
    screenshot(admin_page, "05-instance-escalated")

    # The deputy completes the technical review for the director.
    deputy_page.get_by_role("link", name="Teknik uygunluk", exact=True).click()
    expect(deputy_page.get_by_role("heading", level=1)).to_have_text("Teknik uygunluk")
    axe_check(deputy_page)
    deputy_page.get_by_label(re.compile("CPU")).fill("16")
    deputy_page.get_by_role("button", name=COMPLETE).click()
    expect(deputy_page.locator("[role=status]").first).to_be_visible()
    axe_check(deputy_page)
    screenshot(deputy_page, "06-deputy-completed")
    tech.refresh_from_db()
    assert tech.status == WorkItemStatus.COMPLETED
    assert tech.on_behalf_of.username == "bim.mudur"

    # Both branches joined: the approval is the administrator's.
    admin_page.goto("/staff/workflow/inbox/")
    admin_page.get_by_role("link", name="Talep onayı", exact=True).click()
    axe_check(admin_page)
    admin_page.get_by_role("button", name=COMPLETE).click()
    expect(admin_page.locator("[role=status]").first).to_be_visible()

    # The diagram: every step of the main path done, the escalation still current.
    admin_page.goto(f"/staff/workflow/instances/{instance.pk}/")
    _diagram_ready(admin_page)
    for element in ("split", "tech", "budget", "join", "approve"):
        expect(_marker(admin_page, "done", element)).to_have_count(1)
    expect(_marker(admin_page, "current", "escalated")).to_have_count(1)
    expect(admin_page.locator("[data-state=completed]")).to_contain_text("Teknik uygunluk")
    axe_check(admin_page)
    screenshot(admin_page, "07-instance-diagram-final")
