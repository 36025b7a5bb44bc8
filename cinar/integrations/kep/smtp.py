"""OUTLINE ONLY — a backend for a real KEP provider over SMTP/IMAP with S/MIME.

This class has never talked to a provider: there was no KEP account, certificate or
network where it was written. It documents the shape of a real backend (see README.md in
this folder) and refuses to run, so nobody mistakes it for a working integration. Every
method raises IntegrationError(code="not_implemented").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils.translation import gettext as _

from cinar.integrations.registry import IntegrationError

from .protocol import Attachment, Delil, KEPMessage, KEPSendResult, validate_address


class SmtpImapKEP:
    """Configuration a provider gives a KEP customer; the transport is not written yet.

    Expected steps of a real implementation, per message:

    1. build a MIME message (the .eyp as ``application/octet-stream`` attachment);
    2. sign it with S/MIME (CMS, the institution's e-seal or an authorised e-signature;
       PKCS#11 for a smart card) — providers reject unsigned messages;
    3. submit over SMTP with implicit TLS (465) or STARTTLS (587), authenticated with the
       KEP account and a one-time code when the provider requires it;
    4. poll IMAP over TLS (993) for incoming messages and for the provider's evidence
       messages (kabul/teslim/okundu/hata delil, themselves signed), parse and store them.
    """

    def __init__(
        self,
        *,
        address: str,
        smtp_host: str,
        imap_host: str,
        username: str,
        password_env: str,
        signing_certificate: str,
        smtp_port: int = 465,
        imap_port: int = 993,
    ) -> None:
        self.address = validate_address(address, field_name="address")
        self.smtp_host, self.smtp_port = smtp_host, smtp_port
        self.imap_host, self.imap_port = imap_host, imap_port
        self.username = username
        self.password_env = password_env  # the name of an environment variable, never the secret
        self.signing_certificate = signing_certificate

    def _refuse(self) -> IntegrationError:
        return IntegrationError(
            _("The real KEP backend is an outline and has not been implemented."),
            code="not_implemented",
        )

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
        raise self._refuse()

    def fetch_incoming(self, *, since: dt.datetime | None = None) -> list[KEPMessage]:
        raise self._refuse()

    def evidence_for(self, message_id: str) -> list[Delil]:
        raise self._refuse()
