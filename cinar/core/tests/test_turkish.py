from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cinar.core.turkish import (
    TURKISH_ALPHABET,
    tr_casefold,
    tr_lower,
    tr_normalize_spaces,
    tr_search_fold,
    tr_sort_key,
    tr_sorted,
    tr_title,
    tr_upper,
)

TURKISH_LETTERS = "abcçdefgğhıijklmnoöprsştuüvyzABCÇDEFGĞHIİJKLMNOÖPRSŞTUÜVYZ"
turkish_text = st.text(alphabet=TURKISH_LETTERS + " -'0123456789", max_size=30)
any_text = st.text(max_size=30)


@pytest.mark.parametrize(
    ("text", "lower"),
    [
        ("DİYARBAKIR", "diyarbakır"),
        ("IĞDIR", "ığdır"),
        ("İSTANBUL", "istanbul"),
        ("ÇANAKKALE ŞİŞLİ ÖZGÜR ÜMİT", "çanakkale şişli özgür ümit"),
        ("I\u0307STANBUL", "istanbul"),  # decomposed İ
    ],
)
def test_tr_lower(text, lower):
    assert tr_lower(text) == lower


@pytest.mark.parametrize(
    ("text", "upper"),
    [("istanbul", "İSTANBUL"), ("ığdır", "IĞDIR"), ("diyarbakır", "DİYARBAKIR"), ("iı", "İI")],
)
def test_tr_upper(text, upper):
    assert tr_upper(text) == upper


def test_python_default_mapping_is_wrong_for_turkish_and_ours_is_not():
    assert "İSTANBUL".lower() != "istanbul"
    assert tr_lower("İSTANBUL") == "istanbul"
    assert "ığdır".upper() == "IĞDIR"  # dotless ı upper-cases correctly even in Python
    assert "istanbul".upper() == "ISTANBUL"  # ... but dotted i does not
    assert tr_upper("istanbul") == "İSTANBUL"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("İSTANBUL", "istanbul"),
        ("IĞDIR", "ığdır"),
        ("DİYARBAKIR", "diyarbakır"),
        ("Şişli", "ŞİŞLİ"),
        ("I\u0307zmir", "izmir"),
    ],
)
def test_tr_casefold_equal(a, b):
    assert tr_casefold(a) == tr_casefold(b)


@pytest.mark.parametrize(("a", "b"), [("ılık", "ilik"), ("IŞIK", "işik"), ("sis", "şiş")])
def test_tr_casefold_keeps_turkish_letters_distinct(a, b):
    assert tr_casefold(a) != tr_casefold(b)


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("ahmet yılmaz", "Ahmet Yılmaz"),
        ("İSMAİL IŞIK", "İsmail Işık"),
        ("İSTANBUL'DA", "İstanbul'da"),
        ("ayşe öztürk-çelik", "Ayşe Öztürk-Çelik"),
        ("ıhlamur sokak no 3", "Ihlamur Sokak No 3"),
    ],
)
def test_tr_title(text, title):
    assert tr_title(text) == title


def test_tr_sorted_follows_the_turkish_alphabet_ignoring_case():
    names = [
        "Zeynep",
        "çiçek",
        "Cem",
        "ılgın",
        "İpek",
        "Ömer",
        "Osman",
        "Şule",
        "Sema",
        "Ümit",
        "Uğur",
        "Gül",
        "Ğ",
        "hakan",
        "Irmak",
        "ismail",
    ]
    assert tr_sorted(names) == [
        "Cem",
        "çiçek",
        "Gül",
        "Ğ",
        "hakan",
        "ılgın",
        "Irmak",
        "İpek",
        "ismail",
        "Osman",
        "Ömer",
        "Sema",
        "Şule",
        "Uğur",
        "Ümit",
        "Zeynep",
    ]


def test_tr_sorted_with_key_and_accents_digits_foreign_letters():
    rows = [
        {"n": "Âdem"},
        {"n": "adem"},
        {"n": "Ali"},
        {"n": "42"},
        {"n": "Ωmega"},
        {"n": "Quartz"},
        {"n": "Pınar"},
        {"n": "Rıza"},
        {"n": "Ali Veli"},
        {"n": "Aliye"},
    ]
    assert [r["n"] for r in tr_sorted(rows, key=lambda r: r["n"])] == [
        "42",
        "adem",
        "Âdem",
        "Ali",
        "Ali Veli",
        "Aliye",
        "Pınar",
        "Quartz",
        "Rıza",
        "Ωmega",
    ]


