from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cinar.audit.actions import audit_record
from cinar.audit.models import AuditCategory, AuditEvent

from .conftest import login, make_user

LIST_URL = "/staff/audit/"


@pytest.fixture
def events(db):
    owner = make_user("owner", first_name="Zeynep", last_name="Kaya")
    deputy = make_user("deputy", first_name="Hakan", last_name="Çelik")
    return [
        audit_record(actor=owner, action="case.submit", target=owner, data={"n": 1}),
        audit_record(
            actor=deputy,
            action="document.sign",
            target=deputy,
            on_behalf_of=owner,
            data={"n": 2},
        ),
        audit_record(
            actor=deputy,
            action="personal_data.read",
            target=owner,
            category=AuditCategory.ACCESS,
        ),
    ]


def test_url_is_mounted_under_staff():
    assert reverse("audit:event_list") == LIST_URL
    assert reverse("audit:event_detail", args=[7]) == "/staff/audit/7/"


# --- authorization matrix -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", [LIST_URL, "/staff/audit/1/"])
def test_anonymous_is_sent_to_login(client, events, path):
    count = AuditEvent.objects.count()
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))
    assert "next=" in response["Location"]
    assert AuditEvent.objects.count() == count


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["citizen", "staff"])
@pytest.mark.parametrize("path", [LIST_URL, "/staff/audit/1/"])
def test_signed_in_without_permission_get_403(client, events, request, persona, path):
    user = request.getfixturevalue(persona)
    count = AuditEvent.objects.count()
    response = login(client, user).get(path)
    assert response.status_code == 403
    assert b"case.submit" not in response.content
    assert AuditEvent.objects.count() == count


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["auditor", "superuser"])
def test_permission_holders_and_superusers_see_the_log(client, events, request, persona):
    user = request.getfixturevalue(persona)
    response = login(client, user).get(LIST_URL)
    assert response.status_code == 200
    content = response.content.decode()
    for action in ("case.submit", "document.sign", "personal_data.read"):
        assert action in content
    detail = client.get(reverse("audit:event_detail", args=[events[1].sequence]))
    assert detail.status_code == 200
    assert events[1].hash in detail.content.decode()


@pytest.mark.django_db
def test_inactive_permission_holder_is_refused(client, auditor, events):
    login(client, auditor)
    auditor.is_active = False
    auditor.save()
    response = client.get(LIST_URL)
    assert response.status_code in {302, 403}
    assert b"case.submit" not in response.content


@pytest.mark.django_db
def test_unknown_event_is_404(client, auditor, events):
    response = login(client, auditor).get("/staff/audit/999/")
    assert response.status_code == 404


# --- content --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_rows_show_the_actor_and_on_behalf_of(client, auditor, events):
    content = login(client, auditor).get(LIST_URL).content.decode()
    assert "Hakan Çelik" in content
    assert "Zeynep Kaya" in content
    assert content.count("on behalf of") + content.count("adına") >= 1
    # Newest first.
    assert content.index("personal_data.read") < content.index("case.submit")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected", "absent"),
    [
        ({"action": "document."}, {"document.sign"}, {"case.submit", "personal_data.read"}),
        ({"category": "access"}, {"personal_data.read"}, {"case.submit", "document.sign"}),
    ],
)
def test_filters(client, auditor, events, query, expected, absent):
    content = login(client, auditor).get(LIST_URL, query).content.decode()
    for action in expected:
        assert action in content
    for action in absent:
        assert f"<code>{action}</code>" not in content


@pytest.mark.django_db
def test_filter_by_actor_and_target(client, auditor, events):
    login(client, auditor)
    deputy_id = events[1].actor_id
    page = client.get(LIST_URL, {"actor_id": deputy_id}).context["page"]
    assert {e.action for e in page.object_list} == {"document.sign", "personal_data.read"}
    page = client.get(
        LIST_URL, {"target_type": "identity.user", "target_id": events[0].target_id}
    ).context["page"]
    assert {e.action for e in page.object_list} == {"case.submit", "personal_data.read"}


@pytest.mark.django_db
def test_filter_by_date_range(client, auditor, events):
    login(client, auditor)
    today = timezone.localdate()
    page = client.get(LIST_URL, {"date_from": today, "date_to": today}).context["page"]
    assert len(page.object_list) == 3
    tomorrow = today + timedelta(days=1)
    page = client.get(LIST_URL, {"date_from": tomorrow}).context["page"]
    assert len(page.object_list) == 0
    yesterday = today - timedelta(days=1)
    page = client.get(LIST_URL, {"date_to": yesterday}).context["page"]
    assert len(page.object_list) == 0


@pytest.mark.django_db
def test_invalid_filters_are_reported_next_to_their_field(client, auditor, events):
    login(client, auditor)
    today = timezone.localdate()
    response = client.get(
        LIST_URL,
        {"actor_id": "abc", "date_from": today + timedelta(days=1), "date_to": today},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "actor_id" in form.errors
    assert "date_to" in form.errors
    content = response.content.decode()
    assert 'id="id_actor_id-errors"' in content
    assert 'aria-invalid="true"' in content
    # The invalid filters are not applied; the valid one (from tomorrow) is.
    assert {e.action for e in response.context["page"].object_list} == set()


@pytest.mark.django_db
def test_list_is_paginated_with_a_bounded_number_of_queries(
    client, auditor, django_assert_max_num_queries
):
    # Session, user, two permission lookups, count, page, session save, and the
    # layout's own lookups: constant, whatever the number of rows.
    for i in range(120):
        audit_record(actor=auditor, action=f"test.bulk{i}", on_behalf_of=auditor)
    login(client, auditor)
    with django_assert_max_num_queries(10):
        response = client.get(LIST_URL)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 50
    with django_assert_max_num_queries(10):
        last = client.get(LIST_URL, {"page": 3, "action": "test."})
    assert len(last.context["page"].object_list) == 20
    assert "action=test." in last.content.decode()


# --- admin ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_is_read_only(client, superuser, events):
    login(client, superuser)
    changelist = client.get("/admin/audit/auditevent/")
    assert changelist.status_code == 200
    assert "case.submit" in changelist.content.decode()
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    change_url = f"/admin/audit/auditevent/{events[0].pk}/change/"
    page = client.get(change_url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    response = client.post(change_url, {"action": "forged"})
    assert response.status_code == 403
    assert client.post(f"/admin/audit/auditevent/{events[0].pk}/delete/").status_code == 403
    assert AuditEvent.objects.get(pk=events[0].pk).action == "case.submit"
    assert AuditEvent.objects.count() == 3


@pytest.mark.django_db
def test_admin_hides_the_log_from_staff_without_permission(client, events):
    user = make_user("adminstaff", kind="staff", is_staff=True)
    login(client, user)
    assert client.get("/admin/audit/auditevent/").status_code == 403
