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


@pytest.mark.parametrize("number", ["0987654321700015", "0987 6543 2170 0015", "9876543217"])
def test_mersis_lookup_by_mersis_or_vkn(number):
    out = StringIO()
    call_command("mersis_lookup", number, stdout=out)
    text = out.getvalue()
    assert "Işıltı Bilişim Ltd. Şti." in text
    assert "Oya Sarı" in text
    assert "0987654321700015" in text


@pytest.mark.parametrize(
    ("number", "code"),
    [("123", "invalid_mersis"), ("9876543210", "invalid_vkn"), ("0987654321700016", "not_found")],
)
def test_mersis_lookup_errors(number, code):
    with pytest.raises(CommandError, match=rf"\[{code}\]"):
        call_command("mersis_lookup", number)
