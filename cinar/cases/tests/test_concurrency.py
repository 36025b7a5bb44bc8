"""Two double-clicks racing on PostgreSQL create one case (unique constraint +
IntegrityError handling)."""

from __future__ import annotations

import threading
import time
from unittest import mock

import pytest
from django.db import connection, connections

from cinar.cases.actions import case_submit
from cinar.cases.models import Case
from cinar.cases.types import ApplicantInput
from cinar.documents import actions as document_actions
from cinar.documents.models import Document
from cinar.workflow.models import ProcessInstance


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submit_creates_one_case(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks on the unique index")
    real = document_actions.document_register_incoming

    def slow_register(**kwargs):
        time.sleep(0.5)  # hold the first transaction open while the second inserts
        return real(**kwargs)

    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def submit():
        try:
            barrier.wait()
            case = case_submit(
                actor=world.a,
                service_code="TST-001",
                channel="web",
                applicant=ApplicantInput(user=world.a),
                form_data={"konu": "Çift tık"},
                idempotency_key="double-click",
            )
            results.append(case.pk)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    with mock.patch("cinar.cases.actions.document_register_incoming", slow_register):
        threads = [threading.Thread(target=submit) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert errors == []
    assert len(results) == 2 and results[0] == results[1]
    assert Case.objects.count() == 1
    assert Document.objects.count() == 1
    assert ProcessInstance.objects.count() == 1