def test_tr_sorted_keeps_input_order_of_case_variants():
    assert tr_sorted(["ALİ", "ali", "Ali"]) == ["ALİ", "ali", "Ali"]
    assert tr_sorted(["ali", "ALİ"]) == ["ali", "ALİ"]


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Şişli", "sisli"),
        ("ÖZGÜR", "ozgur"),
        ("Âdem", "adem"),
        ("IĞDIR", "igdir"),
        ("Çağlayan", "caglayan"),
        ("café", "cafe"),
        ("İzmir", "izmir"),
    ],
)
def test_tr_search_fold(text, folded):
    assert tr_search_fold(text) == folded


def test_tr_normalize_spaces():
    assert tr_normalize_spaces("  Ahmet \t  Yılmaz\n") == "Ahmet Yılmaz"


# --- properties ---------------------------------------------------------------------------


@given(turkish_text)
def test_lower_of_upper_is_lower(text):
    assert tr_lower(tr_upper(text)) == tr_lower(text)


@given(turkish_text)
def test_upper_of_lower_is_upper(text):
    assert tr_upper(tr_lower(text)) == tr_upper(text)


@given(turkish_text)
def test_case_mapping_is_idempotent_and_length_preserving_on_turkish(text):
    assert tr_lower(tr_lower(text)) == tr_lower(text)
    assert tr_upper(tr_upper(text)) == tr_upper(text)
    assert len(tr_lower(text)) == len(text) == len(tr_upper(text))


@given(turkish_text)
def test_casefold_ignores_case(text):
    assert tr_casefold(tr_upper(text)) == tr_casefold(tr_lower(text)) == tr_casefold(text)


@given(any_text, any_text)
def test_sort_key_is_consistent_with_casefold(a, b):
    if tr_casefold(a) == tr_casefold(b):
        assert tr_sort_key(a) == tr_sort_key(b)


@given(any_text)
def test_sort_key_ignores_case(text):
    assert tr_sort_key(tr_upper(text)) == tr_sort_key(tr_lower(text))


@given(st.lists(st.sampled_from(TURKISH_ALPHABET), min_size=2, max_size=2, unique=True))
def test_single_letters_sort_in_alphabet_order(pair):
    a, b = pair
    assert (tr_sort_key(a) < tr_sort_key(b)) == (
        TURKISH_ALPHABET.index(a) < TURKISH_ALPHABET.index(b)
    )
    assert (tr_sort_key(tr_upper(a)) < tr_sort_key(b)) == (tr_sort_key(a) < tr_sort_key(b))


@given(st.lists(any_text, max_size=10))
def test_tr_sorted_is_sorted_and_a_permutation(items):
    result = tr_sorted(items)
    assert sorted(result) == sorted(items)
    keys = [tr_sort_key(x) for x in result]
    assert keys == sorted(keys)


@given(any_text)
def test_search_fold_is_idempotent_and_ascii_on_turkish(text):
    once = tr_search_fold(text)
    assert tr_search_fold(once) == once


@given(turkish_text)
def test_search_fold_of_turkish_is_ascii(text):
    assert tr_search_fold(text).isascii()


@pytest.mark.django_db
def test_postgresql_icu_collation_agrees_with_tr_sort_key():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("ICU collations are a PostgreSQL feature")
    names = [
        "Zeynep",
        "çiçek",
        "Cem",
        "ılgın",
        "İpek",
        "Ömer",
        "Osman",
        "Şule",
        "Sema",
        "Ümit",
        "Uğur",
        "Gül",
        "hakan",
        "Irmak",
        "ismail",
        "Âdem",
        "Ali",
        "Çınar",
    ]
    values = ", ".join(["(%s)"] * len(names))
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT x FROM (VALUES {values}) AS v(x) ORDER BY x COLLATE "tr-x-icu"',  # noqa: S608
            names,
        )
        ordered = [row[0] for row in cursor.fetchall()]
    assert ordered == tr_sorted(names)
