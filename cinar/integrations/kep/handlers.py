"""Who wants incoming e-Yazışma packages: a small callback registry.

The documents app (or the integrator) registers a handler at startup; ``kep_fetch``
calls every handler with each .eyp attachment. Integrations stays below documents in the
layers, so it never imports it: the dependency points the other way.
"""

from __future__ import annotations

from collections.abc import Callable

from .protocol import KEPMessage

EYPHandler = Callable[[KEPMessage, str, bytes], str]
"""``handler(message, file_name, content) -> a one-line summary to print``."""

_handlers: list[EYPHandler] = []


def register_eyp_handler(handler: EYPHandler) -> EYPHandler:
    if handler not in _handlers:
        _handlers.append(handler)
    return handler


def unregister_eyp_handler(handler: EYPHandler) -> None:
    if handler in _handlers:
        _handlers.remove(handler)


def eyp_handlers() -> tuple[EYPHandler, ...]:
    return tuple(_handlers)
