"""Official letter rendering: Turkish text, layout elements, PDF/A, QR, sanitising."""

from __future__ import annotations

import dataclasses
import datetime
import io
import re

import pytest
import qrcode
from pypdf import PdfReader

from cinar.documents.pdf import LetterData, LetterSigner, render_letter
from cinar.documents.pdf.fetcher import LetterURLFetcher
from cinar.documents.pdf.letter import letter_html
from cinar.documents.pdf.sanitize import sanitize_body_html

SUBJECT = "Çınar ağacı budaması hakkında: ığüşöç İĞÜŞÖÇ"
NUMBER = "E-12345678-754.01-42"


def make_letter(**overrides: object) -> LetterData:
    values: dict[str, object] = {
        "institution_lines": ("ÇINAR BELEDİYE BAŞKANLIĞI", "Park ve Bahçeler Müdürlüğü"),
        "number": NUMBER,
        "date": datetime.date(2025, 3, 14),
        "subject": SUBJECT,
        "addressee_lines": ("Sayın Şükrü IŞIK", "Gül Sokak No: 3 Çınar/ANKARA"),
        "references": ("03.03.2025 tarihli dilekçeniz.", "Muhtarlığın 05.03.2025 tarihli yazısı."),
        "body_html": "<p>İlgi (a) dilekçenizde belirtilen ağaç budanmıştır.</p>"
        "<p>Bilgilerinizi rica ederim.</p>",
        "signers": (LetterSigner("Mehmet ÖZTÜRK", "Park ve Bahçeler Müdürü"),),
        "attachments": ("Fotoğraflar (2 sayfa)",),
        "distribution_action": ("Şükrü IŞIK",),
        "distribution_information": ("Çınar Mahalle Muhtarlığına",),
        "footer_lines": ("Atatürk Cad. No: 1 06000 Çınar/ANKARA",),
        "kep_address": "cinarbelediyesi@hs01.kep.tr",
        "verification_code": "BSVX-7Q2K",
        "verification_url": "https://cinar.example/dogrula/BSVX-7Q2K",
    }
    values.update(overrides)
    return LetterData(**values)  # type: ignore[arg-type]


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture(scope="module")
def letter_pdf() -> bytes:
    return render_letter(make_letter())


def test_letter_text_has_the_official_parts_with_exact_turkish(letter_pdf):
    text = pdf_text(letter_pdf)
    assert "T.C." in text
    assert "ÇINAR BELEDİYE BAŞKANLIĞI" in text
    assert "Sayı" in text and NUMBER in text
    assert "14.03.2025" in text
    assert "Konu" in text and SUBJECT in text
    assert "İlgi" in text and "a)" in text and "b)" in text
    assert "Sayın Şükrü IŞIK" in text
    assert "Mehmet ÖZTÜRK" in text and "Park ve Bahçeler Müdürü" in text
    assert "Ek:" in text and "Dağıtım:" in text and "Gereği:" in text and "Bilgi:" in text
    assert "KEP Adresi: cinarbelediyesi@hs01.kep.tr" in text
    assert "Bu belge, güvenli elektronik imza ile imzalanmıştır." in text
    assert "Doğrulama kodu: BSVX-7Q2K" in text


def test_letter_is_pdf_a_3b_with_embedded_fonts(letter_pdf):
    assert letter_pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(letter_pdf))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert re.search(r"pdfaid:part[^0-9]*3", xmp)
    assert re.search(r"pdfaid:conformance[^A-Z]*B", xmp)
    assert "/OutputIntents" in reader.trailer["/Root"]
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor
            fonts.add(str(font["/BaseFont"]))
    # The bundled DejaVu Serif, declared as "Letter Serif" in letter.css, subset-embedded.
    assert any("Letter-Serif" in f for f in fonts)


def test_letter_has_a_qr_code_with_the_verification_url():
    html = letter_html(make_letter())
    assert 'src="data:image/png;base64,' in html
    no_qr = letter_html(make_letter(verification_url="", verification_code=""))
    assert "data:image/png" not in no_qr
    assert "Doğrulama kodu" not in no_qr


def _qr_modules(url: str) -> list[list[bool]]:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(url)
    qr.make(fit=True)
    return [list(row) for row in qr.get_matrix()]


