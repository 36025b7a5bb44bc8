import datetime as dt
import os

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cinar.audit.models import AuditEvent
from cinar.audit.queries import audit_chain_verify
from cinar.documents import archive_actions
from cinar.documents.models import (
    Attachment,
    Confidentiality,
    DisposalList,
    DisposalListStatus,
    Document,
    DocumentTombstone,
    DocumentVersion,
    Dossier,
    DossierStatus,
)

from .conftest import draft, login, register

OLD = dt.date(2015, 3, 2)


def grant(user, codename):
    user.user_permissions.add(
        Permission.objects.get(codename=codename, content_type__app_label="documents")
    )
    # drop Django's per-instance permission cache
    for attr in ("_perm_cache", "_user_perm_cache"):
        if hasattr(user, attr):
            delattr(user, attr)


@pytest.fixture
def archive(docs):
    """Two old incoming documents filed in one closed 000 file of Bilgi İşlem."""
    d1 = register(docs, document_date=OLD, attachments=[("a.txt", b"ilk ek metni")])
    d2 = register(
        docs,
        document_date=OLD,
        subject="Ayşe Yılmaz'ın dilekçesi",
        attachments=[("b.txt", b"ikinci ek")],
    )
    dossier = archive_actions.document_file(actor=docs.records_officer, document=d1)
    archive_actions.document_file(actor=docs.records_officer, document=d2)
    archive_actions.dossier_close(
        actor=docs.org.admin, dossier=dossier, closed_on=dt.date(2015, 12, 31)
    )
    committee = [docs.chief_a, docs.chief_b, docs.org.manager]
    for user in committee:
        grant(user, "approve_disposal")
    dossier.refresh_from_db()
    return docs, dossier, [d1, d2], committee


def approved_list(docs, committee):
    disposal_list = archive_actions.disposal_list_prepare(
        actor=docs.org.admin, as_of=dt.date.today()
    )
    archive_actions.disposal_committee_set(
        actor=docs.org.admin, disposal_list=disposal_list, members=committee, chair=committee[2]
    )
    for member in committee:
        archive_actions.disposal_decide(actor=member, disposal_list=disposal_list, approve=True)
    disposal_list.refresh_from_db()
    return disposal_list


# --- filing and retention --------------------------------------------------------------------


def test_filing_opens_one_file_per_code_unit_and_year(archive):
    docs, dossier, (d1, _d2), _committee = archive
    assert dossier.entries.count() == 2
    assert (dossier.file_plan_code.code, dossier.unit, dossier.year) == (
        "000",
        docs.org.bilgi_islem,
        2015,
    )
    assert dossier.display_number == "000/2015/1"
    with pytest.raises(ValidationError):
        archive_actions.document_file(actor=docs.records_officer, document=d1)
    d3 = register(docs, document_date=OLD)
    new = archive_actions.document_file(actor=docs.records_officer, document=d3)
    assert new.pk != dossier.pk and new.sequence == 2  # the closed year gets a new volume
    assert AuditEvent.objects.filter(action="documents.document.file").count() == 3


def test_drafts_are_not_filed_and_outsiders_may_not_file(docs):
    letter = draft(docs)
    with pytest.raises(ValidationError):
        archive_actions.document_file(actor=docs.org.staff_member, document=letter)
    incoming = register(docs)
    with pytest.raises(PermissionDenied):
        archive_actions.document_file(actor=docs.org.other_staff, document=incoming)
    assert Dossier.objects.count() == 0


def test_retention_dates_follow_the_file_plan_code(archive):
    docs, dossier, _d, _c = archive
    # 000: 2 years in the unit archive, 5 in the institution archive, then imha
    assert dossier.status == DossierStatus.CLOSED
    assert dossier.retention_start == dt.date(2016, 1, 1)
    assert dossier.unit_archive_until == dt.date(2018, 1, 1)
    assert dossier.disposal_due == dt.date(2023, 1, 1)
    assert dossier.disposal_action == "imha"
    moved = archive_actions.dossier_move_to_institution_archive(
        actor=docs.org.admin, dossier=dossier
    )
    assert moved.status == DossierStatus.IN_INSTITUTION_ARCHIVE
    fresh = register(docs)
    open_file = archive_actions.document_file(actor=docs.records_officer, document=fresh)
    assert open_file.disposal_due is None
    with pytest.raises(ValidationError):
        archive_actions.dossier_move_to_institution_archive(actor=docs.org.admin, dossier=open_file)
    with pytest.raises(PermissionDenied):
        archive_actions.dossier_close(actor=docs.org.staff_member, dossier=open_file)


