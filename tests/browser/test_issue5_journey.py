"""Issue 5, "Done when", as one journey a new user would take in the browser.

1. Ayşe Kaya (a demo citizen) asks for SMS in her profile, then on her phone applies to
   Beyaz Masa with an attachment and gets a tracking code.
2. She calls the call center: the operator (dhm.idari) registers a second application
   for her on the register page, fills her name from KPS by her T.C. identity number,
   and asks for e-mail notifications.
3. Staff move both along: the records officer claims and completes the first step of
   each in the task inbox; the case page's diagram shows the next step as current.
4. The worker's periodic drain (``cinar.notifications.tasks.drain``; no broker is
   reading in this test, so nothing leaves before it runs) sends the SMS and e-mail
   the sandbox providers record. Ayşe watches the diagram advance on her phone, switches
   her profile to portal notifications, the head of the municipality (TOTP) moves the
   first application on, and the step change lands in her portal inbox.
5. An Open311 client posts and reads requests in XML and JSON over real HTTP.

axe-core checks every page; screenshots go to test-results/.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from typing import Any

import pytest
from defusedxml import ElementTree as ET
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import BrowserContext, Page, expect

from cinar.cases import tasks as case_tasks
from cinar.cases.models import Case
from cinar.demo.actions import demo_load
from cinar.integrations.uavt import address_registry, municipality_district_code
from cinar.notifications import tasks as notification_tasks
from cinar.notifications.models import OutboxMessage
from cinar.notifications.sandbox import sandbox_messages
from tests.browser.conftest import PHONE, run_in_a_thread

CITIZEN_TCKN = "12345678028"  # Ayşe Kaya: a demo account, and the KPS sandbox knows her
CITIZEN_EMAIL = "ayse.kaya@example.org"
OPEN311_KEY = "cinar-demo-open311-0000-000000000000"
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
LOCATION = {"latitude": 41.0023, "longitude": 29.2317}
STEP_1 = "Başvurunun kaydı ve sınıflandırılması"
STEP_2 = "İlgili birime havale ve görevlendirme"
STEP_3 = "Yerinde inceleme ve değerlendirme"
ELEMENT_IDS = {STEP_1: "kayit", STEP_2: "havale", STEP_3: "inceleme"}


@pytest.fixture
def no_worker(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The broker takes the delivery jobs but no worker reads them (as when the worker
    is down): only the periodic drain can send. The queued ids are kept for asserts."""
    queued: list[int] = []
    monkeypatch.setattr(notification_tasks.deliver, "delay", queued.append)
    return queued


def _totp_code(username: str) -> str:
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _worker_tick() -> dict[str, Any]:
    """What the worker's beat schedule runs: cases catch up with their processes
    ("cases-sync", every 60 s), then the outbox is drained ("notifications-drain",
    every 30 s)."""
    case_tasks.sync()
    return notification_tasks.drain()


def _case_page_current_step(page: Page, step: str) -> None:
    expect(page.locator("figure[data-diagram-url]")).to_have_attribute(
        "data-diagram-ready", "true", timeout=20_000
    )
    current = page.locator(".djs-element.cinar-current")
    expect(current).to_have_count(1)
    expect(current.first).to_have_attribute("data-element-id", ELEMENT_IDS[step])


