"""core.forms: how an action's refusal reaches the person who pressed the button."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from cinar.core.forms import errors_onto_form, flash_action, flash_errors, form_submit


class NameForm(forms.Form):
    name = forms.CharField(max_length=20)
    password1 = forms.CharField(required=False)


def _request(method: str = "post", data: dict[str, str] | None = None) -> HttpRequest:
    request = getattr(RequestFactory(), method)("/x/", data or {})
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def _texts(request: HttpRequest) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(request)]


def test_field_errors_land_on_their_fields_and_the_rest_on_the_form() -> None:
    form = NameForm({"name": "Ayşe"})
    assert form.is_valid()
    errors_onto_form(
        form,
        ValidationError({"name": "Bu ad alınmış.", "stages": "Zincir boş.", "password": "Kısa."}),
        aliases={"password": "password1"},
    )
    assert form.errors["name"] == ["Bu ad alınmış."]
    assert form.errors["password1"] == ["Kısa."]
    assert form.non_field_errors() == ["Zincir boş."]


def test_an_error_without_fields_goes_on_top_of_the_form() -> None:
    form = NameForm({"name": "Ayşe"})
    assert form.is_valid()
    errors_onto_form(form, ValidationError(["Yetkiniz yok.", "Birim kapalı."]))
    assert form.non_field_errors() == ["Yetkiniz yok.", "Birim kapalı."]


def test_form_submit_shows_the_page_on_get_and_on_an_invalid_form() -> None:
    ran: list[Any] = []
    get = _request("get")
    assert form_submit(get, NameForm(), ran.append, done="ok", then=HttpResponse) is None
    invalid = _request(data={"name": "x" * 30})
    form = NameForm(invalid.POST)
    assert form_submit(invalid, form, ran.append, done="ok", then=HttpResponse) is None
    assert ran == [] and "name" in form.errors and _texts(invalid) == []


def test_form_submit_puts_a_refusal_on_the_form_and_flashes_nothing() -> None:
    request = _request(data={"name": "Ayşe"})
    form = NameForm(request.POST)

    def refuse(data: dict[str, Any]) -> None:
        raise ValidationError({"name": f"{data['name']} zaten var."})

    assert form_submit(request, form, refuse, done="ok", then=HttpResponse) is None
    assert form.errors["name"] == ["Ayşe zaten var."]
    assert _texts(request) == []


def test_form_submit_runs_flashes_and_answers_with_the_result() -> None:
    request = _request(data={"name": "Ayşe"})
    response = form_submit(
        request,
        NameForm(request.POST),
        lambda data: data["name"].upper(),
        done=lambda result: f"{result} kaydedildi.",
        then=lambda result: HttpResponse(result),
    )
    assert response is not None and response.content.decode() == "AYŞE"
    assert _texts(request) == [("success", "AYŞE kaydedildi.")]


@pytest.mark.parametrize("refused", [False, True])
def test_flash_action_reports_success_or_each_refusal(refused: bool) -> None:
    request = _request()

    def run() -> None:
        if refused:
            raise ValidationError({"end": "Bitiş başlangıçtan önce.", "user": "Pasif kullanıcı."})

    assert flash_action(request, run, done="Bitti.") is (not refused)
    expected = (
        [("error", "Bitiş başlangıçtan önce."), ("error", "Pasif kullanıcı.")]
        if refused
        else [("success", "Bitti.")]
    )
    assert _texts(request) == expected


def test_flash_errors_lists_every_message() -> None:
    request = _request()
    flash_errors(request, ValidationError(["Bir.", "İki."]))
    assert _texts(request) == [("error", "Bir."), ("error", "İki.")]
