"""Writes for document templates (şablonlar): create, edit (a new version), draft from one,
and the demo set. Keyword-only, atomic, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from cinar.audit.actions import audit_record
from cinar.documents import actions as document_actions
from cinar.documents.models import (
    Confidentiality,
    Document,
    DocumentFromTemplate,
    DocumentTemplate,
    DocumentTemplateVersion,
    FilePlanCode,
    TemplateDirection,
    Urgency,
)
from cinar.documents.models.template import validate_template_code
from cinar.documents.template_queries import (
    can_manage_templates,
    template_current_version,
)
from cinar.documents.templating import template_context_build, template_render, template_validate
from cinar.organization.models import Unit

__all__ = [
    "document_draft_from_template",
    "document_template_create",
    "document_template_update",
    "document_templates_demo_load",
]

_UNSET: Any = object()


def _require_manager(actor: Any) -> None:
    if not can_manage_templates(user=actor):
        raise PermissionDenied(_("You may not manage document templates."))


def _clean_name(name: str, field: str = "name") -> str:
    text = " ".join((name or "").split())
    if not text:
        raise ValidationError({field: _("Enter the name.")})
    return text[:200]


def _clean_code(code: FilePlanCode | str | None) -> FilePlanCode | None:
    if code is None or code == "":
        return None
    if isinstance(code, FilePlanCode):
        return code
    found = FilePlanCode.objects.filter(code=str(code).strip(), is_active=True).first()
    if found is None:
        raise ValidationError({"file_plan_code": _("Choose a file plan code.")})
    return found


def _clean_direction(direction: str) -> str:
    if direction not in TemplateDirection.values:
        raise ValidationError({"direction": _("Choose outgoing or internal.")})
    return direction


def document_template_create(
    *,
    actor: Any,
    code: str,
    name: str,
    subject_template: str,
    body_template: str,
    direction: str = TemplateDirection.OUTGOING,
    name_en: str = "",
    file_plan_code: FilePlanCode | str | None = None,
    placeholders: str = "",
    is_active: bool = True,
) -> DocumentTemplate:
    """A new template with its first version; the texts must stay in the safe subset."""
    _require_manager(actor)
    code = (code or "").strip()
    try:
        validate_template_code(code)
    except ValidationError as exc:
        raise ValidationError({"code": exc.messages}) from None
    if DocumentTemplate.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A template with this code exists.")})
    name = _clean_name(name)
    direction = _clean_direction(direction)
    plan = _clean_code(file_plan_code)
    template_validate(subject_template=subject_template, body_template=body_template)
    with transaction.atomic():
        template = DocumentTemplate.objects.create(
            code=code,
            name=name,
            name_en=" ".join((name_en or "").split())[:200],
            direction=direction,
            file_plan_code=plan,
            is_active=is_active,
            created_by=actor,
        )
        version = DocumentTemplateVersion.objects.create(
            template=template,
            number=1,
            subject_template=subject_template.strip(),
            body_template=body_template.strip(),
            placeholders=placeholders.strip(),
            author=actor,
        )
        audit_record(
            actor=actor,
            action="documents.template.create",
            target=template,
            data={"code": code, "version": version.number},
        )
    return template


def document_template_update(
    *,
    actor: Any,
    template: DocumentTemplate,
    name: str | None = None,
    name_en: str | None = None,
    direction: str | None = None,
    file_plan_code: FilePlanCode | str | None = _UNSET,
    is_active: bool | None = None,
    subject_template: str | None = None,
    body_template: str | None = None,
    placeholders: str | None = None,
) -> DocumentTemplate:
    """Change metadata in place; a changed text (subject, body, placeholders) is a new
    version — drafts made earlier keep theirs."""
    _require_manager(actor)
    with transaction.atomic():
        locked = DocumentTemplate.objects.select_for_update().get(pk=template.pk)
        current = template_current_version(template=locked)
        changed: list[str] = []
        if name is not None and _clean_name(name) != locked.name:
            locked.name = _clean_name(name)
            changed.append("name")
        if name_en is not None and " ".join(name_en.split())[:200] != locked.name_en:
            locked.name_en = " ".join(name_en.split())[:200]
            changed.append("name_en")
        if direction is not None and _clean_direction(direction) != locked.direction:
            locked.direction = direction
            changed.append("direction")
        if file_plan_code is not _UNSET:
            plan = _clean_code(file_plan_code)
            if getattr(plan, "pk", None) != locked.file_plan_code_id:
                locked.file_plan_code = plan
                changed.append("file_plan_code")
        if is_active is not None and bool(is_active) != locked.is_active:
            locked.is_active = bool(is_active)
            changed.append("is_active")
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
        new_subject = (
            subject_template.strip() if subject_template is not None else current.subject_template
        )
        new_body = body_template.strip() if body_template is not None else current.body_template
        new_placeholders = (
            placeholders.strip() if placeholders is not None else current.placeholders
        )
        version = current
        if (new_subject, new_body, new_placeholders) != (
            current.subject_template,
            current.body_template,
            current.placeholders,
        ):
            template_validate(subject_template=new_subject, body_template=new_body)
            last = locked.versions.aggregate(m=Max("number"))["m"] or 0
            version = DocumentTemplateVersion.objects.create(
                template=locked,
                number=last + 1,
                subject_template=new_subject,
                body_template=new_body,
                placeholders=new_placeholders,
                author=actor,
            )
            changed.append("text")
        if changed:
            audit_record(
                actor=actor,
                action="documents.template.update",
                target=locked,
                data={"fields": changed, "version": version.number},
            )
    return locked


def document_draft_from_template(
    *,
    actor: Any,
    template: DocumentTemplate,
    unit: Unit,
    applicant: dict[str, Any] | None = None,
    case: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    file_plan_code: FilePlanCode | str | None = None,
    recipients: Iterable[Any] = (),
    references: Iterable[Any] = (),
    confidentiality: int = Confidentiality.UNCLASSIFIED,
    urgency: str = Urgency.NORMAL,
    due_date: dt.date | None = None,
) -> Document:
    """A draft whose subject and body are the template's current version filled from the
    data pool (values HTML-escaped; the body sanitised by the draft action). Callers pass
    what they know of the applicant and the case as plain dicts."""
    if not template.is_active:
        raise ValidationError({"template": _("This template is not active.")})
    version = template_current_version(template=template)
    context = template_context_build(
        unit=unit, author=actor, applicant=applicant, case=case, extra=extra
    )
    subject, body = template_render(
        subject_template=version.subject_template,
        body_template=version.body_template,
        context=context,
    )
    plan = file_plan_code or template.file_plan_code
    if plan is None:
        raise ValidationError({"file_plan_code": _("Choose a file plan code.")})
    with transaction.atomic():
        document = document_actions.document_draft_create(
            actor=actor,
            direction=template.direction,
            unit=unit,
            subject=subject,
            body_html=body,
            file_plan_code=plan,
            recipients=recipients,
            references=references,
            confidentiality=confidentiality,
            urgency=urgency,
            due_date=due_date,
        )
        DocumentFromTemplate.objects.create(document=document, template_version=version)
        audit_record(
            actor=actor,
            action="documents.document.from_template",
            target=document,
            data={"template": template.code, "version": version.number},
        )
    return document


# --- demo ------------------------------------------------------------------------------------

_APPLICANT_PLACEHOLDERS = (
    "applicant.name — applicant's full name\n"
    "applicant.address — postal address\n"
    "case.tracking_code — the application's tracking code\n"
    "case.submitted_on — date of the application (ISO date)\n"
    "case.subject — what it is about\n"
    "case.answer — the answer, as plain text\n"
    "case.items — attachments listed in the answer (list of text)"
)

DEMO_TEMPLATES: tuple[dict[str, Any], ...] = (
    {
        "code": "bilgi-edinme-cevap",
        "name": "Bilgi edinme başvurusu cevabı",
        "name_en": "Reply to a freedom-of-information request",
        "direction": TemplateDirection.OUTGOING,
        "file_plan_code": "090",
        "subject_template": "Bilgi edinme başvurunuz ({{ case.tracking_code }})",
        "body_template": (
            "<p>Sayın {{ applicant.name|default:'Başvuru Sahibi' }},</p>\n"
            "<p>{{ case.submitted_on|date:'j F Y' }} tarihinde {{ case.tracking_code }} "
            "takip numarasıyla Belediyemize yaptığınız bilgi edinme başvurunuz, 4982 sayılı "
            "Bilgi Edinme Hakkı Kanunu kapsamında {{ unit.name }} tarafından "
            "incelenmiştir.</p>\n"
            "<p>{{ case.answer }}</p>\n"
            "{% if case.items %}<p>Ekler:</p><ol>{% for item in case.items %}"
            "<li>{{ item }}</li>{% endfor %}</ol>{% endif %}\n"
            "<p>Kanunun 13 üncü maddesi uyarınca, başvurunuzun reddedilmesi hâlinde bu "
            "cevabın tebliğinden itibaren on beş gün içinde Bilgi Edinme Değerlendirme "
            "Kuruluna itiraz edebilirsiniz.</p>\n"
            "<p>Bilgilerinize rica ederim.</p>"
        ),
        "placeholders": _APPLICANT_PLACEHOLDERS,
    },
    {
        "code": "istek-sikayet-cevap",
        "name": "İstek/şikâyet cevabı",
        "name_en": "Reply to a request or complaint",
        "direction": TemplateDirection.OUTGOING,
        "file_plan_code": "000",
        "subject_template": "{{ case.subject|default:'Başvurunuz' }} hk.",
        "body_template": (
            "<p>Sayın {{ applicant.name|default:'Başvuru Sahibi' }},</p>\n"
            "<p>{{ case.submitted_on|date:'j F Y' }} tarihli ve {{ case.tracking_code }} "
            "numaralı istek/şikâyet başvurunuz {{ unit.name }} tarafından "
            "incelenmiştir.</p>\n"
            "<p>{{ case.answer }}</p>\n"
            "<p>3071 sayılı Dilekçe Hakkının Kullanılmasına Dair Kanun uyarınca "
            "bilgilerinize sunulur.</p>"
        ),
        "placeholders": _APPLICANT_PLACEHOLDERS,
    },
    {
        "code": "kurum-yazisi",
        "name": "Kurum yazısı (genel)",
        "name_en": "Letter to an institution (general)",
        "direction": TemplateDirection.OUTGOING,
        "file_plan_code": "000",
        "subject_template": "{{ extra.subject|default:'Konu' }}",
        "body_template": (
            "<p>{{ extra.paragraph|default:'Yazının metni.' }}</p>\n"
            "<p>Bilgilerinizi ve gereğini arz ederim.</p>"
        ),
        "placeholders": "extra.subject — the subject (konu)\nextra.paragraph — the main text",
    },
    {
        "code": "bilgi-notu",
        "name": "İç yazışma (bilgi notu)",
        "name_en": "Internal memo (bilgi notu)",
        "direction": TemplateDirection.INTERNAL,
        "file_plan_code": "041.02",
        "subject_template": "Bilgi notu: {{ extra.topic|default:'Konu' }}",
        "body_template": (
            "<h3>BİLGİ NOTU</h3>\n"
            "<p><strong>Konu:</strong> {{ extra.topic|default:'Konu' }}</p>\n"
            "<p><strong>Birim:</strong> {{ unit.hierarchy_text }}</p>\n"
            "<p>{{ extra.summary|default:'Özet bilgi.' }}</p>\n"
            "<p>{{ author.name }}, {{ author.title|default:'' }} — {{ today_text }}</p>"
        ),
        "placeholders": "extra.topic — what the memo is about\nextra.summary — the text",
    },
)


def document_templates_demo_load(*, actor: Any = None) -> list[DocumentTemplate]:
    """Create the four demo templates that are missing (idempotent; for seed_demo).

    ``actor=None`` (the system) is allowed here: demo data is loaded from the shell."""
    loaded: list[DocumentTemplate] = []
    with transaction.atomic():
        for spec in DEMO_TEMPLATES:
            existing = DocumentTemplate.objects.filter(code=spec["code"]).first()
            if existing is not None:
                loaded.append(existing)
                continue
            template_validate(
                subject_template=spec["subject_template"], body_template=spec["body_template"]
            )
            template = DocumentTemplate.objects.create(
                code=spec["code"],
                name=spec["name"],
                name_en=spec["name_en"],
                direction=spec["direction"],
                file_plan_code=FilePlanCode.objects.filter(code=spec["file_plan_code"]).first(),
                created_by=actor,
            )
            DocumentTemplateVersion.objects.create(
                template=template,
                number=1,
                subject_template=spec["subject_template"],
                body_template=spec["body_template"],
                placeholders=spec["placeholders"],
                author=actor,
            )
            audit_record(
                actor=actor,
                action="documents.template.create",
                target=template,
                data={"code": template.code, "version": 1, "demo": True},
            )
            loaded.append(template)
    return loaded