# --- disposal --------------------------------------------------------------------------------


def test_prepare_lists_due_files_and_skips_held_ones(archive):
    docs, dossier, _d, _c = archive
    recent = register(docs)
    open_file = archive_actions.document_file(actor=docs.records_officer, document=recent)
    held_doc = register(docs, document_date=OLD, file_plan_code="045.03")
    held = archive_actions.document_file(actor=docs.records_officer, document=held_doc)
    archive_actions.dossier_close(actor=docs.org.admin, dossier=held, closed_on=dt.date(2015, 6, 1))
    archive_actions.dossier_legal_hold_set(actor=docs.org.admin, dossier=held, reason="Dava")
    with pytest.raises(PermissionDenied):
        archive_actions.disposal_list_prepare(actor=docs.chief_a, as_of=dt.date.today())
    disposal_list = archive_actions.disposal_list_prepare(
        actor=docs.org.admin, as_of=dt.date.today()
    )
    ids = set(disposal_list.items.values_list("dossier_id", flat=True))
    assert ids == {dossier.pk}
    assert open_file.pk not in ids and held.pk not in ids
    assert disposal_list.items.get().document_count == 2
    # already on an open list: a second list finds nothing
    with pytest.raises(ValidationError):
        archive_actions.disposal_list_prepare(actor=docs.org.admin, as_of=dt.date.today())


def test_committee_needs_three_qualified_members_and_all_approvals(archive):
    docs, _dossier, (d1, _d2), committee = archive
    disposal_list = archive_actions.disposal_list_prepare(
        actor=docs.org.admin, as_of=dt.date.today()
    )
    with pytest.raises(ValidationError):
        archive_actions.disposal_committee_set(
            actor=docs.org.admin, disposal_list=disposal_list, members=committee[:2]
        )
    with pytest.raises(ValidationError):
        archive_actions.disposal_committee_set(
            actor=docs.org.admin,
            disposal_list=disposal_list,
            members=[*committee[:2], docs.org.staff_member],
        )
    archive_actions.disposal_committee_set(
        actor=docs.org.admin, disposal_list=disposal_list, members=committee
    )
    with pytest.raises(PermissionDenied):
        archive_actions.disposal_decide(
            actor=docs.org.staff_member, disposal_list=disposal_list, approve=True
        )
    for member in committee[:2]:
        archive_actions.disposal_decide(actor=member, disposal_list=disposal_list, approve=True)
    disposal_list.refresh_from_db()
    assert disposal_list.status == DisposalListStatus.IN_APPROVAL
    with pytest.raises(ValidationError):
        archive_actions.disposal_execute(actor=docs.org.admin, disposal_list=disposal_list)
    with pytest.raises(ValidationError):  # a rejection needs a reason
        archive_actions.disposal_decide(
            actor=committee[2], disposal_list=disposal_list, approve=False
        )
    archive_actions.disposal_decide(
        actor=committee[2], disposal_list=disposal_list, approve=False, reason="Eksik liste"
    )
    disposal_list.refresh_from_db()
    assert disposal_list.status == DisposalListStatus.REJECTED
    with pytest.raises(ValidationError):
        archive_actions.disposal_execute(actor=docs.org.admin, disposal_list=disposal_list)
    d1.refresh_from_db()
    assert d1.subject != "[imha]" and not DocumentTombstone.objects.exists()


def test_execution_leaves_tombstones_audit_events_and_a_report(
    archive, django_capture_on_commit_callbacks
):
    docs, dossier, documents, committee = archive
    paths = [a.file.path for a in Attachment.objects.filter(document__in=documents)]
    assert all(os.path.exists(p) for p in paths)
    disposal_list = approved_list(docs, committee)
    assert disposal_list.status == DisposalListStatus.APPROVED
    with pytest.raises(PermissionDenied):
        archive_actions.disposal_execute(actor=committee[0], disposal_list=disposal_list)
    with django_capture_on_commit_callbacks(execute=True):
        archive_actions.disposal_execute(actor=docs.org.admin, disposal_list=disposal_list)
    disposal_list.refresh_from_db()
    dossier.refresh_from_db()
    assert disposal_list.status == DisposalListStatus.EXECUTED
    assert dossier.status == DossierStatus.DISPOSED
    for document in documents:
        document.refresh_from_db()
        tomb = DocumentTombstone.objects.get(document=document)
        assert tomb.number == document.registration_number
        assert tomb.document_date == OLD and tomb.file_plan_code == "000"
        assert tomb.dossier == dossier and tomb.disposal_list == disposal_list
        assert len(tomb.destroyed["attachments"]) == 1
        assert document.subject == "[imha]" and document.body_html == ""
        assert document.sender is None and "yilmaz" not in document.search_text
    assert not Attachment.objects.filter(document__in=documents).exists()
    assert not DocumentVersion.objects.filter(document__in=documents).exists()
    assert not any(os.path.exists(p) for p in paths)
    events = AuditEvent.objects.filter(action="documents.disposed")
    assert events.count() == 2
    assert all(e.data["disposal_list"] == disposal_list.pk for e in events)
    assert sorted(events[0].data["committee"]) == sorted(u.pk for u in committee)
    assert "Ayşe" not in " ".join(e.target_label for e in events)
    report = disposal_list.report_document
    assert report is not None and "İmha tutanağı" in report.subject
    assert dossier.display_number in report.body_html
    assert audit_chain_verify()[1] is None


