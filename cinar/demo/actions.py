"""Building the demo municipality through the public actions of every app below."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from cinar.cases.demo import cases_demo_load
from cinar.catalog.demo import catalog_demo_services
from cinar.core.identity_numbers import tckn_with_checksum, vkn_with_checksum
from cinar.demo import data
from cinar.demo.documents import demo_documents_load
from cinar.demo.processes import demo_processes_load
from cinar.documents.actions import file_plan_ensure_defaults
from cinar.documents.template_actions import document_templates_demo_load
from cinar.identity import actions as identity_actions
from cinar.identity.models import NotificationChannel, User
from cinar.open311.actions import open311_demo_client
from cinar.organization import actions as org
from cinar.organization.models import Unit

DEMO_DEVICE_NAME = "demo"


@dataclass(frozen=True)
class Summary:
    units: int
    staff: int
    citizens: int
    delegations: int
    services: int


@dataclass(frozen=True)
class Login:
    login: str
    description: str


def demo_already_loaded() -> bool:
    return Unit.objects.filter(code=data.TREE.code).exists()


def _create_units(spec: data.UnitSpec, parent: Unit | None, out: dict[str, Unit]) -> None:
    unit = org.unit_create(
        actor=None,
        name=spec.name,
        name_en=spec.name_en,
        kind=spec.kind,
        code=spec.code,
        parent=parent,
        detsis_number=spec.detsis,
        kep_address=spec.kep,
    )
    out[spec.code] = unit
    for child in spec.children:
        _create_units(child, unit, out)


def _give_demo_totp(user: User) -> None:
    TOTPDevice.objects.get_or_create(
        user=user,
        name=DEMO_DEVICE_NAME,
        defaults={"key": data.DEMO_TOTP_SECRET_HEX, "confirmed": True},
    )


@transaction.atomic
def demo_load(*, now: dt.datetime, with_applications: bool = True) -> Summary:
    """Build the demo municipality. ``with_applications=False`` leaves out the sample
    applications, for tests that count the cases they make themselves."""
    file_plan_ensure_defaults(actor=None)  # the letters below are filed under SDP codes
    units: dict[str, Unit] = {}
    _create_units(data.TREE, None, units)
    positions = org.positions_ensure_defaults(actor=None)
    roles = org.roles_ensure_defaults(actor=None)
    org.role_grant_permissions(
        actor=None, role=roles["system_admin"], permissions=["catalog.manage_services"]
    )

    staff: dict[str, User] = {}
    for spec in data.STAFF:
        user = org.staff_member_create(
            actor=None,
            username=spec.username,
            first_name=spec.first_name,
            last_name=spec.last_name,
            email=f"{spec.username}@cinar.bel.tr",
            unit=units[spec.unit],
            position=positions[spec.position],
            password=data.DEMO_PASSWORD,
            title=spec.title,
            registry_number=f"S-{len(staff) + 1001}",
            roles=[roles[code] for code in spec.roles],
        )
        if spec.superuser:
            User.objects.filter(pk=user.pk).update(is_superuser=True, is_staff=True)
            user.refresh_from_db()
        staff[spec.username] = user
    for spec in data.STAFF:
        if spec.manages:
            org.unit_set_manager(actor=None, unit=units[spec.manages], manager=staff[spec.username])

    for unit_code, position_code, kind, action in data.SIGNATURE_AUTHORITIES:
        org.signature_authority_grant(
            actor=None,
            unit=units[unit_code],
            position=positions[position_code],
            document_kind=kind,
            action=action,
            valid_from=now - dt.timedelta(days=365),
        )

    # The director of IT is on annual leave: her chief stands in for her (vekalet).
    org.delegation_create(
        actor=staff["bim.mudur"],
        principal=staff["bim.mudur"],
        deputy=staff["bim.sef"],
        starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=7),
        reason="Yıllık izin",
    )

    services = catalog_demo_services(actor=staff["admin"], units_by_code=units)
    # Each service's BPMN process, imported and linked (Service.process_key).
    demo_processes_load(actor=staff["admin"], services=services)

    document_templates_demo_load(actor=staff["admin"])
    open311_demo_client()
    demo_documents_load(staff=staff, units=units)

    for user in User.objects.filter(kind="staff"):
        if user.must_use_two_factor:
            _give_demo_totp(user)

    for citizen in data.CITIZENS:
        identity_actions.citizen_register(
            tckn=tckn_with_checksum(citizen.tckn_prefix),
            first_name=citizen.first_name,
            last_name=citizen.last_name,
            email=citizen.email,
            phone=citizen.phone,
            password=data.DEMO_PASSWORD,
            language="tr",
            channel=NotificationChannel.EMAIL,
        )
    identity_actions.company_user_register(
        vkn=vkn_with_checksum(data.COMPANY["vkn_prefix"]),
        company_name=data.COMPANY["company_name"],
        first_name=data.COMPANY["first_name"],
        last_name=data.COMPANY["last_name"],
        email=data.COMPANY["email"],
        phone=data.COMPANY["phone"],
        password=data.DEMO_PASSWORD,
    )
    # Applications on several channels, started through the one intake action.
    if with_applications:
        cases_demo_load(actor=staff["dhm.idari"])
    return Summary(
        units=len(units),
        staff=len(staff),
        citizens=len(data.CITIZENS) + 1,
        delegations=1,
        services=len(services),
    )


def demo_logins() -> list[Login]:
    """The accounts worth trying, in the order a visitor would."""
    rows: list[Login] = []
    wanted = ["admin", "baskan", "bim.mudur", "bim.sef", "bim.yazilim", "dhm.mudur", "spd.baskan"]
    users = {u.username: u for u in User.objects.filter(username__in=wanted)}
    for username in wanted:
        user = users.get(username)
        if user is None:
            continue
        flag = " [TOTP]" if user.must_use_two_factor else ""
        rows.append(Login(username, f"{user.get_full_name()} — {_title(user)}{flag}"))
    for citizen in data.CITIZENS:
        tckn = tckn_with_checksum(citizen.tckn_prefix)
        rows.append(Login(tckn, f"{citizen.first_name} {citizen.last_name} — citizen (TCKN)"))
    rows.append(Login(str(data.COMPANY["email"]), f"{data.COMPANY['company_name']} — company"))
    return rows


def _title(user: User) -> str:
    profile = getattr(user, "staff_profile", None)
    return getattr(profile, "title", "") or "staff"
