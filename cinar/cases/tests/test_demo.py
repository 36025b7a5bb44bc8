from __future__ import annotations

import pytest

from cinar.cases.demo import cases_demo_load
from cinar.cases.models import Case
from cinar.identity.models import User

pytestmark = pytest.mark.django_db


def test_demo_cases_on_several_channels_and_idempotent(demo):
    operator = User.objects.get(username="admin")
    cases = cases_demo_load(actor=operator)
    assert {c.channel for c in cases} == {"web", "call_center", "service_desk"}
    assert all(c.process_instance_id and c.document_id for c in cases)
    desk = next(c for c in cases if c.channel == "service_desk")
    assert "Sancaktepe" in desk.address_text and desk.latitude is None
    count = Case.objects.count()
    cases_demo_load(actor=operator)
    assert Case.objects.count() == count