def _http(method: str, url: str, data: dict[str, str] | None = None) -> tuple[int, str, bytes]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    assert url.startswith("http://")  # the live server
    request = urllib.request.Request(url, data=body, method=method)  # noqa: S310
    if body is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def test_issue5_done_when(
    new_context, login_as, axe_check, screenshot, transactional_db, no_worker, live_server
):
    run_in_a_thread(lambda: demo_load(now=timezone.now(), with_applications=False))
    User = get_user_model()
    citizen = User.objects.get(tckn=CITIZEN_TCKN)
    officer = User.objects.get(username="dhm.idari")
    mail.outbox.clear()

    # 1. The citizen, on her phone: SMS please, then apply with a photo of the problem.
    phone: BrowserContext = new_context(
        viewport=PHONE, geolocation=LOCATION, permissions=["geolocation"]
    )
    login_as(phone, citizen)
    ayse = phone.new_page()
    ayse.goto("/accounts/profile/")
    ayse.get_by_label(re.compile("bildirim|notify", re.I)).select_option("sms")
    ayse.get_by_role("button", name=re.compile("^(Kaydet|Save)$")).click()
    expect(
        ayse.get_by_role("status").filter(has_text=re.compile("kaydedildi|saved", re.I)).first
    ).to_be_visible()
    screenshot(ayse, "00-citizen-profile")
    citizen.refresh_from_db()
    assert citizen.notification_channel == "sms" and citizen.phone

    ayse.goto("/hizmetler/BLD-001/")
    axe_check(ayse)
    ayse.get_by_role("link", name=re.compile("^ *(Başvur|Apply)$")).click()
    ayse.get_by_role("radio", name=re.compile("^(Şikayet|Complaint)$")).check()
    ayse.get_by_label(re.compile("^(Konu|Subject)")).select_option(value="aydinlatma")
    ayse.locator("#id_aciklama").fill("Sokak lambası üç gündür yanmıyor.")
    ayse.get_by_role("button", name=re.compile("konumumu|current location", re.I)).click()
    expect(ayse.locator("#id_case-latitude")).to_have_value(re.compile(r"^41\.0023"))
    ayse.locator("#id_case-address_text").fill("Yıldız Sk. No 4 önü")
    # The address from UAVT: neighbourhood → street → building number (htmx).
    registry = address_registry()
    hood = registry.neighbourhoods(district_code=municipality_district_code())[0]
    street = registry.streets(neighbourhood_code=hood.code)[0]
    building = registry.buildings(street_code=street.code)[0]
    ayse.locator("#id_case-uavt_neighbourhood").select_option(hood.code)
    expect(ayse.locator("#id_case-uavt_street option", has_text=street.full_name)).to_have_count(
        1, timeout=20_000
    )
    ayse.locator("#id_case-uavt_street").select_option(street.code)
    expect(ayse.locator(f"#id_case-uavt_building option[value='{building.code}']")).to_have_count(
        1, timeout=20_000
    )
    ayse.locator("#id_case-uavt_building").select_option(building.code)
    ayse.locator("#id_case-attachments").set_input_files(
        files=[{"name": "lamba.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    axe_check(ayse)
    screenshot(ayse, "01-citizen-apply")
    ayse.locator("#apply-submit").click()
    code = ayse.locator("#tracking-code")
    expect(code).to_have_text(re.compile(r"^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{3}$"))
    web_case = Case.objects.get(applicant=citizen, channel="web")
    assert code.inner_text().strip() == web_case.tracking_code_display
    assert [a.name for a in web_case.attachments.all()] == ["lamba.pdf"]
    assert web_case.uavt_code == building.code
    axe_check(ayse)
    screenshot(ayse, "02-citizen-received")

    # 2. She calls 444: the operator registers the second application.
    desk = new_context()
    login_as(desk, officer)
    op = desk.new_page()
    op.goto("/staff/cases/register/")
    expect(op.get_by_role("heading", level=1)).to_be_visible()
    op.get_by_label(re.compile("^(Hizmet|Service)")).select_option("BLD-001")
    op.get_by_role("button", name=re.compile("^(Devam|Continue|Next|İleri)", re.I)).click()
    expect(op.locator("form[enctype='multipart/form-data']")).to_be_visible()
    op.get_by_label(re.compile("^(Başvuru kanalı|Channel)")).select_option("call_center")
    op.get_by_label(re.compile("T\\.C\\.")).fill(CITIZEN_TCKN)
    op.get_by_role("button", name=re.compile("KPS")).click()
    expect(op.locator("#kps-result")).to_contain_text("Ayşe")
    expect(op.locator("#id_first_name")).to_have_value("Ayşe")
    expect(op.locator("#id_last_name")).to_have_value("Kaya")
    op.locator("#id_email").fill(CITIZEN_EMAIL)
    op.get_by_label(re.compile("bildir|Notify", re.I)).select_option("email")
    op.get_by_role("radio", name=re.compile("^(İstek|Request)$")).check()
    op.get_by_label(re.compile("^(Konu|Subject)")).select_option(value="park")
    op.locator("#id_f-aciklama").fill("Parktaki salıncak kırık, çocuklar için tehlikeli.")
    axe_check(op)
    screenshot(op, "03-operator-register")
    op.get_by_role("button", name=re.compile("^(Başvuru kaydet|Register an application)$")).click()
    expect(op.get_by_role("alert").or_(op.locator(".alert-success")).first).to_contain_text(
        re.compile("Takip (kodu|numarası)|Tracking code")
    )
    phone_case = Case.objects.get(channel="call_center")
    assert phone_case.applicant_first_name == "Ayşe" and phone_case.applicant_tckn == CITIZEN_TCKN
    assert phone_case.registered_by == officer and phone_case.applicant_email == CITIZEN_EMAIL
    axe_check(op)
    screenshot(op, "04-operator-case-page")

    # Nothing has left yet: no worker reads the queue.
    assert sandbox_messages(service="sms", to=citizen.phone) == [] and mail.outbox == []
    assert len(no_worker) == 2

    # 3. The records officer moves both along from the task inbox.
    for n, case in enumerate((web_case, phone_case), start=1):
        op.goto("/staff/workflow/inbox/?box=unit")
        expect(op.get_by_role("heading", level=1)).to_be_visible()
        axe_check(op)
        item_link = op.locator(
            f"tr:has-text('{case.tracking_code}') a, li:has-text('{case.tracking_code}') a"
        )
        if item_link.count():
            item_link.first.click()
        else:
            op.get_by_role("link", name=STEP_1).first.click()
        expect(op.get_by_role("heading", level=1)).to_have_text(STEP_1)
        op.get_by_role("button", name=re.compile("^(Üstlen|Claim)$")).click()
        expect(
            op.get_by_role("button", name=re.compile("Havuza bırak|Release to the queue"))
        ).to_be_visible()
        op.get_by_label(re.compile("^(Öncelik)")).select_option("normal")
        op.get_by_label(re.compile("^(Kayıt notu)")).fill(f"Telefon/web kaydı {n}")
        axe_check(op)
        screenshot(op, f"05-officer-step-{n}")
        op.get_by_role("button", name=re.compile("^ *(Tamamla|Complete)$")).click()
        expect(op.get_by_role("heading", level=1)).to_be_visible()

    # The staff case page: the diagram's current step moved from kayıt to havale.
    op.goto(f"/staff/cases/{phone_case.pk}/")
    expect(op.get_by_role("heading", level=1)).to_contain_text(phone_case.tracking_code_display)
    _case_page_current_step(op, STEP_2)
    asked = op.locator("section[aria-labelledby=form-title]")
    expect(asked).to_contain_text("Park ve yeşil alan")  # the value's name, not "park"
    expect(op.locator(".djs-element.cinar-done[data-element-id=kayit]")).to_have_count(1)
    axe_check(op)
    screenshot(op, "06-staff-case-diagram")

    # 4. The worker's periodic tasks send what was queued: SMS for the web application, e-mail
    # for the one registered by phone.
    report = _worker_tick()
    assert report["sent"] >= 4, report
    texts = [m.text for m in sandbox_messages(service="sms", to=citizen.phone)]
    web_code, phone_code = web_case.tracking_code_display, phone_case.tracking_code_display
    assert any(web_code in t and re.search("alındı|received", t, re.I) for t in texts), texts
    assert any(web_code in t and STEP_2 in t for t in texts), texts
    assert not any("Request, complaint" in t for t in texts)  # her language: Turkish
    to_her = [m for m in mail.outbox if CITIZEN_EMAIL in m.to]
    assert any(phone_code in m.body for m in to_her), [m.body for m in to_her]
    assert any(STEP_2 in m.body for m in to_her), [m.body for m in to_her]
    assert not OutboxMessage.objects.exclude(status="sent").exists()
    assert _worker_tick()["sent"] == 0  # a second run sends nothing twice

    # She watches her application on the phone: the diagram has moved on.
    ayse.goto("/basvurularim/")
    axe_check(ayse)
    card = ayse.locator("li.card").filter(has_text=web_case.tracking_code_display)
    expect(card).to_contain_text(STEP_2)
    screenshot(ayse, "07-citizen-my-applications")
    card.get_by_role("link").click()
    expect(ayse.get_by_text(re.compile(STEP_2)).first).to_be_visible()
    _case_page_current_step(ayse, STEP_2)
    axe_check(ayse)
    screenshot(ayse, "08-citizen-diagram-step-2")

    # She prefers the portal inbox from now on.
    ayse.goto("/accounts/profile/")
    ayse.get_by_label(re.compile("bildirim|notify", re.I)).select_option("portal")
    ayse.get_by_role("button", name=re.compile("^(Kaydet|Save)$")).click()
    expect(
        ayse.get_by_role("status").filter(has_text=re.compile("kaydedildi|saved", re.I)).first
    ).to_be_visible()

    # The head of the municipality (two-factor login) hands her application on.
    boss_context = new_context()
    boss = boss_context.new_page()
    boss.goto("/accounts/login/")
    boss.locator("input[name=username]").fill("baskan")
    boss.locator("input[name=password]").fill("Cinar-Demo-2026!")
    boss.locator("main form button[type=submit]").first.click()
    expect(boss).to_have_url(re.compile(r"/accounts/2fa/verify/"))
    boss.locator("input[name=token]").fill(_totp_code("baskan"))
    boss.locator("main form button[type=submit]").first.click()
    expect(boss).to_have_url(re.compile(r"/staff/$"))
    boss.goto(f"/staff/cases/{web_case.pk}/")
    boss.get_by_role("link", name=STEP_2).click()
    expect(boss.get_by_role("heading", level=1)).to_have_text(STEP_2)
    boss.get_by_role("button", name=re.compile("^(Üstlen|Claim)$")).click()
    boss.get_by_label(re.compile("Görevlendirilen")).fill("Aydınlatma ekibi")
    axe_check(boss)
    boss.get_by_role("button", name=re.compile("^ *(Tamamla|Complete)$")).click()
    expect(boss.get_by_role("heading", level=1)).to_be_visible()

    _worker_tick()
    ayse.goto("/bildirimler/")
    expect(ayse.get_by_role("heading", level=1)).to_be_visible()
    news = ayse.locator("li.list-group-item").filter(has_text=STEP_3)
    expect(news).to_have_count(1)
    expect(news).to_contain_text(web_case.tracking_code_display)
    expect(news).to_contain_text("İstek, Şikayet ve Öneri")
    axe_check(ayse)
    screenshot(ayse, "09-citizen-inbox")
    news.get_by_role("button", name=re.compile("^(Aç|Open)$")).click()
    expect(ayse).to_have_url(re.compile(rf"/basvurularim/{web_case.pk}/$"))
    _case_page_current_step(ayse, STEP_3)
    screenshot(ayse, "10-citizen-diagram-step-3")

    # 5. An Open311 client app, over real HTTP.
    base = f"{live_server.url}/open311/v2"
    status, ctype, body = _http(
        "POST",
        f"{base}/requests.json",
        {
            "api_key": OPEN311_KEY,
            "service_code": "BLD-001",
            "lat": "41.0100",
            "long": "29.2400",
            "address_string": "Meclis Mah., Park Sk.",
            "email": "mahalle@example.org",
            "description": "Çöp konteyneri taşıyor",
            "attribute[basvuru_turu]": "sikayet",
            "attribute[konu]": "temizlik",
            "attribute[aciklama]": "Konteyner üç gündür boşaltılmadı.",
        },
    )
    assert status in (200, 201), body
    assert ctype.startswith("application/json")
    json_id = json.loads(body)[0]["service_request_id"]
    status, ctype, body = _http(
        "POST",
        f"{base}/requests.xml",
        {
            "api_key": OPEN311_KEY,
            "service_code": "BLD-001",
            "lat": "41.0101",
            "long": "29.2401",
            "phone": "05321234567",
            "attribute[basvuru_turu]": "istek",
            "attribute[konu]": "park",
            "attribute[aciklama]": "Bank istiyoruz.",
        },
    )
    assert status in (200, 201), body
    assert "xml" in ctype
    xml_id = ET.fromstring(body).findtext("request/service_request_id")
    assert xml_id and xml_id != json_id

    status, _ctype, body = _http(
        "GET", f"{base}/requests.json?service_request_id={json_id},{xml_id}"
    )
    assert status == 200
    listed = {r["service_request_id"]: r for r in json.loads(body)}
    assert set(listed) == {json_id, xml_id}
    assert listed[json_id]["status"] == "open" and listed[json_id]["service_code"] == "BLD-001"
    assert "mahalle@example.org" not in body.decode()  # public fields only

    status, ctype, body = _http("GET", f"{base}/requests/{xml_id}.xml")
    assert status == 200 and "xml" in ctype
    root = ET.fromstring(body)
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == xml_id
    assert "05321234567" not in body.decode()

    status, ctype, body = _http("GET", f"{base}/requests.xml?status=open")
    ids = {r.findtext("service_request_id") for r in ET.fromstring(body).findall("request")}
    assert {json_id, xml_id, web_case.tracking_code, phone_case.tracking_code} <= ids

    # Without a key nothing is created, and the spec's error format says why.
    before = Case.objects.count()
    status, _ctype, body = _http(
        "POST", f"{base}/requests.json", {"service_code": "BLD-001", "lat": "41", "long": "29"}
    )
    assert status in (400, 403)
    assert json.loads(body)[0]["code"] == status
    assert Case.objects.count() == before
