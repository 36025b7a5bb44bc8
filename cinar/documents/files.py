"""Attachment checks by content (never by name), hashing and text extraction."""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
MAX_EXTRACTED_CHARS = 200_000

PDF = "application/pdf"
TEXT = "text/plain"
OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def max_attachment_bytes() -> int:
    return int(getattr(settings, "DOCUMENTS_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_BYTES))


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content: bytes
    content_type: str
    sha256: str
    size: int
    text: str


def _zip_type(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            names = zf.namelist()
            if "mimetype" in names:
                mimetype = zf.read("mimetype").decode("ascii", "replace").strip()
                if mimetype.startswith("application/vnd.oasis.opendocument."):
                    return mimetype
            if "[Content_Types].xml" in names:
                for prefix, mime in OOXML.items():
                    if any(n.startswith(prefix) for n in names):
                        return mime
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    return None


def sniff_content_type(content: bytes) -> str | None:
    """The type of ``content`` from its bytes, or None when it is not one we accept."""
    head = content[:16]
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(content)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/msword"
    if b"\x00" not in content[:8192]:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return TEXT
    return None


def extract_text(content: bytes, content_type: str) -> str:
    """Text for search: PDF text layers (pypdf) and plain text; other types give ''."""
    if content_type == TEXT:
        return content.decode("utf-8", "replace")[:MAX_EXTRACTED_CHARS]
    if content_type == PDF:
        try:
            from pypdf import PdfReader

            reader = PdfReader(io.BytesIO(content))
            parts: list[str] = []
            size = 0
            for page in reader.pages:
                chunk = page.extract_text() or ""
                parts.append(chunk)
                size += len(chunk)
                if size > MAX_EXTRACTED_CHARS:
                    break
            return "\n".join(parts)[:MAX_EXTRACTED_CHARS]
        except Exception:  # a damaged PDF is still a valid attachment; it just isn't searchable
            logger.warning("documents: could not extract text from a PDF attachment")
            return ""
    return ""


def check_file(upload: IO[bytes] | bytes, *, name: str = "") -> CheckedFile:
    """Read, size-check, sniff, hash and extract one uploaded file.

    Raises ``ValidationError`` keyed ``attachments`` naming the file.
    """
    if isinstance(upload, bytes | bytearray):
        content = bytes(upload)
    else:
        name = name or str(getattr(upload, "name", "") or "")
        limit = max_attachment_bytes()
        size = getattr(upload, "size", None)
        content = b"" if size is not None and size > limit else upload.read(limit + 1)
    name = (name or "attachment").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:255]
    limit = max_attachment_bytes()
    if not content or len(content) > limit:
        if not content and not (getattr(upload, "size", 0) or 0) > limit:
            raise ValidationError(
                {"attachments": _("%(name)s: the file is empty.") % {"name": name}}
            )
        raise ValidationError(
            {
                "attachments": _("%(name)s: files may be at most %(mb)d MB.")
                % {"name": name, "mb": limit // (1024 * 1024)}
            }
        )
    content_type = sniff_content_type(content)
    if content_type is None:
        raise ValidationError(
            {
                "attachments": _(
                    "%(name)s: this kind of file is not accepted (PDF, images, office "
                    "documents or plain text)."
                )
                % {"name": name}
            }
        )
    return CheckedFile(
        name=name,
        content=content,
        content_type=content_type,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        text=extract_text(content, content_type),
    )
