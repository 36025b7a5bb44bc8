"""This app's permissions. Reading the log is a Django model permission (granted to a
user or a group); nobody, not even a superuser, may add, change or delete events."""

from __future__ import annotations

from enum import StrEnum


class AuditPermission(StrEnum):
    VIEW = "audit.view_auditevent"
