"""Suite-wide fixtures. App fixtures (personas built on the organization) live in each
app's tests/conftest.py."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media_and_mail(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
