"""The staff case page shows the service form's answers with the catalog's questions and
value names, not their codes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cinar.cases import actions
from cinar.cases.tests.conftest import login, new_key
from cinar.cases.types import ApplicantInput

pytestmark = pytest.mark.django_db


def test_form_answers_are_shown_with_their_labels(client, world):
    case = actions.case_submit(
        actor=world.a,
        service_code="TST-001",
        channel="web",
        applicant=ApplicantInput(user=world.a),
        form_data={"konu": "Kaldırımda çukur"},
        idempotency_key=new_key(),
    )
    case.form_data = {**case.form_data, "eski_alan": "eski değer"}  # a field since removed
    case.save(update_fields=["form_data"])
    login(client, world.staff)
    content = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert (
        '<dt class="col-sm-4">Konu</dt><dd class="col-sm-8 text-break">Kaldırımda çukur</dd>'
        in content
    )
    assert '<dt class="col-sm-4">eski_alan</dt>' in content
    assert "<code>konu</code>" not in content
