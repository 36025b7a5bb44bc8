"""Channel routing, languages and message templates."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import translation

from cinar.identity.tests.factories import CitizenFactory
from cinar.notifications import actions, queries
from cinar.notifications.actions import notification_enqueue
from cinar.notifications.models import OutboxMessage, OutboxStatus, UserNotification
from cinar.notifications.rendering import (
    MAX_SMS_SEGMENTS,
    NotificationTemplateError,
    message_render,
)

from .conftest import case_context

pytestmark = pytest.mark.django_db

EVENTS = [
    "case.received",
    "case.step_changed",
    "case.document_requested",
    "case.completed",
    "case.overdue",
    "case.result_ready",
    "account.password_set",
]
FULL_CONTEXT = case_context(
    step_name="Fen İşleri incelemesi",
    document_name="Tapu fotokopisi",
    note="Güncel olmalı",
    outcome="Uygun görüldü",
    document_subject="İşyeri açma ve çalışma ruhsatı",
    document_number="E-31000002-050-1234",
    recipient_name="Ayşe Yıldız",
)


def _enqueue(recipient, key="k", **kwargs):
    return notification_enqueue(
        recipient=recipient,
        event=kwargs.pop("event", "case.received"),
        context=case_context(),
        idempotency_key=key,
        **kwargs,
    )


@pytest.mark.parametrize("event", EVENTS)
@pytest.mark.parametrize("channel", ["email", "sms", "kep", "portal"])
@pytest.mark.parametrize("language", ["tr", "en"])
def test_every_event_has_a_text_in_both_languages(event, channel, language):
    rendered = message_render(event=event, channel=channel, language=language, context=FULL_CONTEXT)
    assert rendered.body.strip()
    assert "{{" not in rendered.body and "{%" not in rendered.body
    if channel == "sms":
        assert 1 <= rendered.segments <= 2  # short enough for one or two SMS
        assert rendered.subject == ""
    else:
        assert rendered.subject
    if event.startswith("case."):
        assert "K7M-4QX9-T" in rendered.body


def test_recipient_language_selects_the_text(citizen_tr, citizen_en):
    tr = _enqueue(citizen_tr, key="tr")
    en = _enqueue(citizen_en, key="en")
    assert (tr.language, en.language) == ("tr", "en")
    assert tr.subject == "Başvurunuz alındı: K7M-4QX9-T"
    assert en.subject == "Application received: K7M-4QX9-T"
    # Dates read in the recipient's language, whatever language the request uses.
    assert "14 Mart 2025" in tr.body
    assert "14 March 2025" in en.body
    assert "Sayın Ayşe Yıldız" in tr.body
    assert "Dear John Smith" in en.body
    # Plain text: no HTML escaping of the service's name.
    assert "İşyeri Açma ve Çalışma Ruhsatı" in tr.body
    assert "&" not in tr.body


def test_rendering_does_not_change_the_active_language(citizen_tr):
    with translation.override("en"):
        _enqueue(citizen_tr)
        assert translation.get_language() == "en"


def test_unknown_language_falls_back_to_the_default(settings):
    user = CitizenFactory(preferred_language="tr")
    user.preferred_language = "de"  # not one of LANGUAGES
    message = _enqueue(user)
    assert message.language == settings.LANGUAGE_CODE


def test_missing_template_fails_at_enqueue_not_at_send(citizen_tr):
    with pytest.raises(NotificationTemplateError, match=r"case\.teleported"):
        _enqueue(citizen_tr, event="case.teleported")
    assert OutboxMessage.objects.count() == 0


def test_bad_event_name_is_refused(citizen_tr):
    with pytest.raises(NotificationTemplateError, match="Bad event name"):
        _enqueue(citizen_tr, event="../../etc/passwd")


def test_too_long_sms_is_refused_at_enqueue():
    user = CitizenFactory(phone="05321234567", notification_channel="sms")
    with pytest.raises(NotificationTemplateError, match="segments"):
        notification_enqueue(
            recipient=user,
            event="case.step_changed",
            context=case_context(step_name="ş" * 70 * MAX_SMS_SEGMENTS),
            idempotency_key="long",
        )


def test_turkish_sms_counts_ucs2_segments():
    user = CitizenFactory(phone="05321234567", notification_channel="sms", preferred_language="tr")
    message = _enqueue(user)
    assert message.channel == "sms"
    assert message.address == "+905321234567"
    # "başvurunuz" has ş: the whole text is UCS-2, 67 characters per part.
    assert len(message.body) > 70
    assert message.segments == -(-len(message.body) // 67)


@pytest.mark.parametrize(
    ("channel", "phone", "email", "expected"),
    [
        ("sms", "", "a@example.test", "email"),  # no phone: e-mail
        ("sms", "", "", "portal"),  # nothing on file: the portal inbox
        ("kep", "", "a@example.test", "email"),  # no KEP address on accounts
        ("email", "05321234567", "", "portal"),
        ("portal", "05321234567", "a@example.test", "portal"),
    ],
)
def test_channel_without_an_address_falls_back(channel, phone, email, expected):
    user = CitizenFactory(notification_channel=channel, phone=phone, email=email)
    assert _enqueue(user).channel == expected


def test_explicit_channel_overrides_the_choice(citizen_tr):
    assert _enqueue(citizen_tr, channel="sms").channel == "sms"


def test_portal_inbox(citizen_tr, django_capture_on_commit_callbacks):
    other = CitizenFactory()
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue(citizen_tr, channel="portal")
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert mail.outbox == []
    item = UserNotification.objects.get(user=citizen_tr)
    assert item.subject == "Başvurunuz alındı: K7M-4QX9-T"
    assert item.link == "/applications/K7M-4QX9-T/"
    assert queries.user_notification_unread_count(user=citizen_tr) == 1
    assert list(queries.user_notification_list_for_user(user=other)) == []
    with pytest.raises(UserNotification.DoesNotExist):
        queries.user_notification_get_for_user(user=other, pk=item.pk)
    with pytest.raises(PermissionDenied):
        actions.user_notification_mark_read(actor=other, notification=item)
    item.refresh_from_db()
    assert item.read_at is None
    actions.user_notification_mark_read(actor=citizen_tr, notification=item)
    assert queries.user_notification_unread_count(user=citizen_tr) == 0


def test_portal_provider_is_idempotent(citizen_tr):
    from cinar.notifications.providers.portal import PortalProvider

    message = _enqueue(citizen_tr, channel="portal")
    first = PortalProvider().send(message)
    second = PortalProvider().send(message)
    assert not first.already_sent and second.already_sent
    assert UserNotification.objects.count() == 1


def test_portal_link_must_stay_on_site(citizen_tr):
    from cinar.notifications.providers.portal import PortalProvider

    message = notification_enqueue(
        recipient=citizen_tr,
        event="case.received",
        context=case_context(url="//evil.example/x"),
        idempotency_key="evil",
        channel="portal",
    )
    PortalProvider().send(message)
    assert UserNotification.objects.get().link == ""


def test_mark_all_read(citizen_tr):
    from cinar.notifications.providers.portal import PortalProvider

    for key in ("a", "b"):
        PortalProvider().send(_enqueue(citizen_tr, key=key, channel="portal"))
    assert actions.user_notification_mark_all_read(actor=citizen_tr) == 2
    assert queries.user_notification_unread_count(user=citizen_tr) == 0


def test_templates_exist_only_as_documented():
    root = Path(__file__).parents[1] / "templates" / "notifications" / "messages"
    names = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.txt"))
    assert names == sorted(
        f"{event}/{channel}.{lang}.txt"
        for event in EVENTS
        for channel in ("email", "sms")
        for lang in ("en", "tr")
    )


def test_kep_through_the_sandbox(django_capture_on_commit_callbacks):
    from cinar.integrations.models import KEPMessage
    from cinar.notifications.actions import AddressSpec
    from cinar.notifications.providers import get_provider

    spec = AddressSpec(channel="kep", address="OrnekFirma@hs03.kep.tr", language="tr")
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue(spec)
    message.refresh_from_db()
    assert message.address == "ornekfirma@hs03.kep.tr"
    assert message.status == OutboxStatus.SENT, message.last_error
    assert message.provider_reference == message.delivery_key
    attempt = message.attempt_log.get()
    assert attempt.response["evidence"][0]["kind"] == "kabul"
    # A repeat (a worker that died after sending) returns the same message, not a second.
    get_provider("kep").send(message)
    assert KEPMessage.objects.filter(message_id=message.delivery_key).count() == 1


def test_kep_address_is_checked_at_enqueue():
    from cinar.notifications.actions import AddressSpec, NotificationError

    with pytest.raises(NotificationError, match="KEP address"):
        _enqueue(AddressSpec(channel="kep", address="someone@gmail.com"))
