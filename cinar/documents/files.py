"""Attachment checks by content (never by name), hashing and text extraction; the sweep
that removes stored files no committed row references (ADR 0033)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

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


# --- orphaned files (ADR 0033) --------------------------------------------------------------

DEFAULT_ORPHAN_WINDOW = dt.timedelta(hours=24)
_SWEEP_BATCH = 500


def orphan_window() -> dt.timedelta:
    """How old an unreferenced file must be before the sweep removes it.

    Far longer than any transaction that writes a file and then inserts its row, so a file
    whose row is not committed *yet* is never taken for an orphan.
    """
    hours = getattr(settings, "CINAR_DOCUMENTS_ORPHAN_WINDOW_HOURS", None)
    return dt.timedelta(hours=float(hours)) if hours is not None else DEFAULT_ORPHAN_WINDOW


@dataclass(frozen=True)
class OrphanSweep:
    checked: int  # files found under the documents' upload prefixes
    removed: tuple[str, ...]  # storage names deleted (or that would be, on a dry run)
    young: int  # unreferenced but inside the window: kept for now


def upload_prefixes() -> dict[str, list[tuple[Any, str]]]:
    """Each documents upload prefix (``documents/attachments/``) with the (model, field)
    pairs that store files under it, read from the models so a new FileField is covered."""
    from django.apps import apps
    from django.db.models import FileField

    prefixes: dict[str, list[tuple[Any, str]]] = {}
    for model in apps.get_app_config("documents").get_models():
        for field in model._meta.get_fields():
            if not isinstance(field, FileField) or not isinstance(field.upload_to, str):
                continue
            prefix = field.upload_to.split("%", 1)[0]
            if not prefix.endswith("/") or prefix.count("/") < 2:
                # Too broad to sweep safely (a bare "documents/" or a name template).
                continue
            prefixes.setdefault(prefix, []).append((model, field.name))
    return prefixes


def _walk(storage: Any, directory: str) -> Iterator[str]:
    try:
        directories, names = storage.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in sorted(names):
        yield f"{directory}{name}"
    for sub in sorted(directories):
        yield from _walk(storage, f"{directory}{sub}/")


def _referenced(fields: list[tuple[Any, str]], names: list[str]) -> set[str]:
    found: set[str] = set()
    for model, field in fields:
        found.update(
            model._base_manager.filter(**{f"{field}__in": names}).values_list(field, flat=True)
        )
    return found


def remove_orphaned_files(
    *, now: dt.datetime | None = None, window: dt.timedelta | None = None, dry_run: bool = False
) -> OrphanSweep:
    """Delete stored files under the documents' upload prefixes that no row references
    and that are older than ``window``.

    A file is written before its row; if a caller's outer transaction rolls back after
    that (``case_submit`` wraps document registration), the row goes and the file stays.
    Django has no rollback hook, so this sweep heals it: a committed document's file is
    always referenced and never removed; an unreferenced file is removed only once it is
    older than the window, so a transaction still in flight keeps its file.
    """
    from django.core.files.storage import default_storage
    from django.utils import timezone

    now = now or timezone.now()
    cutoff = now - (window if window is not None else orphan_window())
    checked = young = 0
    removed: list[str] = []

    def sweep(fields: list[tuple[Any, str]], batch: list[str]) -> None:
        nonlocal young
        if not batch:
            return
        referenced = _referenced(fields, batch)
        for name in batch:
            if name in referenced:
                continue
            try:
                modified = default_storage.get_modified_time(name)
            except (FileNotFoundError, NotImplementedError):
                continue
            if modified >= cutoff:
                young += 1
                continue
            if not dry_run:
                default_storage.delete(name)
            logger.info("documents: removed orphaned file %s (modified %s)", name, modified)
            removed.append(name)

    for prefix, fields in upload_prefixes().items():
        batch: list[str] = []
        for name in _walk(default_storage, prefix):
            checked += 1
            batch.append(name)
            if len(batch) >= _SWEEP_BATCH:
                sweep(fields, batch)
                batch = []
        sweep(fields, batch)
    return OrphanSweep(checked=checked, removed=tuple(removed), young=young)
