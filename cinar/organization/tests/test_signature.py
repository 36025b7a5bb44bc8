from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cinar.identity.models import User
from cinar.organization import actions, queries
from cinar.organization.models import DelegationScope, SignatureAction
from cinar.organization.tests.factories import staff_in

IMZA, PARAF = SignatureAction.IMZA, SignatureAction.PARAF


def _grant(org, **kw):
    params = {
        "actor": org.admin,
        "unit": org.bilgi_islem,
        "position": org.mudur,
        "document_kind": "outgoing_letter",
        "action": IMZA,
        "valid_from": timezone.now() - dt.timedelta(days=30),
    }
    params.update(kw)
    return actions.signature_authority_grant(**params)


def test_position_grant_makes_holder_a_signer_and_requires_2fa(org):
    assert not User.objects.get(pk=org.manager.pk).two_factor_required
    _grant(org)
    assert queries.signers_for(
        unit=org.bilgi_islem, document_kind="outgoing_letter", action=IMZA
    ) == [org.manager]
    assert User.objects.get(pk=org.manager.pk).two_factor_required
    # Covers sub-units by default, not other directorates, not other kinds/actions.
    assert queries.can_sign(
        user=org.manager, unit=org.yazilim, document_kind="outgoing_letter", action=IMZA
    )
    assert not queries.can_sign(
        user=org.manager, unit=org.destek, document_kind="outgoing_letter", action=IMZA
    )
    assert not queries.can_sign(
        user=org.manager, unit=org.bilgi_islem, document_kind="payment_order", action=IMZA
    )
    assert not queries.can_sign(
        user=org.manager, unit=org.bilgi_islem, document_kind="outgoing_letter", action=PARAF
    )
    assert not queries.can_sign(
        user=org.staff_member, unit=org.bilgi_islem, document_kind="outgoing_letter", action=IMZA
    )


def test_paraf_grant_does_not_require_2fa(org):
    _grant(org, action=PARAF, position=org.memur, unit=org.yazilim)
    assert not User.objects.get(pk=org.staff_member.pk).two_factor_required
    assert queries.can_sign(
        user=org.staff_member, unit=org.yazilim, document_kind="outgoing_letter", action=PARAF
    )


def test_not_covering_subunits(org):
    _grant(org, covers_subunits=False)
    assert not queries.can_sign(
        user=org.manager, unit=org.yazilim, document_kind="outgoing_letter", action=IMZA
    )


def test_new_member_in_signing_position_gets_2fa(org):
    _grant(org)
    newcomer = staff_in(org.destek, org.memur)
    actions.membership_add(actor=org.admin, user=newcomer, unit=org.bilgi_islem, position=org.mudur)
    assert User.objects.get(pk=newcomer.pk).two_factor_required


def test_validity_window_and_revoke(org):
    now = timezone.now()
    auth = _grant(
        org, valid_from=now + dt.timedelta(days=1), valid_until=now + dt.timedelta(days=5)
    )
    kw = {"unit": org.bilgi_islem, "document_kind": "outgoing_letter", "action": IMZA}
    assert queries.signers_for(at=now, **kw) == []
    assert queries.signers_for(at=now + dt.timedelta(days=2), **kw) == [org.manager]
    assert queries.signers_for(at=now + dt.timedelta(days=6), **kw) == []
    actions.signature_authority_revoke(actor=org.admin, authority=auth)
    assert queries.signers_for(at=now + dt.timedelta(days=2), **kw) == []
    with pytest.raises(ValidationError):
        actions.signature_authority_revoke(actor=org.admin, authority=auth)


def test_bad_window_and_duplicate_rejected(org):
    now = timezone.now()
    with pytest.raises(ValidationError) as exc:
        _grant(org, valid_from=now, valid_until=now - dt.timedelta(days=1))
    assert "valid_until" in exc.value.message_dict
    _grant(org)
    with pytest.raises(ValidationError):
        _grant(org)


def test_yetki_devri_to_lower_post_within_window(org):
    now = timezone.now()
    source = _grant(org, document_kind="internal_letter")
    sef = staff_in(org.yazilim, org.sef, first_name="Şule")
    delegated = actions.signature_authority_delegate(
        actor=org.manager,
        source=source,
        position=org.sef,
        unit=org.yazilim,
        valid_from=now - dt.timedelta(hours=1),
        valid_until=now + dt.timedelta(days=10),
        approval_reference="Başkanlık Olur'u E-24300100-010.01-123",
    )
    assert delegated.delegated_from == source
    kw = {"unit": org.yazilim, "document_kind": "internal_letter", "action": IMZA}
    assert queries.can_sign(user=sef, **kw)
    assert User.objects.get(pk=sef.pk).two_factor_required
    # The delegation covers only the Yazılım subtree, and only in its window.
    assert not queries.can_sign(
        user=sef, unit=org.bilgi_islem, document_kind="internal_letter", action=IMZA
    )
    assert not queries.can_sign(user=sef, at=now + dt.timedelta(days=11), **kw)
    # Revoking the source ends what was delegated from it.
    actions.signature_authority_revoke(actor=org.admin, authority=source)
    assert not queries.can_sign(user=sef, **kw)


def test_yetki_devri_rules(org):
    now = timezone.now()
    source = _grant(org, valid_until=now + dt.timedelta(days=30))
    base = {"actor": org.manager, "source": source, "approval_reference": "Olur 1"}
    with pytest.raises(ValidationError) as exc:  # not to a more senior/equal post
        actions.signature_authority_delegate(
            position=org.mudur, valid_until=now + dt.timedelta(days=1), **base
        )
    assert "position" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # not outside the subtree
        actions.signature_authority_delegate(
            position=org.sef, unit=org.destek, valid_until=now + dt.timedelta(days=1), **base
        )
    assert "unit" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # not beyond the original's validity
        actions.signature_authority_delegate(
            position=org.sef, valid_until=now + dt.timedelta(days=60), **base
        )
    assert "valid_until" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # needs the approving document
        actions.signature_authority_delegate(
            actor=org.manager,
            source=source,
            position=org.sef,
            valid_until=now + dt.timedelta(days=1),
            approval_reference=" ",
        )
    assert "approval_reference" in exc.value.message_dict


def test_deputy_can_sign_on_behalf_under_signature_vekalet(org):
    _grant(org)
    deputy = staff_in(org.bilgi_islem, org.sef)
    now = timezone.now()
    actions.delegation_create(
        actor=org.manager,
        principal=org.manager,
        deputy=deputy,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=3),
        scope=DelegationScope.SIGNATURE,
        reason="Yıllık izin",
    )
    assert User.objects.get(pk=deputy.pk).two_factor_required
    kw = {"unit": org.bilgi_islem, "document_kind": "outgoing_letter", "action": IMZA}
    cap = queries.signing_capacity(user=deputy, **kw)
    assert cap.on_behalf_of == org.manager
    assert queries.can_sign(user=deputy, **kw)
    assert not queries.can_sign(user=deputy, at=now + dt.timedelta(days=4), **kw)
    own = queries.signing_capacity(user=org.manager, **kw)
    assert own.on_behalf_of is None


def test_workflow_only_vekalet_gives_no_signature(org):
    _grant(org)
    deputy = staff_in(org.bilgi_islem, org.sef)
    now = timezone.now()
    actions.delegation_create(
        actor=org.manager,
        principal=org.manager,
        deputy=deputy,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=3),
        scope=DelegationScope.WORKFLOW,
    )
    assert not queries.can_sign(
        user=deputy, unit=org.bilgi_islem, document_kind="outgoing_letter", action=IMZA
    )
