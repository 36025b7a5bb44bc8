"""Request-scoped facts (who, from where) that every audit event carries.

The middleware sets them; actions never need to pass the request down. Outside a
request (worker, shell) they are empty and the actor passed to the action is used.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    request_id: str = ""
    user_agent: str = ""


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "cinar_audit_request",
    default=RequestContext(),  # noqa: B039 - a frozen dataclass, not mutable
)


def current() -> RequestContext:
    return _current.get()


def set_current(ctx: RequestContext) -> contextvars.Token[RequestContext]:
    return _current.set(ctx)


def reset(token: contextvars.Token[RequestContext]) -> None:
    _current.reset(token)
