"""Reading notifications: the staff delivery log (permission-gated) and a user's own
portal inbox."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet

from cinar.notifications.models import DeliveryAttempt, OutboxMessage, UserNotification
from cinar.notifications.permissions import NotificationPermission
from cinar.organization.queries import is_staff_user, user_has_permission


def notifications_user_can_view_log(*, user: Any) -> bool:
    """Active staff holding ``notifications.view_log`` municipality-wide (or superusers)."""
    return is_staff_user(user) and user_has_permission(
        user=user, perm=NotificationPermission.VIEW_LOG
    )


def notifications_user_can_retry(*, user: Any) -> bool:
    return notifications_user_can_view_log(user=user) and user_has_permission(
        user=user, perm=NotificationPermission.RETRY_MESSAGE
    )


def outbox_message_list_for_user(
    *,
    user: Any,
    status: str = "",
    channel: str = "",
    event: str = "",
    search: str = "",
) -> QuerySet[OutboxMessage]:
    """The delivery log, newest first. ``event`` matches a prefix ("case." finds every
    case event); ``search`` matches the recipient's name, username or address."""
    if not notifications_user_can_view_log(user=user):
        raise PermissionDenied
    qs = OutboxMessage.objects.select_related("recipient").order_by("-created_at", "-pk")
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    if event:
        qs = qs.filter(event__startswith=event)
    search = search.strip()
    if search:
        qs = qs.filter(
            Q(recipient_name__icontains=search)
            | Q(address__icontains=search)
            | Q(recipient__username__iexact=search)
        )
    return qs


def outbox_message_get_for_user(*, user: Any, pk: int) -> OutboxMessage:
    """One message with its attempts; PermissionDenied without the permission,
    OutboxMessage.DoesNotExist when there is none."""
    if not notifications_user_can_view_log(user=user):
        raise PermissionDenied
    return (
        OutboxMessage.objects.select_related("recipient")
        .prefetch_related(
            Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("started_at", "pk"))
        )
        .get(pk=pk)
    )


# --- the portal inbox ---------------------------------------------------------------------


def user_notification_list_for_user(
    *, user: Any, unread_only: bool = False
) -> QuerySet[UserNotification]:
    """The user's own portal notifications, newest first (none for anonymous users)."""
    if not getattr(user, "is_authenticated", False):
        return UserNotification.objects.none()
    qs = UserNotification.objects.filter(user_id=user.pk).order_by("-created_at", "-pk")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def user_notification_get_for_user(*, user: Any, pk: int) -> UserNotification:
    """One of the user's own notifications; DoesNotExist for anyone else's (→ 404)."""
    return user_notification_list_for_user(user=user).get(pk=pk)


def user_notification_unread_count(*, user: Any) -> int:
    return user_notification_list_for_user(user=user, unread_only=True).count()
