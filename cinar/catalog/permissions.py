"""This app's permissions. They are Django permissions (declared on ``Service.Meta``) that
organization roles bundle; ``organization.queries.user_has_permission`` checks them with
the role's unit scope (a role on a directorate covers the services of its subtree)."""

from __future__ import annotations

from enum import StrEnum


class CatalogPermission(StrEnum):
    MANAGE_SERVICES = "catalog.manage_services"

    @property
    def app_label(self) -> str:
        return self.value.split(".", 1)[0]

    @property
    def codename(self) -> str:
        return self.value.split(".", 1)[1]


ALL_PERMISSIONS: tuple[CatalogPermission, ...] = tuple(CatalogPermission)
