"""Official letters (resmî yazı) rendered to PDF/A-3b with WeasyPrint.

The layout follows the Resmî Yazışmalarda Uygulanacak Usul ve Esaslar Hakkında
Yönetmelik: "T.C." and the institution / unit hierarchy centred at the top with the
logo, "Sayı" and the date on one line, "Konu", the addressee block, "İlgi" (a), b) …),
the text, the signature block(s), "Ek", "Dağıtım", and a footer on every page with the
address, the KEP address, the e-signature verification text and a QR code.

The section labels are part of the document, fixed by the regulation, so they follow
the letter's language (``LetterData.language``), not the language of whoever renders it.
"""

from __future__ import annotations

import base64
import datetime
import io
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

import qrcode
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from weasyprint import CSS, HTML
from weasyprint.formatting_structure.boxes import MarginBox
from weasyprint.text.fonts import FontConfiguration

from cinar.documents.pdf.fetcher import ASSETS_DIR, LetterURLFetcher
from cinar.documents.pdf.sanitize import sanitize_body_html

PDF_VARIANT = "pdf/a-3b"
PAGE_NUMBER_BOX = "@top-right"  # letter.css puts "Sayfa n / N" there

# WeasyPrint logs seven INFO "progress" lines per document; a worker rendering letters
# all day would log little else.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# Labels fixed by the regulation (Turkish) and their English form for letters written in
# English (to foreign addressees). Keys are stable identifiers used by the template.
LABELS: dict[str, dict[str, str]] = {
    "tr": {
        "state": "T.C.",
        "number": "Sayı",
        "subject": "Konu",
        "references": "İlgi",
        "attachments": "Ek",
        "distribution": "Dağıtım",
        "action": "Gereği",
        "information": "Bilgi",
        "deputy_suffix": "V.",
        "page": "Sayfa",
        "verification": (
            "Bu belge, güvenli elektronik imza ile imzalanmıştır. "
            "Doğrulama kodu: {code}, adres: {url}"
        ),
        "kep": "KEP Adresi",
    },
    "en": {
        "state": "REPUBLIC OF TÜRKİYE",
        "number": "Number",
        "subject": "Subject",
        "references": "Reference",
        "attachments": "Attachment",
        "distribution": "Distribution",
        "action": "For action",
        "information": "For information",
        "deputy_suffix": "(Acting)",
        "page": "Page",
        "verification": (
            "This document is signed with a secure electronic signature. "
            "Verification code: {code}, address: {url}"
        ),
        "kep": "Registered e-mail (KEP)",
    },
}


@dataclass(frozen=True)
class LetterSigner:
    """One signature block.

    ``on_behalf_of_title`` is set when a deputy signs under vekalet: the block then shows
    the deputy's name over the title of the position they stand in for, followed by
    "V." (Vekili), e.g. "Ayşe YILMAZ / Belediye Başkanı V." — the deputy's own title is
    not shown (docs/decisions/0014-pdf-a-and-pades.md).
    """

    name: str
    title: str
    on_behalf_of_title: str | None = None

    def title_line(self, language: str = "tr") -> str:
        if self.on_behalf_of_title:
            suffix = LABELS.get(language, LABELS["tr"])["deputy_suffix"]
            return f"{self.on_behalf_of_title} {suffix}"
        return self.title


@dataclass(frozen=True)
class LetterData:
    """Everything a letter shows; plain data, so callers need no model to render one."""

    institution_lines: tuple[str, ...]
    number: str
    date: datetime.date
    subject: str
    addressee_lines: tuple[str, ...]
    body_html: str
    signers: tuple[LetterSigner, ...] = ()
    references: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    distribution_action: tuple[str, ...] = ()
    distribution_information: tuple[str, ...] = ()
    footer_lines: tuple[str, ...] = ()
    kep_address: str = ""
    verification_code: str = ""
    verification_url: str = ""
    logo_path: str | None = None
    confidentiality: str = ""
    language: str = "tr"
    title: str = ""
    extra_metadata: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


