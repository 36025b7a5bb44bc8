"""The portal inbox: only one's own notifications; marking read changes only them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cinar.identity.tests.factories import CitizenFactory, StaffFactory
from cinar.notifications.models import UserNotification

pytestmark = pytest.mark.django_db


def _note(user, n=1, **kw):
    return UserNotification.objects.create(
        user=user,
        delivery_key=f"k-{user.pk}-{n}",
        event="case.received",
        subject=kw.get("subject", f"Subject {user.pk}-{n}"),
        body="Body",
        link=kw.get("link", ""),
    )


def test_anonymous_is_sent_to_login(client):
    citizen = CitizenFactory()
    note = _note(citizen)
    response = client.get(reverse("portal:inbox"))
    assert response.status_code == 302
    assert "next=" in response["Location"]
    response = client.post(reverse("portal:inbox_mark_read", args=[note.pk]))
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.read_at is None


def test_citizen_sees_own_and_marks_read(client):
    a, b = CitizenFactory(), CitizenFactory()
    mine, theirs = _note(a, subject="Mine"), _note(b, subject="Theirs")
    client.force_login(a)
    content = client.get(reverse("portal:inbox")).content.decode()
    assert "Mine" in content and "Theirs" not in content
    assert "1 unread notification" in content

    # Someone else's notification: 404, unchanged.
    assert client.post(reverse("portal:inbox_mark_read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None

    response = client.post(reverse("portal:inbox_mark_read", args=[mine.pk]))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_mark_all_read_only_touches_own(client):
    a, b = CitizenFactory(), StaffFactory()
    _note(a, 1), _note(a, 2), _note(b, 1)
    client.force_login(a)
    assert client.get(reverse("portal:inbox_mark_all_read")).status_code == 405
    client.post(reverse("portal:inbox_mark_all_read"))
    assert UserNotification.objects.filter(user=a, read_at__isnull=True).count() == 0
    assert UserNotification.objects.filter(user=b, read_at__isnull=True).count() == 1


def test_open_follows_only_local_links(client):
    a = CitizenFactory()
    local = _note(a, 1, link="/basvurularim/")
    evil = _note(a, 2, link="https://evil.example/")
    client.force_login(a)
    response = client.post(reverse("portal:inbox_mark_read", args=[local.pk]), {"open": "1"})
    assert response["Location"] == "/basvurularim/"
    response = client.post(reverse("portal:inbox_mark_read", args=[evil.pk]), {"open": "1"})
    assert response["Location"] == reverse("portal:inbox")
