"""Round trips of ``case_submit`` (issue 5's submission target). The number of queries of
one web submission with an attachment is pinned, so that a change adding a round trip
to the one action behind every channel has to say so here (ADR 0028)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cinar.audit.models import AuditEvent
from cinar.audit.queries import audit_chain_verify
from cinar.cases.models import Case
from cinar.cases.tests.test_submit import _web
from cinar.documents.models import Document
from cinar.workflow.models import ProcessEvent, WorkItem

pytestmark = pytest.mark.django_db

# Three audit events (process started, document registered, case submitted): one
# statement each on PostgreSQL, three on SQLite (ADR 0027).
AUDIT = 3 * (1 if connection.vendor == "postgresql" else 3)
SUBMIT_QUERIES = {
    # before the transaction: nothing. The service, its active process version and form,
    # the intake account and the file plan code come from the intake cache (ADR 0036);
    # a repeated idempotency key is caught by the case INSERT.
    "checks": 0,
    # SAVEPOINT (BEGIN in production), case INSERT, attachment INSERT
    "case": 3,
    # instance INSERT (with the state its first run left), work item INSERT, events INSERT
    "process": 3,
    # correspondent, number, document INSERT (with its search text and, on PostgreSQL,
    # its search vector), version INSERT; no savepoint. The intake account's permission
    # (role assignments, user and group permissions) is remembered on the cached account.
    "registration": 4,
    # case UPDATE … RETURNING, which reads the process position in its subqueries
    "case_update": 1,
    # outbox: one INSERT … ON CONFLICT DO NOTHING; then RELEASE (COMMIT in production)
    "outbox": 2,
}


def test_a_web_submission_costs_a_fixed_number_of_queries(world):
    # Warm the caches (parsed process, intake cache). The first submission creates the
    # intake account, and saving an account empties the intake cache: warm twice.
    _web(world)
    _web(world)
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
    # The position read by the case UPDATE's subqueries: the newest event, the open step.
    stored = Case.objects.get(pk=case.pk)
    newest = ProcessEvent.objects.filter(instance=case.process_instance).latest("pk")
    step = WorkItem.objects.get(instance=case.process_instance).title
    assert (case.synced_event_id, case.current_step) == (newest.pk, step)
    assert (stored.synced_event_id, stored.current_step) == (newest.pk, step)
    assert stored.document_id == case.document_id and stored.due_at == case.due_at
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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="search vectors: PostgreSQL")
def test_the_vector_written_with_the_registration_is_the_indexers(world):
    """The INSERT writes the same vector as ``search_index_write`` would."""
    from cinar.documents.search import document_search_text, search_index_write

    case = _web(world)
    document = Document.objects.get(pk=case.document_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector::text FROM documents_document WHERE id = %s", [document.pk]
        )
        written = cursor.fetchone()[0]
        assert written and case.tracking_code.lower() in written
        text = Document.objects.filter(pk=document.pk).values_list("search_text", flat=True)[0]
        assert text
        # Indexing the stored document again gives the same vector.
        sender = document.sender
        search_index_write(
            document_id=document.pk,
            text=document_search_text(
                subject=document.subject,
                numbers=[
                    document.registration_number,
                    document.sender_number,
                    document.file_plan_code.code,
                ],
                sender=" ".join(
                    p for p in (sender.name, sender.detsis_number, sender.mersis_number) if p
                ),
                body_html=document.body_html,
                attachment_texts=[],
            ),
        )
        cursor.execute(
            "SELECT search_vector::text FROM documents_document WHERE id = %s", [document.pk]
        )
        assert cursor.fetchone()[0] == written
