"""Personas on a small organization, reusable by other apps:

    Çınar Belediyesi (municipality)
    ├── Bilgi İşlem Müdürlüğü (directorate, manager: ``manager``)
    │   └── Yazılım Birimi (unit: ``staff_member``)
    └── Destek Hizmetleri Müdürlüğü (directorate: ``other_staff``)

``admin`` holds the Sistem Yöneticisi role municipality-wide (not a superuser, so no
second factor is needed in view tests); ``manager`` holds Birim Yöneticisi on Bilgi İşlem.
Other apps: ``from cinar.organization.tests.conftest import *`` in their conftest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from cinar.identity.tests.factories import CitizenFactory, StaffFactory
from cinar.organization import actions
from cinar.organization.models import Position, Unit, UnitKind
from cinar.organization.tests.factories import make_unit, staff_in


@dataclass
class Org:
    municipality: Unit
    bilgi_islem: Unit
    yazilim: Unit
    destek: Unit
    mudur: Position
    sef: Position
    memur: Position
    manager: Any
    staff_member: Any
    other_staff: Any
    admin: Any
    citizen: Any
    roles: dict


@pytest.fixture
def org(db) -> Org:
    positions = actions.positions_ensure_defaults()
    roles = actions.roles_ensure_defaults()
    municipality = make_unit(
        name="Çınar Belediyesi", kind=UnitKind.MUNICIPALITY, code="CINAR", detsis_number="24300000"
    )
    bilgi_islem = make_unit(
        name="Bilgi İşlem Müdürlüğü",
        name_en="IT Directorate",
        kind=UnitKind.DIRECTORATE,
        parent=municipality,
        code="BIM",
        detsis_number="24300100",
        kep_address="bilgiislem@hs01.kep.tr",
    )
    yazilim = make_unit(
        name="Yazılım Birimi", kind=UnitKind.UNIT, parent=bilgi_islem, code="BIM-YAZ"
    )
    destek = make_unit(
        name="Destek Hizmetleri Müdürlüğü",
        kind=UnitKind.DIRECTORATE,
        parent=municipality,
        code="DHM",
        detsis_number="24300200",
    )
    manager = staff_in(
        bilgi_islem, positions["mudur"], username="mudur", first_name="Ayşe", last_name="Yılmaz"
    )
    bilgi_islem = actions.unit_set_manager(actor=None, unit=bilgi_islem, manager=manager)
    staff_member = staff_in(
        yazilim, positions["memur"], username="memur", first_name="Ömer", last_name="Çelik"
    )
    other_staff = staff_in(
        destek, positions["memur"], username="destek", first_name="İpek", last_name="Şahin"
    )
    admin = StaffFactory(username="sysadmin", first_name="Zeynep", last_name="Arslan")
    actions.role_assign(actor=None, user=admin, role=roles["system_admin"], unit=None)
    actions.role_assign(actor=None, user=manager, role=roles["unit_manager"], unit=bilgi_islem)
    citizen = CitizenFactory()
    return Org(
        municipality=municipality,
        bilgi_islem=bilgi_islem,
        yazilim=yazilim,
        destek=destek,
        mudur=positions["mudur"],
        sef=positions["sef"],
        memur=positions["memur"],
        manager=manager,
        staff_member=staff_member,
        other_staff=other_staff,
        admin=admin,
        citizen=citizen,
        roles=roles,
    )
