"""Demo documents: signed outgoing letters, an incoming KEP package, a routed document.

Everything goes through the documents app's public actions (draft → chain → paraf →
imza; the KEP handler for the incoming package). Idempotent: a second call changes
nothing once the demo letters exist.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from django.conf import settings

from cinar.identity.models import User
from cinar.organization.models import Unit

logger = logging.getLogger(__name__)

PEER_KEP = "valilik@hs01.kep.tr"
PEER_DETSIS = "21034006"  # İstanbul Valiliği in the DETSİS sandbox
BIM_SUBJECT = "Kent bilgi sistemi sunucularının yenilenmesi hakkında"
DHM_SUBJECT = "Hizmet binası temizlik hizmeti alımı hakkında"
INCOMING_SUBJECT = "Afet ve acil durum koordinasyon toplantısı hakkında"


def _sign_letter(
    *,
    author: User,
    unit: Unit,
    subject: str,
    body_html: str,
    recipient: Any,
    parafs: list[User],
    signer: User,
    signed_by: User,
) -> Any:
    from cinar.documents import actions
    from cinar.documents.models import ApprovalStep, Direction, StepKind

    document = actions.document_draft_create(
        actor=author,
        direction=Direction.OUTGOING,
        unit=unit,
        subject=subject,
        body_html=body_html,
        file_plan_code="000",  # Genel: the general code of the Standard File Plan
        recipients=[actions.RecipientInput(label=recipient.name, correspondent=recipient)],
    )
    stages: list[list[tuple[Any, str]]] = []
    if parafs:
        stages.append([(u, "paraf") for u in parafs])
    stages.append([(signer, "imza")])
    actions.document_approval_chain_set(actor=author, document=document, stages=stages)
    actions.document_submit_for_approval(actor=author, document=document)
    for step in ApprovalStep.objects.filter(document=document, kind=StepKind.PARAF):
        actions.approval_approve(actor=step.assignee, step=step)
    step = ApprovalStep.objects.get(document=document, kind=StepKind.IMZA)
    return actions.document_sign(actor=signed_by, step=step)


def _peer_package() -> bytes:
    from cinar.documents.eyazisma import build_package
    from cinar.documents.eyazisma.model import (
        Dagitim,
        DagitimTuru,
        IletisimBilgisi,
        Ivedilik,
        KurumKurulus,
    )
    from cinar.documents.eyazisma.testing import make_key_and_cert, sample_paket
    from cinar.integrations.registry import get_backend

    institution = get_backend("detsis").institution_by_detsis(PEER_DETSIS)
    root = Unit.objects.filter(parent__isnull=True).order_by("pk").first()
    paket = sample_paket(ekler=1, belge_no=f"E-{PEER_DETSIS}-040-318")
    ustveri = dataclasses.replace(
        paket.ustveri,
        konu=INCOMING_SUBJECT,
        olusturan=KurumKurulus(
            detsis_no=institution.detsis_number,
            adi=institution.name,
            iletisim=IletisimBilgisi(kep_adresi=PEER_KEP, il="İstanbul"),
        ),
        dagitimlar=(
            Dagitim(
                taraf=KurumKurulus(
                    detsis_no=(root.detsis_number or "") if root else "",
                    adi=str(root.name) if root else "Çınar Belediyesi",
                    iletisim=IletisimBilgisi(kep_adresi="cinarbelediyesi@hs01.kep.tr"),
                ),
                tur=DagitimTuru.GRG,
                ivedilik=Ivedilik.ACL,
                miat="P15D",
            ),
        ),
        ilgiler=(),
        sdp_kodu="040",
        sdp_adi="Toplantı, Kurul ve Komisyon İşleri",
    )
    return build_package(
        dataclasses.replace(paket, ustveri=ustveri),
        signer_key_and_cert=make_key_and_cert("Valilik Yetkilisi"),
        seal_key_and_cert=make_key_and_cert(institution.name),
    )


def demo_documents_load(*, staff: dict[str, User], units: dict[str, Unit]) -> int:
    """Signed outgoing letters, an incoming KEP package (registered and routed by the
    handler), and its havale to Bilgi İşlem. Returns how many documents were created."""
    from cinar.documents import actions
    from cinar.documents.models import Document
    from cinar.documents.signing import signing_dev_ca_ensure
    from cinar.integrations.registry import get_backend

    if Document.objects.filter(subject=BIM_SUBJECT).exists():
        return 0
    actions.document_roles_ensure_defaults()
    options = dict((getattr(settings, "CINAR_SIGNING", {}) or {}).get("OPTIONS") or {})
    if options.get("directory") and options.get("create_dev_ca", True):
        signing_dev_ca_ensure(
            options["directory"],
            signers=[staff[u].get_full_name() for u in ("bim.mudur", "bim.sef", "dhm.mudur")],
        )
    detsis = get_backend("detsis")
    peer = detsis.institution_by_detsis(PEER_DETSIS)
    valilik = actions.correspondent_resolve(
        sender=actions.SenderInput(
            kind="institution",
            name=peer.name,
            detsis_number=peer.detsis_number,
            kep_address=PEER_KEP,
        )
    )
    _sign_letter(
        author=staff["bim.yazilim"],
        unit=units["BIM-YZ"],
        subject=BIM_SUBJECT,
        body_html=(
            "<p>Belediyemiz kent bilgi sistemi sunucularının garanti süresi dolmuş olup "
            "yenilenmesi planlanmaktadır. İstanbul'daki veri merkezinde yapılacak "
            "çalışmalar için gerekli izinlerin verilmesini arz ederim.</p>"
        ),
        recipient=valilik,
        parafs=[staff["bim.destek"], staff["bim.network"]],
        signer=staff["bim.mudur"],
        signed_by=staff["bim.sef"],  # vekaleten: the director is on leave
    )
    _sign_letter(
        author=staff["dhm.satinalma"],
        unit=units["DHM-SA"],
        subject=DHM_SUBJECT,
        body_html=(
            "<p>Hizmet binamızın 2026 yılı temizlik hizmeti alımına ilişkin ihale "
            "dokümanı ekte sunulmuştur. Bilgilerinize arz ederim.</p>"
        ),
        recipient=valilik,
        parafs=[staff["dhm.ihale"]],
        signer=staff["dhm.mudur"],
        signed_by=staff["dhm.mudur"],
    )
    # An incoming package from a peer institution, through the sandbox KEP and the handler.
    kep = get_backend("kep")
    deliver = getattr(kep, "deliver_incoming", None)
    created = 2
    if deliver is not None:
        message = deliver(
            sender=PEER_KEP,
            subject=INCOMING_SUBJECT,
            attachments=[("valilik-yazisi.eyp", _peer_package(), "application/octet-stream")],
            message_id="<demo-valilik-1@hs01.kep.tr>",
        )
        summary = actions.kep_package_receive(
            message=message, file_name="valilik-yazisi.eyp", content=message.attachments[0][1]
        )
        logger.info("demo: incoming KEP package %s", summary)
        incoming = Document.objects.filter(subject=INCOMING_SUBJECT).first()
        if incoming is not None:
            created += 1
            records = staff["admin"]
            actions.document_route(
                actor=records,
                document=incoming,
                to_unit=units["BIM"],
                instruction="geregi",
                note="Koordinasyon toplantısına katılım için gereğini rica ederim.",
            )
    return created
