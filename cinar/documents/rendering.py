"""From a document about to be signed to its signed PDF/A: the one bridge to the PDF
(``cinar.documents.pdf``) and signing (``cinar.documents.signing``) libraries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from cinar.documents.codes import verification_code_display
from cinar.documents.models import Document, RecipientPurpose
from cinar.organization.queries import primary_membership, unit_ancestors


def _title_of(user: Any) -> str:
    membership = primary_membership(user=user)
    if membership is None:
        return ""
    return f"{membership.position.name}"


def verification_url(code: str) -> str:
    base = str(getattr(settings, "CINAR_SITE_URL", "")).rstrip("/")
    try:
        path = reverse("verify:document", kwargs={"code": code})
    except NoReverseMatch:
        path = f"/dogrula/{code}/"
    return f"{base}{path}"


def letter_data(*, document: Document, signer: Any, on_behalf_of: Any | None) -> Any:
    """The ``LetterData`` the PDF library renders for ``document``."""
    from cinar.documents.pdf import LetterData, LetterSigner

    unit = document.unit
    chain = [*unit_ancestors(unit=unit), unit]
    institution_lines = tuple(u.name for u in chain)
    recipients = list(document.recipients.all())
    action = tuple(r.label for r in recipients if r.purpose == RecipientPurpose.ACTION)
    info = tuple(r.label for r in recipients if r.purpose == RecipientPurpose.INFORMATION)
    addressee: tuple[str, ...] = action[:1] if len(recipients) == 1 or not info else ()
    if len(action) == 1 and not info:
        addressee = action
    signer_block = LetterSigner(
        name=signer.get_full_name() or signer.get_username(),
        title=_title_of(signer),
        on_behalf_of_title=(_title_of(on_behalf_of) or "-") if on_behalf_of else None,
    )
    return LetterData(
        institution_lines=institution_lines,
        number=document.number or "",
        date=document.document_date or timezone.localdate(),
        subject=document.subject,
        addressee_lines=addressee,
        body_html=document.body_html,
        signers=(signer_block,),
        references=tuple(f"{r.text}" for r in document.references.all()),
        attachments=tuple(a.name for a in document.attachments.all()),
        distribution_action=action if len(recipients) > 1 or info else (),
        distribution_information=info,
        kep_address=getattr(document.number_unit or unit, "kep_address", "") or "",
        verification_code=verification_code_display(document.verification_code or ""),
        verification_url=verification_url(document.verification_code or ""),
        confidentiality=(
            document.get_confidentiality_display() if document.confidentiality else ""
        ),
        title=document.subject,
    )


def render_and_sign(
    *, document: Document, signer: Any, on_behalf_of: Any | None, backend: Any = None
) -> bytes:
    """Render the letter and add the signer's PAdES signature."""
    from cinar.documents.pdf import render_letter
    from cinar.documents.signing import get_signer, sign_pdf

    pdf = render_letter(letter_data(document=document, signer=signer, on_behalf_of=on_behalf_of))
    # The signer's own certificate (per person), not the institution's.
    signing_backend = backend or get_signer(person=signer.get_full_name() or signer.get_username())
    name = signer.get_full_name() or signer.get_username()
    if on_behalf_of is not None:
        principal = on_behalf_of.get_full_name() or on_behalf_of.get_username()
        name = f"{name} ({principal} V.)"
    return bytes(
        sign_pdf(
            pdf,
            signer=signing_backend,
            reason=f"{document.number} {document.subject}"[:200],
            location=document.unit.name,
            signer_name=name,
        )
    )


def signed_at_local(document: Document) -> dt.datetime | None:
    return timezone.localtime(document.signed_at) if document.signed_at else None
