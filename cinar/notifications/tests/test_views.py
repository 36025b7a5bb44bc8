"""The staff delivery log: authorization matrix, filters, masking, logged reveal,
retry of dead letters, query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cinar.audit.models import AuditEvent
from cinar.identity.tests.factories import CitizenFactory, StaffFactory
from cinar.notifications.actions import AddressSpec, notification_enqueue, outbox_drain
from cinar.notifications.models import OutboxStatus
from cinar.organization import actions as org_actions

from .conftest import case_context

pytestmark = pytest.mark.django_db

LIST_URL = "/staff/notifications/"


@pytest.fixture
def log_org(org):
    """Sistem Yöneticisi (``org.admin``) may read the log and retry; the unit manager
    may only read it; ordinary staff and citizens may do neither."""
    org_actions.role_grant_permissions(
        actor=None,
        role=org.roles["system_admin"],
        permissions=["notifications.view_log", "notifications.retry_message"],
    )
    reader = org_actions.role_create(actor=None, code="notif_reader", name="Log reader")
    org_actions.role_grant_permissions(
        actor=None, role=reader, permissions=["notifications.view_log"]
    )
    org_actions.role_assign(actor=None, user=org.manager, role=reader, unit=None)
    return org


@pytest.fixture
def messages(db):
    sent = notification_enqueue(
        recipient=CitizenFactory(
            first_name="Ayşe", last_name="Yıldız", email="ayse.yildiz@example.test"
        ),
        event="case.received",
        context=case_context(),
        idempotency_key="case:1:received",
    )
    failed = notification_enqueue(
        recipient=AddressSpec(channel="sms", address="+905550000000", name="Mehmet Kara"),
        event="case.completed",
        context=case_context(),
        idempotency_key="case:2:completed",
    )
    outbox_drain(time_budget=5)
    sent.refresh_from_db()
    failed.refresh_from_db()
    assert (sent.status, failed.status) == (OutboxStatus.SENT, OutboxStatus.FAILED)
    return {"sent": sent, "failed": failed}


def _login(client, user):
    client.force_login(user)


def _persona(log_org, name):
    return {
        "citizen": log_org.citizen,
        "staff": log_org.staff_member,
        "other_staff": log_org.other_staff,
        "manager": log_org.manager,
        "admin": log_org.admin,
    }[name]


def _paths(messages):
    pk = messages["failed"].pk
    return [LIST_URL, f"{LIST_URL}{pk}/"]


def test_urls():
    assert reverse("notifications:message_list") == LIST_URL
    assert reverse("notifications:message_detail", args=[3]) == "/staff/notifications/3/"
    assert reverse("notifications:message_retry", args=[3]) == "/staff/notifications/3/retry/"


# --- authorization matrix -----------------------------------------------------------------


@pytest.mark.parametrize("which", [0, 1])
def test_anonymous_is_sent_to_login(client, log_org, messages, which):
    response = client.get(_paths(messages)[which])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("citizen", 403),
        ("staff", 403),
        ("other_staff", 403),
        ("manager", 200),
        ("admin", 200),
    ],
)
@pytest.mark.parametrize("which", [0, 1])
def test_log_pages_matrix(client, log_org, messages, persona, status, which):
    _login(client, _persona(log_org, persona))
    response = client.get(_paths(messages)[which])
    assert response.status_code == status


def test_superuser_sees_the_log(client, messages):
    from cinar.audit.tests.conftest import login

    admin = StaffFactory(is_superuser=True)
    login(client, admin)  # with the second factor superusers must pass
    for path in _paths(messages):
        assert client.get(path).status_code == 200


def test_inactive_staff_with_permission_is_refused(log_org):
    from cinar.notifications.queries import notifications_user_can_view_log

    log_org.admin.is_active = False
    assert not notifications_user_can_view_log(user=log_org.admin)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("citizen", 403),
        ("staff", 403),
        ("other_staff", 403),
        ("manager", 403),  # may read the log, not retry
        ("admin", 302),
    ],
)
def test_retry_matrix(client, log_org, messages, persona, status):
    failed = messages["failed"]
    audit_count = AuditEvent.objects.count()
    _login(client, _persona(log_org, persona))
    response = client.post(reverse("notifications:message_retry", args=[failed.pk]))
    assert response.status_code == status
    failed.refresh_from_db()
    if status == 302:
        assert failed.status == OutboxStatus.PENDING
        assert failed.attempts == 0
        assert AuditEvent.objects.filter(action="notification.retry").count() == 1
        outbox_drain(time_budget=5)  # sent again: the number still refuses it
        failed.refresh_from_db()
        assert failed.status == OutboxStatus.FAILED
        assert failed.attempt_log.count() == 2
    else:
        assert failed.status == OutboxStatus.FAILED
        assert failed.attempt_log.count() == 1
        assert AuditEvent.objects.count() == audit_count


def test_retry_of_a_sent_message_is_refused(client, log_org, messages):
    _login(client, log_org.admin)
    sent = messages["sent"]
    response = client.post(reverse("notifications:message_retry", args=[sent.pk]), follow=True)
    assert "Only a failed message can be sent again." in response.content.decode()
    sent.refresh_from_db()
    assert sent.status == OutboxStatus.SENT
    assert not AuditEvent.objects.filter(action="notification.retry").exists()


def test_retry_requires_post(client, log_org, messages):
    _login(client, log_org.admin)
    response = client.get(reverse("notifications:message_retry", args=[messages["failed"].pk]))
    assert response.status_code == 405


def test_unknown_message_is_404(client, log_org, messages):
    _login(client, log_org.admin)
    assert client.get(f"{LIST_URL}999999/").status_code == 404
    assert client.post(f"{LIST_URL}999999/retry/").status_code == 404


# --- content ----------------------------------------------------------------------------


def test_list_masks_addresses_and_filters(client, log_org, messages):
    _login(client, log_org.admin)
    page = client.get(LIST_URL).content.decode()
    assert "a***@example.test" in page
    assert "ayse.yildiz@example.test" not in page
    assert "+905*******00" in page
    assert "+905550000000" not in page

    def listed(**params):
        response = client.get(LIST_URL, params)
        return list(response.context["page"].object_list)

    assert listed(status="failed") == [messages["failed"]]
    assert listed(channel="email") == [messages["sent"]]
    assert listed(event="case.comp") == [messages["failed"]]
    assert listed(q="yıldız") in ([messages["sent"]], [])  # SQLite folds ASCII only
    assert listed(q="Ayşe") == [messages["sent"]]
    assert listed(q="+905550000000") == [messages["failed"]]
    assert set(listed()) == {messages["sent"], messages["failed"]}


def test_invalid_filter_is_shown_next_to_the_field(client, log_org, messages):
    _login(client, log_org.admin)
    response = client.get(LIST_URL, {"status": "lost-in-space"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert "Select a valid choice" in html
    assert len(response.context["page"].object_list) == 2  # the bad filter is ignored


def test_detail_shows_attempts_but_masks_personal_data(client, log_org, messages):
    _login(client, log_org.admin)
    failed = messages["failed"]
    reads = AuditEvent.objects.filter(action="personal_data.read").count()
    html = client.get(f"{LIST_URL}{failed.pk}/").content.decode()
    assert "Permanent error" in html
    assert "sandbox: permanent error" in html
    assert "+905550000000" not in html
    assert failed.body not in html
    assert AuditEvent.objects.filter(action="personal_data.read").count() == reads
    assert "Send again" in html


def test_reveal_shows_full_address_and_logs_the_read(client, log_org, messages):
    _login(client, log_org.admin)
    sent = messages["sent"]
    response = client.post(f"{LIST_URL}{sent.pk}/", {"reveal": "1"})
    html = response.content.decode()
    assert "ayse.yildiz@example.test" in html
    assert "K7M-4QX9-T" in html
    event = AuditEvent.objects.filter(action="personal_data.read").latest("sequence")
    assert event.actor_id == log_org.admin.pk
    assert event.target_type == "identity.user"
    assert event.target_id == str(sent.recipient_id)
    assert event.data["fields"] == ["address", "body"]


def test_reveal_for_recipient_without_account_targets_the_message(client, log_org, messages):
    _login(client, log_org.admin)
    failed = messages["failed"]
    client.post(f"{LIST_URL}{failed.pk}/", {"reveal": "1"})
    event = AuditEvent.objects.filter(action="personal_data.read").latest("sequence")
    assert (event.target_type, event.target_id) == ("notifications.outboxmessage", str(failed.pk))


def test_reveal_denied_logs_nothing(client, log_org, messages):
    _login(client, log_org.staff_member)
    before = AuditEvent.objects.count()
    assert client.post(f"{LIST_URL}{messages['sent'].pk}/").status_code == 403
    assert AuditEvent.objects.count() == before


def test_list_query_count_does_not_grow(client, log_org, django_assert_max_num_queries):
    for n in range(30):
        notification_enqueue(
            recipient=CitizenFactory(),
            event="case.received",
            context=case_context(),
            idempotency_key=f"q{n}",
        )
    _login(client, log_org.admin)
    client.get(LIST_URL)  # warm caches (content types, session)
    with django_assert_max_num_queries(12):
        response = client.get(LIST_URL)
    assert len(response.context["page"].object_list) == 30


def test_detail_query_count(client, log_org, messages, django_assert_max_num_queries):
    _login(client, log_org.admin)
    url = f"{LIST_URL}{messages['failed'].pk}/"
    client.get(url)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_translated_page_in_turkish(client, log_org, messages):
    _login(client, log_org.admin)
    response = client.get(LIST_URL, HTTP_ACCEPT_LANGUAGE="tr")
    assert response.status_code == 200
    assert '<html lang="tr"' in response.content.decode()
