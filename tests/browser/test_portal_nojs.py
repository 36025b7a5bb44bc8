"""Issue 5, a citizen without JavaScript: the address picker refines il/ilçe/mahalle/
street by posting the form back, and a browser cannot keep a file input across that.
The file chosen before the post-backs is held for the session, listed on the form, and
ends up on the case. (axe-core needs JavaScript, so it checks this form in
test_portal_apply.py, not here: with scripts off Playwright's evaluate never returns.)"""

from __future__ import annotations

import re

from django.utils import timezone
from playwright.sync_api import expect

from cinar.cases.models import Case
from cinar.demo.actions import demo_load
from cinar.identity.tests.factories import CitizenFactory
from tests.browser.conftest import PHONE, run_in_a_thread

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def test_without_javascript_a_file_survives_the_address_post_backs(
    new_context, login_as, screenshot, transactional_db
):
    run_in_a_thread(lambda: demo_load(now=timezone.now(), with_applications=False))
    citizen = CitizenFactory(first_name="Elif", last_name="Kara", phone="+905321234567")
    context = new_context(viewport=PHONE, java_script_enabled=False)
    login_as(context, citizen)
    page = context.new_page()
    page.goto("/hizmetler/BLD-001/basvur/")
    page.get_by_role("radio", name=re.compile("^(Şikayet|Complaint)$")).check()
    page.get_by_label(re.compile("^(Konu|Subject)")).select_option(value="aydinlatma")
    page.locator("#id_aciklama").fill("Sokak lambası yanmıyor.")
    page.locator("#id_case-attachments").set_input_files(
        files=[{"name": "foto.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )

    page.locator("#id_case-uavt_neighbourhood").select_option(index=1)
    page.locator("button[name=uavt-refresh]").click()
    expect(page.locator("#held-files")).to_contain_text("foto.pdf")
    page.locator("#id_case-uavt_street").select_option(index=1)
    page.locator("button[name=uavt-refresh]").click()
    expect(page.locator("#held-files")).to_contain_text("foto.pdf")
    page.locator("#id_case-uavt_building").select_option(index=1)
    screenshot(page, "portal-nojs-held-file")

    page.locator("#apply-submit").click()
    expect(page.locator("#tracking-code")).to_be_visible()
    case = Case.objects.get(applicant=citizen)
    assert [a.name for a in case.attachments.all()] == ["foto.pdf"]
    assert case.attachments.get().file.read() == PDF
    assert case.uavt_code
