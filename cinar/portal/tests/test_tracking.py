"""Anonymous tracking: code + last 4 digits; the same answer for a wrong code and a
wrong second factor; guesses limited per client address; no personal data shown."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from cinar.cases.codes import check_character
from cinar.portal.tests.conftest import submit

pytestmark = pytest.mark.django_db

TRACK = reverse("portal:track")


def test_track_page_is_public(client, people):
    response = client.get(TRACK)
    assert response.status_code == 200
    assert 'name="second_factor"' in response.content.decode()


@pytest.mark.parametrize("digits", ["tckn", "phone"])
def test_code_and_last_digits_show_the_status_without_personal_data(client, people, digits):
    case = submit(people.a, description="Kapı 5'in önünde, Ali Veli'nin evi")
    case.messages.create(text="Gizli mesaj içeriği", from_staff=True)
    last4 = (people.a.tckn if digits == "tckn" else people.a.phone)[-4:]
    response = client.post(TRACK, {"code": case.tracking_code_display, "second_factor": last4})
    assert response.status_code == 200
    content = response.content.decode()
    assert case.tracking_code_display in content
    assert "Application received" in content
    assert case.service.display_name in content
    for private in (
        people.a.first_name,
        people.a.last_name,
        people.a.tckn,
        "Ali Veli",
        "Gizli mesaj",
    ):
        # As a whole word: a generated surname such as "Türk" is also part of "Türkçe"
        # in the language switcher.
        assert not re.search(rf"(?<!\w){re.escape(private)}(?!\w)", content), private
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    )


def _valid_other_code(code: str) -> str:
    body = ("Z" if code[0] != "Z" else "Y") + code[1:10]
    return body + check_character(body)


def test_wrong_code_and_wrong_digits_get_the_same_answer(client, people):
    case = submit(people.a)
    right = people.a.tckn[-4:]
    wrong_digits = "0000" if right != "0000" else "1111"
    r1 = client.post(TRACK, {"code": case.tracking_code, "second_factor": wrong_digits})
    r2 = client.post(TRACK, {"code": _valid_other_code(case.tracking_code), "second_factor": right})
    assert r1.status_code == r2.status_code == 200

    def shape(response):
        content = response.content.decode()
        return content.replace(response.wsgi_request.POST["code"], "CODE").replace(
            response.wsgi_request.POST["second_factor"], "DDDD"
        )

    import re

    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"')
    assert strip.sub("", shape(r1)) == strip.sub("", shape(r2))
    assert "No application matches" in r1.content.decode()


def test_another_citizen_cannot_use_their_own_digits(client, people):
    case = submit(people.a)
    response = client.post(TRACK, {"code": case.tracking_code, "second_factor": people.b.tckn[-4:]})
    assert people.b.tckn[-4:] not in (people.a.tckn[-4:], people.a.phone[-4:])
    assert "No application matches" in response.content.decode()
    assert case.service.display_name not in response.content.decode()


@override_settings(CINAR_PORTAL_TRACK_ATTEMPTS=3)
def test_guesses_are_throttled_per_address(client, people):
    case = submit(people.a)
    for _ in range(3):
        r = client.post(TRACK, {"code": case.tracking_code, "second_factor": "9999"})
        assert r.status_code == 200
    # Even the right answer is refused now, with a clear message.
    response = client.post(TRACK, {"code": case.tracking_code, "second_factor": people.a.tckn[-4:]})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert case.tracking_code_display not in response.content.decode()
    # Another address is not affected.
    response = client.post(
        TRACK,
        {"code": case.tracking_code, "second_factor": people.a.tckn[-4:]},
        REMOTE_ADDR="10.0.0.9",
    )
    assert response.status_code == 200
    assert case.tracking_code_display in response.content.decode()


def test_malformed_input_is_explained(client, people):
    response = client.post(TRACK, {"code": "", "second_factor": "12a4"})
    content = response.content.decode()
    assert 'id="id_code_errors"' in content
    assert 'id="id_second_factor_errors"' in content
