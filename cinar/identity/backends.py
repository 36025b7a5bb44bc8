from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest

from cinar.identity.models import User


class CinarModelBackend(ModelBackend):
    """Password login by username, T.C. identity number or e-mail address."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        login = username.strip()
        candidates = User.objects.filter(
            Q(username=login) | Q(tckn=login) | (Q(email__iexact=login) & ~Q(email=""))
        )[:2]
        users = list(candidates)
        if len(users) != 1:
            # Unknown, or ambiguous: run the hasher anyway so timing does not tell.
            User().set_password(password)
            return None
        user = users[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