def test_qr_code_is_drawn_in_the_pdf_module_for_module(letter_pdf):
    without = render_letter(make_letter(verification_url="", verification_code=""))
    assert not PdfReader(io.BytesIO(without)).pages[0].images
    # One pixel per module, unsmoothed: the embedded image is exactly the code's matrix.
    images = PdfReader(io.BytesIO(letter_pdf)).pages[0].images
    assert len(images) == 1
    image = images[0].image.convert("L")
    expected = _qr_modules(make_letter().verification_url)
    assert image.size == (len(expected), len(expected))
    dark = [[image.getpixel((x, y)) < 128 for x in range(image.width)] for y in range(image.height)]
    assert dark == expected
    xobject = PdfReader(io.BytesIO(letter_pdf)).pages[0]["/Resources"]["/XObject"]
    assert [x.get_object()["/Interpolate"].value for x in xobject.values()] == [False]


def test_deputy_signature_block_says_vekil():
    letter = make_letter(
        signers=(
            LetterSigner("Ayşe YILMAZ", "Başkan Yardımcısı", on_behalf_of_title="Belediye Başkanı"),
        )
    )
    text = pdf_text(render_letter(letter))
    assert "Ayşe YILMAZ" in text
    assert "Belediye Başkanı V." in text
    # The deputy's own title is not shown: the block names the office being held.
    assert "Başkan Yardımcısı" not in text


def test_two_signers_both_shown():
    letter = make_letter(
        signers=(
            LetterSigner("Ali VELİ", "Fen İşleri Müdürü"),
            LetterSigner("Ayşe YILMAZ", "Başkan Yardımcısı"),
        )
    )
    text = pdf_text(render_letter(letter))
    assert "Ali VELİ" in text and "Ayşe YILMAZ" in text


def test_long_letter_gets_page_numbers_single_page_does_not(letter_pdf):
    assert "Sayfa" not in pdf_text(letter_pdf)
    body = "".join(
        f"<p>Paragraf {i}: " + "Çınar belediyesi çalışmaları. " * 30 + "</p>" for i in range(12)
    )
    pdf = render_letter(make_letter(body_html=body))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    assert f"Sayfa 2 / {len(reader.pages)}" in (reader.pages[1].extract_text() or "")


def test_sanitiser_drops_scripts_handlers_images_and_styles():
    dirty = (
        '<p onclick="steal()">Metin <b>kalın</b></p>'
        "<script>alert('x')</script>"
        '<img src="http://attacker.example/pixel.png">'
        '<p style="background: url(http://attacker.example/x)">stil</p>'
        '<a href="javascript:alert(1)">bağlantı</a>'
        "<iframe src='http://attacker.example'></iframe>"
    )
    clean = sanitize_body_html(dirty)
    assert "<script" not in clean and "alert('x')" not in clean
    assert "onclick" not in clean
    assert "<img" not in clean and "attacker.example" not in clean
    assert "style=" not in clean
    assert "javascript:" not in clean
    assert "<b>kalın</b>" in clean and "Metin" in clean


def test_rendered_letter_never_contains_script_or_fetches_remote_images(monkeypatch):
    fetched: list[str] = []
    original = LetterURLFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(LetterURLFetcher, "fetch", spy)
    letter = make_letter(
        body_html='<p>Metin</p><script>document.write("KÖTÜ")</script>'
        '<img src="http://attacker.example/pixel.png">'
    )
    pdf = render_letter(letter)
    assert "KÖTÜ" not in pdf_text(pdf)
    assert not [u for u in fetched if "attacker" in u]
    assert all(u.startswith(("data:", "file:")) for u in fetched)


def test_fetcher_refuses_network_and_files_outside_the_assets(tmp_path):
    fetcher = LetterURLFetcher()
    secret = tmp_path / "secret.txt"
    secret.write_text("gizli")
    for url in ("http://example.com/a.png", "https://example.com/a.css", secret.as_uri()):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.refused[-1] == secret.as_uri()
    font = fetcher.fetch(
        (
            __import__("cinar.documents.pdf.fetcher", fromlist=["ASSETS_DIR"]).ASSETS_DIR
            / "fonts"
            / "DejaVuSerif.ttf"
        ).as_uri()
    )
    assert font.read(4) == b"\x00\x01\x00\x00"


def test_logo_outside_the_assets_directory_is_not_embedded(tmp_path):
    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>')
    pdf = render_letter(make_letter(logo_path=str(logo), verification_url="", verification_code=""))
    assert b"/Subtype /Image" not in pdf and b"/Subtype/Image" not in pdf


def test_letter_data_is_frozen():
    letter = make_letter()
    with pytest.raises(dataclasses.FrozenInstanceError):
        letter.subject = "x"  # type: ignore[misc]


def test_english_letter_uses_english_labels():
    text = pdf_text(render_letter(make_letter(language="en")))
    assert "Number" in text and "Subject" in text
    assert not re.search(r"\bSayı\b", text) and not re.search(r"\bKonu\b", text)
