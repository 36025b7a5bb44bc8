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


def test_uavt_search_by_text_and_code():
    out = StringIO()
    call_command("uavt_search", "sarigazi ozgur 1/2", stdout=out)
    assert out.getvalue().startswith("1715822778  Sarıgazi Mah. Özgür Sk. No: 1 İç Kapı No: 2")
    out = StringIO()
    call_command("uavt_search", "1715822778", stdout=out)
    assert "Sarıgazi Mah." in out.getvalue()
    out = StringIO()
    call_command("uavt_search", "yunus", limit=2, stdout=out)
    assert len(out.getvalue().splitlines()) == 2


def test_uavt_search_unknown():
    with pytest.raises(CommandError, match=r"\[not_found\]"):
        call_command("uavt_search", "9999999999")
    out = StringIO()
    call_command("uavt_search", "zzzz", stdout=out)
    assert out.getvalue().strip() == "No address found."
