"""This app's permissions. They are Django permissions (declared on ``Unit.Meta``) that
roles bundle; ``queries.user_has_permission`` checks them with the role's unit scope."""

from __future__ import annotations

from enum import StrEnum


class OrgPermission(StrEnum):
    MANAGE_UNITS = "organization.manage_units"
    MANAGE_STAFF = "organization.manage_staff"
    MANAGE_POSITIONS = "organization.manage_positions"
    MANAGE_ROLES = "organization.manage_roles"
    MANAGE_SIGNATURE_AUTHORITY = "organization.manage_signature_authority"
    MANAGE_DELEGATIONS_ANY = "organization.manage_delegations_any"
    IMPORT_DATA = "organization.import_data"

    @property
    def app_label(self) -> str:
        return self.value.split(".", 1)[0]

    @property
    def codename(self) -> str:
        return self.value.split(".", 1)[1]


ALL_PERMISSIONS: tuple[OrgPermission, ...] = tuple(OrgPermission)
