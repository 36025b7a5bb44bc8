"""Full-text search over documents (ADR 0013 §search).

PostgreSQL: ``search_vector`` = ``to_tsvector('turkish', text) ||
to_tsvector('turkish', folded text)`` under a GIN index. A query word matches when its
Turkish stem matches either form, so "başvurular" finds "başvuru" and "ISTANBUL",
"istanbul" and "İstanbul" all find each other. SQLite: ``LIKE`` over the folded
``search_text`` with the common Turkish suffixes taken off the query word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import strip_tags

from cinar.core.turkish import tr_lower, tr_search_fold

MAX_WORDS = 8
MAX_TEXT = 1_000_000
_WORD = re.compile(r"[\w.\-/]+", re.UNICODE)

# Longest first; only stripped while at least four letters remain (SQLite fallback).
_SUFFIXES = sorted(
    {
        "lari",
        "leri",
        "larin",
        "lerin",
        "lar",
        "ler",
        "nin",
        "nun",
        "in",
        "un",
        "dan",
        "den",
        "tan",
        "ten",
        "da",
        "de",
        "ta",
        "te",
        "ya",
        "ye",
        "yi",
        "yu",
        "si",
        "su",
        "i",
        "u",
        "a",
        "e",
        "larina",
        "lerine",
        "larini",
        "lerini",
        "lardan",
        "lerden",
        "larda",
        "lerde",
        "ndan",
        "nden",
        "na",
        "ne",
        "ni",
        "nu",
    },
    key=len,
    reverse=True,
)


# Folded Turkish stop words, skipped by the SQLite fallback (PostgreSQL's dictionary has its own).
_STOP_WORDS = frozenset(
    {"ve", "ile", "veya", "ya", "da", "de", "ki", "bu", "su", "o", "bir", "icin", "gibi", "mi"}
)


def document_search_text(
    *,
    subject: str,
    numbers: Iterable[str],
    sender: str,
    body_html: str,
    attachment_texts: Iterable[str],
    extra: Iterable[str] = (),
) -> str:
    """The plain text a document is found by (not folded; folding happens on write)."""
    parts = [subject, *numbers, sender, strip_tags(body_html or ""), *attachment_texts, *extra]
    return "\n".join(p for p in parts if p)[:MAX_TEXT]


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def search_vector_expression(text: str) -> RawSQL:
    """PostgreSQL: the search vector of ``text``, as an expression an INSERT or UPDATE
    can write: ``to_tsvector('turkish', text) || to_tsvector('turkish', folded text)``."""
    return RawSQL(
        "to_tsvector('turkish', %s) || to_tsvector('turkish', %s)", [text, tr_search_fold(text)]
    )


def search_index_write(*, document_id: int, text: str) -> None:
    """Store the folded text (and, on PostgreSQL, the vector) of one document, in one
    UPDATE."""
    from cinar.documents.models import Document

    fields: dict[str, Any] = {"search_text": tr_search_fold(text)}
    if is_postgres():
        fields["search_vector"] = search_vector_expression(text)
    Document.objects.filter(pk=document_id).update(**fields)


def query_words(query: str) -> list[str]:
    return [w for w in _WORD.findall(query or "") if w.strip(".-/")][:MAX_WORDS]


def _fallback_stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


_STEM_SQL = """
SELECT f, s1, ts_lexize('turkish_stem', s1[1])
FROM (SELECT f, ts_lexize('turkish_stem', f) AS s1 FROM unnest(%s::text[]) AS f) AS t
"""


def _stem_prefixes(words: list[str]) -> dict[str, list[str]]:
    """tsquery terms for each word: its Turkish stems (Turkish-lowercased and folded),
    as prefixes. Snowball stems "başvurular" to "başvuru" but "başvuru" to "başvur", so
    the stem of the stem is used too, and matched as a prefix ("başvur:*" finds
    başvuru, başvurular, başvurusu). Short stems match exactly, not as prefixes."""
    if not words:
        return {}
    forms: dict[str, set[str]] = {}
    for w in words:
        forms.setdefault(tr_lower(w), set()).add(w)
        forms.setdefault(tr_search_fold(w), set()).add(w)
    with connection.cursor() as cursor:
        cursor.execute(_STEM_SQL, [list(forms)])
        rows = cursor.fetchall()
    terms: dict[str, set[str]] = {w: set() for w in words}
    for form, first, second in rows:
        if first == []:  # a stop word in Turkish
            continue
        candidates = {form, *(first or []), *(second or [])}
        shortest = min(candidates, key=len)
        for original in forms[form]:
            for c in candidates:
                terms[original].add(c)
            if len(shortest) >= 4:
                terms[original].add(shortest + ":*")
    return {w: sorted(_quote(t) for t in ts) for w, ts in terms.items() if ts}


def _quote(term: str) -> str:
    prefix = term.endswith(":*")
    core = term[:-2] if prefix else term
    quoted = "'" + core.replace("'", "''") + "'"
    return quoted + (":*" if prefix else "")


def search_filter(qs: QuerySet[Any], query: str) -> QuerySet[Any]:
    """Documents of ``qs`` that contain every word of ``query`` (in some form)."""
    words = query_words(query)
    if not words:
        return qs
    if is_postgres():
        combined: SearchQuery | None = None
        prefixes = _stem_prefixes([w for w in words if w.isalpha()])
        for word in words:
            if word.isalpha():
                terms = prefixes.get(word) or []
                if not terms:
                    continue  # a stop word ("ve", "ile"): it would match nothing
                one = SearchQuery(" | ".join(terms), config="simple", search_type="raw")
            else:  # numbers, codes: E-24300100-050-12, 010.01
                one = SearchQuery(word, config="turkish", search_type="plain") | SearchQuery(
                    tr_search_fold(word), config="turkish", search_type="plain"
                )
            combined = one if combined is None else combined & one
        return qs.filter(search_vector=combined) if combined is not None else qs
    q = Q()
    for word in words:
        folded = tr_search_fold(word)
        if folded in _STOP_WORDS:
            continue
        q &= Q(search_text__contains=_fallback_stem(folded))
    return qs.filter(q)
