"""Attachment checks: count and size limits, type by content (never by name), and a
virus-scan hook (``CINAR_CASES_VIRUS_SCANNER``: a dotted path called per file)."""

from __future__ import annotations

import hashlib
import socket
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

# Magic numbers of the types accepted by default.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
_EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


class VirusFound(Exception):
    """Raised by a scanner for an infected file; the message names the signature."""


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    content: bytes
    content_type: str
    sha256: str
    size: int


def max_files() -> int:
    return int(getattr(settings, "CINAR_CASES_MAX_FILES", 5))


def max_file_bytes() -> int:
    return int(getattr(settings, "CINAR_CASES_MAX_FILE_BYTES", 10 * 1024 * 1024))


def allowed_types() -> tuple[str, ...]:
    return tuple(
        getattr(
            settings,
            "CINAR_CASES_ALLOWED_TYPES",
            ("application/pdf", "image/jpeg", "image/png"),
        )
    )


def sniff(content: bytes) -> str:
    """The content type from the first bytes, or "" when unknown."""
    for magic, content_type in _SIGNATURES:
        if content.startswith(magic):
            return content_type
    return ""


def _read(upload: Any) -> tuple[str, bytes]:
    if isinstance(upload, tuple):
        name, content = upload
        return str(name), bytes(content)
    name = getattr(upload, "name", "") or "file"
    if hasattr(upload, "seek"):
        upload.seek(0)
    return str(name).rsplit("/", 1)[-1], bytes(upload.read())


def _safe_name(name: str, content_type: str) -> str:
    stem = "".join(c for c in name.rsplit(".", 1)[0] if c.isalnum() or c in "-_ ").strip()
    return (stem[:80] or "file") + _EXTENSIONS.get(content_type, "")


def scan(name: str, content: bytes) -> None:
    """Call the configured scanner; ``VirusFound`` becomes a ValidationError."""
    dotted = getattr(settings, "CINAR_CASES_VIRUS_SCANNER", "cinar.cases.files.clamav_scan")
    scanner = import_string(dotted)
    try:
        scanner(name=name, content=content)
    except VirusFound as exc:
        raise ValidationError(
            {
                "attachments": _("The file %(name)s was refused by the virus scanner (%(sig)s).")
                % {"name": name, "sig": str(exc)}
            },
            code="virus",
        ) from None


def uploads_check(uploads: Sequence[Any], *, field: str = "attachments") -> list[CheckedUpload]:
    """Read, size, sniff and scan every upload; one clear error naming the file."""
    if len(uploads) > max_files():
        raise ValidationError(
            {field: _("Attach at most %(n)d files.") % {"n": max_files()}}, code="too_many"
        )
    checked: list[CheckedUpload] = []
    limit = max_file_bytes()
    for upload in uploads:
        name, content = _read(upload)
        if not content:
            raise ValidationError({field: _("The file %(name)s is empty.") % {"name": name}})
        if len(content) > limit:
            raise ValidationError(
                {
                    field: _("The file %(name)s is larger than %(mb)s MB.")
                    % {"name": name, "mb": round(limit / 1024 / 1024, 1)}
                },
                code="too_large",
            )
        content_type = sniff(content)
        if not content_type or content_type not in allowed_types():
            raise ValidationError(
                {
                    field: _(
                        "The file %(name)s is not a PDF, JPEG or PNG file (checked by its "
                        "content, not its name)."
                    )
                    % {"name": name}
                },
                code="bad_type",
            )
        scan(name, content)
        checked.append(
            CheckedUpload(
                name=_safe_name(name, content_type),
                content=content,
                content_type=content_type,
                sha256=hashlib.sha256(content).hexdigest(),
                size=len(content),
            )
        )
    return checked


# --- ClamAV --------------------------------------------------------------------------------


def clamav_scan(*, name: str, content: bytes) -> None:
    """Scan with clamd's INSTREAM command when ``CINAR_CASES_CLAMAV`` is set
    (``"unix:/run/clamav/clamd.ctl"`` or ``"tcp:127.0.0.1:3310"``); a no-op otherwise.

    An unreachable clamd refuses the upload (fail closed) once it is configured."""
    target = getattr(settings, "CINAR_CASES_CLAMAV", "")
    if not target:
        return
    try:
        reply = _clamd_instream(target, content)
    except OSError:
        raise ValidationError(
            {"attachments": _("The virus scanner is not reachable; try again later.")},
            code="scanner_down",
        ) from None
    if reply.endswith("FOUND"):
        signature = reply.split(":", 1)[-1].removesuffix("FOUND").strip()
        raise VirusFound(signature or "virus")
    if not reply.endswith("OK"):
        raise ValidationError(
            {"attachments": _("The virus scanner could not check %(name)s.") % {"name": name}},
            code="scanner_error",
        )


def _clamd_instream(target: str, content: bytes, chunk: int = 64 * 1024) -> str:
    kind, _sep, where = target.partition(":")
    sock: socket.socket
    if kind == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        address: Any = where
    else:
        host, _sep, port = where.rpartition(":")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        address = (host, int(port))
    sock.settimeout(float(getattr(settings, "CINAR_CASES_CLAMAV_TIMEOUT", 30)))
    with sock:
        sock.connect(address)
        sock.sendall(b"zINSTREAM\0")
        for i in range(0, len(content), chunk):
            part = content[i : i + chunk]
            sock.sendall(struct.pack("!L", len(part)) + part)
        sock.sendall(struct.pack("!L", 0))
        data = b""
        while not data.endswith(b"\0"):
            received = sock.recv(4096)
            if not received:
                break
            data += received
    return data.rstrip(b"\0").decode("utf-8", "replace").strip()
