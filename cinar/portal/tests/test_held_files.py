"""Files chosen on the apply form survive the no-JavaScript address picker's post-back
(and a form that comes back with an error): held for the session, listed with a
"Remove" button, attached to the case on submission; no other session can claim them,
and abandoned ones expire (cinar/portal/holding.py)."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from cinar.cases.models import Case
from cinar.portal import holding
from cinar.portal.tests.conftest import complaint_form, upload

pytestmark = pytest.mark.django_db

APPLY = reverse("portal:apply", args=["BLD-001"])
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _tokens(html: str) -> list[str]:
    return re.findall(r'name="case-held" value="([^"]+)"', html)


def _refresh_with_file(client, hood, *files):
    """The no-JS picker's "show the streets" post-back, with files chosen."""
    data = complaint_form(**{"uavt-refresh": "1", "case-uavt_neighbourhood": hood.code})
    data["case-attachments"] = list(files)
    response = client.post(APPLY, data)
    assert response.status_code == 200
    return response.content.decode()


def test_files_survive_the_picker_post_back_and_end_up_on_the_case(client, people, place):
    hood, street, building = place
    client.force_login(people.a)
    page = _refresh_with_file(client, hood, upload("dilekce.pdf"))
    assert "Attached: dilekce.pdf" in page
    assert street.full_name in page  # the picker moved on as before
    assert Case.objects.count() == 0
    tokens = _tokens(page)
    assert len(tokens) == 1
    # The second level's post-back (no new file) keeps it listed.
    data = complaint_form(
        **{
            "uavt-refresh": "1",
            "case-uavt_neighbourhood": hood.code,
            "case-uavt_street": street.code,
            "case-held": tokens,
        }
    )
    page = client.post(APPLY, data).content.decode()
    assert "Attached: dilekce.pdf" in page and _tokens(page) == tokens
    # Submit: the held file plus one chosen now.
    data = complaint_form(
        **{
            "case-uavt_neighbourhood": hood.code,
            "case-uavt_street": street.code,
            "case-uavt_building": building.code,
            "case-held": tokens,
            "case-attachments": [upload("foto.png", PNG)],
        }
    )
    response = client.post(APPLY, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert case.uavt_code == building.code
    names = sorted(a.name for a in case.attachments.all())
    assert names == ["dilekce.pdf", "foto.png"]
    # Claimed once: the holding is gone.
    assert holding.held(_request_of(client), tokens) == ([], 1)


def _request_of(client):
    """A request carrying the client's session and user, for asking the holding."""
    from django.contrib.auth import get_user
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.session = client.session
    request.user = get_user(request)
    return request


def test_remove_forgets_a_held_file(client, people, place):
    hood, _street, _building = place
    client.force_login(people.a)
    page = _refresh_with_file(client, hood, upload("bir.pdf"), upload("iki.pdf"))
    tokens = _tokens(page)
    assert len(tokens) == 2
    data = complaint_form(
        **{
            "case-uavt_neighbourhood": hood.code,
            "case-held": tokens,
            "case-held-remove": tokens[0],
        }
    )
    page = client.post(APPLY, data).content.decode()
    assert "bir.pdf" not in page and "Attached: iki.pdf" in page
    assert _tokens(page) == [tokens[1]]
    assert holding.held(_request_of(client), [tokens[0]]) == ([], 1)


def test_a_held_file_is_checked_by_content_now(client, people, place):
    hood, _street, _building = place
    client.force_login(people.a)
    page = _refresh_with_file(client, hood, upload("virus.pdf", b"MZ\x90\x00not a pdf"))
    assert "is not a PDF, JPEG or PNG file" in page
    assert _tokens(page) == []


def test_another_session_or_user_cannot_claim_held_files(client, people, place):
    hood, street, building = place
    client.force_login(people.a)
    tokens = _tokens(_refresh_with_file(client, hood, upload("gizli.pdf")))
    final = complaint_form(
        **{
            "case-uavt_neighbourhood": hood.code,
            "case-uavt_street": street.code,
            "case-uavt_building": building.code,
            "case-held": tokens,
        }
    )
    # The same citizen in another browser (another session), and citizen B.
    for user in (people.a, people.b):
        other = Client()
        other.force_login(user)
        response = other.post(APPLY, final)
        assert response.status_code == 200
        page = response.content.decode()
        assert "has expired" in page and "gizli.pdf" not in page
    assert Case.objects.count() == 0
    # The owner's session still has it, and submits with it.
    response = client.post(APPLY, final)
    assert response.status_code == 302
    assert [a.name for a in Case.objects.get().attachments.all()] == ["gizli.pdf"]


def test_abandoned_held_files_expire(client, people, place, settings, monkeypatch):
    hood, _street, _building = place
    settings.CINAR_PORTAL_HOLD_SECONDS = 60
    client.force_login(people.a)
    tokens = _tokens(_refresh_with_file(client, hood, upload("eski.pdf")))
    request = _request_of(client)
    assert [f.name for f in holding.held(request, tokens)[0]] == ["eski.pdf"]
    later = time.time() + 61
    monkeypatch.setattr("django.core.cache.backends.locmem.time.time", lambda: later)
    assert holding.held(request, tokens) == ([], 1)
    page = client.post(
        APPLY, complaint_form(**{"uavt-refresh": "1", "case-held": tokens})
    ).content.decode()
    assert "has expired" in page and "eski.pdf" not in page


def test_a_form_with_an_error_keeps_the_files_chosen(client, people):
    client.force_login(people.a)
    data = complaint_form(**{"case-attachments": [upload("dilekce.pdf")]})
    del data["konu"]  # a required field of the service's form
    response = client.post(APPLY, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Attached: dilekce.pdf" in page and Case.objects.count() == 0
    data = complaint_form(**{"case-held": _tokens(page)})
    assert client.post(APPLY, data).status_code == 302
    assert [a.name for a in Case.objects.get().attachments.all()] == ["dilekce.pdf"]
