from __future__ import annotations

from enum import StrEnum


class CasePermission(StrEnum):
    """Bundled into organization roles (unit-scoped); superusers hold them all."""

    VIEW_ALL = "cases.view_all_cases"
    REGISTER = "cases.register_cases"
