from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from cinar.catalog.attributes import parse_number, service_form_validate
from cinar.catalog.forms import service_form_class

pytestmark = pytest.mark.django_db

VALID = {"kategori": "donanim", "aciklama": "Yazıcı çalışmıyor"}


def errors_of(service, data):
    with pytest.raises(ValidationError) as exc:
        service_form_validate(service=service, data=data)
    return exc.value.message_dict


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.234,5", Decimal("1234.5")),
        ("1,234.5", Decimal("1234.5")),
        ("12,5", Decimal("12.5")),
        ("12.5", Decimal("12.5")),
        ("1.234.567", Decimal("1234567")),
        ("1,234,567", Decimal("1234567")),
        ("1.234.567,89", Decimal("1234567.89")),
        (" -3 ", Decimal("-3")),
        ("42", Decimal("42")),
        (7, Decimal("7")),
        (2.5, Decimal("2.5")),
        (Decimal("0.1"), Decimal("0.1")),
        ("1 234,5", Decimal("1234.5")),
    ],
)
def test_parse_number_accepts_turkish_and_english(raw, expected):
    assert parse_number(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "abc", "1,2,3.4.5", "1.23,4.5", "12,34,5", "1e5", "NaN", "inf", True, [], "--1"]
)
def test_parse_number_refuses_junk(raw):
    with pytest.raises(ValueError):
        parse_number(raw)


def test_valid_data_is_cleaned_by_type(catalog):
    cleaned = service_form_validate(
        service=catalog.support,
        data={
            "kategori": "yazilim",
            "adet": "1.234,5",
            "tarih": "2025-03-31",
            "aciklama": "  Ekran donuyor  ",
            "zamanlar": ["hafta_sonu", "sabah"],
            "konum": "B Blok 204",
        },
    )
    assert cleaned == {
        "kategori": "yazilim",
        "adet": Decimal("1234.5"),
        "tarih": dt.date(2025, 3, 31),
        "aciklama": "Ekran donuyor",
        "zamanlar": ["sabah", "hafta_sonu"],  # definition order
        "konum": "B Blok 204",
    }


def test_optional_fields_may_be_left_out_or_blank(catalog):
    cleaned = service_form_validate(
        service=catalog.support, data={**VALID, "adet": "", "zamanlar": [], "konum": None}
    )
    assert cleaned == {"kategori": "donanim", "aciklama": "Yazıcı çalışmıyor"}


def test_required_fields_are_enforced(catalog):
    with translation.override("en"):
        errors = errors_of(catalog.support, {"aciklama": "   "})
    assert set(errors) == {"kategori", "aciklama"}
    assert errors["kategori"] == ["This field is required."]


def test_unknown_keys_are_rejected(catalog):
    errors = errors_of(catalog.support, {**VALID, "tckn": "123"})
    assert list(errors) == ["tckn"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("adet", "bir"),
        ("adet", "1,2,3.4"),
        ("tarih", "31.03.2025"),
        ("tarih", "2025-02-30"),
        ("tarih", 20250331),
        ("kategori", "ag"),
        ("kategori", ["donanim", "yazilim"]),
        ("zamanlar", ["sabah", "gece"]),
        ("zamanlar", 5),
        ("konum", "x" * 501),
        ("konum", {"a": 1}),
    ],
)
def test_bad_values_are_refused_with_the_field_named(catalog, field, value):
    errors = errors_of(catalog.support, {**VALID, field: value})
    assert list(errors) == [field]
    assert errors[field][0]


def test_single_value_list_and_comma_separated_multi(catalog):
    cleaned = service_form_validate(
        service=catalog.support, data={**VALID, "kategori": ["yazilim"], "zamanlar": "aksam,sabah"}
    )
    assert cleaned["kategori"] == "yazilim"
    assert cleaned["zamanlar"] == ["sabah", "aksam"]


def test_errors_are_translated(catalog):
    with translation.override("tr"):
        errors = errors_of(catalog.support, {})
    assert errors["kategori"] == ["Bu alan zorunludur."]


def test_non_mapping_is_refused(catalog):
    errors = errors_of(catalog.support, ["kategori"])
    assert "__all__" in errors


def test_dynamic_form_cleans_like_the_validator(catalog):
    form_class = service_form_class(service=catalog.support)
    form = form_class(
        data={
            "kategori": "donanim",
            "adet": "1.234,5",
            "tarih": "2025-03-31",
            "aciklama": "Bozuk",
            "zamanlar": ["aksam", "sabah"],
        }
    )
    assert form.is_valid(), form.errors
    assert form.attribute_data() == service_form_validate(
        service=catalog.support,
        data={
            "kategori": "donanim",
            "adet": "1.234,5",
            "tarih": "2025-03-31",
            "aciklama": "Bozuk",
            "zamanlar": ["aksam", "sabah"],
        },
    )


def test_dynamic_form_reports_errors_per_field(catalog):
    form = service_form_class(service=catalog.support)(data={"adet": "çok", "tarih": "dün"})
    assert not form.is_valid()
    assert set(form.errors) == {"kategori", "aciklama", "adet", "tarih"}


def test_dynamic_form_is_accessible(catalog):
    form = service_form_class(service=catalog.support)()
    html = str(form)
    # Every input has a label; lists are radio buttons / checkboxes; numbers get a keypad.
    for name in ("adet", "tarih", "aciklama", "konum"):
        assert f'for="id_{name}"' in html
    assert 'type="radio"' in html and 'type="checkbox"' in html
    assert 'inputmode="decimal"' in html
    assert 'type="date"' in html
    with translation.override("en"):
        assert form_label(catalog) == "Kind of fault"
    with translation.override("tr"):
        assert form_label(catalog) == "Arıza türü"


def form_label(catalog):
    return service_form_class(service=catalog.support)().fields["kategori"].label
