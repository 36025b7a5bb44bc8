"""Files a citizen attached on the apply form, held between post-backs.

Without JavaScript, the UAVT address picker posts the whole form back to list the next
level (and a form with an error comes back too). A browser never refills a file input,
so the files chosen before the post-back were lost. Instead they are checked now (the
same content, size and virus checks as ``case_submit``), kept in the cache under a
random token, and the form comes back listing them ("Attached: x.pdf [Remove]") with
the tokens as hidden fields; the final submission claims them.

Held files are bound to the session and the user that held them: the cache key is a
hash of the session key, the user id and the token, so a token copied to another
session (or guessed) finds nothing. They expire ``CINAR_PORTAL_HOLD_SECONDS`` (default
an hour) after they were held, by the cache's own timeout: an abandoned form leaves
nothing behind. With Redis (production) every worker sees them; with the local-memory
cache of a quickstart, only the process that held them does, and a file it cannot find
is reported as expired, to be chosen again.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from cinar.cases import files as case_files

#: The form's field names (inside the ``case`` prefix of ApplicationExtrasForm).
HELD_FIELD = "case-held"
REMOVE_FIELD = "case-held-remove"


def hold_seconds() -> int:
    return int(getattr(settings, "CINAR_PORTAL_HOLD_SECONDS", 3600))


@dataclass(frozen=True)
class HeldFile:
    token: str
    name: str
    size: int


def _key(request: HttpRequest, token: str) -> str | None:
    session_key = getattr(request.session, "session_key", None)
    user_id = getattr(request.user, "pk", None)
    if not session_key or user_id is None or not token:
        return None
    raw = f"{session_key}:{user_id}:{token}"
    return "portal-held:" + hashlib.sha256(raw.encode()).hexdigest()


def posted_tokens(request: HttpRequest) -> list[str]:
    """The tokens the form posted back, without the one its "Remove" button named (that
    file is forgotten now); duplicates dropped."""
    removed = request.POST.get(REMOVE_FIELD, "")
    found: list[str] = []
    for token in request.POST.getlist(HELD_FIELD):
        if token and token != removed and token not in found:
            found.append(token)
    for token in [removed] if removed else []:
        key = _key(request, token)
        if key:
            cache.delete(key)
    # case_submit reports too many files; this only bounds what one post makes us read.
    return found[: 2 * case_files.max_files()]


def hold(request: HttpRequest, uploads: Sequence[Any]) -> list[HeldFile]:
    """Check the uploads (raises ValidationError as ``case_submit`` would) and keep them
    for this session and user."""
    checked = case_files.uploads_check(list(uploads))
    held: list[HeldFile] = []
    for upload in checked:
        token = secrets.token_urlsafe(18)
        key = _key(request, token)
        if key is None:
            break
        cache.set(key, {"name": upload.name, "content": upload.content}, hold_seconds())
        held.append(HeldFile(token=token, name=upload.name, size=upload.size))
    return held


def held(request: HttpRequest, wanted: Iterable[str]) -> tuple[list[HeldFile], int]:
    """The held files these tokens name, for this session and user; and how many tokens
    named nothing (expired, or not this session's)."""
    found: list[HeldFile] = []
    missing = 0
    for token, value in _values(request, wanted):
        if value is None:
            missing += 1
        else:
            found.append(HeldFile(token=token, name=value["name"], size=len(value["content"])))
    return found, missing


def claim(request: HttpRequest, wanted: Iterable[str]) -> tuple[list[tuple[str, bytes]], int]:
    """The held files' (name, content), as ``case_submit`` takes them; and how many
    tokens named nothing."""
    found: list[tuple[str, bytes]] = []
    missing = 0
    for _token, value in _values(request, wanted):
        if value is None:
            missing += 1
        else:
            found.append((value["name"], value["content"]))
    return found, missing


def release(request: HttpRequest, wanted: Iterable[str]) -> None:
    """Forget held files once the application that used them is saved."""
    keys = [k for k in (_key(request, t) for t in wanted) if k]
    if keys:
        cache.delete_many(keys)


def _values(request: HttpRequest, wanted: Iterable[str]) -> list[tuple[str, Any]]:
    result: list[tuple[str, Any]] = []
    for token in wanted:
        key = _key(request, token)
        result.append((token, cache.get(key) if key else None))
    return result
