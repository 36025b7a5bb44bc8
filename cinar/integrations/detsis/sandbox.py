"""A DETSİS that answers from a small fixed directory (:mod:`.directory`): real names,
invented numbers and KEP addresses. Validation, ``not_found``, Turkish-folded search,
latency and outages behave like a remote service."""

from __future__ import annotations

import re
from functools import cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cinar.core.turkish import tr_search_fold, tr_sort_key
from cinar.integrations.detsis.directory import INSTITUTIONS
from cinar.integrations.detsis.protocol import (
    ERROR_INVALID_NUMBER,
    ERROR_NOT_FOUND,
    Institution,
    validate_detsis_number,
)
from cinar.integrations.kps.simulation import SimulatedConditions
from cinar.integrations.registry import IntegrationError

SERVICE_NAME = "DETSİS"
_TOKEN = re.compile(r"[0-9a-z]+")


@cache
def _index() -> tuple[dict[str, Institution], tuple[tuple[tuple[str, ...], Institution], ...]]:
    by_number = {i.detsis_number: i for i in INSTITUTIONS}
    assert len(by_number) == len(INSTITUTIONS), "duplicate DETSİS number in the directory"
    ordered = sorted(INSTITUTIONS, key=lambda i: tr_sort_key(i.name))
    words = tuple((tuple(_TOKEN.findall(tr_search_fold(i.name))), i) for i in ordered)
    return by_number, words


class SandboxDETSIS:
    """Settings: ``{"BACKEND": "cinar.integrations.detsis.sandbox.SandboxDETSIS",
    "OPTIONS": {"latency_ms": 0, "failure_rate": 0.0}}``."""

    def __init__(
        self, *, latency_ms: int = 0, failure_rate: float = 0.0, seed: int | None = None
    ) -> None:
        self.conditions = SimulatedConditions(
            service=SERVICE_NAME, latency_ms=latency_ms, failure_rate=failure_rate, seed=seed
        )

    def institution_by_detsis(self, number: str) -> Institution:
        number = (number or "").strip()
        try:
            validate_detsis_number(number)
        except ValidationError as exc:
            raise IntegrationError(str(exc.messages[0]), code=ERROR_INVALID_NUMBER) from exc
        self.conditions.call()
        try:
            return _index()[0][number]
        except KeyError:
            raise IntegrationError(
                _("DETSİS has no institution with number %(number)s.") % {"number": number},
                code=ERROR_NOT_FOUND,
            ) from None

    def search(self, text: str, *, limit: int = 20) -> list[Institution]:
        tokens = _TOKEN.findall(tr_search_fold(text or ""))
        self.conditions.call()
        by_number, entries = _index()
        if limit <= 0:
            return []
        if len(tokens) == 1 and tokens[0] in by_number:
            return [by_number[tokens[0]]]
        matches = [
            (words, institution)
            for words, institution in entries
            if all(any(w.startswith(t) for w in words) for t in tokens)
        ]
        # Names that begin with what was typed come first; the rest keep alphabetical order.
        matches.sort(key=lambda m: not _starts(m[0], tokens))
        return [institution for _words, institution in matches[:limit]]


def _starts(words: tuple[str, ...], tokens: list[str]) -> bool:
    """Whether the name's first words begin with the typed words, in order."""
    return len(tokens) <= len(words) and all(
        w.startswith(t) for w, t in zip(words, tokens, strict=False)
    )
