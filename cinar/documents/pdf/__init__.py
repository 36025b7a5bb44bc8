"""Official letters as PDF/A (see README.md).

Public API: ``LetterData``, ``LetterSigner``, ``render_letter(letter) -> bytes``,
``letter_html(letter) -> str`` (preview), ``sanitize_body_html(html) -> str``.
"""

from cinar.documents.pdf.letter import LetterData, LetterSigner, letter_html, render_letter
from cinar.documents.pdf.sanitize import sanitize_body_html

__all__ = ["LetterData", "LetterSigner", "letter_html", "render_letter", "sanitize_body_html"]
