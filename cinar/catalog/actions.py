"""Writes to the catalog. Each action runs in one transaction with its audit event.

Authorization is the caller's job (views check ``queries.can_manage_service``); these
functions validate their input and raise ``ValidationError`` naming the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypedDict, Unpack

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cinar.audit.actions import audit_record
from cinar.catalog import excel
from cinar.catalog.attributes import (
    AttributeSpec,
    DocumentSpec,
    ValueSpec,
    attribute_spec_of,
    attribute_specs_validate,
)
from cinar.catalog.models import (
    AttributeValue,
    RequiredDocument,
    Service,
    ServiceAttribute,
    ServiceCategory,
    normalize_channels,
    validate_channels,
)
from cinar.organization import queries as organization

# --- categories ----------------------------------------------------------------------------

#: The inventory's usual headings (code, Turkish, English).
DEFAULT_CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("istek-sikayet", "İstek, Şikayet ve Öneri", "Requests, complaints and suggestions"),
    ("bilgi-edinme", "Bilgi Edinme", "Access to information"),
    ("imar", "İmar ve Şehircilik", "Zoning and urban planning"),
    ("ruhsat", "Ruhsat ve İzinler", "Licences and permits"),
    ("nikah", "Nikah İşlemleri", "Civil marriage"),
    ("sosyal-hizmetler", "Sosyal Hizmetler", "Social services"),
    ("egitim", "Eğitim ve Kurslar", "Education and courses"),
    ("bilgi-islem", "Bilgi İşlem", "Information technology"),
    ("destek-hizmetleri", "Destek Hizmetleri", "Support services"),
)


class CategoryFields(TypedDict, total=False):
    name: str
    name_en: str
    order: int


def category_create(
    *, actor: Any, code: str, name: str, name_en: str = "", order: int = 0
) -> ServiceCategory:
    with transaction.atomic():
        category = ServiceCategory(
            code=code.strip(), name=name.strip(), name_en=name_en.strip(), order=order
        )
        category.full_clean()
        category.save()
        audit_record(
            actor=actor,
            action="catalog.category.create",
            target=category,
            data={"code": category.code, "name": category.name},
        )
    return category


def category_update(
    *, actor: Any, category: ServiceCategory, **changes: Unpack[CategoryFields]
) -> ServiceCategory:
    with transaction.atomic():
        category = ServiceCategory.objects.select_for_update().get(pk=category.pk)
        diff: dict[str, list[Any]] = {}
        for name, value in changes.items():
            value = value.strip() if isinstance(value, str) else value
            before = getattr(category, name)
            if before != value:
                diff[name] = [before, value]
                setattr(category, name, value)
        if diff:
            category.full_clean()
            category.save()
            audit_record(actor=actor, action="catalog.category.update", target=category, data=diff)
    return category


def categories_ensure_defaults(*, actor: Any = None) -> dict[str, ServiceCategory]:
    """Create the usual categories if missing (idempotent)."""
    result: dict[str, ServiceCategory] = {}
    with transaction.atomic():
        existing = {c.code: c for c in ServiceCategory.objects.all()}
        for order, (code, name, name_en) in enumerate(DEFAULT_CATEGORIES, start=1):
            result[code] = existing.get(code) or category_create(
                actor=actor, code=code, name=name, name_en=name_en, order=order * 10
            )
    return result


# --- services ------------------------------------------------------------------------------


class ServiceFields(TypedDict, total=False):
    name: str
    name_en: str
    description: str
    description_en: str
    unit: Any
    category: ServiceCategory | None
    legal_basis: str
    fee: Decimal | int | str
    fee_note: str
    completion_days: int
    channels: list[str]
    visibility: str
    keywords: str
    is_active: bool
    process_key: str


_TEXT_FIELDS = frozenset(
    {
        "name",
        "name_en",
        "description",
        "description_en",
        "legal_basis",
        "fee_note",
        "process_key",
        "visibility",
    }
)


def _normalized(name: str, value: Any) -> Any:
    if name == "keywords":
        return ", ".join(k.strip() for k in (value or "").split(",") if k.strip())
    if name in _TEXT_FIELDS:
        return (value or "").strip()
    if name == "channels":
        channels = list(value or [])
        validate_channels(list(dict.fromkeys(channels)))
        return normalize_channels(channels)
    if name == "fee":
        try:
            return Decimal(str(value if value not in (None, "") else "0")).quantize(Decimal("0.01"))
        except ArithmeticError:
            raise ValidationError({"fee": [_("Enter a fee in lira, e.g. 125.50.")]}) from None
    return value


def _normalize_channels_field(changes: dict[str, Any]) -> None:
    if "channels" in changes:
        try:
            changes["channels"] = _normalized("channels", changes["channels"])
        except ValidationError as exc:
            raise ValidationError({"channels": exc.messages}) from None


def _plain(value: Any) -> Any:
    """A JSON-friendly form of a field value for the audit event."""
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "_meta"):
        return {"pk": value.pk, "code": getattr(value, "code", ""), "label": str(value)}
    return value


def _refresh_derived(service: Service) -> None:
    service.search_index = service.build_search_index()
    service.channels_index = service.build_channels_index()


def service_create(
    *,
    actor: Any,
    code: str,
    documents: Sequence[DocumentSpec] | None = None,
    attributes: Sequence[AttributeSpec] | None = None,
    **fields: Unpack[ServiceFields],
) -> Service:
    """Add a service to the inventory (with its documents and form, if given)."""
    values: dict[str, Any] = dict(fields)
    _normalize_channels_field(values)
    values = {k: (v if k == "channels" else _normalized(k, v)) for k, v in values.items()}
    with transaction.atomic():
        service = Service(code=(code or "").strip().upper(), updated_by=_user_or_none(actor))
        for name, value in values.items():
            setattr(service, name, value)
        _refresh_derived(service)
        service.full_clean()
        service.save()
        audit_record(
            actor=actor,
            action="catalog.service.create",
            target=service,
            data={k: _plain(getattr(service, k)) for k in ("code", *values.keys())},
        )
        if documents is not None:
            service_documents_set(actor=actor, service=service, documents=documents)
        if attributes is not None:
            service_form_define(actor=actor, service=service, attributes=attributes)
    return service


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) is not None else None


def service_update(*, actor: Any, service: Service, **changes: Unpack[ServiceFields]) -> Service:
    """Change a service's fields; only real changes are saved and audited."""
    values: dict[str, Any] = dict(changes)
    _normalize_channels_field(values)
    values = {k: (v if k == "channels" else _normalized(k, v)) for k, v in values.items()}
    with transaction.atomic():
        service = Service.objects.select_for_update().get(pk=service.pk)
        diff: dict[str, list[Any]] = {}
        for name, value in values.items():
            before = getattr(service, name)
            if before != value:
                diff[name] = [_plain(before), _plain(value)]
                setattr(service, name, value)
        if diff:
            service.updated_by = _user_or_none(actor)
            _refresh_derived(service)
            service.full_clean()
            service.save()
            audit_record(actor=actor, action="catalog.service.update", target=service, data=diff)
    return service


