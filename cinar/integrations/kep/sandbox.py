"""A KEP provider simulated in the database: messages, attachments and delil records.

Behaviour:

- ``send`` validates addresses, subject, attachment names and size like a provider;
  records a ``kabul`` delil for the message, then per recipient a ``teslim`` delil when
  the address is in the sandbox ``directory``, or a ``hata`` delil when the provider
  (``hsNN.kep.tr``) is unknown or the mailbox does not exist there.
- A message sent to one of ``own_addresses`` also arrives in the incoming mailbox.
- ``deliver_incoming`` lets a test or the demo drop a message (an .eyp from another
  institution) into the mailbox; ``fetch_incoming`` returns it.
- ``latency_ms`` sleeps before each call (0 in tests).

Options: ``directory`` (addresses that exist), ``providers`` (known provider domains),
``own_addresses`` (this institution's mailboxes; the first is the default sender),
``latency_ms``, ``max_message_bytes``, ``max_recipients``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import uuid
from collections.abc import Iterable, Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cinar.integrations import models
from cinar.integrations.registry import IntegrationError

from .protocol import (
    DEFAULT_MAX_MESSAGE_BYTES,
    DEFAULT_MAX_RECIPIENTS,
    Attachment,
    Delil,
    DelilKind,
    KEPMessage,
    KEPSendResult,
    check_message,
    normalize_address,
    validate_address,
)

DEFAULT_PROVIDERS = ("hs01.kep.tr", "hs02.kep.tr", "hs03.kep.tr")
DEFAULT_OWN_ADDRESSES = ("cinarbelediyesi@hs01.kep.tr",)
DEFAULT_DIRECTORY = (
    "cinarbelediyesi@hs01.kep.tr",
    "valilik@hs01.kep.tr",
    "bakanlik@hs02.kep.tr",
    "ornekfirma@hs03.kep.tr",
)


class SandboxKEP:
    def __init__(
        self,
        *,
        directory: Iterable[str] = DEFAULT_DIRECTORY,
        providers: Iterable[str] = DEFAULT_PROVIDERS,
        own_addresses: Iterable[str] = DEFAULT_OWN_ADDRESSES,
        latency_ms: int = 0,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        max_recipients: int = DEFAULT_MAX_RECIPIENTS,
    ) -> None:
        self.directory = {normalize_address(a) for a in directory}
        self.providers = {p.strip().lower() for p in providers}
        self.own_addresses = tuple(normalize_address(a) for a in own_addresses)
        self.latency_ms = latency_ms
        self.max_message_bytes = max_message_bytes
        self.max_recipients = max_recipients

    # ------------------------------------------------------------------ protocol

    def send(
        self,
        *,
        subject: str,
        body: str,
        message_id: str,
        recipients: Sequence[str] = (),
        sender_address: str = "",
        attachments: Sequence[Attachment] = (),
        to: str = "",
    ) -> KEPSendResult:
        """Send a message; idempotent for a repeated ``message_id`` with the same content."""
        self._wait()
        if not message_id or len(message_id) > 255:
            raise IntegrationError(_("message_id: 1 to 255 characters."), code="invalid")
        sender, addresses, size = check_message(
            sender_address=sender_address or (self.own_addresses[0] if self.own_addresses else ""),
            recipients=list(recipients) or ([to] if to else []),
            subject=subject,
            body=body,
            attachments=attachments,
            max_message_bytes=self.max_message_bytes,
            max_recipients=self.max_recipients,
        )
        digest = _digest(sender, addresses, subject, body, attachments)
        existing = models.KEPMessage.objects.filter(message_id=message_id).first()
        if existing is not None:
            return self._repeat(existing, digest)
        try:
            with transaction.atomic():
                message = self._store(
                    message_id=message_id,
                    direction=models.KEPMessage.Direction.OUTGOING,
                    sender=sender,
                    recipients=addresses,
                    subject=subject,
                    body=body,
                    attachments=attachments,
                    size=size,
                )
                now = timezone.now()
                evidence = [self._delil(message, DelilKind.KABUL, now, digest=digest)]
                for address in addresses:
                    kind, detail = self._route(address)
                    evidence.append(
                        self._delil(
                            message, kind, now, recipient=address, detail=detail, digest=digest
                        )
                    )
                    if kind == DelilKind.TESLIM and address in self.own_addresses:
                        self._loop_back(message, address, attachments)
        except IntegrityError:  # a concurrent send with the same id won the race
            existing = models.KEPMessage.objects.get(message_id=message_id)
            return self._repeat(existing, digest)
        return KEPSendResult(message_id=message_id, evidence=tuple(_as_delil(e) for e in evidence))

    def fetch_incoming(self, *, since: dt.datetime | None = None) -> list[KEPMessage]:
        self._wait()
        queryset = models.KEPMessage.objects.filter(
            direction=models.KEPMessage.Direction.INCOMING
        ).prefetch_related("attachments")
        if since is not None:
            queryset = queryset.filter(created_at__gt=since)
        return [
            KEPMessage(
                message_id=m.message_id,
                sender=m.sender,
                recipients=tuple(m.recipients),
                subject=m.subject,
                body=m.body,
                received_at=m.created_at,
                attachments=tuple(
                    (a.name, bytes(a.content), a.content_type) for a in m.attachments.all()
                ),
            )
            for m in queryset
        ]

    def evidence_for(self, message_id: str) -> list[Delil]:
        self._wait()
        return [
            _as_delil(e)
            for e in models.KEPEvidence.objects.filter(
                message__message_id=message_id
            ).select_related("message")
        ]

    # ------------------------------------------------------------------ sandbox controls

    def deliver_incoming(
        self,
        *,
        sender: str,
        subject: str,
        body: str = "",
        attachments: Sequence[Attachment] = (),
        recipient: str = "",
        message_id: str = "",
    ) -> KEPMessage:
        """Drop a message from another institution into this institution's mailbox."""
        recipient = recipient or (self.own_addresses[0] if self.own_addresses else "")
        sender_address, addresses, size = check_message(
            sender_address=sender,
            recipients=[recipient],
            subject=subject,
            body=body,
            attachments=attachments,
            max_message_bytes=self.max_message_bytes,
            max_recipients=self.max_recipients,
        )
        message_id = message_id or f"<{uuid.uuid4()}@{sender_address.split('@', 1)[1]}>"
        with transaction.atomic():
            message = self._store(
                message_id=message_id,
                direction=models.KEPMessage.Direction.INCOMING,
                sender=sender_address,
                recipients=addresses,
                subject=subject,
                body=body,
                attachments=attachments,
                size=size,
            )
            digest = _digest(sender_address, addresses, subject, body, attachments)
            self._delil(
                message, DelilKind.TESLIM, timezone.now(), recipient=addresses[0], digest=digest
            )
        return self.fetch_incoming_one(message_id)

    def fetch_incoming_one(self, message_id: str) -> KEPMessage:
        return next(m for m in self.fetch_incoming() if m.message_id == message_id)

    def mark_read(self, message_id: str, recipient: str) -> Delil:
        """Record that ``recipient`` opened the message (an ``okundu`` delil)."""
        message = models.KEPMessage.objects.get(message_id=message_id)
        address = validate_address(recipient)
        if address not in message.recipients:
            raise IntegrationError(
                _("recipient: %(address)s did not receive this message.") % {"address": address},
                code="invalid",
            )
        first = message.evidence.order_by("at", "id").first()
        return _as_delil(
            self._delil(
                message,
                DelilKind.OKUNDU,
                timezone.now(),
                recipient=address,
                digest=first.digest if first else "",
            )
        )

    # ------------------------------------------------------------------ internals

    def _wait(self) -> None:
        if self.latency_ms > 0:
            time.sleep(self.latency_ms / 1000)

    def _route(self, address: str) -> tuple[DelilKind, str]:
        domain = address.split("@", 1)[1]
        if domain not in self.providers:
            return DelilKind.HATA, _("Unknown KEP provider %(domain)s.") % {"domain": domain}
        if address not in self.directory:
            return DelilKind.HATA, _("No such KEP mailbox at %(domain)s.") % {"domain": domain}
        return DelilKind.TESLIM, ""

    def _repeat(self, message: models.KEPMessage, digest: str) -> KEPSendResult:
        evidence = list(message.evidence.all())
        if message.direction != models.KEPMessage.Direction.OUTGOING or (
            evidence and evidence[0].digest != digest
        ):
            raise IntegrationError(
                _("message_id: %(id)s was already used for another message.")
                % {"id": message.message_id[:255]},
                code="duplicate",
            )
        return KEPSendResult(
            message_id=message.message_id, evidence=tuple(_as_delil(e) for e in evidence)
        )

    def _store(
        self,
        *,
        message_id: str,
        direction: str,
        sender: str,
        recipients: Sequence[str],
        subject: str,
        body: str,
        attachments: Sequence[Attachment],
        size: int,
    ) -> models.KEPMessage:
        message = models.KEPMessage.objects.create(
            message_id=message_id,
            direction=direction,
            sender=sender,
            recipients=list(recipients),
            subject=subject[:998],
            body=body,
            size=size,
        )
        models.KEPAttachment.objects.bulk_create(
            models.KEPAttachment(
                message=message, position=i, name=name, content_type=ctype, content=content
            )
            for i, (name, content, ctype) in enumerate(attachments)
        )
        return message

    def _loop_back(
        self, message: models.KEPMessage, address: str, attachments: Sequence[Attachment]
    ) -> None:
        incoming_id = f"{message.message_id}#{address}"
        if models.KEPMessage.objects.filter(message_id=incoming_id).exists():
            return
        self._store(
            message_id=incoming_id,
            direction=models.KEPMessage.Direction.INCOMING,
            sender=message.sender,
            recipients=[address],
            subject=message.subject,
            body=message.body,
            attachments=attachments,
            size=message.size,
        )

    def _delil(
        self,
        message: models.KEPMessage,
        kind: DelilKind,
        at: dt.datetime,
        *,
        recipient: str = "",
        detail: str = "",
        digest: str = "",
    ) -> models.KEPEvidence:
        return models.KEPEvidence.objects.create(
            message=message,
            evidence_id=f"DLL-{uuid.uuid4().hex.upper()}",
            kind=kind,
            recipient=recipient,
            detail=detail[:500],
            digest=digest,
            at=at,
        )


def _digest(
    sender: str,
    recipients: Sequence[str],
    subject: str,
    body: str,
    attachments: Sequence[Attachment],
) -> str:
    h = hashlib.sha256()
    for piece in (sender, "\n".join(recipients), subject, body):
        h.update(piece.encode())
        h.update(b"\0")
    for name, content, ctype in attachments:
        h.update(name.encode() + b"\0" + ctype.encode() + b"\0")
        h.update(hashlib.sha256(content).digest())
    return h.hexdigest()


def _as_delil(evidence: models.KEPEvidence) -> Delil:
    return Delil(
        evidence_id=evidence.evidence_id,
        message_id=evidence.message.message_id,
        kind=DelilKind(evidence.kind),
        at=evidence.at,
        recipient=evidence.recipient,
        detail=evidence.detail,
        digest=evidence.digest,
    )
