from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse

from cinar.audit import context


def request_id(request: HttpRequest) -> str:
    """The request's id: the proxy's ``X-Request-ID`` when it sent one, else a new one."""
    return request_id_of(request.META)


def request_id_of(environ: Mapping[str, Any]) -> str:
    """``request_id`` from the WSGI environ, for a caller that answers before Django."""
    return str(environ.get("HTTP_X_REQUEST_ID", ""))[:64] or secrets.token_hex(16)


class AuditRequestMiddleware:
    """Puts the client address and a request id where audit events can find them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = request_id(request)
        token = context.set_current(
            context.RequestContext(
                ip=request.META.get("REMOTE_ADDR"),
                request_id=rid,
                user_agent=request.headers.get("User-Agent", "")[:300],
            )
        )
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = rid
        return response
