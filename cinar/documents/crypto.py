"""Encryption of personal identifiers kept on correspondents (a sender's TCKN).

The key comes from ``settings.DOCUMENTS_FIELD_KEY`` (any string) or, when unset,
``SECRET_KEY``; rotating it makes stored values unreadable, so production sets the
dedicated setting. Lookups use an HMAC digest, never the clear value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _secret() -> bytes:
    raw = getattr(settings, "DOCUMENTS_FIELD_KEY", "") or settings.SECRET_KEY
    return str(raw).encode()


def _fernet() -> Fernet:
    key = hashlib.sha256(b"cinar.documents.field:" + _secret()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def digest(value: str) -> str:
    return hmac.new(b"cinar.documents.digest:" + _secret(), value.encode(), "sha256").hexdigest()
