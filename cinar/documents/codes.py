"""Verification codes: 10 random symbols and one check symbol (Luhn mod 32).

Crockford's base-32 alphabet (no I, L, O, U) reads aloud and types without
ambiguity; 50 random bits make codes unguessable, and the check symbol catches a
mistyped or swapped character before any lookup.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 10
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_ALIASES = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})


def _check_symbol(body: str) -> str:
    n = len(ALPHABET)
    total = 0
    factor = 2
    for char in reversed(body):
        addend = factor * _INDEX[char]
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]


def verification_code_new() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + _check_symbol(body)


def verification_code_normalize(value: str) -> str:
    """Upper case, separators dropped, look-alike letters mapped (O→0, I/L→1, U→V)."""
    cleaned = "".join(c for c in value.upper() if c.isalnum())
    return cleaned.translate(_ALIASES)


def verification_code_is_valid(value: str) -> bool:
    code = verification_code_normalize(value)
    if len(code) != RANDOM_LENGTH + 1 or any(c not in _INDEX for c in code):
        return False
    return _check_symbol(code[:-1]) == code[-1]


def verification_code_display(code: str) -> str:
    """``ABCDE-FGHJK-M`` for print and screen."""
    return f"{code[:5]}-{code[5:10]}-{code[10:]}" if len(code) == RANDOM_LENGTH + 1 else code