def _verbose(model: Any, field_name: str) -> str:
    try:
        field = model._meta.get_field(field_name)
    except FieldDoesNotExist:  # "__all__" and the like
        return field_name
    return str(getattr(field, "verbose_name", field_name))


def _touch(service: Service, actor: Any) -> None:
    service.updated_by = _user_or_none(actor)
    service.save(update_fields=["updated_by", "updated_at"])


def _document_specs(service: Service) -> list[DocumentSpec]:
    return [
        DocumentSpec(name=d.name, name_en=d.name_en, is_mandatory=d.is_mandatory, note=d.note)
        for d in service.documents.all()
    ]


def service_documents_set(
    *, actor: Any, service: Service, documents: Sequence[DocumentSpec]
) -> list[RequiredDocument]:
    """Replace the list of required documents (its order is the order given)."""
    rows: list[RequiredDocument] = []
    errors: list[str] = []
    for position, spec in enumerate(documents, start=1):
        doc = RequiredDocument(
            service=service,
            order=position,
            name=spec.name.strip(),
            name_en=spec.name_en.strip(),
            is_mandatory=bool(spec.is_mandatory),
            note=spec.note.strip(),
        )
        try:
            doc.full_clean(exclude=["service"])
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                label = _verbose(RequiredDocument, field_name)
                errors.extend(
                    _("Document %(n)d, %(field)s: %(message)s")
                    % {"n": position, "field": label, "message": m}
                    for m in messages
                )
        rows.append(doc)
    if errors:
        raise ValidationError({"documents": errors})
    with transaction.atomic():
        service = Service.objects.select_for_update().get(pk=service.pk)
        before = _document_specs(service)
        after = [
            DocumentSpec(name=d.name, name_en=d.name_en, is_mandatory=d.is_mandatory, note=d.note)
            for d in rows
        ]
        if before == after:
            return list(service.documents.all())
        service.documents.all().delete()
        for doc in rows:
            doc.service = service
        created = RequiredDocument.objects.bulk_create(rows)
        _touch(service, actor)
        audit_record(
            actor=actor,
            action="catalog.service.documents",
            target=service,
            data={"before": [d.name for d in before], "after": [d.name for d in after]},
        )
    return created


