"""Public tracking codes: 10 random characters from an alphabet without look-alikes
(no 0/O, 1/I) plus a Luhn mod 32 check character, so one mistyped character or two
swapped neighbours are caught before any lookup."""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
BODY_LENGTH = 10
CODE_LENGTH = BODY_LENGTH + 1
_INDEX = {c: i for i, c in enumerate(ALPHABET)}


def check_character(body: str) -> str:
    """Luhn mod N over ``ALPHABET`` (N = 32)."""
    n = len(ALPHABET)
    factor = 2
    total = 0
    for char in reversed(body):
        addend = factor * _INDEX[char]
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return ALPHABET[(n - total % n) % n]


def tracking_code_new() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_character(body)


def tracking_code_normalize(raw: str) -> str:
    """Upper-case, without spaces and dashes (codes are shown as ``ABCD-EFGH-JKL``)."""
    return "".join((raw or "").split()).replace("-", "").upper()


def tracking_code_is_valid(raw: str) -> bool:
    code = tracking_code_normalize(raw)
    if len(code) != CODE_LENGTH or any(c not in _INDEX for c in code):
        return False
    return check_character(code[:-1]) == code[-1]
