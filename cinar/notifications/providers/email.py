"""E-mail through Django's configured backend (SMTP in production, files in the
quickstart, memory in tests).

SMTP has no idempotency key: the message carries a fixed Message-ID derived from the
delivery key, so a repeat after a worker died mid-send is recognisable (and dropped by
mail systems that deduplicate on Message-ID), but it is at-least-once, not exactly-once.
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage

from cinar.notifications.models import OutboxMessage
from cinar.notifications.providers import DeliveryError, DeliveryResult


class EmailProvider:
    name = "email"

    def send(self, message: OutboxMessage) -> DeliveryResult:
        if not message.address:
            raise DeliveryError("The recipient has no e-mail address.", temporary=False)
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "cinar.local"
        message_id = f"<{message.delivery_key}@{domain}>"
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.address],
            headers={"Message-ID": message_id, "X-Cinar-Event": message.event},
        )
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"Recipient refused: {exc}", temporary=False) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"Mail server error: {exc}", temporary=True) from exc
        return DeliveryResult(reference=message_id, response={"message_id": message_id})
