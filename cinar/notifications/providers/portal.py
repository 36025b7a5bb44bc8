"""The in-portal inbox: a UserNotification row the portal lists."""

from __future__ import annotations

from cinar.core.db import insert_or_nothing
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
        notification = UserNotification(
            delivery_key=message.delivery_key,
            user_id=message.recipient_id,
            event=message.event,
            subject=message.subject,
            body=message.body,
            link=link,
        )
        # One INSERT … ON CONFLICT DO NOTHING (get_or_create was a look-up, then BEGIN,
        # INSERT, COMMIT); only a repeat after a lost outcome reads the row it left. The
        # commit need not wait for the flush: the outcome's synchronous commit follows,
        # and a row lost in a server crash is written again under the same key.
        created = insert_or_nothing(notification, conflict=("delivery_key",), asynchronous=True)
        if not created:
            notification = UserNotification.objects.get(delivery_key=message.delivery_key)
        return DeliveryResult(
            reference=str(notification.pk),
            response={"inbox_id": notification.pk},
            already_sent=not created,
        )
