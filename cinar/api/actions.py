"""Writes of the REST API app: personal tokens."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction

from cinar.api.models import PREFIX_LENGTH, PersonalToken, hash_token
from cinar.audit.actions import audit_record

__all__ = ["token_create", "token_revoke"]


@transaction.atomic
def token_create(*, actor: Any, name: str = "") -> tuple[PersonalToken, str]:
    """A new personal token for ``actor``; the token is returned once (only its hash is kept)."""
    raw = "cnr_" + secrets.token_urlsafe(32)
    token = PersonalToken.objects.create(
        user=actor, name=name[:100], prefix=raw[:PREFIX_LENGTH], token_hash=hash_token(raw)
    )
    audit_record(actor=actor, action="api.token_created", target=token, data={"name": token.name})
    return token, raw


@transaction.atomic
def token_revoke(*, actor: Any, token: PersonalToken) -> None:
    if token.user_id != actor.pk:
        raise PermissionError
    audit_record(actor=actor, action="api.token_revoked", target=token, data={"name": token.name})
    token.delete()
