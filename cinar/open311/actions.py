"""Writes of the Open311 app: client applications and posted service requests."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cinar.audit.actions import audit_record
from cinar.cases.actions import case_submit
from cinar.cases.types import ApplicantInput, Location
from cinar.open311.models import KEY_PREFIX_LENGTH, ClientApplication, hash_key
from cinar.open311.queries import Open311Error, bad_request

__all__ = [
    "DEMO_API_KEY",
    "client_application_create",
    "client_touch",
    "form_data_from_post",
    "open311_demo_client",
    "request_idempotency_key",
    "request_post",
    "request_submit",
]

# Published on purpose: the demo client's key (README). Never used outside demo data.
DEMO_API_KEY = "cinar-demo-open311-0000-000000000000"


def _new_key() -> str:
    return "o311_" + secrets.token_urlsafe(32)


@transaction.atomic
def client_application_create(
    *, actor: Any, name: str, contact: str = "", channel: str = "mobile", api_key: str = ""
) -> tuple[ClientApplication, str]:
    """A new client application and its API key (shown once; only its hash is kept)."""
    key = api_key or _new_key()
    client = ClientApplication(
        name=name.strip(),
        contact=contact,
        channel=channel,
        key_prefix=key[:KEY_PREFIX_LENGTH],
        key_hash=hash_key(key),
    )
    client.full_clean()
    client.save()
    audit_record(
        actor=actor,
        action="open311.client_created",
        target=client,
        data={"name": client.name, "channel": client.channel},
    )
    return client, key


def open311_demo_client(*, name: str = "Çınar Mobil (demo)") -> str:
    """The demo client application (created if missing); returns its published key."""
    if not ClientApplication.objects.filter(key_hash=hash_key(DEMO_API_KEY)).exists():
        client_application_create(actor=None, name=name, api_key=DEMO_API_KEY)
    return DEMO_API_KEY


def client_touch(*, client: ClientApplication) -> None:
    """Remember when a client last called (no audit: this is not a change of state)."""
    ClientApplication.objects.filter(pk=client.pk).update(last_used_at=timezone.now())


def request_idempotency_key(
    *, client: ClientApplication, header: str, device_id: str, data: Mapping[str, Sequence[str]]
) -> str:
    """The idempotency key of a posted request, namespaced by the client application.

    An explicit ``Idempotency-Key`` header wins; without one the key is a hash of the
    device id and the posted fields (a resent identical body is the same request).
    """
    if header:
        material = "header:" + header.strip()
    else:
        body = {k: sorted(v) for k, v in data.items() if k != "api_key"}
        material = "body:" + device_id + ":" + json.dumps(body, sort_keys=True)
    digest = hashlib.sha256(material.encode("utf-8")).hexdigest()
    return f"open311:{client.pk}:{digest}"


def request_submit(
    *,
    client: ClientApplication,
    service_code: str,
    applicant: Mapping[str, str],
    form_data: Mapping[str, Any],
    description: str,
    latitude: Any,
    longitude: Any,
    address: str,
    address_id: str,
    idempotency_key: str,
    language: str,
) -> Any:
    """Post a service request through the one submission action of every channel."""
    location = None
    if latitude is not None and longitude is not None:
        location = Location(
            latitude=latitude, longitude=longitude, address_text=address, uavt_code=address_id
        )
    elif address or address_id:
        location = Location(
            latitude=None, longitude=None, address_text=address, uavt_code=address_id
        )
    return case_submit(
        actor=None,
        service_code=service_code,
        channel=client.channel,
        applicant=ApplicantInput(
            user=None,
            first_name=applicant.get("first_name", ""),
            last_name=applicant.get("last_name", ""),
            email=applicant.get("email", ""),
            phone=applicant.get("phone", ""),
        ),
        form_data=dict(form_data),
        description=description,
        location=location,
        idempotency_key=idempotency_key,
        language=language,
    )


ATTRIBUTE_KEY = re.compile(r"^attribute\[(?P<code>[^\[\]]+)\](?P<multi>\[\])?$")
APPLICANT_FIELDS = ("first_name", "last_name", "email", "phone")
TEXT_LIMITS = {"description": 4000, "address_string": 500, "address_id": 10, "device_id": 200}


def form_data_from_post(data: Any) -> dict[str, Any]:
    """``attribute[CODE]=v`` and ``attribute[CODE][]=v1&attribute[CODE][]=v2`` → form data."""
    form: dict[str, Any] = {}
    for key in data:
        match = ATTRIBUTE_KEY.match(key)
        if not match:
            continue
        values = [str(v) for v in data.getlist(key)] if hasattr(data, "getlist") else [data[key]]
        if match["multi"]:
            form.setdefault(match["code"], []).extend(values)
        else:
            form[match["code"]] = values[-1] if values else ""
    return form


def _coordinate(data: Any, field: str, limit: int) -> Decimal | None:
    raw = str(data.get(field) or "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise bad_request(field, _("Enter a number in decimal degrees (WGS84).")) from None
    if not value.is_finite() or abs(value) > limit:
        raise bad_request(field, _("Out of range."))
    return value.quantize(Decimal("0.000001"))


def request_post(
    *, client: ClientApplication, data: Any, idempotency_header: str, language: str
) -> dict[str, Any]:
    """POST requests: parse the spec's form fields, submit, answer the spec's fields."""
    service_code = str(data.get("service_code") or "").strip()
    if not service_code:
        raise bad_request("service_code", _("This field is required."))
    for field, limit in TEXT_LIMITS.items():
        if len(str(data.get(field) or "")) > limit:
            raise bad_request(field, _("At most %(limit)s characters.") % {"limit": limit})
    lat = _coordinate(data, "lat", 90)
    long = _coordinate(data, "long", 180)
    if (lat is None) != (long is None):
        raise bad_request("lat" if lat is None else "long", _("Send both lat and long."))
    address = str(data.get("address_string") or "").strip()
    address_id = str(data.get("address_id") or "").strip()
    if lat is None and not address and not address_id:
        raise bad_request(
            "lat", _("A location is required: lat and long, address_string or address_id.")
        )
    device_id = str(data.get("device_id") or "")
    plain = (
        {k: [str(v) for v in data.getlist(k)] for k in data}
        if hasattr(data, "getlist")
        else {k: [str(v)] for k, v in data.items()}
    )
    key = request_idempotency_key(
        client=client, header=idempotency_header, device_id=device_id, data=plain
    )
    try:
        case = request_submit(
            client=client,
            service_code=service_code,
            applicant={f: str(data.get(f) or "").strip() for f in APPLICANT_FIELDS},
            form_data=form_data_from_post(data),
            description=str(data.get("description") or "").strip(),
            latitude=lat,
            longitude=long,
            address=address,
            address_id=address_id,
            idempotency_key=key,
            language=language,
        )
    except ValidationError as exc:
        raise Open311Error(400, _validation_text(exc)) from None
    client_touch(client=client)
    return {
        "service_request_id": case.tracking_code,
        "service_notice": _("Your application was received. Tracking code: %(code)s")
        % {"code": case.tracking_code},
        "account_id": None,
    }


def _validation_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)
