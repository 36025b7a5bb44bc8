"""This app's permissions. They are Django permissions (declared on
``ProcessDefinition.Meta``) that organization roles bundle; check them with
``cinar.organization.queries.user_has_permission`` (superusers hold all of them)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class WorkflowPermission(StrEnum):
    # Upload, model and activate process versions; start test instances.
    MANAGE_PROCESSES = "workflow.manage_processes"
    # See every process instance (not only those one takes part in).
    VIEW_ALL_INSTANCES = "workflow.view_all_instances"
    # Reassign and release any work item.
    MANAGE_WORK_ITEMS = "workflow.manage_work_items"

    @property
    def app_label(self) -> str:
        return self.value.split(".", 1)[0]

    @property
    def codename(self) -> str:
        return self.value.split(".", 1)[1]


ALL_PERMISSIONS: tuple[WorkflowPermission, ...] = tuple(WorkflowPermission)


def can_manage_processes(user: Any) -> bool:
    """Municipality-wide: the process library is not scoped to units."""
    from cinar.organization.queries import user_has_permission

    return user_has_permission(user=user, perm=WorkflowPermission.MANAGE_PROCESSES)


def can_manage_work_items_somewhere(user: Any) -> bool:
    """Holds ``manage_work_items`` in at least one unit (or everywhere)."""
    from cinar.organization.queries import user_has_permission_anywhere

    return user_has_permission_anywhere(user=user, perm=WorkflowPermission.MANAGE_WORK_ITEMS)