def _attribute_rows(
    service: Service, specs: Sequence[AttributeSpec]
) -> list[tuple[ServiceAttribute, list[AttributeValue]]]:
    """Unsaved rows for ``specs``, each checked against the model's field rules."""
    rows: list[tuple[ServiceAttribute, list[AttributeValue]]] = []
    errors: list[str] = []
    for position, spec in enumerate(specs, start=1):
        attribute = ServiceAttribute(
            service=service,
            order=position,
            code=spec.code.strip(),
            label=spec.label.strip(),
            label_en=spec.label_en.strip(),
            description=spec.description.strip(),
            description_en=spec.description_en.strip(),
            datatype=spec.datatype,
            required=bool(spec.required),
        )
        values = [
            AttributeValue(
                attribute=attribute,
                order=n,
                key=v.key.strip(),
                name=v.name.strip(),
                name_en=v.name_en.strip(),
            )
            for n, v in enumerate(spec.values, start=1)
        ]
        for obj, exclude in ((attribute, ["service"]), *((v, ["attribute"]) for v in values)):
            try:
                obj.full_clean(exclude=exclude, validate_unique=False)
            except ValidationError as exc:
                for field_name, messages in exc.message_dict.items():
                    label = _verbose(type(obj), field_name)
                    errors.extend(
                        _("Field %(code)s, %(field)s: %(message)s")
                        % {"code": spec.code or position, "field": label, "message": m}
                        for m in messages
                    )
        rows.append((attribute, values))
    if errors:
        raise ValidationError({"attributes": errors})
    return rows


def service_form_define(
    *, actor: Any, service: Service, attributes: Sequence[AttributeSpec]
) -> list[ServiceAttribute]:
    """Replace the application form of ``service`` with ``attributes`` (in that order).

    The whole definition is checked first (``attribute_specs_validate``): list fields
    need values, other fields have none, codes are unique identifiers.
    """
    try:
        attribute_specs_validate(attributes)
    except ValidationError as exc:
        raise ValidationError({"attributes": exc.messages}) from None
    rows = _attribute_rows(service, attributes)
    with transaction.atomic():
        service = Service.objects.select_for_update().get(pk=service.pk)
        before = [attribute_spec_of(a) for a in service.attributes.all().prefetch_related("values")]
        normalized = [
            AttributeSpec(
                code=a.code,
                label=a.label,
                label_en=a.label_en,
                description=a.description,
                description_en=a.description_en,
                datatype=a.datatype,
                required=a.required,
                values=tuple(ValueSpec(key=v.key, name=v.name, name_en=v.name_en) for v in values),
            )
            for a, values in rows
        ]
        if before == normalized:
            return list(service.attributes.all())
        service.attributes.all().delete()
        saved: list[ServiceAttribute] = []
        all_values: list[AttributeValue] = []
        for attribute, values in rows:
            attribute.service = service
            attribute.save()
            saved.append(attribute)
            for v in values:
                v.attribute = attribute
            all_values.extend(values)
        AttributeValue.objects.bulk_create(all_values)
        _touch(service, actor)
        audit_record(
            actor=actor,
            action="catalog.service.form",
            target=service,
            data={
                "before": [f"{s.code}:{s.datatype}" for s in before],
                "after": [f"{s.code}:{s.datatype}" for s in normalized],
            },
        )
    return saved


# --- import ----------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    """What an import did (or, with ``dry_run``, would do)."""

    dry_run: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    categories_created: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + len(self.unchanged)


class _DryRunRollback(Exception):
    pass


