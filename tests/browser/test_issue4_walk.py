"""Issue 4, "Done when": tried as a new user would, in the browser — an incoming KEP
package is registered and routed; a reply is drafted from a template, initialled by two
people in parallel, signed by a deputy, exported as .eyp and verified on /dogrula/;
pdfsig accepts the PDF; a search for a Turkish word in another case form finds it.

The demo municipality is loaded (the IT director Ayşe Yıldırım, ``bim.mudur``, is on
leave; her chief Murat Şahin, ``bim.sef``, signs for her, vekaleten). Incoming KEP is
registered in İdari İşler (``CINAR_DOCUMENTS_INCOMING_UNIT``), whose officer
``dhm.idari`` does the havale. axe-core checks every page; screenshots in test-results/.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from cinar.demo.actions import demo_load
from cinar.demo.data import DEMO_PASSWORD
from cinar.documents import actions
from cinar.documents.eyazisma import build_package, read_package
from cinar.documents.eyazisma.model import (
    Dagitim,
    DagitimTuru,
    GuvenlikKodu,
    IletisimBilgisi,
    KurumKurulus,
)
from cinar.documents.eyazisma.testing import make_key_and_cert, sample_paket
from cinar.documents.models import ApprovalStep, Direction, Document, Routing
from cinar.identity.models import User
from cinar.integrations.kep.sandbox import SandboxKEP
from cinar.organization.models import Unit
from tests.browser.conftest import run_in_a_thread

SUBJECT_IN = "İSTANBUL il afet koordinasyon toplantısı hakkında"


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.CINAR_SIGNING = {
        "BACKEND": "cinar.documents.signing.software.SoftwareKeySigner",
        "OPTIONS": {"directory": str(tmp_path / "signing"), "create_dev_ca": True},
        "TRUST_ROOTS": [],
    }
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.CINAR_DOCUMENTS_INCOMING_UNIT = "DHM-II"
    from cinar.documents.template_actions import document_templates_demo_load

    def load() -> None:
        demo_load(now=timezone.now())
        document_templates_demo_load()

    _in_thread(load)


_in_thread = run_in_a_thread


def _code(username: str) -> str:
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _log_in(page: Page, username: str, axe_check) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    if User.objects.get(username=username).must_use_two_factor:
        expect(page).to_have_url(re.compile(r"/accounts/2fa/verify/"))
        page.locator("input[name=token]").fill(_code(username))
        page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/staff/$"))
    axe_check(page)


def _peer_package() -> bytes:
    paket = sample_paket(ekler=1, belge_no="E-21034006-040-77")
    root = Unit.objects.get(code="BLD")
    ustveri = dataclasses.replace(
        paket.ustveri,
        konu=SUBJECT_IN,
        guvenlik_kodu=GuvenlikKodu.YOK,
        olusturan=KurumKurulus(
            detsis_no="21034006",
            adi="İstanbul Valiliği",
            iletisim=IletisimBilgisi(kep_adresi="valilik@hs01.kep.tr"),
        ),
        dagitimlar=(
            Dagitim(
                taraf=KurumKurulus(detsis_no=root.detsis_number, adi=root.name),
                tur=DagitimTuru.GRG,
            ),
        ),
        ilgiler=(),
        sdp_kodu="040",
    )
    return build_package(
        dataclasses.replace(paket, ustveri=ustveri),
        signer_key_and_cert=make_key_and_cert("Valilik Yetkilisi"),
        seal_key_and_cert=make_key_and_cert("İstanbul Valiliği"),
    )


def test_issue4_kep_in_havale_template_reply_parallel_paraf_vekaleten_eyp_dogrula(
    demo, new_context, axe_check, screenshot, tmp_path
):
    # --- An e-Yazışma package arrives by KEP; the worker's poll registers and routes it.
    SandboxKEP().deliver_incoming(
        sender="valilik@hs01.kep.tr",
        subject=SUBJECT_IN,
        attachments=[("valilik.eyp", _peer_package(), "application/octet-stream")],
    )
    result = actions.kep_poll()
    assert result.registered == 1
    incoming = Document.objects.get(subject=SUBJECT_IN)
    assert incoming.unit.code == "DHM-II"
    assert Routing.objects.get(document=incoming).to_unit.code == "DHM-II"

    # --- The records officer sees it in the unit's inbox, finds it by search, routes it.
    officer = new_context().new_page()
    _log_in(officer, "dhm.idari", axe_check)
    officer.goto("/staff/documents/inbox/")
    expect(officer.get_by_role("link", name=SUBJECT_IN)).to_be_visible()
    axe_check(officer)
    screenshot(officer, "01-records-inbox")
    officer.goto("/staff/documents/?q=istanbul")  # another case form of "İSTANBUL"
    expect(officer.get_by_role("link", name=SUBJECT_IN)).to_be_visible()
    axe_check(officer)
    screenshot(officer, "02-search-istanbul")
    officer.get_by_role("link", name=SUBJECT_IN).click()
    expect(officer.get_by_role("heading", level=1)).to_have_text(SUBJECT_IN)
    expect(officer.locator("main")).to_contain_text(
        re.compile("İmza doğrulandı|Signature verified")
    )
    axe_check(officer)
    screenshot(officer, "03-incoming-detail")
    officer.get_by_role("link", name=re.compile("Havale|Route")).first.click()
    officer.locator("select[name=to_unit]").select_option(str(Unit.objects.get(code="BIM").pk))
    officer.locator("select[name=instruction]").select_option("geregi")
    axe_check(officer)
    officer.locator("main form button[type=submit]").last.click()
    expect(officer.get_by_role("heading", level=1)).to_have_text(SUBJECT_IN)
    assert Routing.objects.filter(document=incoming, to_unit__code="BIM").exists()
    axe_check(officer)

    # --- The software engineer drafts the reply from a template.
    author = new_context().new_page()
    _log_in(author, "bim.yazilim", axe_check)
    author.goto("/staff/documents/templates/draft/")
    axe_check(author)
    template_select = author.locator("select[name=template]")
    template_select.select_option(label="Kurum yazısı (genel)")
    author.locator("select[name=unit]").select_option(str(Unit.objects.get(code="BIM-YZ").pk))
    author.locator("input[name=case_subject]").fill("İl afet koordinasyon toplantısına katılım")
    author.locator("textarea[name=answer]").fill(
        "Toplantıya Bilgi İşlem Müdürlüğünü temsilen bir personelimiz katılacaktır."
    )
    author.locator("textarea[name=recipients]").fill("İstanbul Valiliği")
    screenshot(author, "04-from-template")
    author.locator("main form button[type=submit]").last.click()
    expect(author).to_have_url(re.compile(r"/staff/documents/\d+/edit/"))
    axe_check(author)
    reply = Document.objects.filter(direction=Direction.OUTGOING).order_by("-pk").first()
    assert reply is not None and reply.created_by.username == "bim.yazilim"

    # Chain: two paraf in parallel (stage 1), then the director's imza (stage 2).
    author.goto(f"/staff/documents/{reply.pk}/chain/")
    people = {
        u.username: u
        for u in User.objects.filter(username__in=["bim.destek", "bim.network", "bim.mudur"])
    }
    rows = [("1", "bim.destek", "paraf"), ("1", "bim.network", "paraf"), ("2", "bim.mudur", "imza")]
    for i in range(10):
        if author.locator(f"select[name=user_{i}]").count() == 0:
            break
        if i < len(rows):
            stage, username, kind = rows[i]
            author.locator(f"input[name=stage_{i}]").fill(stage)
            author.locator(f"select[name=user_{i}]").select_option(str(people[username].pk))
            author.locator(f"select[name=kind_{i}]").select_option(kind)
        else:
            author.locator(f"select[name=user_{i}]").select_option("")
    axe_check(author)
    screenshot(author, "05-chain")
    author.get_by_role("button", name=re.compile("onaya gönder|send for approval", re.I)).click()
    expect(author.get_by_role("heading", level=1)).to_be_visible()
    reply.refresh_from_db()
    assert reply.status == "in_approval"
    axe_check(author)

    # --- Two paraf in parallel, each from their own session.
    for username in ("bim.network", "bim.destek"):
        page = new_context().new_page()
        _log_in(page, username, axe_check)
        page.goto(f"/staff/documents/{reply.pk}/")
        page.get_by_role("button", name=re.compile("Paraf|Initial")).click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        axe_check(page)
    assert ApprovalStep.objects.filter(document=reply, decision="approved").count() == 2

    # --- The deputy signs on the director's behalf (vekaleten).
    deputy = new_context().new_page()
    _log_in(deputy, "bim.sef", axe_check)
    deputy.goto(f"/staff/documents/{reply.pk}/")
    expect(deputy.locator("main")).to_contain_text(re.compile("vekaleten"))
    axe_check(deputy)
    deputy.get_by_role("button", name=re.compile(r"^(İmza|Sign \(imza\))$")).click()
    expect(deputy.locator("main")).to_contain_text(re.compile(r"E-\d{8}-"))
    axe_check(deputy)
    screenshot(deputy, "06-signed-vekaleten")
    reply.refresh_from_db()
    assert reply.status == "signed"
    assert reply.signed_by.username == "bim.sef"
    assert reply.signed_on_behalf_of.username == "bim.mudur"

    # --- Exported as .eyp (the shell command), a valid package of the signed letter.
    eyp = tmp_path / "reply.eyp"
    call_command("eyp_export", "latest", str(eyp))
    parsed = read_package(eyp.read_bytes())
    assert parsed.paket.ustveri.belge_no == reply.number
    assert parsed.signature_status == "verified"

    # --- pdfsig (poppler) accepts the signed PDF.
    pdf = tmp_path / "reply.pdf"
    pdf.write_bytes(reply.signed_file.open("rb").read())
    pdfsig = shutil.which("pdfsig")
    assert pdfsig, "poppler-utils (pdfsig) is needed"
    if pdfsig:
        out = subprocess.run([pdfsig, str(pdf)], capture_output=True, text=True, check=False)
        assert "Signature is Valid" in out.stdout, out.stdout + out.stderr

    # --- Anyone verifies it on /dogrula/ with the code printed on the letter.
    visitor = new_context().new_page()
    visitor.goto("/dogrula/")
    axe_check(visitor)
    visitor.locator("input[name=code]").fill(
        f"{reply.verification_code[:5]}-{reply.verification_code[5:10]}-{reply.verification_code[10:]}".lower()
    )
    visitor.locator("main form button[type=submit]").first.click()
    expect(visitor.get_by_role("heading", level=1)).to_be_visible()
    main = visitor.locator("main")
    expect(main).to_contain_text(reply.number)
    expect(main).to_contain_text("vekaleten")
    expect(main).to_contain_text("Murat Şahin")
    axe_check(visitor)
    screenshot(visitor, "07-dogrula")
    with visitor.expect_download() as download_info:
        visitor.get_by_role("link", name=re.compile("PDF")).click()
    assert download_info.value.suggested_filename == f"{reply.number}.pdf"
