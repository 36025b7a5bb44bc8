"""Factories for the organization. Other apps reuse them (and the personas in conftest).

They write through the actions where the action does real work (unit paths), so the
objects they make are exactly what production code makes.
"""

from __future__ import annotations

import datetime as dt
import itertools

import factory
from django.utils import timezone

from cinar.identity.tests.factories import StaffFactory
from cinar.organization import actions
from cinar.organization.models import (
    Delegation,
    DelegationScope,
    Membership,
    Position,
    SignatureAction,
    StaffProfile,
    Unit,
    UnitKind,
)

_detsis = itertools.count(31000001)  # clear of the 243xxxxx numbers in fixtures and samples
_code = itertools.count(1)


def next_detsis() -> str:
    return f"{next(_detsis):08d}"


def make_unit(
    *,
    name: str | None = None,
    kind: str = UnitKind.UNIT,
    parent: Unit | None = None,
    code: str | None = None,
    detsis_number: str | None = "auto",
    manager=None,
    **extra,
) -> Unit:
    """A unit built by ``actions.unit_create`` (so its tree path is right)."""
    n = next(_code)
    return actions.unit_create(
        actor=None,
        name=name or f"Birim {n}",
        kind=kind,
        parent=parent,
        code=code or f"U{n}",
        detsis_number=next_detsis() if detsis_number == "auto" else detsis_number,
        manager=manager,
        **extra,
    )


def make_municipality(name: str = "Çınar Belediyesi", **extra) -> Unit:
    return make_unit(name=name, kind=UnitKind.MUNICIPALITY, **extra)


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"pos{n}")
    name = factory.Sequence(lambda n: f"Kadro {n}")
    rank = 30


def position(code: str, name: str, rank: int, *, managerial: bool = False) -> Position:
    return PositionFactory(code=code, name=name, rank=rank, is_managerial=managerial)


class StaffProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffProfile
        django_get_or_create = ("user",)

    user = factory.SubFactory(StaffFactory)
    registry_number = factory.Sequence(lambda n: f"S{n:05d}")
    title = "Memur"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(StaffFactory)
    unit = factory.LazyFunction(lambda: make_unit(kind=UnitKind.MUNICIPALITY))
    position = factory.SubFactory(PositionFactory)
    is_primary = True
    start_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=365))


def staff_in(unit: Unit, pos: Position, *, primary: bool = True, **user_kwargs):
    """A staff user with an active membership in ``unit`` as ``pos``."""
    user = StaffFactory(**user_kwargs)
    MembershipFactory(user=user, unit=unit, position=pos, is_primary=primary)
    return user


class DelegationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delegation

    principal = factory.SubFactory(StaffFactory)
    deputy = factory.SubFactory(StaffFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    scope = DelegationScope.ALL
    reason = "Yıllık izin"


__all__ = [
    "DelegationFactory",
    "MembershipFactory",
    "PositionFactory",
    "SignatureAction",
    "StaffProfileFactory",
    "make_municipality",
    "make_unit",
    "next_detsis",
    "position",
    "staff_in",
]