def catalog_import(*, actor: Any, data: bytes, dry_run: bool = False) -> ImportSummary:
    """Create or update services (by code) from an Excel workbook in the export format.

    All or nothing: any error in any row leaves the database as it was and raises
    ``cinar.catalog.excel.CatalogImportError`` listing every problem by sheet, row
    and column. Each service found in the file gets exactly the documents and form
    fields the file lists for it; services not in the file are left alone.
    """
    parsed = excel.catalog_workbook_parse(data)
    summary = ImportSummary(dry_run=dry_run)
    try:
        with transaction.atomic():
            errors = _catalog_apply(actor=actor, parsed=parsed, summary=summary)
            if errors:
                raise excel.CatalogImportError(errors)
            audit_record(
                actor=actor,
                action="catalog.import",
                data={
                    "created": summary.created,
                    "updated": summary.updated,
                    "unchanged": len(summary.unchanged),
                    "categories_created": summary.categories_created,
                },
            )
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        pass
    return summary


def _service_state(service: Service) -> tuple[Any, ...]:
    return (
        _document_specs(service),
        [attribute_spec_of(a) for a in service.attributes.all().prefetch_related("values")],
    )


def _catalog_apply(*, actor: Any, parsed: excel.ParsedCatalog, summary: ImportSummary) -> list[str]:
    """Write a parsed workbook; return the errors (the caller rolls back if any)."""
    errors: list[str] = []
    columns = {c.key: c for c in excel.SERVICE_COLUMNS}
    categories = {c.code: c for c in ServiceCategory.objects.all()}
    for cat in parsed.categories:
        existing = categories.get(cat.code)
        try:
            with transaction.atomic():
                if existing is None:
                    categories[cat.code] = category_create(
                        actor=actor,
                        code=cat.code,
                        name=cat.name,
                        name_en=cat.name_en,
                        order=cat.order,
                    )
                    summary.categories_created.append(cat.code)
                else:
                    category_update(
                        actor=actor,
                        category=existing,
                        name=cat.name,
                        name_en=cat.name_en,
                        order=cat.order,
                    )
        except ValidationError as exc:
            errors.extend(
                excel.cell_error(excel.SHEET_CATEGORIES, cat.row, None, m) for m in exc.messages
            )
    existing_services = {
        s.code: s for s in Service.objects.filter(code__in=[r.code for r in parsed.services])
    }
    for row in parsed.services:
        sheet = excel.SHEET_SERVICES
        unit = organization.unit_find(reference=row.unit_ref)
        if unit is None:
            errors.append(
                excel.cell_error(
                    sheet,
                    row.row,
                    columns["unit"],
                    _("no unit has the DETSİS number or code %(ref)s.") % {"ref": row.unit_ref},
                )
            )
            continue
        category = None
        if row.category_code:
            category = categories.get(row.category_code)
            if category is None:
                errors.append(
                    excel.cell_error(
                        sheet,
                        row.row,
                        columns["category"],
                        _("no category has the code %(code)s.") % {"code": row.category_code},
                    )
                )
                continue
        fields: dict[str, Any] = {**row.fields, "unit": unit, "category": category}
        documents = parsed.documents.get(row.code, [])
        attributes = parsed.attributes.get(row.code, [])
        try:
            with transaction.atomic():
                service = existing_services.get(row.code)
                if service is None:
                    service_create(
                        actor=actor,
                        code=row.code,
                        documents=documents,
                        attributes=attributes,
                        **fields,
                    )
                    summary.created.append(row.code)
                    continue
                before = (
                    {k: getattr(service, k) for k in fields},
                    _service_state(service),
                )
                service = service_update(actor=actor, service=service, **fields)
                service_documents_set(actor=actor, service=service, documents=documents)
                service_form_define(actor=actor, service=service, attributes=attributes)
                service.refresh_from_db()
                after = ({k: getattr(service, k) for k in fields}, _service_state(service))
                (summary.updated if before != after else summary.unchanged).append(row.code)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                for message in messages:
                    if key == "documents":
                        errors.append(
                            excel.cell_error(
                                excel.SHEET_DOCUMENTS,
                                parsed.document_rows.get(row.code, row.row),
                                None,
                                f"{row.code}: {message}",
                            )
                        )
                    elif key == "attributes":
                        errors.append(
                            excel.cell_error(
                                excel.SHEET_ATTRIBUTES,
                                parsed.attribute_rows.get(row.code, row.row),
                                None,
                                f"{row.code}: {message}",
                            )
                        )
                    else:
                        errors.append(excel.cell_error(sheet, row.row, columns.get(key), message))
    return errors
