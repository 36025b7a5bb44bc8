from __future__ import annotations

from cinar.cases.codes import (
    ALPHABET,
    CODE_LENGTH,
    check_character,
    tracking_code_is_valid,
    tracking_code_new,
)


def test_new_codes_are_valid_and_use_the_alphabet():
    codes = {tracking_code_new() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) == CODE_LENGTH
        assert set(code) <= set(ALPHABET)
        assert not set(code) & set("0O1I")
        assert tracking_code_is_valid(code)


def test_dashes_spaces_and_case_are_ignored():
    code = tracking_code_new()
    pretty = f"{code[:4]}-{code[4:8]} {code[8:]}".lower()
    assert tracking_code_is_valid(pretty)


def test_every_single_typo_is_caught():
    code = tracking_code_new()
    for i in range(CODE_LENGTH):
        for c in ALPHABET:
            if c != code[i]:
                assert not tracking_code_is_valid(code[:i] + c + code[i + 1 :])


def test_adjacent_swaps_are_caught():
    body = "23456789AB"
    code = body + check_character(body)
    for i in range(CODE_LENGTH - 1):
        swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
        if swapped != code:
            assert not tracking_code_is_valid(swapped)


def test_wrong_length_or_letters_are_invalid():
    assert not tracking_code_is_valid("")
    assert not tracking_code_is_valid("ABC")
    assert not tracking_code_is_valid("0" * CODE_LENGTH)