def test_legal_hold_after_preparation_removes_the_file_and_blocks_its_destruction(archive):
    docs, dossier, (d1, _d2), committee = archive
    disposal_list = approved_list(docs, committee)
    archive_actions.dossier_legal_hold_set(
        actor=docs.org.admin, dossier=dossier, reason="Danıştay davası"
    )
    item = disposal_list.items.get()
    assert item.removed and "Danıştay" in item.removed_reason
    archive_actions.disposal_execute(actor=docs.org.admin, disposal_list=disposal_list)
    dossier.refresh_from_db()
    d1.refresh_from_db()
    assert dossier.status == DossierStatus.CLOSED and d1.subject != "[imha]"
    assert not DocumentTombstone.objects.exists()


def test_a_hold_that_reaches_the_list_unnoticed_blocks_the_whole_run(archive):
    docs, dossier, (d1, _d2), committee = archive
    disposal_list = approved_list(docs, committee)
    Dossier.objects.filter(pk=dossier.pk).update(legal_hold=True, legal_hold_reason="x")
    with pytest.raises(ValidationError) as exc:
        archive_actions.disposal_execute(actor=docs.org.admin, disposal_list=disposal_list)
    assert "legal hold" in str(exc.value)
    disposal_list.refresh_from_db()
    d1.refresh_from_db()
    assert disposal_list.status == DisposalListStatus.APPROVED
    assert d1.attachments.count() == 1 and not DocumentTombstone.objects.exists()


def test_a_failure_mid_way_rolls_everything_back(archive, monkeypatch):
    docs, dossier, documents, committee = archive
    disposal_list = approved_list(docs, committee)
    events_before = AuditEvent.objects.count()
    calls = []
    real = archive_actions.search_index_write

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(archive_actions, "search_index_write", flaky)
    with pytest.raises(RuntimeError):
        archive_actions.disposal_execute(actor=docs.org.admin, disposal_list=disposal_list)
    assert len(calls) == 2
    for document in documents:
        document.refresh_from_db()
        assert document.subject != "[imha]"
        assert document.attachments.count() == 1
        assert os.path.exists(document.attachments.get().file.path)
    dossier.refresh_from_db()
    disposal_list.refresh_from_db()
    assert dossier.status == DossierStatus.CLOSED
    assert disposal_list.status == DisposalListStatus.APPROVED
    assert not DocumentTombstone.objects.exists()
    assert AuditEvent.objects.count() == events_before


def test_transfer_lists_mark_files_transferred_and_keep_documents(docs):
    incoming = register(docs, document_date=OLD, file_plan_code="010")
    dossier = archive_actions.document_file(actor=docs.records_officer, document=incoming)
    archive_actions.dossier_close(
        actor=docs.org.admin, dossier=dossier, closed_on=dt.date(2005, 12, 31)
    )
    committee = [docs.chief_a, docs.chief_b, docs.org.manager]
    for user in committee:
        grant(user, "approve_disposal")
    with pytest.raises(ValidationError):  # 010 is not destroyed
        archive_actions.disposal_list_prepare(actor=docs.org.admin, as_of=dt.date.today())
    disposal_list = archive_actions.disposal_list_prepare(
        actor=docs.org.admin, as_of=dt.date.today(), action="devir"
    )
    archive_actions.disposal_committee_set(
        actor=docs.org.admin, disposal_list=disposal_list, members=committee
    )
    for member in committee:
        archive_actions.disposal_decide(actor=member, disposal_list=disposal_list, approve=True)
    archive_actions.disposal_execute(actor=docs.org.admin, disposal_list=disposal_list)
    dossier.refresh_from_db()
    incoming.refresh_from_db()
    assert dossier.status == DossierStatus.TRANSFERRED
    assert incoming.subject == "Yazılım lisansı başvurusu"
    assert AuditEvent.objects.filter(action="documents.dossier.transferred").count() == 1


