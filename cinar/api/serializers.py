"""Shapes of the REST API v1 (inputs validated here; writes go through actions)."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils import html

from cinar.cases.queries import case_last_update
from cinar.workflow.queries import step_name


class ValueSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    name = serializers.CharField(source="display_name")


class AttributeSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    label = serializers.CharField(source="display_label")
    description = serializers.CharField(source="display_description")
    datatype = serializers.CharField()
    required = serializers.BooleanField()
    order = serializers.IntegerField()
    values = ValueSerializer(many=True, source="values.all")


class DocumentSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(source="display_name")
    mandatory = serializers.BooleanField(source="is_mandatory")
    note = serializers.CharField()


class ServiceSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField(source="display_name")
    description = serializers.CharField(source="display_description")
    category = serializers.CharField(source="category.display_name", default="")
    unit = serializers.CharField(source="unit.name")
    fee = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    completion_days = serializers.IntegerField()
    channels = serializers.ListField(child=serializers.CharField())
    keywords = serializers.ListField(child=serializers.CharField(), source="keyword_list")


class ServiceDetailSerializer(ServiceSerializer):
    legal_basis = serializers.CharField()
    fee_note = serializers.CharField()
    documents = DocumentSerializer(many=True, source="documents.all")
    attributes = AttributeSerializer(many=True, source="attributes.all")


class StepNameField(serializers.CharField):
    """A process step's name in the reader's language (``cinar:nameEn``, where written)."""

    def to_representation(self, value: Any) -> str:
        return step_name(super().to_representation(value))


class CaseSerializer(serializers.Serializer[Any]):
    tracking_code = serializers.CharField()
    service_code = serializers.CharField(source="service.code")
    service_name = serializers.CharField(source="service.display_name")
    channel = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    current_step = StepNameField()
    description = serializers.CharField()
    form_data = serializers.DictField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    address = serializers.CharField(source="address_text")
    received_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.CharField()
    updated_at = serializers.SerializerMethodField(
        help_text=_(
            "When the application last changed as its timeline shows it (a step, a "
            "message, a document asked for or received, a result) or was closed."
        )
    )

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_updated_at(self, case: Any) -> str:
        # Written as the declared date-time fields are (received_at, closed_at…).
        return str(self.fields["received_at"].to_representation(case_last_update(case=case)))


class FormDataField(serializers.DictField):
    """The service form's answers: a JSON object; in a multipart upload (with
    attachments), the same object sent as a JSON string."""

    default_error_messages = {
        **serializers.DictField.default_error_messages,
        "not_json": _("Send the form data as a JSON object."),
    }

    def get_value(self, dictionary: Any) -> Any:
        if html.is_html_input(dictionary) and self.field_name in dictionary:
            return dictionary.get(self.field_name)
        return super().get_value(dictionary)

    def to_internal_value(self, data: Any) -> dict[Any, Any]:
        if isinstance(data, str):
            try:
                data = json.loads(data) if data.strip() else {}
            except ValueError:
                self.fail("not_json")
        return super().to_internal_value(data)


class CaseSubmitSerializer(serializers.Serializer[Any]):
    service_code = serializers.CharField(max_length=30, label=_("service code"))
    description = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, default="", label=_("description")
    )
    form_data = FormDataField(required=False, default=dict, label=_("form data"))
    attachments = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        required=False,
        default=list,
        label=_("attachments"),
        help_text=_(
            "Files (multipart/form-data, repeat the field); PDF, JPEG or PNG, checked by "
            "content. Send form_data as a JSON string in a multipart request."
        ),
    )
    latitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        required=False,
        allow_null=True,
        label=_("latitude"),
    )
    longitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        required=False,
        allow_null=True,
        label=_("longitude"),
    )
    address = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", label=_("address")
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (attrs.get("latitude") is None) != (attrs.get("longitude") is None):
            raise serializers.ValidationError({"longitude": _("Send both latitude and longitude.")})
        return attrs


class TimelineEntrySerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    title = serializers.CharField()
    detail = serializers.CharField()


class TokenRequestSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=254, label=_("TCKN, e-mail or username"))
    password = serializers.CharField(max_length=128, style={"input_type": "password"})
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(help_text=_("Shown once: send it as 'Authorization: Token …'."))
    prefix = serializers.CharField()
    created_at = serializers.DateTimeField()
