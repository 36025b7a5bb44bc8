"""Service-task handlers: the only Python a process definition can reach.

A service task names a handler; the engine calls the handler registered under that
name and nothing else. Handlers come from two places:

- ``settings.CINAR_WORKFLOW_HANDLERS = {"notify_applicant": "cinar.cases.handlers.notify"}``
  (dotted paths, resolved lazily, like healthchecks' transports);
- ``@register_handler("name")`` in an app's module imported at start-up (its
  ``AppConfig.ready``).

A handler is called as ``handler(call)`` with a ``HandlerCall``, and returns a dict of
task-data updates (or None). It runs inside the transaction of the action that drove the
engine: a handler with outside effects (mail, SMS, HTTP) must schedule them with
``transaction.on_commit`` so a rollback sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class HandlerCall:
    """What a handler gets: a copy of the task data and the evaluated parameters."""

    name: str
    element_id: str
    data: Mapping[str, Any]
    params: Mapping[str, Any] = field(default_factory=dict)
    instance_id: int | None = None


Handler = Callable[[HandlerCall], Mapping[str, Any] | None]

_REGISTRY: dict[str, Handler] = {}


def register_handler(name: str) -> Callable[[Handler], Handler]:
    """Decorator: register ``func`` as the service-task handler called ``name``."""

    def decorator(func: Handler) -> Handler:
        existing = _REGISTRY.get(name)
        if existing is not None and existing is not func:
            raise ValueError(f"A workflow handler named {name!r} is already registered.")
        _REGISTRY[name] = func
        return func

    return decorator


def _settings_handlers() -> dict[str, str]:
    value = getattr(settings, "CINAR_WORKFLOW_HANDLERS", {}) or {}
    return dict(value)


def handler_names() -> set[str]:
    return set(_REGISTRY) | set(_settings_handlers())


def handler_exists(name: str) -> bool:
    return name in _REGISTRY or name in _settings_handlers()


def handler_get(name: str) -> Handler:
    """The handler registered as ``name``; KeyError if there is none."""
    dotted = _settings_handlers().get(name)
    if dotted is not None:
        handler: Handler = import_string(dotted)
        return handler
    return _REGISTRY[name]


# --- built-in, harmless handlers (used by tests and simple definitions) -------------------


@register_handler("noop")
def noop(call: HandlerCall) -> None:
    """Does nothing; useful as a placeholder in a definition under construction."""
    return None


@register_handler("set_variables")
def set_variables(call: HandlerCall) -> dict[str, Any]:
    """Copies its parameters into the task data."""
    return dict(call.params)