# --- views -----------------------------------------------------------------------------------


def test_archive_views_authorization_matrix(client, archive):
    docs, dossier, _documents, _committee = archive
    secret = register(
        docs,
        document_date=OLD,
        subject="Gizli soruşturma",
        confidentiality=Confidentiality.SECRET,
    )
    Dossier.objects.filter(pk=dossier.pk).update(status=DossierStatus.OPEN)
    archive_actions.document_file(actor=docs.records_officer, document=secret, dossier=dossier)
    Dossier.objects.filter(pk=dossier.pk).update(status=DossierStatus.CLOSED)
    browse = reverse("documents:archive_browse")
    detail = reverse("documents:dossier_detail", args=[dossier.pk])
    lists = reverse("documents:disposal_lists")
    for url in (browse, detail, lists):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    expected = {
        docs.org.citizen: (403, 403, 403),
        docs.org.other_staff: (200, 404, 403),
        docs.org.staff_member: (200, 404, 403),  # Yazılım is below Bilgi İşlem
        docs.chief_a: (200, 200, 200),  # unit staff; committee right
        docs.org.admin: (200, 200, 200),
    }
    for user, (s_browse, s_detail, s_lists) in expected.items():
        client.logout()
        login(client, user)
        assert client.get(browse + "?code=000").status_code == s_browse, user
        response = client.get(detail)
        assert response.status_code == s_detail, user
        if s_detail == 200:
            html = response.content.decode()
            assert "Gizli soruşturma" not in html  # counted, never titled
            assert "3 documents" in html
        assert client.get(lists).status_code == s_lists, user
    client.logout()
    login(client, docs.chief_a)
    response = client.post(reverse("documents:dossier_hold", args=[dossier.pk]), {"reason": "x"})
    assert response.status_code == 403
    dossier.refresh_from_db()
    assert not dossier.legal_hold
    response = client.post(lists, {"as_of": dt.date.today().isoformat(), "action": "imha"})
    assert response.status_code == 403 and not DisposalList.objects.exists()
    client.logout()
    login(client, docs.org.admin)
    response = client.post(reverse("documents:dossier_hold", args=[dossier.pk]), {"reason": "Dava"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.legal_hold and dossier.legal_hold_by == docs.org.admin


def test_disposal_views_walk_and_matrix(client, archive):
    docs, _dossier, documents, committee = archive
    login(client, docs.org.admin)
    response = client.post(
        reverse("documents:disposal_lists"),
        {"as_of": dt.date.today().isoformat(), "action": "imha"},
    )
    disposal_list = DisposalList.objects.get()
    assert response["Location"] == reverse("documents:disposal_detail", args=[disposal_list.pk])
    client.post(
        reverse("documents:disposal_committee", args=[disposal_list.pk]),
        {"members": [u.pk for u in committee]},
    )
    disposal_list.refresh_from_db()
    assert disposal_list.status == DisposalListStatus.IN_APPROVAL
    client.logout()
    login(client, docs.org.other_staff)  # neither manager nor member
    detail = reverse("documents:disposal_detail", args=[disposal_list.pk])
    assert client.get(detail).status_code == 404
    assert (
        client.post(reverse("documents:disposal_approve", args=[disposal_list.pk])).status_code
        == 404
    )
    for member in committee:
        client.logout()
        login(client, member)
        assert client.get(detail).status_code == 200
        client.post(reverse("documents:disposal_approve", args=[disposal_list.pk]))
    disposal_list.refresh_from_db()
    assert disposal_list.status == DisposalListStatus.APPROVED
    response = client.post(reverse("documents:disposal_execute", args=[disposal_list.pk]))
    assert response.status_code == 403  # a member is not the archive manager
    assert not DocumentTombstone.objects.exists()
    client.logout()
    login(client, docs.org.admin)
    client.post(reverse("documents:disposal_execute", args=[disposal_list.pk]))
    disposal_list.refresh_from_db()
    assert disposal_list.status == DisposalListStatus.EXECUTED
    assert DocumentTombstone.objects.count() == len(documents)
    assert Document.objects.filter(pk=disposal_list.report_document_id).exists()
    assert settings.MEDIA_ROOT  # files were stored under the test's media root
