"""Round trips of ``case_submit`` (issue 5's submission target). The number of queries of
one web submission with an attachment is pinned, so that a change adding a round trip
to the one action behind every channel has to say so here (ADR 0028)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cinar.audit.models import AuditEvent
from cinar.audit.queries import audit_chain_verify
from cinar.cases.tests.test_submit import _web
from cinar.documents.models import Document
from cinar.workflow.models import WorkItem

pytestmark = pytest.mark.django_db

# Three audit events (process started, document registered, case submitted): one
# statement each on PostgreSQL, three on SQLite (ADR 0027).
AUDIT = 3 * (1 if connection.vendor == "postgresql" else 3)
SUBMIT_QUERIES = {
    # before the transaction: service + active process version, idempotency key, form
    # attributes and their values
    "checks": 5,
    # SAVEPOINT (BEGIN in production), case INSERT, attachment INSERT, intake account
    "case": 4,
    # instance INSERT, work item INSERT, instance UPDATE, events INSERT
    "process": 4,
    # registrar's permission (role assignments, user and group permissions), file plan
    # code, correspondent, number, document INSERT, version INSERT, search text (and on
    # PostgreSQL the search vector); no savepoint
    "registration": 10 if connection.vendor == "postgresql" else 9,
    # process position, case UPDATE
    "case_update": 2,
    # outbox: key lookup, SAVEPOINT, INSERT, RELEASE; then RELEASE (COMMIT in production)
    "outbox": 5,
}


def test_a_web_submission_costs_a_fixed_number_of_queries(world):
    _web(world)  # warm the caches (parsed process, intake account)
    with CaptureQueriesContext(connection) as ctx:
        case = _web(world)
    expected = sum(SUBMIT_QUERIES.values()) + AUDIT
    assert len(ctx.captured_queries) == expected, "\n".join(
        q["sql"][:140] for q in ctx.captured_queries
    )
    # ... and it still did everything.
    assert case.document is not None and case.document.registration_number
    assert Document.objects.get(pk=case.document_id).search_text
    assert WorkItem.objects.filter(instance=case.process_instance).count() == 1
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "cases.case.submitted",
        "documents.document.register",
        "workflow.instance_started",
    } <= actions
    assert audit_chain_verify()[1] is None


def test_the_registration_is_found_by_its_words_without_asking_again(world):
    """The search text is written from what the registration has in hand: subject,
    numbers, sender, body and the attachment names (no re-read of the document)."""
    case = _web(world)
    document = Document.objects.get(pk=case.document_id)
    assert case.tracking_code.lower() in document.search_text
    assert document.registration_number.lower() in document.search_text
    assert "dilekce.pdf" in document.search_text
