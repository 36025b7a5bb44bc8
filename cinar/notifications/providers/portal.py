"""The in-portal inbox: a UserNotification row the portal lists."""

from __future__ import annotations

from cinar.notifications.models import OutboxMessage, UserNotification
from cinar.notifications.providers import DeliveryError, DeliveryResult


class PortalProvider:
    name = "portal"

    def send(self, message: OutboxMessage) -> DeliveryResult:
        if message.recipient_id is None:
            raise DeliveryError("The portal inbox needs a user account.", temporary=False)
        link = str(message.context.get("url", ""))[:500]
        if not link.startswith("/") or link.startswith("//"):
            link = ""  # only links inside this site
        notification, created = UserNotification.objects.get_or_create(
            delivery_key=message.delivery_key,
            defaults={
                "user_id": message.recipient_id,
                "event": message.event,
                "subject": message.subject,
                "body": message.body,
                "link": link,
            },
        )
        return DeliveryResult(
            reference=str(notification.pk),
            response={"inbox_id": notification.pk},
            already_sent=not created,
        )