def qr_png_data_uri(text: str) -> str:
    """A QR code for ``text`` as a PNG data: URI, one pixel per module.

    The letter scales it up with ``image-rendering: pixelated`` (no interpolation), so it
    stays sharp at any zoom. A PNG is one small image XObject shared by every page's
    footer; the SVG form it replaced was drawn path by path on every page and took
    about half of a 10-page letter's drawing time.
    """
    image = qrcode.make(
        text, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=0
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _logo_uri(logo_path: str | None) -> str:
    if not logo_path:
        return ""
    path = Path(logo_path)
    if not path.is_absolute():
        path = ASSETS_DIR / path
    # The fetcher refuses anything outside the assets directory, whatever is passed here.
    return path.resolve().as_uri()


def _context(letter: LetterData, *, page_numbers: bool) -> dict[str, object]:
    labels = LABELS.get(letter.language, LABELS["tr"])
    verification = ""
    if letter.verification_code:
        verification = labels["verification"].format(
            code=letter.verification_code, url=letter.verification_url
        )
    return {
        "letter": letter,
        "labels": labels,
        "date": letter.date.strftime("%d.%m.%Y"),
        "body": mark_safe(sanitize_body_html(letter.body_html)),  # noqa: S308 - sanitised
        "signers": [
            {"name": s.name, "title": s.title_line(letter.language)} for s in letter.signers
        ],
        "references": [
            (chr(ord("a") + i) if i < 26 else str(i + 1), text)
            for i, text in enumerate(letter.references)
        ],
        "verification": verification,
        "qr": qr_png_data_uri(letter.verification_url) if letter.verification_url else "",
        "logo": _logo_uri(letter.logo_path),
        "page_numbers": page_numbers,
        "fonts_url": (ASSETS_DIR / "fonts").as_uri(),
    }


def letter_html(letter: LetterData, *, page_numbers: bool = False) -> str:
    """The letter as the HTML that is rendered (useful for a preview in the browser)."""
    return render_to_string(
        "documents/letter/letter.html", _context(letter, page_numbers=page_numbers)
    )


_styles = threading.local()


def _stylesheet(css_text: str, fetcher: LetterURLFetcher) -> tuple[CSS, FontConfiguration]:
    """The parsed letter stylesheet and its fonts, kept per thread and reused.

    The stylesheet depends only on the letter's language (its page label), so each
    thread keeps the last one: parsing it and loading the four @font-face files is then
    done once, not for every letter. WeasyPrint's font configuration is not shared
    between threads.
    """
    cached = getattr(_styles, "entry", None)
    if cached is not None and cached[0] == css_text:
        return cached[1], cached[2]
    font_config = FontConfiguration()
    css = CSS(string=css_text, url_fetcher=fetcher, font_config=font_config)
    _styles.entry = (css_text, css, font_config)
    return css, font_config


def render_letter(letter: LetterData) -> bytes:
    """The letter as PDF/A-3b bytes with its fonts embedded.

    Page numbers ("Sayfa 2 / 3") are shown only when the letter runs over more than one
    page: the layout always reserves them, and a one-page letter's number box is dropped
    before drawing (laying the letter out twice would cost twice the time).
    """
    fetcher = LetterURLFetcher()
    context = _context(letter, page_numbers=True)
    css, font_config = _stylesheet(
        render_to_string("documents/letter/letter.css", context), fetcher
    )
    html = HTML(
        string=render_to_string("documents/letter/letter.html", context),
        base_url=ASSETS_DIR.as_uri() + "/",
        url_fetcher=fetcher,
    )
    document = html.render(stylesheets=[css], font_config=font_config)
    if len(document.pages) == 1:
        page_box = document.pages[0]._page_box
        page_box.children = [
            child
            for child in page_box.children
            if not (isinstance(child, MarginBox) and child.at_keyword == PAGE_NUMBER_BOX)
        ]
    assert document is not None
    metadata = document.metadata
    metadata.title = letter.title or letter.subject
    metadata.authors = [s.name for s in letter.signers]
    metadata.created = metadata.modified = letter.date.isoformat()
    metadata.lang = letter.language
    pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
    assert isinstance(pdf, bytes)
    return pdf
