from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

PASSWORD = "Correct-Horse-42"


def make_user(username, **fields):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **fields)
    return user


@pytest.fixture
def citizen(db):
    return make_user("citizen1", kind="citizen", first_name="Ayşe", last_name="Yılmaz")


@pytest.fixture
def staff(db):
    return make_user("staff1", kind="staff", first_name="Mehmet", last_name="Öztürk")


@pytest.fixture
def auditor(db):
    user = make_user("auditor1", kind="staff", first_name="İsmail", last_name="Işık")
    user.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    return user


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser(
        username="root1", password=PASSWORD, email="root@example.test", kind="staff"
    )


def login(client, user):
    """Log ``user`` in; administrators also pass the second factor (as the staff
    two-factor middleware requires)."""
    client.force_login(user)
    if user.is_superuser or getattr(user, "two_factor_required", False):
        device = StaticDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
