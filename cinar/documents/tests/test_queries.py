import pytest
from django.db import connection
from django.http import Http404

from cinar.audit.models import AuditCategory, AuditEvent
from cinar.documents import actions
from cinar.documents.models import ApprovalStep, Confidentiality, Instruction
from cinar.documents.queries import (
    DocumentFilters,
    document_get_for_user,
    document_search,
    documents_visible_to,
    inbox_routings,
)
from cinar.identity.tests.factories import StaffFactory

from .conftest import draft, register, vekalet


def visible(user, doc) -> bool:
    return documents_visible_to(user=user).filter(pk=doc.pk).exists()


@pytest.fixture
def setup(docs):
    """One unclassified, one restricted and one secret incoming document of Bilgi İşlem,
    each routed to ``routed`` by name; a draft of Yazılım with a chain."""
    routed = StaffFactory(username="routed")
    from cinar.organization.tests.factories import MembershipFactory

    MembershipFactory(user=routed, unit=docs.org.destek, position=docs.org.memur)
    by_level = {}
    for level in (Confidentiality.UNCLASSIFIED, Confidentiality.RESTRICTED, Confidentiality.SECRET):
        doc = register(docs, confidentiality=level, subject=f"Seviye {level}")
        actions.document_route(
            actor=docs.records_officer, document=doc, to_user=routed, instruction="geregi"
        )
        by_level[level] = doc
    letter = draft(docs, confidentiality=Confidentiality.SECRET)
    actions.document_approval_chain_set(
        actor=docs.org.staff_member, document=letter, stages=[[(docs.org.manager, "imza")]]
    )
    return docs, routed, by_level, letter


def test_access_matrix_by_confidentiality(setup):
    docs, routed, by_level, letter = setup
    org = docs.org
    unclassified = by_level[Confidentiality.UNCLASSIFIED]
    restricted = by_level[Confidentiality.RESTRICTED]
    secret = by_level[Confidentiality.SECRET]
    expectations = {
        # user: (unclassified, restricted, secret, secret draft)
        "anonymous": (None, False, False, False, False),
        "citizen": (org.citizen, False, False, False, False),
        "other unit": (org.other_staff, False, False, False, False),
        "staff of the unit": (docs.chief_a, True, True, False, False),
        "staff of a sub-unit": (org.staff_member, False, False, False, True),  # wrote it
        "routed person": (routed, True, True, True, False),
        "chain member": (org.manager, True, True, False, True),
        "records officer": (docs.records_officer, True, True, True, False),
        "admin": (org.admin, True, False, False, False),
    }
    from django.contrib.auth.models import AnonymousUser

    for label, (user, *expected) in expectations.items():
        who = user or AnonymousUser()
        got = [visible(who, d) for d in (unclassified, restricted, secret, letter)]
        assert got == expected, label


def test_a_deputy_sees_the_pending_steps_of_their_principal(setup):
    docs, _routed, _by_level, letter = setup
    assert not visible(docs.deputy, letter)
    vekalet(docs.org.manager, docs.deputy)
    assert visible(docs.deputy, letter)


def test_routed_unit_members_see_unclassified_but_not_secret(docs):
    doc = register(docs)
    secret = register(docs, confidentiality=Confidentiality.SECRET)
    assert not visible(docs.org.other_staff, doc)
    actions.document_route(
        actor=docs.records_officer, document=doc, to_unit=docs.org.destek, instruction="bilgi"
    )
    assert visible(docs.org.other_staff, doc)
    assert not visible(docs.org.other_staff, secret)
    assert [r.document_id for r in inbox_routings(user=docs.org.other_staff)] == [doc.pk]


def test_reading_a_private_document_is_logged(docs):
    plain = register(docs)
    private = register(docs, confidentiality=Confidentiality.PRIVATE)
    before = AuditEvent.objects.filter(category=AuditCategory.ACCESS).count()
    document_get_for_user(user=docs.records_officer, pk=plain.pk)
    assert AuditEvent.objects.filter(category=AuditCategory.ACCESS).count() == before
    document_get_for_user(user=docs.records_officer, pk=private.pk)
    event = AuditEvent.objects.filter(category=AuditCategory.ACCESS).order_by("sequence").last()
    assert event.action == "documents.document.read" and event.target_id == str(private.pk)
    with pytest.raises(Http404):
        document_get_for_user(user=docs.org.other_staff, pk=private.pk)
    with pytest.raises(Http404):
        document_get_for_user(user=docs.org.citizen, pk=plain.pk)


