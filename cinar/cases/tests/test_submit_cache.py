"""The intake cache of ``case_submit`` (ADR 0036): what it keeps is dropped as soon as it
changes in this process, other processes' changes are seen within the cache's lifetime,
and a repeated idempotency key still returns the first case without a look-up before
every submission."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError

from cinar.cases import actions
from cinar.cases.models import Case
from cinar.cases.tests.test_submit import _web
from cinar.catalog.actions import service_form_define, service_update
from cinar.catalog.attributes import AttributeSpec
from cinar.catalog.models import Service

pytestmark = pytest.mark.django_db


def test_a_service_closed_here_refuses_the_next_application_at_once(world):
    _web(world)  # the service is now cached
    service_update(actor=world.admin, service=world.service, is_active=False)
    with pytest.raises(ValidationError) as exc:
        _web(world)
    assert "service" in exc.value.message_dict


def test_a_new_form_field_applies_to_the_next_application(world):
    _web(world)
    service_form_define(
        actor=world.admin,
        service=world.service,
        attributes=[
            AttributeSpec(code="konu", label="Konu", datatype="string", required=True),
            AttributeSpec(code="ada", label="Ada", datatype="string", required=True),
        ],
    )
    with pytest.raises(ValidationError) as exc:
        _web(world)
    assert "ada" in exc.value.message_dict
    assert _web(world, form_data={"konu": "Çukur", "ada": "12"}).form_data["ada"] == "12"


def test_a_change_made_elsewhere_is_seen_when_the_cache_expires(world, monkeypatch):
    """Another process's change sends no signal here: the entry's lifetime bounds it."""
    clock = [1000.0]
    monkeypatch.setattr(actions.time, "monotonic", lambda: clock[0])
    _web(world)  # creates the intake account, which empties the cache
    _web(world)  # fills it
    # As another worker would: no post_save reaches this process.
    Service.objects.filter(pk=world.service.pk).update(is_active=False)
    _web(world)  # still cached
    clock[0] += actions._IntakeCache._ttl() + 0.1
    with pytest.raises(ValidationError):
        _web(world)


def test_no_cache_when_its_lifetime_is_zero(world, settings):
    settings.CINAR_CASES_INTAKE_CACHE_SECONDS = 0
    _web(world)
    Service.objects.filter(pk=world.service.pk).update(is_active=False)
    with pytest.raises(ValidationError):
        _web(world)


def test_the_intake_account_losing_its_permission_stops_registrations(world):
    _web(world)  # the intake account and its Django permissions are cached
    registrar = actions._registrar(world.a, world.service.unit)
    registrar.user_permissions.remove(
        Permission.objects.get(content_type__app_label="documents", codename="register_incoming")
    )
    before = Case.objects.count()
    with pytest.raises(PermissionDenied):
        _web(world)
    assert Case.objects.count() == before


def test_a_repeated_key_returns_the_first_case(world):
    first = _web(world, idempotency_key="same-key")
    again = _web(world, idempotency_key="same-key")
    assert again.pk == first.pk
    assert Case.objects.filter(idempotency_key="same-key").count() == 1


def test_a_repeated_key_returns_the_first_case_even_if_the_input_no_longer_passes(world):
    """A retry (the answer was lost) after the form changed still gets its case."""
    first = _web(world, idempotency_key="retry-key")
    again = _web(world, idempotency_key="retry-key", form_data={})
    assert again.pk == first.pk
    with pytest.raises(ValidationError):
        _web(world, idempotency_key="another-key", form_data={})


def test_a_login_elsewhere_keeps_the_cache(world):
    """Only the intake account is cached: another user's save (a login writes
    ``last_login``) does not send every submission back to the database."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    _web(world)
    _web(world)
    with CaptureQueriesContext(connection) as warm:
        _web(world)
    world.b.last_login = timezone.now()
    world.b.save(update_fields=["last_login"])
    with CaptureQueriesContext(connection) as after:
        _web(world)
    assert len(after.captured_queries) == len(warm.captured_queries)
    actions.intake_cache_clear()
    with CaptureQueriesContext(connection) as cold:
        _web(world)
    assert len(cold.captured_queries) > len(warm.captured_queries)
