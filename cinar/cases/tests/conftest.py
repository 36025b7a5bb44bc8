from __future__ import annotations

import importlib
import io
import itertools

import pytest
from django.utils import timezone

from cinar.identity.models import User

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
_keys = itertools.count(1)


def upload(name: str = "dilekce.pdf", content: bytes = PDF):
    f = io.BytesIO(content)
    f.name = name
    return f


BEYAZ_MASA_FORM = {"basvuru_turu": "sikayet", "konu": "aydinlatma", "aciklama": "Lamba yanmıyor"}


def new_key() -> str:
    return f"test-key-{next(_keys)}"


@pytest.fixture
def demo(db):
    # Imported by name: tests sit in the cases layer, the demo above it.
    importlib.import_module("cinar.demo.actions").demo_load(now=timezone.now())


@pytest.fixture
def citizen_a(demo):
    return User.objects.filter(kind="citizen").order_by("pk")[0]


@pytest.fixture
def admin(demo):
    return User.objects.get(username="admin")
