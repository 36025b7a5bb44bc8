"""The KEP (Kayıtlı Elektronik Posta) interface other apps call, and address rules.

KEP is registered e-mail under law 5070 and its KEP regulation: a licensed provider
(hizmet sağlayıcı, "hs") accepts, delivers and keeps signed evidence (delil) of each step.
Addresses look like ``name@hs01.kep.tr``: the domain names the provider.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from django.utils.translation import gettext as _

from cinar.integrations.registry import IntegrationError

# Providers publish their own limits; 50 MiB for the whole message (body + attachments,
# before transfer encoding) is at or below what they accept, and is configurable.
DEFAULT_MAX_MESSAGE_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_RECIPIENTS = 100

_ADDRESS = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?@(hs\d{2}\.kep\.tr)$")

Attachment = tuple[str, bytes, str]  # (file name, content, content type)


class DelilKind(enum.StrEnum):
    KABUL = "kabul"  # accepted by the sender's provider
    TESLIM = "teslim"  # delivered to the recipient's mailbox
    OKUNDU = "okundu"  # opened by the recipient
    HATA = "hata"  # could not be delivered


@dataclass(frozen=True)
class Delil:
    """One evidence record for a message (and a recipient, except for kabul)."""

    evidence_id: str
    message_id: str
    kind: DelilKind
    at: dt.datetime
    recipient: str = ""
    detail: str = ""
    digest: str = ""  # SHA-256 of the message as the provider received it


@dataclass(frozen=True)
class KEPSendResult:
    message_id: str
    evidence: tuple[Delil, ...]

    @property
    def reference(self) -> str:
        return self.message_id


@dataclass(frozen=True)
class KEPMessage:
    """An incoming message as fetched from the mailbox."""

    message_id: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    body: str
    received_at: dt.datetime
    attachments: tuple[Attachment, ...] = field(default=(), repr=False)

    def eyp_attachments(self) -> list[Attachment]:
        """Attachments that are e-Yazışma packages (by name; read_package checks content)."""
        return [a for a in self.attachments if a[0].lower().endswith(".eyp")]


class KEPBackend(Protocol):
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
    ) -> KEPSendResult: ...

    def fetch_incoming(self, *, since: dt.datetime | None = None) -> list[KEPMessage]: ...

    def evidence_for(self, message_id: str) -> list[Delil]: ...


def normalize_address(address: str) -> str:
    return address.strip().lower()


def provider_domain(address: str) -> str:
    """The provider part of a valid KEP address (``hs01.kep.tr``)."""
    return validate_address(address).split("@", 1)[1]


def validate_address(address: str, *, field_name: str = "recipient") -> str:
    """The normalized address, or IntegrationError(code="invalid_address") naming the field."""
    normalized = normalize_address(address)
    if not _ADDRESS.match(normalized):
        raise IntegrationError(
            _("%(field)s: %(address)s is not a KEP address (name@hsNN.kep.tr).")
            % {"field": field_name, "address": address[:254]},
            code="invalid_address",
        )
    return normalized


def message_size(body: str, attachments: Sequence[Attachment]) -> int:
    return len(body.encode()) + sum(len(content) for _name, content, _type in attachments)


def check_message(
    *,
    sender_address: str,
    recipients: Sequence[str],
    subject: str,
    body: str,
    attachments: Sequence[Attachment],
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    max_recipients: int = DEFAULT_MAX_RECIPIENTS,
) -> tuple[str, tuple[str, ...], int]:
    """Validate a message before it leaves; (sender, recipients, size) normalized."""
    sender = validate_address(sender_address, field_name=_("sender"))
    if not recipients:
        raise IntegrationError(_("recipients: at least one KEP address is needed."), code="invalid")
    if len(recipients) > max_recipients:
        raise IntegrationError(
            _("recipients: at most %(limit)d addresses per message.") % {"limit": max_recipients},
            code="invalid",
        )
    normalized = tuple(
        dict.fromkeys(validate_address(r, field_name=_("recipient")) for r in recipients)
    )
    if not subject.strip():
        raise IntegrationError(_("subject: a KEP message needs a subject."), code="invalid")
    for name, _content, _type in attachments:
        if not name or "/" in name or "\\" in name:
            raise IntegrationError(
                _("attachments: %(name)s is not a valid file name.") % {"name": name[:100]},
                code="invalid",
            )
    size = message_size(body, attachments)
    if size > max_message_bytes:
        raise IntegrationError(
            _("The message is %(size)d bytes; the KEP provider accepts at most %(limit)d.")
            % {"size": size, "limit": max_message_bytes},
            code="too_large",
        )
    return sender, normalized, size
