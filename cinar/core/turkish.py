"""Turkish text: case mapping, comparison, ordering and search folding.

Python's ``str.lower``/``str.upper`` follow the language-neutral Unicode mapping, which
is wrong for Turkish: ``"I".lower()`` is ``"i"`` (Turkish: ``"ı"``), ``"i".upper()`` is
``"I"`` (Turkish: ``"İ"``) and ``"İ".lower()`` is ``"i̇"`` (an ``i`` followed by a
combining dot). Use these helpers for any Turkish text a person reads or types.

Which one to use:

``tr_lower`` / ``tr_upper`` / ``tr_title``
    Display: "DİYARBAKIR" -> "diyarbakır", "istanbul" -> "İSTANBUL",
    "ahmet yılmaz" -> "Ahmet Yılmaz".
``tr_casefold``
    Case-insensitive *equality* that keeps the Turkish letters distinct:
    ``tr_casefold("IĞDIR") == tr_casefold("ığdır")``, but "ı" and "i" stay different.
    Use for uniqueness checks and exact lookups.
``tr_sort_key`` / ``tr_sorted``
    Ordering by the Turkish alphabet (a b c ç d e f g ğ h ı i j k l m n o ö p r s ş t u
    ü v y z), case-insensitive. For ordering inside PostgreSQL use the ICU collation
    ``"tr-x-icu"`` instead (see docs/decisions/0003-turkish-text.md).
``tr_search_fold``
    Lenient matching for search boxes: also folds ş->s, ğ->g, ç->c, ö->o, ü->u, ı->i and
    strips accents, so "sisli" finds "Şişli" and "Ozgur" finds "ÖZGÜR". Never use it
    for equality of identities or for display.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

_COMBINING_DOT_ABOVE = "\u0307"
_LOWER_SPECIAL = str.maketrans({"I": "ı", "İ": "i"})
_UPPER_SPECIAL = str.maketrans({"i": "İ", "ı": "I"})
_SEARCH_FOLD = str.maketrans({"ı": "i", "ş": "s", "ğ": "g", "ç": "c", "ö": "o", "ü": "u"})

# The Turkish alphabet, with q, w and x where ICU's Turkish collation puts them (they
# appear in foreign names and brands).
TURKISH_ALPHABET = "abcçdefgğhıijklmnoöpqrsştuüvwxyz"
_LETTER_RANK = {letter: rank for rank, letter in enumerate(TURKISH_ALPHABET)}

# Sort classes: separators first, then digits, then letters, then everything else.
_CLASS_OTHER_SYMBOL = 0
_CLASS_DIGIT = 1
_CLASS_LETTER = 2
_CLASS_FOREIGN_LETTER = 3

# A letter starts a word unless it follows another letter/digit or an apostrophe:
# Turkish writes suffixes after an apostrophe ("İstanbul'da"), which must stay lower case.
_APOSTROPHES = "'’"


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def tr_lower(text: str) -> str:
    """Lower-case by Turkish rules: I -> ı, İ -> i."""
    return _nfc(text).translate(_LOWER_SPECIAL).lower()


def tr_upper(text: str) -> str:
    """Upper-case by Turkish rules: i -> İ, ı -> I."""
    return _nfc(text).translate(_UPPER_SPECIAL).upper()


def tr_casefold(text: str) -> str:
    """Fold for case-insensitive equality, keeping ı and i distinct.

    ``tr_casefold("İSTANBUL") == tr_casefold("istanbul")`` and
    ``tr_casefold("IĞDIR") == tr_casefold("ığdır")``.
    """
    folded = tr_lower(text).casefold()
    # A decomposed "İ" (I + U+0307) lowers to "i" + U+0307; the dot is already in "i".
    return _nfc(folded.replace("i" + _COMBINING_DOT_ABOVE, "i"))


def tr_title(text: str) -> str:
    """Upper-case the first letter of each word, lower-case the rest (Turkish rules).

    A letter after an apostrophe continues its word: "İSTANBUL'DA" -> "İstanbul'da".
    """
    lowered = tr_lower(text)
    out: list[str] = []
    previous = ""
    for char in lowered:
        starts_word = not previous or not (previous.isalnum() or previous in _APOSTROPHES)
        out.append(tr_upper(char) if starts_word and char.isalpha() else char)
        previous = char
    return "".join(out)


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def tr_search_fold(text: str) -> str:
    """Lenient fold for search: casefold, Turkish letters to their ASCII base, no accents.

    "Şişli" -> "sisli", "ÖZGÜR" -> "ozgur", "Âdem" -> "adem". Lossy: for matching
    what a person typed on any keyboard, never for display or identity.
    """
    return _strip_marks(tr_casefold(text).translate(_SEARCH_FOLD))


def _char_key(char: str) -> tuple[tuple[int, int], tuple[int, ...]]:
    """(primary, secondary) weight of one case-folded character."""
    rank = _LETTER_RANK.get(char)
    if rank is not None:
        return (_CLASS_LETTER, rank), ()
    if char.isdigit():
        return (_CLASS_DIGIT, int(unicodedata.digit(char, 0))), ()
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    rank = _LETTER_RANK.get(base)
    if rank is not None:
        # â, î, û, é …: a variant of their base letter, sorted right after it.
        return (_CLASS_LETTER, rank), tuple(ord(m) for m in marks)
    if char.isalpha():
        return (_CLASS_FOREIGN_LETTER, ord(char)), ()
    return (_CLASS_OTHER_SYMBOL, ord(char)), ()


SortKey = tuple[tuple[tuple[int, int], ...], tuple[tuple[int, ...], ...]]


def tr_sort_key(text: str) -> SortKey:
    """A key ordering strings by the Turkish alphabet, ignoring case.

    Accented letters (â, î, û) sort with their base letter, accents breaking ties;
    separators sort before digits, digits before letters, other scripts after.
    Strings equal under ``tr_casefold`` have equal keys (so a stable sort keeps their
    input order).
    """
    weights = [_char_key(c) for c in tr_casefold(text)]
    return tuple(w[0] for w in weights), tuple(w[1] for w in weights)


def tr_sorted(iterable: Iterable[T], key: Callable[[T], str] | None = None) -> list[T]:
    """``sorted`` in Turkish alphabetical order; ``key`` extracts the text to compare."""
    if key is None:
        return sorted(iterable, key=lambda item: tr_sort_key(str(item)))
    extract = key
    return sorted(iterable, key=lambda item: tr_sort_key(extract(item)))


_WHITESPACE = re.compile(r"\s+")


def tr_normalize_spaces(text: str) -> str:
    """Collapse runs of whitespace and trim (names typed with stray spaces)."""
    return _WHITESPACE.sub(" ", text).strip()
