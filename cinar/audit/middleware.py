from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from cinar.audit import context


class AuditRequestMiddleware:
    """Puts the client address and a request id where audit events can find them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        token = context.set_current(
            context.RequestContext(
                ip=request.META.get("REMOTE_ADDR"),
                request_id=request_id,
                user_agent=request.headers.get("User-Agent", "")[:300],
            )
        )
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response
