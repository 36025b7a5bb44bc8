from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cinar.integrations.registry import reset_backends


@pytest.fixture(autouse=True)
def sandbox_backends():
    reset_backends()
    yield
    reset_backends()


def test_detsis_search_by_name_and_number():
    out = StringIO()
    call_command("detsis_search", "sancaktepe kaymakam", stdout=out)
    assert out.getvalue().strip() == (
        "22034117  Sancaktepe Kaymakamlığı  <sancaktepekaymakamligi@hs01.kep.tr>"
    )
    out = StringIO()
    call_command("detsis_search", "22034117", stdout=out)
    assert "Sancaktepe Kaymakamlığı" in out.getvalue()


def test_detsis_search_unknown():
    with pytest.raises(CommandError, match=r"\[not_found\]"):
        call_command("detsis_search", "99999999")
    out = StringIO()
    call_command("detsis_search", "no such", stdout=out)
    assert out.getvalue().strip() == "No institution found."
