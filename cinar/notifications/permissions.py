"""This app's permissions. Django permissions declared on ``OutboxMessage.Meta``, which
organization roles bundle; check them with ``cinar.organization.queries`` (superusers
hold all of them)."""

from __future__ import annotations

from enum import StrEnum


class NotificationPermission(StrEnum):
    # Read the delivery log (addresses masked; a full view is logged as a personal-data read).
    VIEW_LOG = "notifications.view_log"
    # Send a failed (dead-letter) message again.
    RETRY_MESSAGE = "notifications.retry_message"