# --- search -----------------------------------------------------------------------------------


def search(user, query, **filters):
    return list(document_search(user=user, filters=DocumentFilters(query=query, **filters)))


@pytest.fixture
def corpus(docs):
    a = register(docs, subject="İSTANBUL İl Müdürlüğü yazısı")
    b = register(
        docs,
        subject="Kaldırım onarımı",
        attachments=[("ek.txt", "Vatandaş başvurusu hakkında açıklama".encode())],
    )
    c = register(docs, subject="Istanbul toplantısı", confidentiality=Confidentiality.SECRET)
    d = draft(docs, subject="Çevre düzenlemesi", body_html="<p>Yapılan başvurular</p>")
    return docs, a, b, c, d


def test_search_folds_turkish_case_forms(corpus):
    docs, a, _b, c, _d = corpus
    officer = docs.records_officer  # registered (created) them all: sees the secret one too
    for query in ("istanbul", "İSTANBUL", "Istanbul", "ıstanbul", "İstanbul"):
        assert {x.pk for x in search(officer, query)} == {a.pk, c.pk}, query


def test_search_finds_stems_body_and_attachment_text(corpus):
    docs, _a, b, _c, d = corpus
    found = {x.pk for x in search(docs.org.staff_member, "başvurular")}
    assert d.pk in found
    found = {x.pk for x in search(docs.records_officer, "başvurusu")}
    assert b.pk in found
    assert [x.pk for x in search(docs.records_officer, "kaldırım onarımı")] == [b.pk]
    assert search(docs.records_officer, "otoyol") == []


def test_search_respects_visibility_and_filters(corpus):
    docs, a, b, c, d = corpus
    assert [x.pk for x in search(docs.chief_a, "istanbul")] == [a.pk]
    assert search(docs.org.other_staff, "istanbul") == []
    assert search(docs.org.citizen, "istanbul") == []
    assert {x.pk for x in search(docs.records_officer, "", direction="incoming")} == {
        a.pk,
        b.pk,
        c.pk,
    }
    assert search(docs.records_officer, "", file_plan_code="010") == []
    assert len(search(docs.records_officer, "", file_plan_code="000")) == 4  # the draft too
    assert [x.pk for x in search(docs.org.staff_member, "", direction="outgoing")] == [d.pk]


def test_search_backend_is_the_expected_one(db):
    from cinar.documents.search import is_postgres

    assert is_postgres() == (connection.vendor == "postgresql")


def test_list_query_count_does_not_grow(docs, django_assert_max_num_queries):
    for i in range(3):
        register(docs, subject=f"Yazı {i}")
    with django_assert_max_num_queries(8):
        rows = list(document_search(user=docs.records_officer))
        [(r.unit.name, r.file_plan_code.code, r.sender.name) for r in rows]
    for i in range(10):
        register(docs, subject=f"Yazı {i}")
    with django_assert_max_num_queries(8):
        rows = list(document_search(user=docs.records_officer))
        [(r.unit.name, r.file_plan_code.code, r.sender.name) for r in rows]
    assert len(rows) == 13
    assert ApprovalStep.objects.count() == 0
    assert Instruction.ACTION == "geregi"


def test_a_plural_finds_the_singular_and_stop_words_are_ignored(docs):
    doc = register(docs, subject="Kaldırım başvuru formu")
    other = register(docs, subject="Başvurusu yapılan kaldırımlar")
    found = {x.pk for x in search(docs.records_officer, "başvurular")}
    assert found == {doc.pk, other.pk}
    assert {x.pk for x in search(docs.records_officer, "BAŞVURU ve kaldırım")} == {
        doc.pk,
        other.pk,
    }
    assert [x.pk for x in search(docs.records_officer, doc.registration_number)] == [doc.pk]
